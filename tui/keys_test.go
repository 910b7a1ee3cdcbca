package tui

import (
	"strings"
	"testing"
	"time"
)

// TestKeys: k9s and vim habits. j/k move, g/G jump, ctrl+j or :journal
// opens the journal, q and esc go back (never quit), ctrl+c and :q quit.
func TestKeys(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 30})
	last := len(h.m.list.visible) - 1
	cursor := func() int { return h.m.list.table.Cursor() }
	for _, tc := range []struct {
		name  string
		setup []string // keys, then wait for ready
		ready func(*harness) bool
		keys  []string
		check func() string // "" when fine, else what is wrong
	}{
		{name: "j moves down", keys: []string{"j", "j"}, check: func() string {
			return wantInt("cursor", cursor(), 2)
		}},
		{name: "k moves up", setup: []string{"j", "j"}, keys: []string{"k"}, check: func() string {
			return wantInt("cursor", cursor(), 1)
		}},
		{name: "G jumps to the bottom", keys: []string{"G"}, check: func() string {
			return wantInt("cursor", cursor(), last)
		}},
		{name: "g jumps to the top", setup: []string{"G"}, keys: []string{"g"}, check: func() string {
			return wantInt("cursor", cursor(), 0)
		}},
		{name: "ctrl+j opens the journal", keys: []string{"ctrl+j"}, check: onTop[*journalScreen](h)},
		{name: ":journal opens the journal", keys: []string{":", "journal", "enter"}, check: onTop[*journalScreen](h)},
		{name: "j moves in the journal, never closes it", setup: []string{"ctrl+j"}, keys: []string{"j"}, check: onTop[*journalScreen](h)},
		{name: "ctrl+j from the help", setup: []string{"?"}, ready: on[*helpScreen], keys: []string{"ctrl+j"}, check: onTop[*journalScreen](h)},
		{name: "ctrl+j from a YAML view", setup: []string{"enter"}, ready: on[*detailScreen], keys: []string{"ctrl+j"}, check: onTop[*journalScreen](h)},
		{name: "ctrl+j closes the journal", setup: []string{"ctrl+j"}, keys: []string{"ctrl+j"}, check: onTop[*listScreen](h)},
		{name: "q leaves the YAML", setup: []string{"enter"}, ready: on[*detailScreen], keys: []string{"q"}, check: onTop[*listScreen](h)},
		{name: "esc leaves the YAML", setup: []string{"enter"}, ready: on[*detailScreen], keys: []string{"esc"}, check: onTop[*listScreen](h)},
		{name: "j scrolls the YAML", setup: []string{"j", "enter"}, ready: on[*detailScreen], keys: []string{"j", "j"}, check: func() string {
			if s := onTop[*detailScreen](h)(); s != "" {
				return s
			}
			return wantInt("YAML offset", topAs[*detailScreen](h).pager.y, 2)
		}},
		{name: "q leaves the history for the YAML", setup: []string{"j", "enter", "H"}, ready: on[*historyScreen], keys: []string{"q"}, check: onTop[*detailScreen](h)},
		{name: "q leaves the help", setup: []string{"?"}, keys: []string{"q"}, check: onTop[*listScreen](h)},
		{name: "q leaves the journal", setup: []string{":", "journal", "enter"}, keys: []string{"q"}, check: onTop[*listScreen](h)},
		{name: "q leaves the doctor", setup: []string{":", "doctor", "enter"}, ready: func(h *harness) bool { return on[*doctorScreen](h) && !isLoading(h) }, keys: []string{"q"}, check: onTop[*listScreen](h)},
		{name: "q goes back to the previous resource", setup: []string{":", "nodes", "enter"}, keys: []string{"q"}, check: func() string {
			if !h.m.list.isPods() {
				return "on " + h.m.list.view.String() + ", want pods"
			}
			return ""
		}},
		{name: "q on the first resource says how to quit", keys: []string{"q"}, check: func() string {
			if h.m.quitting || !strings.Contains(h.m.status, "ctrl+c or :q quits") {
				return "quitting " + boolString(h.m.quitting) + ", status " + h.m.status
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			h.m.backToList()
			h.m.list.views = nil
			h.m.list.table.SetCursor(0)
			h.press(tc.setup...)
			if tc.ready != nil {
				h.waitFor("the setup", func() bool { return tc.ready(h) })
			}
			h.press(tc.keys...)
			h.waitFor("the keys", func() bool { return h.m.busy == 0 && !isLoading(h) })
			h.settle(50 * time.Millisecond)
			if problem := tc.check(); problem != "" {
				t.Errorf("%s:\n%s", problem, h.screen())
			}
			if h.m.quitting {
				t.Fatal("lifeboat quit")
			}
		})
	}
}

// TestQuitKeys: ctrl+c and :q quit from any screen.
func TestQuitKeys(t *testing.T) {
	for _, keys := range [][]string{{"ctrl+c"}, {":", "q", "enter"}, {"enter", "ctrl+c"}, {"?", ":", "q", "enter"}} {
		t.Run(strings.Join(keys, " "), func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			h.press(keys...)
			h.waitFor("quit", func() bool { return h.quit })
		})
	}
}

func isLoading(h *harness) bool {
	if d, ok := h.m.top().(*doctorScreen); ok {
		return d.loading
	}
	return !h.m.list.loaded
}

// onTop checks that the screen on top is a T.
func onTop[T screen](h *harness) func() string {
	return func() string {
		if !on[T](h) {
			var want T
			return "on " + typeName(h.m.top()) + ", want " + typeName(want)
		}
		return ""
	}
}
