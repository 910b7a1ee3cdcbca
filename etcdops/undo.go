package etcdops

import (
	"bytes"
	"context"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/codec"
)

// PlanUndo works out how to put back what a journal's writes changed, newest
// first. An absent before-image (a key lifeboat re-created) is put back by
// deleting the key; an absent after-image (a key lifeboat deleted) by
// re-creating it. For each key it restores the before-image of lifeboat's earliest
// write in the last unbroken chain of writes to that key, and only if the key
// still holds the after-image of one of them (checked now; the
// compare-and-swap then checks nobody wrote the key since). A key someone
// else changed since is reported as a conflict and left alone.
func (s *Store) PlanUndo(ctx context.Context, jf *JournalFile) (*Plan, error) {
	if err := s.checkJournalPrefix(jf); err != nil {
		return nil, err
	}
	plan := &Plan{Operation: Operation{Action: Restore}}
	for _, ch := range undoChains(jf.Writes()) {
		c, ok, err := s.planRestore(ctx, jf.Path, ch)
		if err != nil {
			return nil, err
		}
		if ok {
			plan.add(c)
		}
	}
	return plan, nil
}

// PlanUndoWrite works out how to undo exactly one write of a journal: its
// before-image goes back only while the key still holds that write's
// after-image. Earlier writes to the key stay as they are.
func (s *Store) PlanUndoWrite(ctx context.Context, jf *JournalFile, w JournalWrite) (*Plan, error) {
	if err := s.checkJournalPrefix(jf); err != nil {
		return nil, err
	}
	plan := &Plan{Operation: Operation{Action: Restore}}
	c, ok, err := s.planRestore(ctx, jf.Path, []JournalWrite{w})
	if err != nil {
		return nil, err
	}
	if ok {
		plan.add(c)
	}
	return plan, nil
}

func (p *Plan) add(c Change) {
	if c.Before.ModRevision > p.Revision {
		p.Revision = c.Before.ModRevision
	}
	p.Changes = append(p.Changes, c)
}

func (s *Store) checkJournalPrefix(jf *JournalFile) error {
	if jf.Info.Prefix != "" && jf.Info.Prefix != s.layout.Prefix {
		return &UsageError{Err: fmt.Errorf("journal %s was written with --prefix %s, not %s: pass --prefix %s", jf.Path, jf.Info.Prefix, s.layout.Prefix, jf.Info.Prefix)}
	}
	return nil
}

// planRestore plans putting back the before-image of chain[0] over a key
// that holds the after-image of one of chain's writes. ok is false when
// there is nothing to report (a write that never happened).
func (s *Store) planRestore(ctx context.Context, journalPath string, chain []JournalWrite) (Change, bool, error) {
	first, last := chain[0], chain[len(chain)-1]
	key := first.Key
	info, ok := s.layout.Parse(key)
	if orig, quarantined := quarantinedFrom(key); quarantined {
		// A quarantine's copy: named after the object it came from.
		info, ok = s.layout.Parse(orig)
	}
	if !ok {
		return Change{}, false, &UsageError{Err: fmt.Errorf("journal key %s is not under --prefix %s: pass the prefix the journal was written with", key, s.layout.prefix())}
	}
	current, found, err := s.Get(ctx, key)
	if err != nil {
		return Change{}, false, err
	}
	current.Key = key
	// The key's own lease, as every write keeps it: the journaled one may
	// have expired since, and etcd refuses a Put with an unknown lease.
	c := Change{KeyInfo: info, Action: Restore, Before: current, Lease: current.Lease, undoes: journalPath}
	held := -1 // the newest write of the chain whose after-image the key holds
	for i := len(chain) - 1; i >= 0; i-- {
		if holds(current, found, chain[i].After) {
			held = i
			break
		}
	}
	committed := false
	for _, w := range chain {
		committed = committed || w.State != WriteNotWritten
	}
	switch {
	case holds(current, found, first.Before):
		// Already as before lifeboat's writes (an undo ran, or the
		// journal holds its own restores): writing would change nothing.
	case held >= 0 && len(first.Before) == 0:
		// lifeboat re-created the key (restore of a deleted object):
		// delete it, only while it holds what lifeboat wrote.
		c.After, c.expect = []byte{}, chain[held].After
	case held >= 0:
		// The object as it was, encrypted afresh as kube-apiserver would
		// write it (Store.seal); without the encryption config, the bytes
		// as they were.
		before, derr := s.openValue(ctx, key, first.Before)
		c.After, c.expect = before, chain[held].After
		if !found {
			// Re-create a key lifeboat deleted: without a lease, as
			// PlanRestore re-creates one.
			c.Lease = 0
		}
		// A quarantined value goes back as it was: unreadable, which is
		// why it was moved, and what undoing the move means.
		if err := checkStorable(info.Resource, before); err != nil && first.Action != QuarantineDelete {
			if derr != nil {
				err = derr
			}
			c.After = nil
			c.Skip = fmt.Errorf("%s: journaled before-image cannot be restored: %w", info, err)
		}
	case !committed:
		// Journaled but never committed, and not in etcd: the write
		// did not happen. Nothing to undo.
		return c, false, nil
	case !found:
		c.Skip = fmt.Errorf("%w: %s: deleted since lifeboat wrote it: not recreated", errConflict, info)
	default:
		c.Skip = fmt.Errorf("%w: %s: changed by someone else since lifeboat wrote it at revision %d (now %d): not restored, to keep their change", errConflict, info, last.AfterRevision, current.ModRevision)
	}
	return c, true, nil
}

// checkStorable says whether value is something kube-apiserver could read
// under res: DecodeStored reads it, and it is not encrypted.
func checkStorable(res Resource, value []byte) error {
	obj, err := DecodeStored(res, value)
	if err != nil {
		return err
	}
	if obj.Format == codec.FormatEncrypted {
		return fmt.Errorf("encrypted at rest (%s)", obj.Encryption)
	}
	return nil
}

// undoChains keeps, per key, the newest unbroken chain of writes: each
// write's before-image is the previous one's after-image. Where the chain
// breaks, someone else wrote the key between lifeboat's writes, and undoing
// further back would discard their change. Chains come out newest first.
func undoChains(writes []JournalWrite) [][]JournalWrite {
	byKey := map[string][]JournalWrite{}
	var order []string
	for _, w := range writes {
		ch, ok := byKey[w.Key]
		if !ok {
			order = append(order, w.Key)
		}
		if !ok || !bytes.Equal(w.Before, ch[len(ch)-1].After) {
			byKey[w.Key] = []JournalWrite{w}
			continue
		}
		byKey[w.Key] = append(ch, w)
	}
	chains := make([][]JournalWrite, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		chains = append(chains, byKey[order[i]])
	}
	return chains
}
