package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	"github.com/lifeboat-k8s/lifeboat/journal"
	"github.com/lifeboat-k8s/lifeboat/render"
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
	showAll     bool   // list every name of a grouped preview
	journalPath string // --journal: this exact new file
	journalDir  string // where journals go otherwise
	command     string // the command line, for the journal's begin entry
	journal     *journal.Journal
	flushOut    func() error // flushes stdout's buffer; nil when unbuffered
}

// flush writes out what stdout holds, before a line on stderr that must
// follow it.
func (w *writeRun) flush() {
	if w.flushOut != nil {
		w.flushOut()
	}
}

func newWriteRun(std streams, cmd *cli.Command, store *etcdops.Store) *writeRun {
	return &writeRun{
		std:         std,
		store:       store,
		dryRun:      cmd.Bool("dry-run"),
		yes:         cmd.Bool("yes"),
		json:        cmd.String("output") == "json",
		showSecrets: cmd.Bool("show-secrets"),
		showAll:     cmd.Bool("show-all"),
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
	// InDoubt is how a write whose outcome etcd did not report was
	// settled: "written", "retried" or "conflict".
	InDoubt string `json:"inDoubt,omitempty"`
	Error   string `json:"error"`
}

// operations previews every operation, asks once, then applies them:
// etcdops.Batch streams both passes, so memory does not grow with the
// number of objects.
func (w *writeRun) operations(ctx context.Context, ops []etcdops.Operation) error {
	b, err := w.store.NewBatch(ctx, w.std.now(), ops...)
	if err != nil {
		return err
	}
	for _, warning := range b.Warnings {
		warn(w.std.err, "%s", warning)
	}
	return w.batch(ctx, b)
}

// batch previews, confirms and applies a batch. The preview prints each
// skip as it is found and, for the changes, every diff when there are a
// few, or one diff per distinct edit with its count and names when there
// are many.
func (w *writeRun) batch(ctx context.Context, b *etcdops.Batch) error {
	if !w.std.outTTY {
		// Into a file or a pipe, results go out a window or a page at a
		// time, not one write syscall per key (150,000 lines of -o json).
		buf := bufio.NewWriterSize(w.std.out, 64<<10)
		w.std.out, w.flushOut = buf, buf.Flush
		defer w.flush()
	}
	if w.yes && !w.dryRun && !w.store.ReadOnly() {
		return w.run(ctx, b)
	}
	var planned etcdops.Tally
	groups := etcdops.NewChangeGroups(maxDiffs)
	err := b.Preview(ctx, func(_ int, c *etcdops.Change) error {
		if c.Skip != nil {
			fmt.Fprintf(w.std.err, "skip: %s\n", render.Line(c.Skip.Error()))
			planned.Add(c.Skip, etcdops.IsConflict(c.Skip), true)
		} else if c.Changed() {
			groups.Add(c)
		}
		// Apply reports only the keys it writes: the others are reported
		// here, as they are planned.
		if w.json && (w.dryRun || !c.Changed()) {
			w.reportPlanned(c)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("stopped while previewing: nothing written")
		}
		return err
	}
	if err := w.preview(groups); err != nil {
		return err
	}
	w.summary(b)
	toWrite, _, _ := b.Counts()
	if w.dryRun || toWrite == 0 {
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
	out := w.newOutcome(planned) // the keys skipped at planning, then Apply's outcomes
	err = b.Apply(ctx, etcdops.ApplyOptions{Journal: w.journal, Progress: out.progress}, func(_ int, c *etcdops.Change, r etcdops.Result) error {
		out.add(c, &r, true)
		return nil
	})
	out.endBar()
	return w.finish(err, out, fmt.Sprintf("%d of %d", out.written, toWrite))
}

// run is batch confirmed in advance (--yes): one pass that plans, journals
// and writes each page before reading the next (etcdops.Batch.Run), so a
// repair of 20,000 pods among 150,000 reads and decodes each object once.
// What the preview would have shown is printed at the end, as what was
// written.
func (w *writeRun) run(ctx context.Context, b *etcdops.Batch) error {
	if err := w.openJournal(); err != nil {
		return err
	}
	groups := etcdops.NewChangeGroups(maxDiffs)
	planned := 0
	written := make([]int, len(b.Ops))
	out := w.newOutcome(etcdops.Tally{})
	err := b.Run(ctx, etcdops.ApplyOptions{Journal: w.journal, Progress: out.progress}, func(op int, c *etcdops.Change, r *etcdops.Result) error {
		switch {
		case c.Skip != nil:
			fmt.Fprintf(w.std.err, "skip: %s\n", render.Line(c.Skip.Error()))
		case c.Changed():
			planned++
			if r.Changed {
				// Only what was written: a change someone else made first
				// (a conflict, or nothing left to do) is not lifeboat's.
				groups.Add(c)
				written[op]++
			}
		}
		out.add(c, r, w.json || c.Skip == nil)
		return nil
	})
	out.endBar()
	if out.written > 0 {
		// The preview, after the fact: what each write was.
		fmt.Fprintln(w.previewStream(), "Changes written:")
		if perr := w.preview(groups); perr != nil && err == nil {
			err = perr
		}
	}
	w.summaryWritten(b, written)
	if planned == 0 && out.written == 0 && !errors.Is(err, etcdops.ErrStopped) {
		// Nothing was journaled but the begin entry: leave no journal
		// that undoes nothing.
		w.journal.Close()
		os.Remove(w.journal.Path())
		if err != nil {
			return err
		}
		fmt.Fprintln(w.std.err, "Nothing to do.")
		return tallyErr(out.done)
	}
	return w.finish(err, out, strconv.Itoa(out.written))
}

// outcome tallies a write's results as they are reported, under a
// progress bar on a terminal.
type outcome struct {
	w       *writeRun
	done    etcdops.Tally
	doubts  etcdops.Doubts
	written int
	bar     func(done, total int)
}

func (w *writeRun) newOutcome(planned etcdops.Tally) *outcome {
	return &outcome{w: w, done: planned, bar: w.progressBar()}
}

// progress is called after each window or page of writes: what was
// reported goes out, and the bar is drawn again.
func (o *outcome) progress(done, total int) {
	o.w.flush()
	if o.bar != nil {
		o.bar(done, total)
	}
}

// add counts one key's result and, when report is set, prints it.
func (o *outcome) add(c *etcdops.Change, r *etcdops.Result, report bool) {
	o.endBar()
	if report {
		o.w.reportResult(c, *r)
	}
	o.done.Add(r.Err, r.Conflict, c.Skip != nil)
	o.doubts.Add(r)
	if r.Changed {
		o.written++
	}
}

// endBar clears the progress bar's line, for a line of output.
func (o *outcome) endBar() {
	if o.bar != nil {
		fmt.Fprint(o.w.std.err, "\r\033[K")
	}
}

// finish prints where the journal is and turns the outcome into the exit
// error: stopped (Ctrl-C), failed, or what was left undone. written says
// how many were written, for the stopped message.
func (w *writeRun) finish(err error, out *outcome, written string) error {
	w.flush()
	if out.doubts.Total() > 0 {
		// A leader change is routine, and the batch rode through it;
		// say so, since each of these writes was checked, not assumed.
		fmt.Fprintf(w.std.err, "In doubt: %s; the journal's \"resolved\" lines name them.\n", out.doubts)
	}
	fmt.Fprintf(w.std.err, "Journal: %s\nUndo with: lifeboat undo %s\n", w.journal.Path(), w.journal.Path())
	if errors.Is(err, etcdops.ErrStopped) {
		return &partialError{msg: fmt.Sprintf("stopped: %s written, the writes in flight finished and are journaled; run the same command again to carry on", written)}
	}
	if err != nil {
		return fmt.Errorf("%w (what was written is in the journal: %s)", err, w.journal.Path())
	}
	return tallyErr(out.done)
}

// maxDiffs is how many changes a preview shows one by one; past it, they
// are grouped by the edit they make.
const maxDiffs = 20

// shownNames is how many names of a group a preview lists without --show-all.
const shownNames = 10

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

// preview prints the diffs; with -o json they go to stderr so stdout stays
// JSON Lines.
func (w *writeRun) preview(groups *etcdops.ChangeGroups) error {
	out, tty := w.previewStream(), w.std.outTTY
	if w.json {
		tty = w.std.errTTY
	}
	show := func(c *etcdops.Change) error {
		diff, err := c.Diff(w.showSecrets)
		if err != nil {
			return err
		}
		if tty {
			diff = render.ColorizeDiff(diff)
		}
		fmt.Fprint(out, render.SafeLines(diff))
		return nil
	}
	if !groups.Grouped() {
		for _, c := range groups.Few() {
			if err := show(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, g := range groups.Groups() {
		fmt.Fprintf(out, "=== %d %s: %s\n", g.Count, g.Example.Resource, render.Line(strings.Join(g.Shape, ", ")))
		names, more := g.Names, g.Count-len(g.Names)
		if !w.showAll && len(names) > shownNames {
			names, more = names[:shownNames], g.Count-shownNames
		}
		line := render.Safe(strings.Join(names, " "))
		if more > 0 {
			line += fmt.Sprintf(" ... and %d more (--show-all lists them)", more)
		}
		fmt.Fprintf(out, "    %s\n", line)
		fmt.Fprintf(out, "    for example:\n")
		if err := show(&g.Example); err != nil {
			return err
		}
	}
	return nil
}

func (w *writeRun) previewStream() io.Writer {
	if w.json {
		return w.std.err
	}
	return w.std.out
}

func (w *writeRun) summary(b *etcdops.Batch) {
	w.flush()
	for _, t := range b.Ops {
		verb := "to change"
		switch {
		case w.dryRun:
			verb = "would change"
		case w.yes:
			verb = "changed"
		}
		fmt.Fprintf(w.std.err, "%s: %d %s, %d already fine, %d skipped (read at revision %d)\n",
			t.Operation, t.Changed, verb, t.Unchanged, t.Skipped, b.Revision)
	}
}

// summaryWritten is summary for a run confirmed in advance: what each
// operation wrote, and what it planned but found someone else had written
// first (a concurrent run, the apiserver).
func (w *writeRun) summaryWritten(b *etcdops.Batch, written []int) {
	w.flush()
	for i, t := range b.Ops {
		lost := ""
		if n := t.Changed - written[i]; n > 0 {
			lost = fmt.Sprintf(", %d not written (someone else wrote them first: the CONFLICT and 'not done' lines)", n)
		}
		fmt.Fprintf(w.std.err, "%s: %d changed%s, %d already fine, %d skipped (read at revision %d)\n",
			t.Operation, written[i], lost, t.Unchanged, t.Skipped, b.Revision)
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
	fmt.Fprintf(w.std.err, "Write %d object(s) to etcd %s? [y/N]: ", n, strings.Join(w.store.Endpoints(), ","))
	line, _ := bufio.NewReader(w.std.in).ReadString('\n')
	if answer := strings.TrimSpace(strings.ToLower(line)); answer != "yes" && answer != "y" {
		return fmt.Errorf("not confirmed (answered %q): nothing written", strings.TrimSpace(line))
	}
	return nil
}

func (w *writeRun) openJournal() error {
	j, err := journal.Start(w.journalPath, w.journalDir, w.std.now(), w.command, journal.Info{
		Command: "lifeboat " + w.command, Endpoints: w.store.Endpoints(), Prefix: w.store.Layout().Prefix,
	})
	if err != nil {
		return err
	}
	w.journal = j
	return nil
}

// progressBar draws on stderr, on a terminal, for batches of 20 or more.
func (w *writeRun) progressBar() func(done, total int) {
	if !w.std.errTTY {
		return nil
	}
	bar := progress.New(progress.WithDefaultGradient(), progress.WithWidth(40))
	return func(done, total int) {
		if total >= 20 {
			fmt.Fprintf(w.std.err, "\r%s %d/%d", bar.ViewAs(float64(done)/float64(total)), done, total)
		}
	}
}

// reportPlanned prints one planned change as a JSON line (dry runs).
func (w *writeRun) reportPlanned(c *etcdops.Change) {
	line := w.line(c)
	line.Changed, line.DryRun = c.Changed(), w.dryRun
	if c.Skip != nil {
		line.Error = textutil.OneLine(c.Skip.Error())
		line.Conflict = etcdops.IsConflict(c.Skip)
	}
	json.NewEncoder(render.JSONWriter(w.std.out)).Encode(line)
}

// reportResult prints what happened to one key: a line of text, or JSON.
func (w *writeRun) reportResult(c *etcdops.Change, r etcdops.Result) {
	line := w.line(c)
	line.Changed, line.OldRevision, line.NewRevision, line.Conflict = r.Changed, r.OldRevision, r.NewRevision, r.Conflict
	line.InDoubt = string(r.InDoubt)
	if r.Err != nil {
		line.Error = textutil.OneLine(r.Err.Error())
	}
	if w.json {
		json.NewEncoder(render.JSONWriter(w.std.out)).Encode(line)
		return
	}
	what := render.Safe(c.KeyInfo.String())
	var settled string
	switch r.InDoubt {
	case etcdops.ResolvedWritten:
		settled = " (outcome was unknown: found written)"
	case etcdops.ResolvedRetried:
		settled = " (outcome was unknown: not written, sent again)"
	}
	switch {
	case line.Changed:
		fmt.Fprintf(w.std.out, "%s: %s, resourceVersion %d -> %d%s\n", what, c.Action, line.OldRevision, line.NewRevision, settled)
	case line.Error != "" && line.Conflict:
		fmt.Fprintf(w.std.out, "%s: CONFLICT: %s\n", what, render.Safe(line.Error))
	case line.Error != "":
		fmt.Fprintf(w.std.out, "%s: not done: %s\n", what, render.Safe(line.Error))
	}
}

func (w *writeRun) line(c *etcdops.Change) resultLine {
	return resultLine{
		Key: c.Before.Key, Resource: c.Resource.String(), Namespace: c.Namespace, Name: c.Name,
		Action: string(c.Action), OldRevision: c.Before.ModRevision,
	}
}

// runOperations validates every operation, connects, and takes them through
// the write path.
func runOperations(ctx context.Context, std streams, cmd *cli.Command, ops ...etcdops.Operation) error {
	for _, op := range ops {
		if err := op.Validate(); err != nil {
			return err
		}
	}
	store, err := openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer store.Close()
	// Which webhook configuration each name of disable-webhooks is, etcd
	// says: before the preview, so that it shows what is written.
	if ops, err = store.ResolveOperations(ctx, ops); err != nil {
		return err
	}
	return newWriteRun(std, cmd, store).operations(ctx, ops)
}
