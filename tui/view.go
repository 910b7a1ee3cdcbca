package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// View draws the whole screen: header, a title line, the body, a status
// line and the key hints. Every line is cut to the terminal width and the
// body to its height, so nothing wraps or scrolls the terminal (no flicker).
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	var title, body string
	switch m.screen {
	case screenList:
		title, body = m.listTitle(), m.listBody()
	case screenDetail:
		title, body = m.detailTitle(), m.detail.viewport.View()
	case screenPreview:
		title, body = m.previewTitle(), m.previewBody()
	case screenApplying:
		title, body = styleCrumb.Render(" writing "), m.applyingBody()
	case screenSummary:
		title, body = m.summaryTitle(), m.summaryBody()
	case screenJournal:
		title, body = m.journalTitle(), m.journalBody()
	case screenDoctor:
		title, body = m.doctorTitle(), m.doctorBody()
	case screenHelp:
		title, body = styleCrumb.Render(" help ")+" every key (↑↓ scroll, esc or ? closes)", m.helpView.View()
	}
	out := []string{m.headerView(), fit(title, m.width, 1), fit(body, m.width, m.bodyHeight()), m.statusLine(), m.hintLine()}
	return strings.Join(out, "\n")
}

// fit cuts text to width columns and exactly height lines.
func fit(s string, width, height int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "…")
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (m *Model) statusLine() string {
	var s string
	switch {
	case m.promptKind != promptNone:
		s = m.prompt.View()
	case m.status != "" && m.statusBad:
		s = styleBad.Render(m.status)
	case m.status != "":
		s = m.status
	}
	return fit(s, m.width, 1)
}

// hintLine lists the keys that matter on this screen, k9s style.
func (m *Model) hintLine() string {
	k := m.keys
	var bs []key.Binding
	switch m.screen {
	case screenList:
		bs = []key.Binding{k.Command, k.Filter, k.View}
		if !m.readOnly && !m.list.view.keys {
			bs = append(bs, k.Edit)
		}
		switch {
		case m.readOnly:
		case m.list.isPods():
			bs = append(bs, k.Mark, k.MarkAll, k.Undelete, k.Terminating)
		case m.list.isNodes():
			bs = append(bs, k.Mark, k.MarkAll, k.Untaint, k.Uncordon)
		}
		bs = append(bs, k.Journal, k.Help, k.Quit)
	case screenDetail:
		bs = []key.Binding{k.Back, k.Raw, k.History, k.Reveal, k.Help}
		if !m.readOnly {
			bs = slices.Insert(bs, 1, k.Edit)
		}
	case screenPreview:
		return fit(styleKey.Render("y")+" write · "+styleKey.Render("any other key")+" cancel", m.width, 1)
	case screenApplying:
		return fit(styleMuted.Render("writing; keys wait until it is done"), m.width, 1)
	case screenSummary:
		bs = []key.Binding{k.Back, k.Journal, k.Quit}
	case screenJournal:
		bs = []key.Binding{k.Back}
		if !m.readOnly {
			bs = append(bs, k.UndoOne, k.UndoAll)
		}
		bs = append(bs, k.Quit)
	case screenDoctor:
		bs = []key.Binding{k.Back, k.GoTo, k.Refresh, k.Quit}
	case screenHelp:
		bs = []key.Binding{k.Back, k.Quit}
	}
	parts := make([]string, 0, len(bs)+1)
	if m.readOnly && m.screen == screenList {
		parts = append(parts, styleReadOnly.Render("READ-ONLY: no repairs"))
	}
	for _, b := range bs {
		parts = append(parts, styleKey.Render(b.Help().Key)+" "+styleMuted.Render(b.Help().Desc))
	}
	return fit(strings.Join(parts, "  "), m.width, 1)
}

func (m *Model) helpBody() string {
	var b strings.Builder
	for _, l := range m.helpSections() {
		if l[0] == "" {
			b.WriteString(styleTitle.Render(l[1]) + "\n")
			continue
		}
		b.WriteString("  " + styleKey.Render(lipgloss.NewStyle().Width(24).Render(l[0])) + l[1] + "\n")
	}
	return b.String()
}
