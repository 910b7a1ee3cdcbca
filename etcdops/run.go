package etcdops

import (
	"context"
	"errors"
	"fmt"
)

// Run is Preview and Apply in one pass, for a batch confirmed before it is
// read (--yes): each page is planned, then journaled and written while the
// next page is read and planned, so no object is read or decoded twice.
// Every key is still read at one revision per operation and written with a
// compare-and-swap against what was read, exactly as Apply writes.
//
// fn is called, from one goroutine and in key order, for every key the
// operations select: with the result of its write, or of nothing to do
// (r.Changed false, r.Err the reason for a skip). The tallies count what
// was planned, as Preview's do. Progress counts keys read of the keys the
// operations select (counted first, as kube-apiserver counts objects).
// Operations run one after another, each read after the previous one's
// writes, so that edits of the same object compose.
func (b *Batch) Run(ctx context.Context, opts ApplyOptions, fn func(op int, c *Change, r *Result) error) error {
	total, err := b.count(ctx)
	if err != nil {
		return err
	}
	if err := b.validate(ctx); err != nil {
		return err
	}
	progress := opts.Progress
	opts.Progress = nil
	read := 0
	for i := range b.Ops {
		if err := b.runOp(ctx, i, opts, func(c *Change, r *Result) error {
			read++
			return fn(i, c, r)
		}, func() {
			if progress != nil {
				progress(min(read, total), total)
			}
		}); err != nil {
			if ctx.Err() != nil && !errors.Is(err, ErrStopped) {
				err = fmt.Errorf("%w: %w", ErrStopped, err)
			}
			return err
		}
	}
	b.previewed = true
	return nil
}

// runOp is Run for operation i: the pages PlanPages reads go to a writer
// goroutine, one page ahead, so that planning (decoding, editing,
// verifying: lifeboat's CPU) overlaps writing (etcd's).
func (b *Batch) runOp(ctx context.Context, i int, opts ApplyOptions, fn func(*Change, *Result) error, pageDone func()) error {
	t := &b.Ops[i]
	t.Changed, t.Unchanged, t.Skipped, t.keys = 0, 0, 0, nil
	// The reader may run a few pages ahead while the writer waits for
	// etcd; the writer gathers pages until they hold a few full windows
	// of changes, so that Apply keeps etcd busy rather than draining its
	// pipeline at every page with a window of a handful of Txns.
	window := opts.Window
	if window <= 0 {
		window = DefaultWindow
	}
	pages := make(chan []Change, runPagesAhead)
	stopped := make(chan struct{}) // closed when the writer stops early
	done := make(chan struct{})
	var werr error
	go func() {
		defer close(done)
		var gathered []Change
		changed := 0
		write := func() {
			if len(gathered) == 0 || werr != nil {
				return
			}
			results, err := b.store.Apply(ctx, &Plan{Operation: t.Operation, Changes: gathered}, opts)
			for k := range results {
				if ferr := fn(&gathered[k], &results[k]); ferr != nil && err == nil {
					err = ferr
				}
			}
			if err == nil && ctx.Err() != nil {
				err = fmt.Errorf("%w: %w", ErrStopped, ctx.Err())
			}
			pageDone()
			gathered, changed = nil, 0
			if werr = err; werr != nil {
				close(stopped)
			}
		}
		for page := range pages {
			if werr != nil {
				continue // drain: the reader stops at its next page
			}
			gathered = append(gathered, page...)
			for k := range page {
				if page[k].Changed() {
					changed++
				}
			}
			if changed >= runWindows*window || len(gathered) >= runWindows*ScanPageSize {
				write()
			}
		}
		write()
	}()
	readAt, err := b.sources[i].pages(ctx, 0, func(page []Change) error {
		for k := range page {
			switch c := &page[k]; {
			case c.Skip != nil:
				t.Skipped++
			case c.Changed():
				t.Changed++
			default:
				t.Unchanged++
			}
		}
		select {
		case pages <- page:
			return nil
		case <-stopped:
			return errRunStopped
		}
	})
	close(pages)
	<-done
	if b.Revision == 0 {
		b.Revision = readAt
	}
	if werr != nil {
		return werr
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrStopped, err)
	}
	return err
}

// Run's pipeline: pages read ahead of the writer, and how many windows of
// changes (or pages of keys) the writer gathers before it writes.
const (
	runPagesAhead = 4
	runWindows    = 4
)

// errRunStopped ends Run's reading when its writer has stopped; the
// writer's error is the one reported.
var errRunStopped = errors.New("writer stopped")

// count is how many keys the operations select, for Run's progress.
func (b *Batch) count(ctx context.Context) (int, error) {
	total := 0
	for _, src := range b.sources {
		n, err := src.count(ctx)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// validate makes sure, before Run's first write, that every operation can
// run: its named objects exist, its edits and creates plan. Preview plans
// every operation before anything is written, so a dry run and a prompt
// refuse such a batch whole; Run writes as it reads, and without this
// would write the operations before the one that fails.
func (b *Batch) validate(ctx context.Context) error {
	for _, src := range b.sources {
		if err := src.validate(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (r *readyPlan) count(context.Context) (int, error) { return len(r.plan.Changes), nil }
func (r *readyPlan) validate(context.Context) error     { return nil }

func (w *wholePlan) count(ctx context.Context) (int, error) { return w.store.Count(ctx, w.op.Query) }

// validate plans the operation, once: Run then writes that plan.
func (w *wholePlan) validate(ctx context.Context) error {
	_, err := w.pages(ctx, 0, func([]Change) error { return nil })
	return err
}

func (sel *selection) count(ctx context.Context) (int, error) {
	return sel.store.Count(ctx, sel.op.Query)
}

// validate makes sure the objects the selection names exist.
func (sel *selection) validate(ctx context.Context) error {
	s, op := sel.store, sel.op
	if op.Query.Resource.Namespaced && op.Query.namespace() == "" && len(op.Query.Names) > 0 {
		// Names with -A: each is looked for in every namespace, as
		// the plan looks for it.
		found, err := s.Names(ctx, op.Query)
		if err != nil {
			return err
		}
		for _, name := range op.Query.Names {
			if !contains(found, name) {
				return &NotFoundError{Key: s.layout.ResourcePrefix(op.Query.Resource) + "<any namespace>/" + name,
					What: KeyInfo{Resource: op.Query.Resource, Name: name}}
			}
		}
		return nil
	}
	for _, name := range op.Query.Names {
		key := s.layout.Key(op.Query.Resource, op.Query.namespace(), name)
		if _, found, err := s.Get(ctx, key); err != nil {
			return err
		} else if !found {
			return &NotFoundError{Key: key, What: KeyInfo{Resource: op.Query.Resource, Namespace: op.Query.namespace(), Name: name}}
		}
	}
	return nil
}
