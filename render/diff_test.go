package render

import (
	"strings"
	"testing"
)

func TestColorizeDiff(t *testing.T) {
	d := "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n keep\n-old\n--- removed line starting with --\n+new\n"
	got := ColorizeDiff(d)
	if !strings.Contains(got, "\x1b[") {
		t.Fatalf("no ANSI colour in %q", got)
	}
	lines := strings.Split(got, "\n")
	checks := []struct {
		line int
		want string
	}{
		{0, "\x1b[1;36m--- a/x"}, // bold cyan header
		{2, "\x1b[36m@@"},        // cyan hunk
		{3, " keep"},             // context untouched
		{4, "\x1b[31m-old"},      // red
		{5, "\x1b[31m---"},       // a removed line, not a header
		{6, "\x1b[32m+new"},      // green
	}
	for _, c := range checks {
		if !strings.HasPrefix(lines[c.line], c.want) {
			t.Errorf("line %d = %q, want prefix %q", c.line, lines[c.line], c.want)
		}
	}
	if ColorizeDiff("") != "" {
		t.Error(`ColorizeDiff("") not empty`)
	}
	if strings.Count(got, "\n") != strings.Count(d, "\n") {
		t.Error("line count changed")
	}
}

func TestSafeLines(t *testing.T) {
	if got := SafeLines("--- a/pods/x\x1b[2J\n+++ b/pods/x\n"); got != "--- a/pods/x\\x1b[2J\n+++ b/pods/x\n" {
		t.Errorf("SafeLines = %q", got)
	}
}
