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
	return styleCrumb.Render(" help ") + " every key  " + h.pager.status() + "  (/ searches, w wraps, esc or ? closes)"
}

func (h *helpScreen) hints() string {
	k := h.m.keys
	return hintLine(nil, k.Back, k.Quit)
}

// helpContent lays the keys out in a column as wide as the widest, and
// two spaces: ":pods :nodes :leases :cm" never runs into what it does.
func helpContent(sections [][2]string) string {
	width := 0
	for _, l := range sections {
		if l[0] != "" {
			width = max(width, lipgloss.Width(l[0]))
		}
	}
	keyColumn := lipgloss.NewStyle().Width(width + 2)
	var b strings.Builder
	for _, l := range sections {
		if l[0] == "" {
			b.WriteString(styleTitle.Render(l[1]) + "\n")
			continue
		}
		b.WriteString("  " + styleKey.Render(keyColumn.Render(l[0])) + l[1] + "\n")
	}
	return b.String()
}
