package codec

import (
	"fmt"
	"io"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// diffContext is the number of unchanged lines around each hunk, as diff -u.
const diffContext = 3

// UnifiedDiff returns the unified diff between two YAML documents, with
// "--- a/<name>" and "+++ b/<name>" headers, or "" when they are equal.
func UnifiedDiff(name string, before, after []byte) string {
	b, a := string(before), string(after)
	if b == a {
		return ""
	}
	d, err := udiff.ToUnified("a/"+name, "b/"+name, b, udiff.Lines(b, a), diffContext)
	if err != nil {
		// Cannot happen: the edits come from the same strings. Still show
		// the operator something rather than nothing.
		return fmt.Sprintf("--- a/%s\n+++ b/%s\n(diff failed: %v)\n", name, name, err)
	}
	return d
}

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
