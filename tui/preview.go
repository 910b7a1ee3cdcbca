package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// previewState is the diff of every object an action touches, before
// anything is written.
type previewState struct {
	title    string
	undo     bool
	batch    *etcdops.Batch
	warnings []string
	content  string // coloured diffs
	err      error

	changed, unchanged, skipped int
}

// preview reads the batch (nothing is written) and renders its diffs:
// each one for a few changes, one per distinct edit with its count for
// many (secrets redacted), skips and conflicts in full.
func (p *previewState) preview(ctx context.Context, b *etcdops.Batch) error {
	p.batch, p.warnings = b, b.Warnings
	var notes strings.Builder
	groups := etcdops.NewChangeGroups(previewLimit)
	unchanged := 0
	err := b.Preview(ctx, func(_ int, c *etcdops.Change) error {
		switch {
		case c.Skip != nil:
			label := "skip"
			if etcdops.IsConflict(c.Skip) {
				label = "CONFLICT"
			}
			fmt.Fprintf(&notes, "%s %s\n\n", styleBadBold.Render(label+":"), render.Line(c.Skip.Error()))
		case !c.Changed():
			if unchanged++; unchanged <= previewLimit {
				fmt.Fprintf(&notes, "%s %s: already fine, nothing to write\n\n", styleMuted.Render("unchanged:"), render.Safe(c.KeyInfo.String()))
			}
		default:
			groups.Add(c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.changed, p.unchanged, p.skipped = b.Counts()
	var out strings.Builder
	show := func(c *etcdops.Change) error {
		diff, err := c.Diff(false)
		if err != nil {
			return err
		}
		out.WriteString(render.ColorizeDiff(render.SafeLines(diff)))
		out.WriteString("\n")
		return nil
	}
	if groups.Grouped() {
		for _, g := range groups.Groups() {
			names := g.Names
			if len(names) > 10 {
				names = append(names[:10:10], fmt.Sprintf("… and %d more", g.Count-10))
			}
			fmt.Fprintf(&out, "%s %s\n%s\n", styleWarn.Render(fmt.Sprintf("%d %s:", g.Count, g.Example.Resource)),
				render.Line(strings.Join(g.Shape, ", ")), styleMuted.Render(render.Safe(strings.Join(names, " "))))
			if err := show(&g.Example); err != nil {
				return err
			}
		}
	} else {
		for _, c := range groups.Few() {
			if err := show(c); err != nil {
				return err
			}
		}
	}
	out.WriteString(notes.String())
	p.content = out.String()
	return nil
}

// previewScreen shows a plan's diffs; y writes it (through the journal),
// then shows the progress; any other key cancels.
type previewScreen struct {
	m *Model
	previewState
	viewport viewport.Model
	width    int

	applying    bool
	applyCh     <-chan tea.Msg
	done, total int
	progress    progress.Model
}

// modal: every key is the preview's (any but y and scrolling cancels), and
// keys wait while it writes.
func (p *previewScreen) modal() bool { return true }

// resize lays out the lines above the diffs (what y does, warnings,
// wrapped: a warning is never cut) and gives the rest to the diffs.
func (p *previewScreen) resize(w, h int) {
	p.width = w
	head := strings.Count(p.head(w, ""), "\n") + 1
	p.viewport.Width, p.viewport.Height = w, max(h-head, 3)
	p.viewport.SetContent(p.content)
	p.progress.Width = min(max(w-20, 10), 60)
}

func (p *previewState) head(w int, endpoint string) string {
	var lines []string
	if p.changed > 0 {
		lines = append(lines, styleWarn.Render(fmt.Sprintf("y writes %s to etcd %s · ↑↓ PgUp PgDn scroll · any other key cancels", count(p.changed, "object", "objects"), endpoint)))
	} else {
		lines = append(lines, styleMuted.Render("Nothing to write. Any key returns."))
	}
	wrap := lipgloss.NewStyle().Width(max(w, 20))
	for _, warning := range p.warnings {
		lines = append(lines, wrap.Render(styleBadBold.Render("warning: ")+styleBad.Render(render.Line(warning))))
	}
	return strings.Join(lines, "\n")
}

// openPreview runs plan (planCmd, plannedCmd) for a new preview screen,
// shown when the plan arrives (one that fails says why in the status
// line, and shows none).
func (m *Model) openPreview(plan tea.Cmd) tea.Cmd {
	p := &previewScreen{m: m, progress: progress.New(progress.WithDefaultGradient())}
	return deliver(p, plan)
}

// planned shows the plan's diffs.
func (p *previewScreen) planned(msg planMsg) tea.Cmd {
	m := p.m
	m.busy = max(m.busy-1, 0)
	if msg.preview.err != nil {
		m.setStatus(true, "%s: %s", msg.preview.title, m.ioError(msg.preview.err))
		return nil
	}
	p.previewState = msg.preview
	if pv := msg.preview; pv.changed == 0 {
		m.setStatus(false, "%s: nothing to write (%d already fine, %d skipped): any key returns", pv.title, pv.unchanged, pv.skipped)
	} else {
		m.setStatus(false, "")
	}
	m.push(p)
	return nil
}

func (p *previewScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case planMsg:
		return p.planned(msg)
	case applyProgressMsg:
		p.done, p.total = msg.done, msg.total
		return deliver(p, waitApplyCmd(p.applyCh))
	case applyDoneMsg:
		return p.applied(msg)
	case tea.KeyMsg:
		if p.applying {
			return nil // writes in flight finish; keys wait
		}
		return p.key(msg)
	case tea.MouseMsg:
		var cmd tea.Cmd
		p.viewport, cmd = p.viewport.Update(msg)
		return cmd
	}
	return nil
}

// key: y writes, scrolling keys scroll, anything else cancels.
func (p *previewScreen) key(msg tea.KeyMsg) tea.Cmd {
	m := p.m
	k := m.keys
	switch {
	case key.Matches(msg, k.Apply) && p.changed > 0:
		return p.apply()
	case key.Matches(msg, k.Up), key.Matches(msg, k.Down), key.Matches(msg, k.PageUp), key.Matches(msg, k.PageDown), msg.String() == " ":
		var cmd tea.Cmd
		p.viewport, cmd = p.viewport.Update(msg)
		return cmd
	case key.Matches(msg, k.Top):
		p.viewport.GotoTop()
		return nil
	case key.Matches(msg, k.Bottom):
		p.viewport.GotoBottom()
		return nil
	}
	m.back()
	if p.changed > 0 {
		m.setStatus(false, "cancelled: nothing written")
	}
	return nil
}

// apply opens the session journal (first write only) and starts Apply.
func (p *previewScreen) apply() tea.Cmd {
	m := p.m
	if m.refuseWrite() {
		m.back()
		return nil
	}
	j, err := m.journalForWrites()
	if err != nil {
		m.setStatus(true, "%s: nothing written", textutil.OneLine(err.Error()))
		m.back()
		return nil
	}
	p.applying = true
	p.done, p.total = 0, p.changed
	p.applyCh = m.startApply(p.batch.Apply, j)
	return deliver(p, waitApplyCmd(p.applyCh))
}

func (p *previewScreen) title() string {
	if p.applying {
		return styleCrumb.Render(" writing ")
	}
	verb := "to write"
	return fmt.Sprintf("%s %d %s, %d already fine, %d skipped", styleCrumb.Render(" preview: "+p.previewState.title+" "), p.changed, verb, p.unchanged, p.skipped)
}

func (p *previewScreen) body() string {
	if p.applying {
		return fmt.Sprintf("%s writing %s through compare-and-swap…\n\n%s %d/%d\n\nJournal: %s",
			p.m.spinner.View(), p.previewState.title, p.progress.ViewAs(float64(p.done)/float64(max(p.total, 1))), p.done, p.total, p.m.JournalPath())
	}
	return p.head(p.width, p.m.endpoint) + "\n" + p.viewport.View()
}

func (p *previewScreen) hints() string {
	switch {
	case p.applying:
		return styleMuted.Render("writing; keys wait until it is done")
	case p.changed == 0:
		return styleKey.Render("any key") + " returns: nothing to write"
	}
	return styleKey.Render("y") + " write · " + styleKey.Render("any other key") + " cancel"
}

// summaryState is the outcome of a batch.
type summaryState struct {
	title                                 string
	changed, unchanged, conflicts, errors int
	replanned                             int
	content                               string
	err                                   error
}

// summaryScreen shows what a write did, key by key.
type summaryScreen struct {
	m *Model
	summaryState
	viewport viewport.Model
}

// resize wraps the outcome lines: a conflict's reason is read in full.
func (s *summaryScreen) resize(w, h int) {
	s.viewport.Width, s.viewport.Height = w, max(h-1, 3)
	s.viewport.SetContent(lipgloss.NewStyle().Width(max(w, 20)).Render(s.content))
}

// applied shows the outcome on the summary screen, above the list.
func (p *previewScreen) applied(msg applyDoneMsg) tea.Cmd {
	m := p.m
	s := summaryState{title: p.previewState.title, err: msg.err}
	var b strings.Builder
	var doubts etcdops.Doubts
	for _, o := range msg.outcomes {
		r, what := o.result, render.Safe(o.KeyInfo.String())
		doubts.Add(&r)
		switch {
		case r.Changed:
			s.changed++
			note := ""
			if r.Replanned {
				s.replanned++
				note = styleWarn.Render("  (changed by someone else since the preview: edit re-applied to their version)")
			}
			fmt.Fprintf(&b, "%s %s: %s, resourceVersion %d -> %d%s\n", styleGood.Render("✓"), what, o.action, r.OldRevision, r.NewRevision, note)
		case r.Conflict || etcdops.IsConflict(r.Err):
			s.conflicts++
			fmt.Fprintf(&b, "%s %s: %s\n", styleBadBold.Render("CONFLICT"), what, render.Line(r.Err.Error()))
		case r.Err != nil:
			s.errors++
			fmt.Fprintf(&b, "%s %s: %s\n", styleBad.Render("not done"), what, render.Line(r.Err.Error()))
		default:
			s.unchanged++
			fmt.Fprintf(&b, "%s %s: unchanged\n", styleMuted.Render("="), what)
		}
	}
	if doubts.Total() > 0 {
		// A leader change mid-write is routine: each such write was
		// checked by reading its key, not assumed.
		fmt.Fprintf(&b, "\n%s %s\n", styleWarn.Render("In doubt:"), render.Line(doubts.String()))
	}
	if msg.err != nil {
		fmt.Fprintf(&b, "\n%s %s\n", styleBadBold.Render("stopped:"), render.Line(msg.err.Error()))
	}
	if m.sessionJournal != nil {
		fmt.Fprintf(&b, "\nJournal: %s\nUndo: press ctrl+j (or :journal), then u (one entry) or U (all); or run: lifeboat undo %s\n", m.sessionJournal.Path(), m.sessionJournal.Path())
	}
	s.content = b.String()
	m.backToList()
	m.push(&summaryScreen{m: m, summaryState: s})
	m.list.marks = map[string]bool{}
	m.setStatus(s.conflicts+s.errors > 0 || msg.err != nil, "%s", s.line())
	// The watches bring the new revisions: no list needed.
	return nil
}

func (s *summaryState) line() string {
	return fmt.Sprintf("%s: %d changed, %d unchanged, %s, %s", s.title, s.changed, s.unchanged, count(s.conflicts, "conflict", "conflicts"), count(s.errors, "error", "errors"))
}

func (s *summaryScreen) update(msg tea.Msg) tea.Cmd {
	m := s.m
	if keyMsg, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(keyMsg, m.keys.Back), keyMsg.Type == tea.KeyEnter:
			m.back()
			return nil
		}
	}
	var cmd tea.Cmd
	s.viewport, cmd = s.viewport.Update(msg)
	return cmd
}

func (s *summaryScreen) title() string {
	return styleCrumb.Render(" done: "+s.summaryState.title+" ") + " " + fmt.Sprintf("%s changed, %d unchanged, %s, %s",
		styleGood.Render(fmt.Sprint(s.changed)), s.unchanged,
		colorCount(s.conflicts, "conflict", "conflicts"), colorCount(s.errors, "error", "errors"))
}

// colorCount is count, in red when not 0.
func colorCount(n int, one, many string) string {
	out := count(n, one, many)
	if n > 0 {
		return styleBadBold.Render(out)
	}
	return out
}

// count is "1 node", "8 nodes"; one may be "" (a custom resource that
// declares no singular) for many.
func count(n int, one, many string) string {
	if n == 1 && one != "" {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (s *summaryScreen) body() string {
	return s.viewport.View() + "\n" + styleMuted.Render("enter/esc/q: back · ctrl+j: journal and undo")
}

func (s *summaryScreen) hints() string {
	k := s.m.keys
	return hintLine(nil, k.Back, k.Journal, k.Quit)
}
