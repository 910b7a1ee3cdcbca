package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

// writeRun is one invocation of a writing command: the flags that steer the
// preview -> confirm -> journal -> compare-and-swap path every write takes.
type writeRun struct {
	std         streams
	store       *etcdops.Store
	dryRun      bool
	yes         bool
	json        bool
	showSecrets bool
	journalPath string
	journal     *etcdops.Journal
}

func newWriteRun(std streams, cmd *cli.Command, store *etcdops.Store) *writeRun {
	return &writeRun{
		std:         std,
		store:       store,
		dryRun:      cmd.Bool("dry-run"),
		yes:         cmd.Bool("yes"),
		json:        cmd.String("output") == "json",
		showSecrets: cmd.Bool("show-secrets"),
		journalPath: cmd.Root().String("journal"),
	}
}

// resultLine is one JSON Lines record of -o json.
type resultLine struct {
	Key         string `json:"key"`
	Resource    string `json:"resource"`
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	Action      string `json:"action"`
	Changed     bool   `json:"changed"`
	DryRun      bool   `json:"dryRun,omitempty"`
	OldRevision int64  `json:"oldRevision"`
	NewRevision int64  `json:"newRevision"`
	Conflict    bool   `json:"conflict"`
	Error       string `json:"error"`
}

// operations plans each operation, previews every change, asks once, then
// applies them in order. Later operations are planned again right before
// they are applied when an earlier one wrote one of their keys, so the edits
// compose (untaint then uncordon the same node) instead of conflicting.
func (w *writeRun) operations(ctx context.Context, ops []etcdops.Operation) error {
	plans := make([]*etcdops.Plan, len(ops))
	for i, op := range ops {
		plan, err := w.store.Plan(ctx, op)
		if err != nil {
			return err
		}
		plans[i] = plan
	}
	warned := map[string]bool{} // a plan's operations share the same controllers
	for _, op := range ops {
		for _, warning := range w.store.Warnings(ctx, op, w.std.now()) {
			if !warned[warning] {
				warned[warning] = true
				fmt.Fprintf(w.std.err, "warning: %s\n", warning)
			}
		}
	}
	return w.plans(ctx, plans, func(ctx context.Context, i int, written map[string]bool) (*etcdops.Plan, error) {
		for _, c := range plans[i].Changes {
			if written[c.Before.Key] {
				return w.store.Plan(ctx, ops[i])
			}
		}
		return plans[i], nil
	})
}

// plans previews, confirms and applies plans. replan gives the plan to
// apply for plans[i], given the keys already written in this run.
func (w *writeRun) plans(ctx context.Context, plans []*etcdops.Plan, replan func(context.Context, int, map[string]bool) (*etcdops.Plan, error)) error {
	toWrite := 0
	var planned undone
	for _, plan := range plans {
		if err := w.preview(plan); err != nil {
			return err
		}
		changed, _, _ := plan.Counts()
		toWrite += changed
		for i := range plan.Changes {
			planned.add(plan.Changes[i].Skip, etcdops.IsConflict(plan.Changes[i].Skip), true)
		}
	}
	w.summary(plans)
	if w.dryRun {
		for _, plan := range plans {
			w.report(plan, nil)
		}
		return planned.err()
	}
	if toWrite == 0 {
		for _, plan := range plans {
			w.report(plan, nil)
		}
		fmt.Fprintln(w.std.err, "Nothing to do.")
		return planned.err()
	}
	if w.store.ReadOnly() {
		return etcdops.ErrReadOnly
	}
	if err := w.confirm(toWrite); err != nil {
		return err
	}
	written := map[string]bool{}
	var done undone
	for i := range plans {
		plan, err := replan(ctx, i, written)
		if err != nil {
			return err
		}
		changed, _, _ := plan.Counts()
		if changed > 0 && w.journal == nil {
			if err := w.openJournal(); err != nil {
				return err
			}
		}
		bar := w.progressBar(plan)
		results, err := w.store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: w.journal, Progress: bar})
		if bar != nil {
			fmt.Fprint(w.std.err, "\r\033[K")
		}
		w.report(plan, results)
		for i, r := range results {
			if r.Changed {
				written[r.Key] = true
			}
			done.add(r.Err, r.Conflict, plan.Changes[i].Skip != nil)
		}
		if err != nil {
			if w.journal != nil {
				return fmt.Errorf("%w (journal of what was written: %s)", err, w.journal.Path())
			}
			return err
		}
	}
	if w.journal != nil {
		fmt.Fprintf(w.std.err, "Journal: %s\nUndo with: lifeboat undo %s\n", w.journal.Path(), w.journal.Path())
	}
	return done.err()
}

// undone tallies the keys a run left alone, for its last line: the reasons
// per key were printed as they happened, possibly many screens up.
type undone struct{ skipped, conflicts, failed int }

func (u *undone) add(err error, conflict, skip bool) {
	switch {
	case err == nil:
	case conflict:
		u.conflicts++
	case skip:
		u.skipped++
	default:
		u.failed++
	}
}

