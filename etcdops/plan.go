package etcdops

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	corev1 "k8s.io/api/core/v1"
)

// Change is what one operation does to one key: the value as read and the
// value that replaces it.
type Change struct {
	KeyInfo
	Action Action
	Before Record // as read; Before.ModRevision is what the compare-and-swap expects
	After  []byte // the new value; nil when the key needs no change
	Lease  int64  // lease the new value is written with: the key's own, so events keep expiring
	// Skip says why the key is reported and left alone (malformed,
	// encrypted, not applicable). Skipped keys make a batch partial.
	Skip error

	// stored is After as etcd is to hold it (encrypted at rest, see
	// Store.seal); nil when that is After itself.
	stored []byte
	edits  []codec.Edit // re-applied to a fresh read after a conflict
	expect []byte       // restores only: the value the key must still hold (checked here, not in the Txn)
	undoes string       // restores only: the journal they undo
	// unreadable: a quarantined value going back where it was, written
	// although it does not decode (its quarantine copy vouches for it).
	unreadable bool
}

// checkWrite is the write path's last guard (the validation step, see
// validate.go): a whole object written under a key (a create, an edit, a
// restore, an undo) must be what the apiserver stores there and carry the
// key's name and namespace. Repairs edit fields of the object read from
// the key itself, which keep both; deletes and quarantine's own moves write
// no object.
func (c *Change) checkWrite() error {
	if !c.Changed() || c.deletes() || c.edits != nil || c.unreadable || isQuarantineKey(c.Before.Key) {
		return nil
	}
	if err := checkKey(c.KeyInfo, c.After); err != nil {
		return fmt.Errorf("%s: not written: %w", c.KeyInfo, err)
	}
	return nil
}

// written is what the change puts in etcd.
func (c *Change) written() []byte {
	if c.stored != nil {
		return c.stored
	}
	return c.After
}

// Changed reports whether applying the change writes anything.
func (c *Change) Changed() bool { return c.Skip == nil && c.After != nil }

// Diff is the unified YAML diff of the change, as kubectl would show the
// object before and after (secrets redacted unless showSecrets).
func (c *Change) Diff(showSecrets bool) (string, error) {
	if !c.Changed() {
		return "", nil
	}
	// Both sides carry the same resourceVersion so the diff shows only the edit.
	opts := codec.RenderOptions{ResourceVersion: c.Before.ModRevision, ShowSecrets: showSecrets}
	diff, err := diffValues(c.KeyInfo.String(), c.Before.Value, c.After, opts)
	if why := c.deletedBecause(); why != "" && err == nil {
		// A repair that deletes is not what its name says: say so above
		// the diff, which alone only shows every line going.
		diff = "# " + c.KeyInfo.String() + ": " + why + "\n" + diff
	}
	return diff, err
}

// deletedBecause says why a change that is not a delete deletes its key,
// or "" if it does not.
func (c *Change) deletedBecause() string {
	if c.deletes() && c.Action == RemoveFinalizers {
		return "deleted: being deleted, and its last finalizer gone (kube-apiserver deletes it then)"
	}
	return ""
}

// Plan is an operation worked out against one snapshot of etcd, ready to be
// previewed and then applied.
type Plan struct {
	Operation Operation
	Revision  int64 // etcd revision the plan was read at
	Changes   []Change
	// Warnings are for the operator before the preview (an undo's
	// journal that does not name its etcd cluster); PlannedBatch hands
	// them to its batch.
	Warnings []string
}

// Counts tallies the plan: keys to write, keys already right, keys skipped.
func (p *Plan) Counts() (changed, unchanged, skipped int) {
	for i := range p.Changes {
		switch c := &p.Changes[i]; {
		case c.Skip != nil:
			skipped++
		case c.Changed():
			changed++
		default:
			unchanged++
		}
	}
	return changed, unchanged, skipped
}

// PlanPages plans op a page at a time, in key order, at op.Query.Revision
// (0: now), and returns the revision read at. Edits run on every core.
// Nothing is kept between pages.
func (s *Store) PlanPages(ctx context.Context, op Operation, fn func([]Change) error) (int64, error) {
	if err := op.Validate(); err != nil {
		return 0, err
	}
	if !op.resolved() {
		return 0, fmt.Errorf("etcdops: %s planned before Store.ResolveOperations gave it its webhook configurations", op.Action)
	}
	if op.wholePlanned() {
		plan, err := s.planWhole(ctx, op)
		if err != nil {
			return 0, err
		}
		return plan.Revision, inPages(plan.Changes, fn)
	}
	edits := op.edits()
	// Objects the edits cannot change need no decoding (codec.Untouched):
	// most of a large cluster, in a repair of its Terminating pods. Only
	// without selectors on the decoded object, which would need it.
	var untouched func(*Item) bool
	if op.Query.Selector == nil && op.Query.Node == "" && len(edits) > 0 {
		untouched = func(it *Item) bool {
			apiVersion, kind, ok := codec.Untouched(it.Value, edits...)
			return ok && it.Resource.holds(apiVersion, kind) == nil
		}
	}
	guard, err := s.orphanGuard(ctx, op)
	if err != nil {
		return 0, err
	}
	q := op.Query
	q.Needs = op.needs()
	return s.listPages(ctx, q, untouched, func(items []Item) error {
		changes := make([]Change, len(items))
		parallel.For(len(items), func(i int) {
			changes[i] = planChange(items[i], op.Action, edits)
			if guard != nil {
				guard(&changes[i], &items[i])
			}
		})
		s.sealAll(ctx, changes)
		return fn(changes)
	})
}

