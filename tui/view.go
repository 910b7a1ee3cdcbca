package tui

import (
	"runtime/debug"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
)

// View draws the whole screen: header, the screen's title line and body, a
// status line and the screen's key hints. Every line is cut to the
// terminal width and the body to its height, so nothing wraps or scrolls
// the terminal (no flicker).
func (m *Model) View() (view string) {
	if m.quitting || m.failed.Load() != nil {
		return ""
	}
	defer func() {
		if r := recover(); r != nil {
			m.fail(r, debug.Stack()) // the next Update quits
			view = ""
		}
	}()
	top := m.top()
	out := []string{m.headerView(), fit(top.title(), m.width, 1), fit(top.body(), m.width, m.bodyHeight()), m.statusLine(), fit(top.hints(), m.width, 1)}
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
	case m.prompt.open:
		s = m.prompt.input.View()
	case m.status != "" && m.statusBad:
		s = styleBad.Render(m.status)
	case m.status != "":
		s = m.status
	}
	return fit(s, m.width, 1)
}

// hintLine lists keys, k9s style, after optional leading notes.
func hintLine(notes []string, bs ...key.Binding) string {
	parts := append([]string(nil), notes...)
	for _, b := range bs {
		parts = append(parts, styleKey.Render(b.Help().Key)+" "+styleMuted.Render(b.Help().Desc))
	}
	return strings.Join(parts, "  ")
}
