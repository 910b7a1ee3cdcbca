package etcdops

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

// plannedResult is the result of a change before any write: a skip's
// reason, or nothing to do.
func plannedResult(c *Change) Result {
	return Result{KeyInfo: c.KeyInfo, Key: c.Before.Key, Action: c.Action, OldRevision: c.Before.ModRevision, Err: c.Skip, Conflict: IsConflict(c.Skip)}
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Journal receives every before- and after-image; required when the
	// plan writes anything.
	Journal *Journal
	// Progress, when set, is called after each window of writes is done.
	Progress func(done, total int)
	// Window bounds the single-key Txns in flight at once. Default
	// DefaultWindow.
	Window int
}

// DefaultWindow is how many single-key Txns Apply keeps in flight. etcd
// folds concurrent proposals into one raft entry and one fsync, so a window
// buys the speed a multi-key Txn would, while every object still gets its
// own revision.
const DefaultWindow = 64

// Apply writes a plan. Every changed key is one Txn in exactly the shape of
// kube-apiserver's OptimisticPut (etcd client/v3/kubernetes/client.go):
//
//	Txn(If(ModRevision(key) == read)).Then(Put(key, new [, WithLease(lease)])).Else(Get(key))
//
// and nothing else: no multi-key Txns, no value compares. So every changed
// object gets its own revision, as when the apiserver writes it (a watcher
// that resumes from one object's resourceVersion misses none of the others),
// and kine, which serves only this shape, accepts every write.
//
// Keys go in windows: the window's before-images are journaled with one
// fsync before any of its Txns is sent, then its Txns run concurrently,
// while the next window is journaled. A
// key whose compare fails is re-planned once against the value etcd returned
// and reported as a conflict if it changes again; nothing is written blind.
//
// A key etcd refuses (too large, invalid) is reported in its result and
// never stops the others. The error is for failures that stop the batch:
// read-only store, journal not writable, etcd unreachable, or ctx canceled.
// Cancelling ctx lets the Txns in flight finish (their outcome is journaled)
// and starts no new ones. Results are in plan order.
func (s *Store) Apply(ctx context.Context, plan *Plan, opts ApplyOptions) ([]Result, error) {
	results := make([]Result, len(plan.Changes))
	var pending []int
	for i := range plan.Changes {
		c := &plan.Changes[i]
		results[i] = plannedResult(c)
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
	window := opts.Window
	if window <= 0 {
		window = DefaultWindow
	}
	w := &windowWriter{store: s, journal: opts.Journal}
	// Txns in flight finish even when ctx is cancelled: their outcome must
	// reach the journal. Each has its own deadline.
	txnCtx := context.WithoutCancel(ctx)
	// Two windows overlap: the next window is journaled (its fsync) while
	// the Txns of the previous one are still in flight.
	var inFlight *windowRun
	done := 0
	finish := func(r *windowRun) error {
		err := r.wait()
		done += len(r.batch)
		if opts.Progress != nil {
			opts.Progress(done, len(plan.Changes))
		}
		return err
	}
	for len(pending) > 0 {
		if err := ctx.Err(); err != nil {
			if inFlight != nil {
				finish(inFlight)
			}
			w.flushCommits()
			return results, fmt.Errorf("stopped before %d write(s): %w", len(pending), err)
		}
		n := min(window, len(pending))
		batch := w.sealed(txnCtx, plan.Changes, pending[:n], results)
		pending = pending[n:]
		if err := w.journalWindow(plan.Changes, batch); err != nil {
			if inFlight != nil {
				finish(inFlight)
			}
			return results, err
		}
		next := w.start(txnCtx, plan.Changes, batch, results)
		if inFlight != nil {
			if err := finish(inFlight); err != nil {
				finish(next)
				w.flushCommits()
				return results, err
			}
		}
		inFlight = next
	}
	if err := finish(inFlight); err != nil {
		w.flushCommits()
		return results, err
	}
	if err := w.flushCommits(); err != nil {
		return results, err
	}
	return results, nil
}

// windowWriter runs windows of single-key Txns and keeps the journal in step:
// the "committed" entries of earlier windows go out with the next window's
// "write" entries, so each window costs one fsync.
type windowWriter struct {
	store   *Store
	journal *Journal

	mu      sync.Mutex
	commits []JournalEntry
}

// sealed drops from a window the changes that cannot be encrypted as
// kube-apiserver would write them, with the reason in their result; a
// planned batch sealed them already, so this is a re-planned or hand-built
// change's safety net.
func (w *windowWriter) sealed(ctx context.Context, changes []Change, batch []int, results []Result) []int {
	kept := batch[:0:0]
	for _, idx := range batch {
		if err := w.store.seal(ctx, &changes[idx]); err != nil {
			results[idx].Err = err
			continue
		}
		kept = append(kept, idx)
	}
	return kept
}

// journalWindow journals the before- and after-images of a window (and the
// commits so far), with one fsync, before any of its Txns is sent.
func (w *windowWriter) journalWindow(changes []Change, batch []int) error {
	entries := w.takeCommits()
	for _, idx := range batch {
		entries = append(entries, writeEntry(w.journal.now, &changes[idx]))
	}
	return w.journal.append(entries)
}

// windowRun is a window whose Txns are in flight.
type windowRun struct {
	batch []int
	wg    sync.WaitGroup
	fatal []error
}

// start sends a window's Txns, one goroutine each.
func (w *windowWriter) start(ctx context.Context, changes []Change, batch []int, results []Result) *windowRun {
	r := &windowRun{batch: batch, fatal: make([]error, len(batch))}
	for i, idx := range batch {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.fatal[i] = w.applyOne(ctx, &changes[idx], &results[idx])
		}()
	}
	return r
}