// What planning reads of an object besides its bytes, which the edits
// change at the wire level (codec.ApplyEditsDecoded): the labels a
// selector matches, and for an undelete the pod's node (orphanGuard).
var (
	planNeeds         = codec.NewMask("metadata.labels")
	undeletePlanNeeds = planNeeds.With("spec.nodeName")
)

func (op Operation) needs() *codec.Mask {
	if op.Action == UndeletePods {
		return undeletePlanNeeds
	}
	return planNeeds
}

// planWhole plans an edit or a create, sealed for writing, with the
// paths `lifeboat edit --patch` and `lifeboat create` take.
func (s *Store) planWhole(ctx context.Context, op Operation) (*Plan, error) {
	plan := &Plan{Operation: op}
	switch op.Action {
	case CreateObjects:
		created, err := s.PlanCreate(ctx, op.Objects, op.Query.Namespace, op.Now)
		if err != nil {
			return nil, err
		}
		plan.Changes, plan.Revision = created.Changes, created.Revision
	case EditObject:
		for _, name := range op.Query.Names {
			src, err := s.ReadForEdit(ctx, KeyInfo{Resource: op.Query.Resource, Namespace: op.Query.namespace(), Name: name})
			if err != nil {
				return nil, err
			}
			edited, err := src.MergePatch(op.Patch)
			if err != nil {
				return nil, err
			}
			p, err := s.PlanEdit(src, edited, op.AllowFieldLoss)
			if err != nil {
				return nil, err
			}
			plan.Changes = append(plan.Changes, p.Changes...)
			plan.Revision = max(plan.Revision, p.Revision)
		}
	}
	s.sealAll(ctx, plan.Changes)
	return plan, nil
}

// planChange applies edits to one item. A value that is malformed, encrypted
// or of a kind the edits do not fit becomes a skip, never a write.
func planChange(it Item, action Action, edits []codec.Edit) Change {
	c := Change{KeyInfo: it.KeyInfo, Action: action, Before: it.Record, Lease: it.Lease, edits: edits}
	switch {
	case it.untouched:
		return c
	case it.DecodeErr != nil:
		c.Skip = fmt.Errorf("%w (%s)", it.DecodeErr, it.UndecodableHint())
		return c
	case it.Encrypted() && action == DeleteObjects:
		c.Skip = fmt.Errorf("%s: encrypted at rest (%s): not deleted, since undo could not put back what it cannot read: %s", it.KeyInfo, it.Object.Encryption, encryptedReason(it.Record))
		return c
	case it.Encrypted():
		c.Skip = fmt.Errorf("%s: encrypted at rest (%s): not changed (lifeboat never writes plaintext over ciphertext): %s", it.KeyInfo, it.Object.Encryption, encryptedReason(it.Record))
		return c
	}
	if action == DeleteObjects {
		// Deleted only while the key holds exactly what was read: a value
		// someone rewrote since is theirs (a conflict, not a re-plan).
		c.After, c.expect = []byte{}, it.Raw()
		return c
	}
	after, changed, err := codec.ApplyEditsDecoded(it.Object, it.Value, edits...)
	if err != nil {
		c.Skip = fmt.Errorf("%s: %w", it.KeyInfo, err)
		return c
	}
	if changed {
		c.After = after
		if action == RemoveFinalizers && deletesOnUpdate(it.Resource, after) {
			c.After = []byte{}
		}
	}
	return c
}

// deletesOnUpdate reports whether kube-apiserver, asked to store value
// as an update, deletes the key instead: an object being deleted whose
// last finalizer goes, with no grace period left to wait (k8s.io/apiserver
// pkg/registry/generic/registry/store.go ShouldDeleteDuringUpdate); a
// namespace only once its spec.finalizers are empty too (k8s.io/kubernetes
// pkg/registry/core/namespace/storage ShouldDeleteNamespaceDuringUpdate),
// which is how /finalize ends a namespace stuck Terminating. A pod deleted
// gracefully keeps its grace period: only its kubelet's delete removes it.
func deletesOnUpdate(res Resource, value []byte) bool {
	obj, err := DecodeStored(res, value)
	if err != nil {
		return false
	}
	m := obj.Meta
	if m.DeletionTimestamp == nil || len(m.Finalizers) > 0 || m.DeletionGracePeriodSeconds != nil && *m.DeletionGracePeriodSeconds != 0 {
		return false
	}
	if ns, ok := obj.AsTyped().(*corev1.Namespace); ok && len(ns.Spec.Finalizers) > 0 {
		return false
	}
	return true
}

// replan works a change out again against the key's current value, after a
// compare-and-swap found that someone else wrote it. Restores never adapt:
// the key must still hold exactly what lifeboat wrote.
func (c *Change) replan(layout Layout, current Record, found bool) (Change, error) {
	next := Change{KeyInfo: c.KeyInfo, Action: c.Action, Before: current, Lease: current.Lease, edits: c.edits, expect: c.expect, undoes: c.undoes, unreadable: c.unreadable}
	if !found {
		return next, fmt.Errorf("%s: deleted by someone else since it was read at revision %d", c.KeyInfo, c.Before.ModRevision)
	}
	if c.expect != nil {
		if !bytes.Equal(current.Raw(), c.expect) {
			return next, fmt.Errorf("%s: changed by someone else (now revision %d): not restored, to keep their change", c.KeyInfo, current.ModRevision)
		}
		next.After = c.After
		return next, nil
	}
	info, _ := layout.Parse(current.Key)
	info.Resource = c.Resource
	it := Item{Record: current, KeyInfo: info}
	it.Object, it.DecodeErr = DecodeStored(it.Resource, current.Value)
	next = planChange(it, c.Action, c.edits)
	return next, next.Skip
}

var errConflict = errors.New("conflict")
