package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
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
	journalPath string // --journal: this exact new file
	journalDir  string // where journals go otherwise
	command     string // the command line, for the journal's begin entry
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
		journalDir:  journalDir(cmd),
		command:     strings.TrimSpace(strings.TrimPrefix(cmd.FullName(), cmd.Root().Name) + " " + strings.Join(cmd.Args().Slice(), " ")),
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

// operations plans every operation, previews the batch, asks once, then
// applies it (etcdops.Batch re-plans a later operation whose keys an earlier
// one wrote, so the edits compose).
func (w *writeRun) operations(ctx context.Context, ops []etcdops.Operation) error {
	b, err := w.store.PlanBatch(ctx, w.std.now(), ops...)
	if err != nil {
		return err
	}
	for _, warning := range b.Warnings {
		fmt.Fprintf(w.std.err, "warning: %s\n", warning)
	}
	return w.batch(ctx, b)
}

// batch previews, confirms and applies a planned batch.
func (w *writeRun) batch(ctx context.Context, b *etcdops.Batch) error {
	var planned etcdops.Tally
	for _, plan := range b.Plans {
		if err := w.preview(plan); err != nil {
			return err
		}
		planned.AddPlan(plan)
	}
	w.summary(b.Plans)
	toWrite, _, _ := b.Counts()
	if w.dryRun || toWrite == 0 {
		for _, plan := range b.Plans {
			w.report(plan, nil)
		}
		if !w.dryRun {
			fmt.Fprintln(w.std.err, "Nothing to do.")
		}
		return tallyErr(planned)
	}
	if w.store.ReadOnly() {
		return etcdops.ErrReadOnly
	}
	if err := w.confirm(toWrite); err != nil {
		return err
	}
	if err := w.openJournal(); err != nil {
		return err
	}
	var bar func(done, total int)
	if len(b.Plans) > 0 {
		bar = w.progressBar(toWrite)
	}
	results, err := b.Apply(ctx, etcdops.ApplyOptions{Journal: w.journal, Progress: bar})
	if bar != nil {
		fmt.Fprint(w.std.err, "\r\033[K")
	}
	var done etcdops.Tally
	for i, res := range results {
		w.report(b.Plans[i], res)
		done.AddResults(b.Plans[i], res)
	}
	fmt.Fprintf(w.std.err, "Journal: %s\nUndo with: lifeboat undo %s\n", w.journal.Path(), w.journal.Path())
	if err != nil {
		return fmt.Errorf("%w (what was written is in the journal: %s)", err, w.journal.Path())
	}
	return tallyErr(done)
}

// tallyErr is the exit-3 error naming what was not done, nil when everything was.
func tallyErr(t etcdops.Tally) error {
	var parts []string
	if t.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped (malformed, encrypted or not applicable: the 'skip:' lines)", t.Skipped))
	}
	if t.Conflicts > 0 {
		parts = append(parts, fmt.Sprintf("%d conflict(s) left as someone else wrote them (the CONFLICT lines)", t.Conflicts))
	}
	if t.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed (the 'not done' lines)", t.Failed))
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
		path = filepath.Join(w.journalDir, etcdops.JournalName(w.std.now(), w.command))
	}
	j, err := etcdops.CreateJournal(path, etcdops.JournalInfo{
		Command: "lifeboat " + w.command, Endpoints: w.store.Endpoints(), Prefix: w.store.Layout().Prefix,
	})
	if err != nil {
		return err
	}
	w.journal = j
	return nil
}

// progressBar draws on stderr for batches on a terminal.
func (w *writeRun) progressBar(n int) func(done, total int) {
	if !w.std.errTTY || n < 20 {
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