// wait returns the first error that stops the batch.
func (r *windowRun) wait() error {
	r.wg.Wait()
	for _, err := range r.fatal {
		if err != nil {
			return err
		}
	}
	return nil
}

// applyOne writes one change; on a failed compare it re-plans once from the
// value etcd returned. A returned error stops the batch; a failure of this
// key alone is put in res.
func (w *windowWriter) applyOne(ctx context.Context, c *Change, res *Result) error {
	s := w.store
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := w.journal.append([]JournalEntry{writeEntry(w.journal.now, c)}); err != nil {
				return err
			}
		}
		s.hookBeforeTxn(c.Before.Key)
		resp, err := s.txn(ctx, c)
		if err != nil {
			if keyLevel(err) {
				res.Err = fmt.Errorf("%s: etcd refused the write: %w", c.KeyInfo, err)
				return nil
			}
			return fmt.Errorf("%s: write: %w", c.KeyInfo, s.describe(err))
		}
		if resp.Succeeded {
			w.addCommit(JournalEntry{Type: entryCommitted, Time: w.journal.now().UTC(), Key: c.Before.Key, AfterRevision: resp.Header.Revision})
			res.Changed, res.NewRevision, res.Err = true, resp.Header.Revision, nil
			return nil
		}
		if c.creates() {
			// A Create carries no get on failure: the key exists now.
			res.Conflict = true
			res.Err = fmt.Errorf("%s: %w: created by someone else since lifeboat found it absent; left as they wrote it", c.KeyInfo, errConflict)
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
			current, found = s.record(ctx, rr.Kvs[0]), true
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
		if err := s.seal(ctx, &next); err != nil {
			res.Err = err
			return nil
		}
		*c = next
	}
}

// txn is kube-apiserver's Txn for one change, with its own deadline:
// OptimisticPut for an update; for a re-creation its Create, the same
// compare at revision 0 with no Else (kine serves a create only in that
// shape); for a deletion (undo of a re-creation) OptimisticDelete with
// GetOnFailure (etcd client/v3/kubernetes/client.go; k8s.io/apiserver
// pkg/storage/etcd3/store.go).
func (s *Store) txn(ctx context.Context, c *Change) (*clientv3.TxnResponse, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	txn := s.client.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(c.Before.Key), "=", c.Before.ModRevision))
	switch {
	case c.creates():
		return txn.Then(c.put()).Commit()
	case c.deletes():
		return txn.Then(clientv3.OpDelete(c.Before.Key)).Else(clientv3.OpGet(c.Before.Key)).Commit()
	}
	return txn.Then(c.put()).Else(clientv3.OpGet(c.Before.Key)).Commit()
}

// keyLevel reports whether etcd refused one request for what it carries (a
// value over --max-request-bytes, a key it rejects) rather than because it
// is unreachable: the other keys can still be written.
func keyLevel(err error) bool {
	if errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrGRPCRequestTooLarge) ||
		errors.Is(err, rpctypes.ErrTooManyOps) || errors.Is(err, rpctypes.ErrGRPCTooManyOps) {
		return true
	}
	switch status.Code(err) {
	case codes.InvalidArgument, codes.ResourceExhausted, codes.FailedPrecondition, codes.OutOfRange:
		// ResourceExhausted is also the client's own send limit
		// (grpc: trying to send message larger than max).
		return true
	}
	return false
}

func writeEntry(now timeFunc, c *Change) JournalEntry {
	return JournalEntry{
		Type: entryWrite, Time: now().UTC(), Key: c.Before.Key,
		Resource: c.Resource.String(), Namespace: c.Namespace, Name: c.Name, Action: c.Action,
		Before: c.Before.Raw(), BeforeRevision: c.Before.ModRevision, Lease: c.Lease, After: c.written(),
		Undoes: c.undoes,
	}
}

func (w *windowWriter) addCommit(e JournalEntry) {
	w.mu.Lock()
	w.commits = append(w.commits, e)
	w.mu.Unlock()
}

func (w *windowWriter) takeCommits() []JournalEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.commits
	w.commits = nil
	return out
}

// flushCommits journals the commits not yet written.
func (w *windowWriter) flushCommits() error {
	if entries := w.takeCommits(); len(entries) > 0 {
		return w.journal.append(entries)
	}
	return nil
}

// put writes the new value, keeping the key's lease: events and other leased
// keys must go on expiring as the apiserver set them up.
func (c *Change) put() clientv3.Op {
	if c.Lease != 0 {
		return clientv3.OpPut(c.Before.Key, string(c.written()), clientv3.WithLease(clientv3.LeaseID(c.Lease)))
	}
	return clientv3.OpPut(c.Before.Key, string(c.written()))
}

// IsConflict reports whether err is a compare-and-swap conflict.
func IsConflict(err error) bool { return errors.Is(err, errConflict) }

func (s *Store) hookBeforeTxn(key string) {
	if s.beforeTxn == nil {
		return
	}
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.beforeTxn(key)
}
