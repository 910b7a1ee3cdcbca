package etcdops

import (
	"context"
	"time"
)

// Batch is one run of the write path over one or more operations: a CLI
// command, a plan file, an action in the TUI, an undo. Every operation is
// planned against etcd before anything is written, so the whole batch is
// previewed and confirmed once; then the plans are applied in order. The
// front ends only preview, confirm and report.
type Batch struct {
	store *Store
	ops   []Operation // nil for an undo: its plans are never planned again
	// Plans are what will be (before Apply) or was (after) written, one per
	// operation. Apply replaces a plan it had to work out again.
	Plans []*Plan
	// Warnings are said once per batch, however many operations share them
	// (the controllers that would undo a repair).
	Warnings []string
}

// PlanBatch plans every operation, reading etcd but writing nothing.
func (s *Store) PlanBatch(ctx context.Context, now time.Time, ops ...Operation) (*Batch, error) {
	b := &Batch{store: s, ops: ops}
	for _, op := range ops {
		plan, err := s.Plan(ctx, op)
		if err != nil {
			return nil, err
		}
		b.Plans = append(b.Plans, plan)
	}
	seen := map[string]bool{}
	for _, op := range ops {
		for _, w := range s.Warnings(ctx, op, now) {
			if !seen[w] {
				seen[w] = true
				b.Warnings = append(b.Warnings, w)
			}
		}
	}
	return b, nil
}

// UndoBatch wraps an undo plan (PlanUndo, PlanUndoWrite) as a batch.
func (s *Store) UndoBatch(plan *Plan) *Batch {
	return &Batch{store: s, Plans: []*Plan{plan}}
}

// Counts tallies every plan of the batch.
func (b *Batch) Counts() (changed, unchanged, skipped int) {
	for _, p := range b.Plans {
		c, u, s := p.Counts()
		changed, unchanged, skipped = changed+c, unchanged+u, skipped+s
	}
	return changed, unchanged, skipped
}

// Apply writes the plans in order through Store.Apply. A later operation
// whose keys an earlier one wrote is planned again right before it is
// applied, so edits of the same object compose (untaint, then uncordon)
// instead of conflicting with each other. Progress counts over the whole
// batch. Results are per plan, aligned with b.Plans; on an error they stop
// at the plan that failed.
func (b *Batch) Apply(ctx context.Context, opts ApplyOptions) ([][]Result, error) {
	total := 0
	for _, p := range b.Plans {
		total += len(p.Changes)
	}
	progress := opts.Progress
	written := map[string]bool{}
	var all [][]Result
	offset := 0
	for i, plan := range b.Plans {
		if i > 0 && b.ops != nil && touches(plan, written) {
			fresh, err := b.store.Plan(ctx, b.ops[i])
			if err != nil {
				return all, err
			}
			total += len(fresh.Changes) - len(plan.Changes)
			b.Plans[i], plan = fresh, fresh
		}
		base := offset
		if progress != nil {
			opts.Progress = func(done, _ int) { progress(base+done, total) }
		}
		results, err := b.store.Apply(ctx, plan, opts)
		offset += len(plan.Changes)
		all = append(all, results)
		for _, r := range results {
			if r.Changed {
				written[r.Key] = true
			}
		}
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

func touches(plan *Plan, written map[string]bool) bool {
	for i := range plan.Changes {
		if written[plan.Changes[i].Before.Key] {
			return true
		}
	}
	return false
}

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

// AddPlan counts the keys a plan already skips or knows to conflict.
func (t *Tally) AddPlan(p *Plan) {
	for i := range p.Changes {
		t.Add(p.Changes[i].Skip, IsConflict(p.Changes[i].Skip), true)
	}
}

// AddResults counts the outcomes of applying p.
func (t *Tally) AddResults(p *Plan, results []Result) {
	for i, r := range results {
		t.Add(r.Err, r.Conflict, p.Changes[i].Skip != nil)
	}
}

// Done reports whether every key was done.
func (t Tally) Done() bool { return t == Tally{} }
