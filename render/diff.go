package render

import (
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// diffRenderer always emits ANSI colour: lipgloss' default renderer would
// drop it whenever stdout is not a terminal, but here the caller decides.
var diffRenderer = func() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	return r
}()

var (
	diffHeader  = diffRenderer.NewStyle().Foreground(lipgloss.Color("6")).Bold(true)
	diffHunk    = diffRenderer.NewStyle().Foreground(lipgloss.Color("6"))
	diffRemoved = diffRenderer.NewStyle().Foreground(lipgloss.Color("1"))
	diffAdded   = diffRenderer.NewStyle().Foreground(lipgloss.Color("2"))
)

// ColorizeDiff colours a unified diff for a terminal: headers bold cyan,
// hunk markers cyan, removed lines red, added lines green. The caller decides
// whether the output supports colour.
func ColorizeDiff(diff string) string {
	if diff == "" {
		return ""
	}
	var b strings.Builder
	// File headers come before the first hunk; after it, a line starting
	// with "---" is a removed line that itself starts with "--".
	inHeader := true
	for l := range strings.SplitAfterSeq(diff, "\n") {
		text, nl := strings.CutSuffix(l, "\n")
		var style *lipgloss.Style
		switch {
		case strings.HasPrefix(text, "@@"):
			style, inHeader = &diffHunk, false
		case inHeader && (strings.HasPrefix(text, "--- ") || strings.HasPrefix(text, "+++ ")):
			style = &diffHeader
		case strings.HasPrefix(text, "-"):
			style = &diffRemoved
		case strings.HasPrefix(text, "+"):
			style = &diffAdded
		}
		if style != nil && text != "" {
			text = style.Render(text)
		}
		b.WriteString(text)
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// SafeLines is Safe for text of several lines: each line is escaped, the
// newlines between them are kept.
func SafeLines(s string) string {
	if !needsEscape(strings.ReplaceAll(s, "\n", "")) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = Safe(lines[i])
	}
	return strings.Join(lines, "\n")
}
