package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// helpScreen is `?`: every key, by where it works, in a scrollable page.
type helpScreen struct{ textScreen }

func newHelpScreen(m *Model) *helpScreen {
	return &helpScreen{newTextScreen(m, helpContent(m.helpSections()))}
}

func (h *helpScreen) title() string {
	return styleCrumb.Render(" help ") + " every key (↑↓ scroll, esc or ? closes)"
}

func (h *helpScreen) hints() string {
	k := h.m.keys
	return hintLine(nil, k.Back, k.Quit)
}

func helpContent(sections [][2]string) string {
	var b strings.Builder
	for _, l := range sections {
		if l[0] == "" {
			b.WriteString(styleTitle.Render(l[1]) + "\n")
			continue
		}
		b.WriteString("  " + styleKey.Render(lipgloss.NewStyle().Width(24).Render(l[0])) + l[1] + "\n")
	}
	return b.String()
}