// err is the exit-3 error naming what was not done, nil when everything was.
func (u undone) err() error {
	var parts []string
	if u.skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped (malformed, encrypted or not applicable: the 'skip:' lines)", u.skipped))
	}
	if u.conflicts > 0 {
		parts = append(parts, fmt.Sprintf("%d conflict(s) left as someone else wrote them (the CONFLICT lines)", u.conflicts))
	}
	if u.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed (the 'not done' lines)", u.failed))
	}
	if len(parts) == 0 {
		return nil
	}
	return &partialError{msg: "not done: " + strings.Join(parts, "; ")}
}

// preview prints each change's diff; with -o json the diffs go to stderr so
// stdout stays JSON Lines.
func (w *writeRun) preview(plan *etcdops.Plan) error {
	out, tty := w.std.out, w.std.outTTY
	if w.json {
		out, tty = w.std.err, w.std.errTTY
	}
	for i := range plan.Changes {
		c := &plan.Changes[i]
		if c.Skip != nil {
			fmt.Fprintf(w.std.err, "skip: %s\n", oneLine(c.Skip.Error()))
			continue
		}
		diff, err := c.Diff(w.showSecrets)
		if err != nil {
			return err
		}
		if diff == "" {
			continue
		}
		if tty {
			diff = codec.ColorizeDiff(diff)
		}
		fmt.Fprint(out, diff)
	}
	return nil
}

func (w *writeRun) summary(plans []*etcdops.Plan) {
	for _, plan := range plans {
		changed, unchanged, skipped := plan.Counts()
		verb := "to change"
		if w.dryRun {
			verb = "would change"
		}
		fmt.Fprintf(w.std.err, "%s: %d %s, %d already fine, %d skipped (read at revision %d)\n",
			plan.Operation, changed, verb, unchanged, skipped, plan.Revision)
	}
}

// confirm asks on a terminal; without one, --yes is the only way to write.
func (w *writeRun) confirm(n int) error {
	if w.yes {
		return nil
	}
	if !w.std.inTTY {
		return fmt.Errorf("no terminal to confirm %d write(s) and no --yes: nothing written (add --yes to write, or --dry-run to preview)", n)
	}
	fmt.Fprintf(w.std.err, "Write %d object(s) to etcd %s? Type 'yes' to continue: ", n, strings.Join(w.store.Endpoints(), ","))
	line, _ := bufio.NewReader(w.std.in).ReadString('\n')
	if answer := strings.TrimSpace(strings.ToLower(line)); answer != "yes" && answer != "y" {
		return fmt.Errorf("not confirmed (answered %q): nothing written", strings.TrimSpace(line))
	}
	return nil
}

func (w *writeRun) openJournal() error {
	path := w.journalPath
	if path == "" {
		path = etcdops.DefaultJournalPath(w.std.now())
	}
	j, err := etcdops.CreateJournal(path)
	if err != nil {
		return err
	}
	w.journal = j
	return nil
}

// progressBar draws on stderr for batches on a terminal.
func (w *writeRun) progressBar(plan *etcdops.Plan) func(done, total int) {
	if !w.std.errTTY || len(plan.Changes) < 20 {
		return nil
	}
	bar := progress.New(progress.WithDefaultGradient(), progress.WithWidth(40))
	return func(done, total int) {
		fmt.Fprintf(w.std.err, "\r%s %d/%d", bar.ViewAs(float64(done)/float64(total)), done, total)
	}
}

// report prints the outcome per key: a line of text, or JSON Lines.
func (w *writeRun) report(plan *etcdops.Plan, results []etcdops.Result) {
	enc := json.NewEncoder(w.std.out)
	for i := range plan.Changes {
		c := &plan.Changes[i]
		line := resultLine{
			Key: c.Before.Key, Resource: c.Resource.String(), Namespace: c.Namespace, Name: c.Name,
			Action: string(c.Action), OldRevision: c.Before.ModRevision,
		}
		if results == nil {
			line.Changed, line.DryRun = c.Changed(), w.dryRun
			if c.Skip != nil {
				line.Error = oneLine(c.Skip.Error())
				line.Conflict = etcdops.IsConflict(c.Skip)
			}
		} else {
			r := results[i]
			line.Changed, line.OldRevision, line.NewRevision, line.Conflict = r.Changed, r.OldRevision, r.NewRevision, r.Conflict
			if r.Err != nil {
				line.Error = oneLine(r.Err.Error())
			}
		}
		if w.json {
			enc.Encode(line)
			continue
		}
		if results == nil {
			continue // the preview and summary already said it
		}
		switch {
		case line.Changed:
			fmt.Fprintf(w.std.out, "%s: %s, resourceVersion %d -> %d\n", c.KeyInfo, c.Action, line.OldRevision, line.NewRevision)
		case line.Error != "" && line.Conflict:
			fmt.Fprintf(w.std.out, "%s: CONFLICT: %s\n", c.KeyInfo, line.Error)
		case line.Error != "":
			fmt.Fprintf(w.std.out, "%s: not done: %s\n", c.KeyInfo, line.Error)
		}
	}
}
