package etcdops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// Batch is one run of the write path over one or more operations: a CLI
// command, a plan file, an action in the TUI, an undo. It streams: Preview
// reads every operation at one revision, a page at a time, and keeps only
// counts; Apply reads the same revision again, page by page, and writes.
// Memory is one page and one window of writes, however many objects the
// batch covers. The front ends only preview, confirm and report.
type Batch struct {
	store *Store
	// sources give each operation's changes, in the order of Ops.
	sources []changeSource
	// Revision is the etcd revision the preview read every operation at;
	// Apply writes what was read there, so what was shown is what is
	// written (a key changed since is re-planned, as any conflict).
	Revision int64
	// Warnings are said once per batch, however many operations share them
	// (the controllers that would undo a repair).
	Warnings []string
	// Ops tally each operation's preview.
	Ops []OpTally

	previewed bool
}

// OpTally counts what one operation of a batch does.
type OpTally struct {
	Operation                   Operation
	Changed, Unchanged, Skipped int
	keys                        []string // the keys it changes, in key order
}

// NewBatch validates the operations and gathers the warnings; nothing is
// read until Preview.
func (s *Store) NewBatch(ctx context.Context, now time.Time, ops ...Operation) (*Batch, error) {
	b := &Batch{store: s}
	seen := map[string]bool{}
	for _, op := range ops {
		if op.Action == CreateObjects && op.Now.IsZero() {
			op.Now = now
		}
		if err := op.Validate(); err != nil {
			return nil, err
		}
		b.Ops = append(b.Ops, OpTally{Operation: op})
		if op.wholePlanned() {
			b.sources = append(b.sources, &wholePlan{store: s, op: op})
		} else {
			b.sources = append(b.sources, &selection{store: s, op: op})
		}
		for _, w := range s.Warnings(ctx, op, now) {
			if !seen[w] {
				seen[w] = true
				b.Warnings = append(b.Warnings, w)
			}
		}
	}
	return b, nil
}

// PlannedBatch wraps a plan worked out already (an undo, a restore, a
// create) as a batch. It may be applied without a preview: whoever worked
// it out has shown it.
func (s *Store) PlannedBatch(plan *Plan) *Batch {
	return &Batch{store: s, sources: []changeSource{&readyPlan{store: s, plan: plan}}, Revision: plan.Revision,
		Ops: []OpTally{{Operation: plan.Operation}}, Warnings: plan.Warnings, previewed: true}
}

