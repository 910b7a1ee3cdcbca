package etcdops

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Result is what happened to one key.
type Result struct {
	KeyInfo
	Key         string
	Action      Action
	Changed     bool  // a new value was written
	OldRevision int64 // mod_revision before (the resourceVersion the object had)
	NewRevision int64 // mod_revision after = the object's new resourceVersion; 0 if nothing was written
	Conflict    bool  // someone else changed the key; it was left as they wrote it
	Replanned   bool  // the first compare failed; the edit was re-applied to a fresh read
	Err         error // skip reason, conflict or failure; nil when done or nothing to do
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Journal receives every before- and after-image; required when the
	// plan writes anything.
	Journal *Journal
	// Progress, when set, is called after each group of keys is done.
	Progress func(done, total int)
	// GroupSize bounds the compare-and-swap puts sent in one etcd Txn
	// (etcd's --max-txn-ops defaults to 128). Default 100.
	GroupSize int
}

// maxTxnOps is etcd's default --max-txn-ops: the most compares, and the most
// puts, one Txn may carry.
const maxTxnOps = 128

// groupBytes keeps one Txn well under etcd's default 1.5 MiB request limit.
const groupBytes = 1 << 20

// Apply writes a plan: for each changed key, journal the before-image, then
// compare-and-swap exactly as kube-apiserver's OptimisticPut does
// (etcd client/v3/kubernetes/client.go): If(ModRevision(key) == read).
// Then(Put(key, new, WithLease(lease))).Else(Get(key)). Keys are grouped
// into Txns for speed; a failed group is retried key by key, and a key whose
// compare fails is re-planned once against its current value and reported as
// a conflict if it changes again. Nothing is ever written blind.
//
// The error is for failures that stop the whole batch (read-only store,
// journal not writable, etcd gone); per-key outcomes are in the results, in
// plan order.
func (s *Store) Apply(ctx context.Context, plan *Plan, opts ApplyOptions) ([]Result, error) {
	results := make([]Result, len(plan.Changes))
	var pending []int
	for i := range plan.Changes {
		c := &plan.Changes[i]
		results[i] = Result{KeyInfo: c.KeyInfo, Key: c.Before.Key, Action: c.Action, OldRevision: c.Before.ModRevision, Err: c.Skip, Conflict: IsConflict(c.Skip)}
		if c.Changed() {
			pending = append(pending, i)
		}
	}
	if len(pending) == 0 {
		return results, nil
	}
	if s.readOnly {
		return results, ErrReadOnly
	}
	if opts.Journal == nil {
		return results, errors.New("refusing to write without a journal: every write must be undoable")
	}
	size := opts.GroupSize
	if size <= 0 || size > maxTxnOps {
		size = 100
	}
	done := 0
	for len(pending) > 0 {
		n, bytes, cmps := 0, 0, 0
		for n < len(pending) && n < size {
			c := &plan.Changes[pending[n]]
			size := c.txnBytes()
			if n > 0 && (bytes+size > groupBytes || cmps+len(c.compares()) > maxTxnOps) {
				break
			}
			bytes += size
			cmps += len(c.compares())
			n++
		}
		group := pending[:n]
		pending = pending[n:]
		if err := s.applyGroup(ctx, plan.Changes, group, results, opts.Journal); err != nil {
			return results, err
		}
		done += len(group)
		if opts.Progress != nil {
			opts.Progress(done, len(plan.Changes))
		}
	}
	return results, nil
}

