package etcdops

import (
	"bytes"
	"context"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/journal"
)

// PlanUndo works out how to put back what a journal's writes changed, newest
// first. An absent before-image (a key lifeboat re-created) is put back by
// deleting the key; an absent after-image (a key lifeboat deleted) by
// re-creating it. For each key it restores the before-image of lifeboat's earliest
// write in the last unbroken chain of writes to that key, and only if the key
// still holds the after-image of one of them (checked now; the
// compare-and-swap then checks nobody wrote the key since). A key someone
// else changed since is reported as a conflict and left alone. A journal
// written in another etcd cluster (by cluster ID) is refused whole, with an
// *OtherClusterError, unless opts say ForceCluster.
func (s *Store) PlanUndo(ctx context.Context, jf *journal.File, opts ...UndoOptions) (*Plan, error) {
	if err := s.checkJournalPrefix(jf); err != nil {
		return nil, err
	}
	warnings, err := s.checkJournalCluster(ctx, jf, opts)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Operation: Operation{Action: Restore}, Warnings: warnings}
	for _, ch := range undoChains(jf.Writes()) {
		c, ok, err := s.planRestore(ctx, jf.Path, ch)
		if err != nil {
			return nil, err
		}
		if ok {
			plan.add(c)
		}
	}
	if err := s.keepOrphanedCopies(ctx, plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// keepOrphanedCopies keeps a quarantine copy whose original undo does not
// put back: someone re-created the original key since, so the copy is the
// only place the quarantined value lives besides the journal. Deleting it
// would lose it; it stays, with the reason.
func (s *Store) keepOrphanedCopies(ctx context.Context, plan *Plan) error {
	restored := map[string]bool{}
	for _, c := range plan.Changes {
		if c.Changed() && len(c.After) > 0 {
			restored[c.Before.Key] = true
		}
	}
	for i := range plan.Changes {
		c := &plan.Changes[i]
		orig, isCopy := quarantinedFrom(c.Before.Key)
		if !isCopy || !c.deletes() || restored[orig] {
			continue
		}
		current, found, err := s.Get(ctx, orig)
		if err != nil {
			return err
		}
		if found && bytes.Equal(current.Raw(), c.Before.Raw()) {
			continue // the original holds the value again: the copy may go
		}
		c.After, c.expect = nil, nil
		c.Skip = fmt.Errorf("%w: %s: kept: %s does not get the quarantined value back (someone wrote it since), so the copy is where it lives; see 'lifeboat quarantine ls'", errConflict, c.KeyInfo, orig)
	}
	return nil
}

// PlanUndoWrite works out how to undo exactly one write of a journal: its
// before-image goes back only while the key still holds that write's
// after-image. Earlier writes to the key stay as they are. The journal's
// etcd cluster is checked as PlanUndo checks it.
func (s *Store) PlanUndoWrite(ctx context.Context, jf *journal.File, w journal.Write, opts ...UndoOptions) (*Plan, error) {
	if err := s.checkJournalPrefix(jf); err != nil {
		return nil, err
	}
	warnings, err := s.checkJournalCluster(ctx, jf, opts)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Operation: Operation{Action: Restore}, Warnings: warnings}
	c, ok, err := s.planRestore(ctx, jf.Path, []journal.Write{w})
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

func (s *Store) checkJournalPrefix(jf *journal.File) error {
	if jf.Info.Prefix != "" && jf.Info.Prefix != s.layout.Prefix {
		return &UsageError{Err: fmt.Errorf("journal %s was written with --prefix %s, not %s: pass --prefix %s", jf.Path, jf.Info.Prefix, s.layout.Prefix, jf.Info.Prefix)}
	}
	return nil
}

// planRestore plans putting back the before-image of chain[0] over a key
// that holds the after-image of one of chain's writes. ok is false when
// there is nothing to report (a write that never happened).
func (s *Store) planRestore(ctx context.Context, journalPath string, chain []journal.Write) (Change, bool, error) {
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
		committed = committed || w.State != journal.WriteNotWritten
	}
	switch {
	case holds(current, found, first.Before):
		// Already as before lifeboat's writes (an undo ran, or the
		// journal holds its own restores): writing would change nothing.
	case held >= 0 && chain[held].State == journal.WriteNotWritten:
		// The run stopped before etcd confirmed this write, and the key
		// holds what it would have written: this run may have written
		// it, or another (a rerun writes the same bytes). Undo reverts
		// only what it knows this run wrote.
		c.Skip = fmt.Errorf("%w: %s: kept: the run stopped before etcd confirmed its write, and the key holds what it would have written, which another run may have written since; if it was this run's, 'lifeboat restore %s %s%s --revision %d' puts back the version before it",
			errConflict, info, info.Resource, info.Name, namespaceFlag(info), first.BeforeRevision)
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
		// why it was moved, and what undoing the move means; but only the
		// bytes its quarantine copy still holds, so that no journal line
		// (one forged, one of another cluster) can make undo write
		// anything else under a key.
		var err error
		switch {
		case Action(first.Action) == QuarantineDelete:
			err = s.checkQuarantineCopy(ctx, key, first.Before)
			c.unreadable = true
		case isQuarantineKey(key):
			// The copy itself goes back as it was: outside the prefix.
		default:
			err = checkStorable(info.Resource, before)
			if err == nil {
				err = checkKey(info, before)
			}
		}
		if err != nil {
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
func undoChains(writes []journal.Write) [][]journal.Write {
	byKey := map[string][]journal.Write{}
	var order []string
	for _, w := range writes {
		ch, ok := byKey[w.Key]
		if !ok {
			order = append(order, w.Key)
		}
		if !ok || !bytes.Equal(w.Before, ch[len(ch)-1].After) {
			byKey[w.Key] = []journal.Write{w}
			continue
		}
		byKey[w.Key] = append(ch, w)
	}
	chains := make([][]journal.Write, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		chains = append(chains, byKey[order[i]])
	}
	return chains
}

func isQuarantineKey(key string) bool {
	_, ok := quarantinedFrom(key)
	return ok
}

// checkQuarantineCopy says why undo may not re-create key with value, the
// before-image of a quarantine's delete: the quarantine copy of key must
// still hold exactly those bytes.
func (s *Store) checkQuarantineCopy(ctx context.Context, key string, value []byte) error {
	copied, found, err := s.Get(ctx, QuarantineKey(key))
	switch {
	case err != nil:
		return err
	case !found:
		return fmt.Errorf("its quarantine copy %s is gone: undo puts back only a value its quarantine copy holds", QuarantineKey(key))
	case !bytes.Equal(copied.Raw(), value):
		return fmt.Errorf("its quarantine copy %s holds other bytes than the journal: undo puts back only what the copy holds", QuarantineKey(key))
	}
	return nil
}

// namespaceFlag is " -n NAMESPACE" for a namespaced object, for commands
// printed in messages.
func namespaceFlag(info KeyInfo) string {
	if info.Namespace == "" {
		return ""
	}
	return " -n " + info.Namespace
}
