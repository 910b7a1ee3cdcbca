package codec

import (
	"fmt"

	udiff "github.com/aymanbagabas/go-udiff"
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