// applyGroup writes a group of changes in one Txn, or key by key if any
// compare fails.
func (s *Store) applyGroup(ctx context.Context, changes []Change, group []int, results []Result, j *Journal) error {
	batch := make([]*Change, len(group))
	for i, idx := range group {
		batch[i] = &changes[idx]
	}
	if len(batch) > 1 {
		if err := j.recordWrites(batch); err != nil {
			return err
		}
		cmps := make([]clientv3.Cmp, 0, len(batch))
		puts := make([]clientv3.Op, 0, len(batch))
		for _, c := range batch {
			cmps = append(cmps, c.compares()...)
			puts = append(puts, c.put())
		}
		s.hookBeforeTxn(batch)
		resp, err := s.client.Txn(ctx).If(cmps...).Then(puts...).Commit()
		if err != nil {
			return fmt.Errorf("write %d keys (first %s): %w", len(batch), batch[0].Before.Key, err)
		}
		if resp.Succeeded {
			if err := j.recordCommits(batch, resp.Header.Revision); err != nil {
				return err
			}
			for _, idx := range group {
				results[idx].Changed = true
				results[idx].NewRevision = resp.Header.Revision
			}
			return nil
		}
		// Someone wrote one of these keys: fall back to one Txn per key so
		// only that key is re-planned. The "write" entries already in the
		// journal without a "committed" entry are known to undo as not
		// written unless the key holds their after-image.
	}
	for i, idx := range group {
		if err := s.applyOne(ctx, batch[i], &results[idx], j, len(batch) == 1); err != nil {
			return err
		}
	}
	return nil
}

// applyOne writes one change with compare-and-swap; on a failed compare it
// re-plans once from the value etcd returned.
func (s *Store) applyOne(ctx context.Context, c *Change, res *Result, j *Journal, journalFirst bool) error {
	for attempt := 0; ; attempt++ {
		if journalFirst || attempt > 0 {
			if err := j.recordWrites([]*Change{c}); err != nil {
				return err
			}
		}
		s.hookBeforeTxn([]*Change{c})
		resp, err := s.client.Txn(ctx).If(c.compares()...).Then(c.put()).Else(clientv3.OpGet(c.Before.Key)).Commit()
		if err != nil {
			return fmt.Errorf("%s: write: %w", c.KeyInfo, err)
		}
		if resp.Succeeded {
			if err := j.recordCommits([]*Change{c}, resp.Header.Revision); err != nil {
				return err
			}
			res.Changed, res.NewRevision, res.Err = true, resp.Header.Revision, nil
			return nil
		}
		if attempt == 1 {
			res.Conflict = true
			res.Err = fmt.Errorf("%s: %w: changed again by someone else while lifeboat re-planned; left as they wrote it (re-run to retry)", c.KeyInfo, errConflict)
			return nil
		}
		var current Record
		found := false
		if rr := resp.Responses[0].GetResponseRange(); rr != nil && len(rr.Kvs) > 0 {
			current, found = recordOf(rr.Kvs[0]), true
		}
		next, err := c.replan(s.layout, current, found)
		res.Replanned = true
		res.OldRevision = current.ModRevision
		if err != nil {
			res.Conflict = true
			res.Err = fmt.Errorf("%w: %w", errConflict, err)
			return nil
		}
		if !next.Changed() {
			// Someone else already made the change: nothing left to do.
			res.Err = nil
			return nil
		}
		*c = next
	}
}

// compares are the Txn conditions for writing c: the key is still at the
// revision it was read at and, for restores, still holds what lifeboat wrote.
func (c *Change) compares() []clientv3.Cmp {
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(c.Before.Key), "=", c.Before.ModRevision)}
	if c.expect != nil {
		cmps = append(cmps, clientv3.Compare(clientv3.Value(c.Before.Key), "=", string(c.expect)))
	}
	return cmps
}

// txnBytes is roughly what c adds to a Txn request: the key (in the compare
// and the put), the new value, and for restores the expected value.
func (c *Change) txnBytes() int {
	return 2*len(c.Before.Key) + len(c.After) + len(c.expect)
}

// put writes the new value, keeping the key's lease: events and other leased
// keys must go on expiring as the apiserver set them up.
func (c *Change) put() clientv3.Op {
	if c.Lease != 0 {
		return clientv3.OpPut(c.Before.Key, string(c.After), clientv3.WithLease(clientv3.LeaseID(c.Lease)))
	}
	return clientv3.OpPut(c.Before.Key, string(c.After))
}

// IsConflict reports whether err is a compare-and-swap conflict.
func IsConflict(err error) bool { return errors.Is(err, errConflict) }

func (s *Store) hookBeforeTxn(changes []*Change) {
	if s.beforeTxn == nil {
		return
	}
	keys := make([]string, len(changes))
	for i, c := range changes {
		keys[i] = c.Before.Key
	}
	s.beforeTxn(keys)
}