// Preview reads every operation's objects at one revision and calls fn with
// each change, in operation and key order. It keeps only the tallies.
func (b *Batch) Preview(ctx context.Context, fn func(op int, c *Change) error) error {
	for i := range b.Ops {
		t := &b.Ops[i]
		t.Changed, t.Unchanged, t.Skipped, t.keys = 0, 0, 0, nil
		err := b.pages(ctx, i, b.Revision, func(page []Change) error {
			for k := range page {
				c := &page[k]
				switch {
				case c.Skip != nil:
					t.Skipped++
				case c.Changed():
					t.Changed++
					t.keys = append(t.keys, c.Before.Key)
				default:
					t.Unchanged++
				}
				if err := fn(i, c); err != nil {
					return err
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
	}
	b.previewed = true
	return nil
}

// pages streams operation i's changes read at rev (0: now; the first read
// sets b.Revision).
func (b *Batch) pages(ctx context.Context, i int, rev int64, fn func([]Change) error) error {
	readAt, err := b.sources[i].pages(ctx, rev, fn)
	if b.Revision == 0 {
		b.Revision = readAt
	}
	return err
}

// Counts tallies every operation of the batch.
func (b *Batch) Counts() (changed, unchanged, skipped int) {
	for _, t := range b.Ops {
		changed, unchanged, skipped = changed+t.Changed, unchanged+t.Unchanged, skipped+t.Skipped
	}
	return changed, unchanged, skipped
}

// ErrStopped ends an Apply whose context was cancelled (Ctrl-C): the writes
// in flight finished and are journaled, no new one started. Running the
// same command again carries on: what was written is already fine.
var ErrStopped = errors.New("stopped")

// Apply writes what Preview showed, operation by operation, and calls fn
// with the result of each key it writes (or found changed or deleted since),
// in order; the keys Preview found already fine or skipped are not read
// again. Each operation is read again at the
// preview's revision, so every compare-and-swap expects exactly the value
// previewed; a later operation whose keys an earlier one wrote is read at
// the current revision instead, so edits of the same object compose
// (untaint, then uncordon) rather than conflict. If etcd compacted the
// preview's revision meanwhile, the operation is read at the current one:
// every key changed since is then re-planned, as a conflict would be.
//
// Progress counts changed keys over the whole batch. On an error, the
// results of what was written have been passed to fn.
func (b *Batch) Apply(ctx context.Context, opts ApplyOptions, fn func(op int, c *Change, r Result) error) error {
	if !b.previewed {
		return errors.New("etcdops: Batch.Apply before Preview")
	}
	total, _, _ := b.Counts()
	progress := opts.Progress
	written := map[string]bool{}
	done := 0
	for i := range b.Ops {
		rev := b.Revision
		if i > 0 && overlaps(b.Ops[i].keys, written) {
			rev = 0
		}
		apply := func(page []Change) error {
			plan := &Plan{Operation: b.Ops[i].Operation, Changes: page}
			base := done
			o := opts
			if progress != nil {
				o.Progress = func(d, _ int) { progress(min(base+d, total), total) }
			}
			results, err := b.store.Apply(ctx, plan, o)
			for k := range results {
				r := results[k]
				if r.Changed {
					written[r.Key] = true
					done++
				}
				if ferr := fn(i, &page[k], r); ferr != nil && err == nil {
					err = ferr
				}
			}
			if err == nil && ctx.Err() != nil {
				err = fmt.Errorf("%w: %w", ErrStopped, ctx.Err())
			}
			return err
		}
		err := b.sources[i].changed(ctx, &b.Ops[i], rev, apply)
		if rev != 0 && errors.Is(err, rpctypes.ErrCompacted) {
			err = b.sources[i].changed(ctx, &b.Ops[i], 0, apply)
		}
		if err != nil {
			if ctx.Err() != nil && !errors.Is(err, ErrStopped) {
				err = fmt.Errorf("%w: %w", ErrStopped, err)
			}
			return err
		}
	}
	return nil
}

// inPages hands changes on ScanPageSize at a time.
func inPages(changes []Change, fn func([]Change) error) error {
	for start := 0; start < len(changes); start += ScanPageSize {
		if err := fn(changes[start:min(start+ScanPageSize, len(changes))]); err != nil {
			return err
		}
	}
	return nil
}

func overlaps(keys []string, written map[string]bool) bool {
	for _, k := range keys {
		if written[k] {
			return true
		}
	}
	return false
}

// changeSource is where one operation of a batch gets its changes: a
// selection read a page at a time, an edit or create planned whole, or a
// plan made already (an undo's restores, a restore).
type changeSource interface {
	// pages streams every change, read at rev (0: now), and returns the
	// revision read at.
	pages(ctx context.Context, rev int64, fn func([]Change) error) (int64, error)
	// changed streams, for Apply, the changes the preview tallied in t:
	// those it found to change, as they are at rev (0: now).
	changed(ctx context.Context, t *OpTally, rev int64, fn func([]Change) error) error
	// count is how many keys it covers, for Run's progress; validate
	// makes sure, before Run's first write, that it can run.
	count(ctx context.Context) (int, error)
	validate(ctx context.Context) error
}

// readyPlan is a plan made already: Apply writes its changes as they are.
type readyPlan struct {
	store *Store
	plan  *Plan
}

func (r *readyPlan) pages(ctx context.Context, _ int64, fn func([]Change) error) (int64, error) {
	r.store.sealAll(ctx, r.plan.Changes)
	return r.plan.Revision, inPages(r.plan.Changes, fn)
}

func (r *readyPlan) changed(_ context.Context, _ *OpTally, _ int64, fn func([]Change) error) error {
	return changedOf(r.plan, fn)
}

// wholePlan is an operation planned whole (edit, create): planned once, at
// the preview, so that Apply writes exactly what was shown.
type wholePlan struct {
	store *Store
	op    Operation
	plan  *Plan
}

func (w *wholePlan) pages(ctx context.Context, _ int64, fn func([]Change) error) (int64, error) {
	if w.plan == nil {
		plan, err := w.store.planWhole(ctx, w.op)
		if err != nil {
			return 0, err
		}
		w.plan = plan
	}
	return w.plan.Revision, inPages(w.plan.Changes, fn)
}

func (w *wholePlan) changed(_ context.Context, _ *OpTally, _ int64, fn func([]Change) error) error {
	if w.plan == nil {
		return errors.New("etcdops: Batch.Apply before Preview")
	}
	return changedOf(w.plan, fn)
}

// changedOf streams the changes of plan that write.
func changedOf(plan *Plan, fn func([]Change) error) error {
	var changed []Change
	for _, c := range plan.Changes {
		if c.Changed() {
			changed = append(changed, c)
		}
	}
	return inPages(changed, fn)
}

// selection is an operation over the objects a query selects, read a page
// at a time.
type selection struct {
	store *Store
	op    Operation
}

func (sel *selection) pages(ctx context.Context, rev int64, fn func([]Change) error) (int64, error) {
	op := sel.op
	op.Query.Revision = rev
	return sel.store.PlanPages(ctx, op, fn)
}

// changed reads again only the keys the preview found to change, at rev
// (0: now), a page at a time. On a large cluster most objects need nothing
// (20,000 Terminating pods of 150,000): they are neither read nor decoded
// a second time.
func (sel *selection) changed(ctx context.Context, t *OpTally, rev int64, fn func([]Change) error) error {
	s, op := sel.store, sel.op
	edits := op.edits()
	keys := t.keys
	for start := 0; start < len(keys); start += ScanPageSize {
		page := keys[start:min(start+ScanPageSize, len(keys))]
		items := make([]Item, len(page))
		errs := make([]error, len(page))
		found := make([]bool, len(page))
		parallel.ForN(len(page), readConcurrency, func(k int) {
			items[k].Record, found[k], _, errs[k] = s.getAt(ctx, page[k], rev)
		})
		changes := make([]Change, 0, len(page))
		for k, key := range page {
			if errs[k] != nil {
				return errs[k]
			}
			info, _ := s.layout.Parse(key)
			if info.Resource.StoragePath == op.Query.Resource.StoragePath {
				info.Resource = op.Query.Resource
			}
			if !found[k] {
				changes = append(changes, Change{KeyInfo: info, Action: op.Action, Before: Record{Key: key},
					Skip: fmt.Errorf("%w: %s: deleted by someone else since the preview", errConflict, info)})
				continue
			}
			items[k].KeyInfo = info
		}
		live := items[:0]
		for k := range items {
			if found[k] {
				live = append(live, items[k])
			}
		}
		s.decodeAll(ctx, live, nil)
		planned := make([]Change, len(live))
		parallel.For(len(live), func(k int) {
			it := live[k]
			if it.DecodeErr != nil {
				it.DecodeErr = fmt.Errorf("%s: %w", it.KeyInfo, it.DecodeErr)
			}
			planned[k] = planChange(it, op.Action, edits)
		})
		s.sealAll(ctx, planned)
		if err := fn(append(changes, planned...)); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// readConcurrency bounds the single-key reads Apply has in flight.
const readConcurrency = 32

// Tally counts what a batch left undone, for its last line: the reason per
// key was reported as it happened, possibly many screens up.
type Tally struct{ Skipped, Conflicts, Failed int }

// Add counts one key's outcome.
func (t *Tally) Add(err error, conflict, skipped bool) {
	switch {
	case err == nil:
	case conflict:
		t.Conflicts++
	case skipped:
		t.Skipped++
	default:
		t.Failed++
	}
}
