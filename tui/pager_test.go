package tui

import (
	"strings"
	"testing"
)

// TestYAMLView: the YAML view searches (/, n, N), marks a line cut at the
// screen's edge and scrolls sideways or wraps it, and hides managedFields
// until m, as kubectl does until --show-managed-fields.
func TestYAMLView(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 80, height: 30})
	h.press("/", "blackbox-exporter", "enter")
	h.waitFor("the blackbox pods", func() bool { return len(h.visibleNames()) > 0 })
	d := func() *detailScreen { return topAs[*detailScreen](h) }
	title := func() string { return strings.Split(h.screen(), "\n")[4] }
	hints := func() string { lines := strings.Split(h.screen(), "\n"); return lines[len(lines)-1] }
	for _, tc := range []struct {
		name  string
		keys  []string
		ready func() bool // after the keys, when set
		check func() string
	}{
		{name: "managedFields hidden", check: func() string {
			if strings.Contains(d().pager.content, "managedFields:") || !d().managed || !strings.Contains(hints(), "m show managedFields") {
				return "managedFields shown, or not said to be hidden"
			}
			return ""
		}},
		{name: "m shows managedFields", keys: []string{"m"}, ready: func() bool { return d().opts.showManaged }, check: func() string {
			if c := d().pager.content; !strings.Contains(c, "managedFields:") || !strings.Contains(c, "manager: kubelet") || !strings.Contains(hints(), "m hide managedFields") {
				return "no managedFields after m"
			}
			return ""
		}},
		{name: "m hides them again", keys: []string{"m"}, ready: func() bool { return !d().opts.showManaged }, check: func() string {
			if strings.Contains(d().pager.content, "managedFields:") {
				return "managedFields after the second m"
			}
			return ""
		}},
		{name: "/ finds the first match", keys: []string{"/", "IMAGE", "enter"}, check: func() string {
			p := &d().pager
			if len(p.matches) < 2 || p.current != 0 || !strings.Contains(title(), "/IMAGE: 1/") {
				return "no first match of /IMAGE (case-insensitive)"
			}
			return onScreen(h, p, p.matches[0])
		}},
		{name: "n goes to the next", keys: []string{"n"}, check: func() string {
			p := &d().pager
			if p.current != 1 || !strings.Contains(title(), "/IMAGE: 2/") {
				return "n did not move to the second match"
			}
			return onScreen(h, p, p.matches[1])
		}},
		{name: "N goes back, then round to the last", keys: []string{"N", "N"}, check: func() string {
			p := &d().pager
			if p.current != len(p.matches)-1 {
				return "N N did not go round to the last match"
			}
			return onScreen(h, p, p.matches[p.current])
		}},
		{name: "esc clears the search, not the view", keys: []string{"esc"}, check: func() string {
			if p := &d().pager; p.query != "" || len(p.matches) != 0 {
				return "esc kept the search"
			}
			return ""
		}},
		{name: "a cut line ends in a marker", keys: []string{"g"}, check: func() string {
			if !strings.Contains(h.screen(), "›") {
				return "no › where the checksum annotation is cut"
			}
			return ""
		}},
		{name: "→ scrolls sideways", keys: []string{"l"}, check: func() string {
			if !strings.Contains(h.screen(), "‹") || !strings.Contains(title(), "col 17") {
				return "no ‹ or column after l"
			}
			return ""
		}},
		{name: "← scrolls back", keys: []string{"h"}, check: func() string {
			if strings.Contains(h.screen(), "‹") || d().pager.x != 0 {
				return "still scrolled after h"
			}
			return ""
		}},
		{name: "w wraps", keys: []string{"w"}, check: func() string {
			s := h.screen()
			checksum := checksumOf(d().pager.content)
			if strings.Contains(s, "›") || !strings.Contains(title(), "wrapped") || checksum == "" || !strings.Contains(strings.ReplaceAll(s, "\n", ""), checksum) {
				return "the long line is not wrapped in full"
			}
			return ""
		}},
		{name: "w unwraps", keys: []string{"w"}, check: func() string {
			if !strings.Contains(h.screen(), "›") {
				return "no marker after the second w"
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			if !on[*detailScreen](h) {
				h.m.backToList()
				h.press("enter")
				h.waitFor("the YAML", func() bool { return on[*detailScreen](h) })
			}
			h.press(tc.keys...)
			if tc.ready != nil {
				h.waitFor(tc.name, tc.ready)
			}
			h.checkSize()
			if problem := tc.check(); problem != "" {
				t.Errorf("%s:\n%s", problem, h.screen())
			}
		})
	}
}

// onScreen says what is wrong when a match is not in view.
func onScreen(h *harness, p *pager, mt match) string {
	line := ansiStrip(p.lines[mt.line])
	want := strings.TrimSpace(line[:min(len(line), mt.to)])
	if !strings.Contains(h.screen(), want) {
		return "the match's line is not on screen: " + want
	}
	return ""
}

// checksumOf is the checksum annotation's value in a pod's YAML.
func checksumOf(yaml string) string {
	for _, l := range strings.Split(yaml, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "checksum/config: "); ok {
			return v
		}
	}
	return ""
}
