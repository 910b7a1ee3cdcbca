package tui

import (
	"regexp"
	"strings"
	"testing"
)

// TestWording: counts agree with their nouns, a preview with nothing to
// write offers no y, and the help's keys never run into what they do.
func TestWording(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 120, height: 30})
	lastLine := func() string { lines := strings.Split(h.screen(), "\n"); return lines[len(lines)-1] }
	for _, tc := range []struct {
		name  string
		keys  []string
		ready func() bool
		want  []string
		avoid []string
		check func() string
	}{
		{name: "one node", keys: []string{":", "nodes", "enter", "/", "worker-1", "enter", "t"}, ready: func() bool { return on[*previewScreen](h) },
			want: []string{"preview: untaint: 1 node ", "y writes 1 object to"}, avoid: []string{"1 nodes", "object(s)"}},
		{name: "many nodes", keys: []string{":", "nodes", "enter", "ctrl+a", "t"}, ready: func() bool { return on[*previewScreen](h) },
			want: []string{"preview: untaint: 8 nodes ", "y writes 5 objects to"}},
		{name: "nothing to write offers no y", keys: []string{":", "nodes", "enter", "/", "worker-6", "enter", "t"}, ready: func() bool { return on[*previewScreen](h) },
			want: []string{"Nothing to write", "any key returns"}, check: func() string {
				if hints := lastLine(); strings.Contains(hints, "y write") {
					return "the hints offer y: " + hints
				}
				rev := h.revision()
				h.press("y")
				if !on[*listScreen](h) || h.revision() != rev {
					return "y did not just return"
				}
				return ""
			}},
		{name: "help keys apart from their text", keys: []string{"?"}, ready: func() bool { return on[*helpScreen](h) }, check: func() string {
			help := ansiStrip(topAs[*helpScreen](h).pager.content)
			if !regexp.MustCompile(`:cm {2,}switch resource`).MatchString(help) {
				return "the :cm key runs into its text:\n" + help
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			h.m.backToList()
			h.press(tc.keys...)
			h.waitFor(tc.name, tc.ready)
			checkText(t, "screen", h.screen(), tc.want, tc.avoid)
			if tc.check != nil {
				if problem := tc.check(); problem != "" {
					t.Error(problem)
				}
			}
			h.press("esc") // cancels a preview, leaves the help
		})
	}
}
