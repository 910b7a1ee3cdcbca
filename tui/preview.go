package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
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
	viewport viewport.Model
	width    int

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

// resize lays out the lines above the diffs (what y does, warnings,
// wrapped: a warning is never cut) and gives the rest to the diffs.
func (p *previewState) resize(w, h int) {
	p.width = w
	head := strings.Count(p.head(w, ""), "\n") + 1
	p.viewport.Width, p.viewport.Height = w, max(h-head, 3)
	p.viewport.SetContent(p.content)
}

func (p *previewState) head(w int, endpoint string) string {
	var lines []string
	if p.changed > 0 {
		lines = append(lines, styleWarn.Render(fmt.Sprintf("y writes %d object(s) to etcd %s · ↑↓ PgUp PgDn scroll · any other key cancels", p.changed, endpoint)))
	} else {
		lines = append(lines, styleMuted.Render("Nothing to write. Any key returns."))
	}
	wrap := lipgloss.NewStyle().Width(max(w, 20))
	for _, warning := range p.warnings {
		lines = append(lines, wrap.Render(styleBadBold.Render("warning: ")+styleBad.Render(render.Line(warning))))
	}
	return strings.Join(lines, "\n")
}

func (m *Model) onPlan(msg planMsg) tea.Cmd {
	m.busy = max(m.busy-1, 0)
	p := msg.preview
	if p.err != nil {
		m.setStatus(true, "%s: %s", p.title, oneLine(p.err.Error()))
		return nil
	}
	m.preview = p
	m.preview.resize(m.bodyWidth(), m.bodyHeight())
	if m.preview.changed == 0 {
		m.setStatus(false, "%s: nothing to write (%d already fine, %d skipped): any key returns", p.title, p.unchanged, p.skipped)
	} else {
		m.setStatus(false, "")
	}
	m.push(screenPreview)
	return nil
}

// previewKey: y writes, scrolling keys scroll, anything else cancels.
func (m *Model) previewKey(msg tea.KeyMsg) tea.Cmd {
	p := &m.preview
	k := m.keys
	switch {
	case key.Matches(msg, k.Apply) && p.changed > 0:
		return m.apply()
	case key.Matches(msg, k.Up), key.Matches(msg, k.Down), key.Matches(msg, k.PageUp), key.Matches(msg, k.PageDown),
		msg.String() == "j", msg.String() == " ":
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
	m.preview = previewState{}
	return nil
}

// apply opens the session journal (first write only) and starts Apply.
func (m *Model) apply() tea.Cmd {
	if m.readOnly {
		m.setStatus(true, "%s", etcdops.ErrReadOnly)
		m.back()
		return nil
	}
	if m.sessionJournal == nil {
		path := m.opts.JournalPath
		if path == "" {
			path = filepath.Join(m.journalDir(), etcdops.JournalName(m.now(), "tui"))
		}
		j, err := etcdops.CreateJournal(path, etcdops.JournalInfo{
			Command: "lifeboat tui", Endpoints: m.store.Endpoints(), Prefix: m.store.Layout().Prefix,
		})
		if err != nil {
			m.setStatus(true, "%s: nothing written", oneLine(err.Error()))
			m.back()
			return nil
		}
		m.sessionJournal = j
	}
	m.screen = screenApplying
	m.applyDone, m.applyTotal = 0, m.preview.changed
	return m.applyCmd(&m.preview, m.sessionJournal)
}

// summaryState is the outcome of a batch.
type summaryState struct {
	title                                 string
	changed, unchanged, conflicts, errors int
	replanned                             int
	content                               string
	err                                   error
	viewport                              viewport.Model
}

// resize wraps the outcome lines: a conflict's reason is read in full.
func (s *summaryState) resize(w, h int) {
	s.viewport.Width, s.viewport.Height = w, max(h-1, 3)
	s.viewport.SetContent(lipgloss.NewStyle().Width(max(w, 20)).Render(s.content))
}

func (m *Model) onApplied(msg applyDoneMsg) tea.Cmd {
	s := summaryState{title: m.preview.title, err: msg.err}
	var b strings.Builder
	for _, o := range msg.outcomes {
		r, what := o.result, render.Safe(o.KeyInfo.String())
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
	if msg.err != nil {
		fmt.Fprintf(&b, "\n%s %s\n", styleBadBold.Render("stopped:"), render.Line(msg.err.Error()))
	}
	if m.sessionJournal != nil {
		fmt.Fprintf(&b, "\nJournal: %s\nUndo: press j, then u (one entry) or U (all); or run: lifeboat undo %s\n", m.sessionJournal.Path(), m.sessionJournal.Path())
	}
	s.content = b.String()
	m.summary = s
	m.summary.resize(m.bodyWidth(), m.bodyHeight())
	m.preview = previewState{}
	m.backTo(screenList)
	m.push(screenSummary)
	m.list.marks = map[string]bool{}
	m.setStatus(s.conflicts+s.errors > 0 || msg.err != nil, "%s", m.summaryLine())
	m.journal.stale = true
	// The watches bring the new revisions: no list needed.
	return nil
}

func (m *Model) summaryLine() string {
	s := &m.summary
	return fmt.Sprintf("%s: %d changed, %d unchanged, %d conflicts, %d errors", s.title, s.changed, s.unchanged, s.conflicts, s.errors)
}

func (m *Model) summaryKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Back), msg.Type == tea.KeyEnter:
		m.back()
		return nil
	case key.Matches(msg, m.keys.Journal):
		m.backTo(screenList)
		return m.openJournal("")
	}
	var cmd tea.Cmd
	m.summary.viewport, cmd = m.summary.viewport.Update(msg)
	return cmd
}

func (m *Model) previewTitle() string {
	p := &m.preview
	verb := "to write"
	return fmt.Sprintf("%s %d %s, %d already fine, %d skipped", styleCrumb.Render(" preview: "+p.title+" "), p.changed, verb, p.unchanged, p.skipped)
}

func (m *Model) previewBody() string {
	p := &m.preview
	return p.head(p.width, m.endpoint) + "\n" + p.viewport.View()
}

func (m *Model) applyingBody() string {
	return fmt.Sprintf("%s writing %s through compare-and-swap…\n\n%s %d/%d\n\nJournal: %s",
		m.spinner.View(), m.preview.title, m.progress.ViewAs(float64(m.applyDone)/float64(max(m.applyTotal, 1))), m.applyDone, m.applyTotal, m.JournalPath())
}

func (m *Model) summaryTitle() string {
	s := &m.summary
	return styleCrumb.Render(" done: "+s.title+" ") + " " + fmt.Sprintf("%s changed, %d unchanged, %s, %s",
		styleGood.Render(fmt.Sprint(s.changed)), s.unchanged,
		colorCount(s.conflicts, "conflicts"), colorCount(s.errors, "errors"))
}

func colorCount(n int, what string) string {
	out := fmt.Sprintf("%d %s", n, what)
	if n > 0 {
		return styleBadBold.Render(out)
	}
	return out
}

func (m *Model) summaryBody() string {
	return m.summary.viewport.View() + "\n" + styleMuted.Render("enter/esc: back · j: journal and undo")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
