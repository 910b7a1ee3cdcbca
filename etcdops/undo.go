package etcdops

import (
	"bytes"
	"context"
	"fmt"
)

// PlanUndo works out how to put back what a journal's writes changed, newest
// first. For each key it restores the before-image of lifeboat's earliest
// write in the last unbroken chain of writes to that key, and only if the key
// still holds the after-image of the latest one (checked now, and again by
// the compare-and-swap). A key someone else changed since is reported as a
// conflict and left alone.
func (s *Store) PlanUndo(ctx context.Context, entries []JournalEntry) (*Plan, error) {
	chains := undoChains(entries)
	plan := &Plan{Operation: Operation{Action: Restore}}
	for _, ch := range chains {
		info, ok := s.layout.Parse(ch.key)
		if !ok {
			return nil, &UsageError{Err: fmt.Errorf("journal key %s is not under --prefix %s: pass the prefix the journal was written with", ch.key, s.layout.prefix())}
		}
		current, found, err := s.Get(ctx, ch.key)
		if err != nil {
			return nil, err
		}
		if current.ModRevision > plan.Revision {
			plan.Revision = current.ModRevision
		}
		first := ch.writes[0]
		c := Change{KeyInfo: info, Action: Restore, Before: current, Lease: first.Lease}
		c.Before.Key = ch.key
		held := -1 // the newest write of the chain whose after-image the key holds
		for i := len(ch.writes) - 1; i >= 0 && found; i-- {
			if bytes.Equal(current.Value, ch.writes[i].After) {
				held = i
				break
			}
		}
		last := ch.writes[len(ch.writes)-1]
		switch {
		case found && bytes.Equal(current.Value, first.Before):
			// Already as before lifeboat's writes (an undo ran, or the
			// journal holds its own restores): writing would change nothing.
		case held >= 0:
			c.After, c.expect = first.Before, ch.writes[held].After
		case !ch.committed():
			// Journaled but never committed, and not in etcd: the write
			// did not happen. Nothing to undo.
			continue
		case !found:
			c.Skip = fmt.Errorf("%w: %s: deleted since lifeboat wrote it: not recreated", errConflict, info)
		default:
			c.Skip = fmt.Errorf("%w: %s: changed by someone else since lifeboat wrote it at revision %d (now %d): not restored, to keep their change", errConflict, info, last.AfterRevision, current.ModRevision)
		}
		plan.Changes = append(plan.Changes, c)
	}
	return plan, nil
}

// undoChain is the run of lifeboat's writes to one key that undo reverses.
type undoChain struct {
	key    string
	writes []JournalEntry // oldest first; each one's Before is the previous one's After
}

func (ch *undoChain) committed() bool {
	for _, w := range ch.writes {
		if w.AfterRevision != 0 {
			return true
		}
	}
	return false
}

// undoChains pairs "write" entries with their "committed" entries and,
// per key, keeps the newest unbroken chain: each write's before-image is the
// previous write's after-image. Where the chain breaks, someone else wrote
// the key between lifeboat's writes, and undoing further back would discard
// their change. Chains come out newest first.
func undoChains(entries []JournalEntry) []undoChain {
	var writes []JournalEntry
	lastWrite := map[string]int{} // key -> index in writes of its latest uncommitted write
	for _, e := range entries {
		switch e.Type {
		case entryWrite:
			lastWrite[e.Key] = len(writes)
			writes = append(writes, e)
		case entryCommitted:
			if i, ok := lastWrite[e.Key]; ok {
				writes[i].AfterRevision = e.AfterRevision
			}
		}
	}
	// A write journaled again after a failed grouped Txn supersedes the
	// uncommitted one: drop uncommitted writes followed by a write of the
	// same key with the same before-image. Left in, it would break the chain
	// (its after-image is not the next write's before-image), and undo would
	// stop short of the writes lifeboat made to the key before it.
	var effective []JournalEntry
	for i, w := range writes {
		superseded := false
		if w.AfterRevision == 0 {
			for _, later := range writes[i+1:] {
				if later.Key == w.Key && bytes.Equal(later.Before, w.Before) {
					superseded = true
					break
				}
			}
		}
		if !superseded {
			effective = append(effective, w)
		}
	}
	byKey := map[string]*undoChain{}
	var order []string
	for _, w := range effective {
		ch, ok := byKey[w.Key]
		if !ok || !bytes.Equal(w.Before, ch.writes[len(ch.writes)-1].After) {
			if !ok {
				order = append(order, w.Key)
			}
			byKey[w.Key] = &undoChain{key: w.Key, writes: []JournalEntry{w}}
			continue
		}
		ch.writes = append(ch.writes, w)
	}
	chains := make([]undoChain, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		chains = append(chains, *byKey[order[i]])
	}
	return chains
}
