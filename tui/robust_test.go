package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// TestDeleteLastRow: deleting the only row of a view (:deploy, ctrl+d on
// the only Deployment, y) empties the table under the cursor. The watch
// brings the delete while the summary is shown; esc shows the empty table.
func TestDeleteLastRow(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press(":", "deploy", "enter")
	h.waitFor("the one Deployment", func() bool {
		return h.m.list.loaded && h.m.list.view.res.Name == "deployments" && len(h.m.list.visible) == 1
	})
	h.press("ctrl+d")
	h.waitFor("the preview", func() bool { return on[*previewScreen](h) })
	h.press("y")
	h.waitFor("the summary", func() bool { return on[*summaryScreen](h) })
	h.waitFor("the delete to reach the table", func() bool { return len(h.m.list.items) == 0 })
	h.press("esc")
	h.waitScreen("No deployments found")
	if problem := h.inconsistency(); problem != "" {
		t.Fatal(problem)
	}
	// Every key of the table on an empty one.
	h.pressOnEmpty()
}

// TestListShrinksUnderTheCursor: someone else deletes rows around the
// cursor, the selected one, or all of them; the table follows, its cursor
// stays on a row (the same one when it is still there), and every key
// still works.
func TestListShrinksUnderTheCursor(t *testing.T) {
	for _, tc := range []struct {
		name   string
		view   string   // :view
		keys   []string // then these
		delete func(h *harness) []string
		want   string // on screen after
		cursor func(h *harness, before string) string
	}{
		{
			name: "the selected last row", view: "cm", keys: []string{"G"},
			delete: func(h *harness) []string { return []string{h.m.list.selectedKey()} },
			cursor: func(h *harness, _ string) string {
				return wantInt("cursor", h.m.list.table.Cursor(), len(h.m.list.visible)-1)
			},
		},
		{
			name: "rows above the cursor", view: "cm", keys: []string{"j", "j", "j"},
			delete: func(h *harness) []string { return h.visibleKeys()[:3] },
			cursor: func(h *harness, before string) string {
				if got := h.m.list.selectedKey(); got != before {
					return fmt.Sprintf("cursor on %s, want %s still", got, before)
				}
				return ""
			},
		},
		{
			name: "every row", view: "cm shop", keys: []string{"G"},
			delete: func(h *harness) []string { return h.visibleKeys() },
			want:   "No configmaps found",
		},
		{
			name: "every row the filter shows", view: "cm", keys: []string{"/", "frontend", "enter", "G"},
			delete: func(h *harness) []string { return h.visibleKeys() },
			want:   "Nothing matches the filter",
		},
		{
			name: "every marked row", view: "cm", keys: []string{"space", "space", "space"},
			delete: func(h *harness) []string { return h.visibleKeys()[:3] },
			cursor: func(h *harness, _ string) string { return wantInt("marks", len(h.m.list.marks), 0) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			h.press(":", tc.view, "enter")
			h.waitFor(tc.view, func() bool { return h.m.list.loaded && h.m.busy == 0 && len(h.m.list.visible) > 3 })
			h.press(tc.keys...)
			before, keys := h.m.list.selectedKey(), tc.delete(h)
			n := len(h.m.list.items)
			for _, k := range keys {
				if _, err := h.cli.Delete(context.Background(), k); err != nil {
					t.Fatal(err)
				}
			}
			h.waitFor("the deletes to reach the table", func() bool { return len(h.m.list.items) == n-len(keys) })
			if tc.want != "" {
				h.waitScreen(tc.want)
			}
			if problem := h.inconsistency(); problem != "" {
				t.Fatal(problem)
			}
			if tc.cursor != nil {
				if problem := tc.cursor(h, before); problem != "" {
					t.Error(problem)
				}
			}
			if len(h.m.list.visible) == 0 {
				h.pressOnEmpty()
			}
		})
	}
}

// visibleKeys are the keys of the rows shown, in display order.
func (h *harness) visibleKeys() []string {
	var out []string
	for _, idx := range h.m.list.visible {
		out = append(out, h.m.list.items[idx].key)
	}
	return out
}

// pressOnEmpty presses every key of a table on an empty one: none may
// select a row that is not there.
func (h *harness) pressOnEmpty() {
	h.t.Helper()
	for _, k := range []string{"j", "k", "G", "g", "down", "up", "space", "ctrl+a", "enter", "r", "d", "H", "e", "s", "S", "N", "u", "t", "c", "ctrl+d"} {
		h.press(k)
		h.settle(20 * time.Millisecond)
		if !on[*listScreen](h) {
			h.t.Fatalf("%s on an empty table opened %T:\n%s", k, h.m.top(), h.screen())
		}
		if problem := h.inconsistency(); problem != "" {
			h.t.Fatalf("after %s: %s", k, problem)
		}
	}
}

// inconsistency is what is wrong with the model's state, "" when nothing:
// every index the table keeps names a row, the cursor is on a row (or on
// none of an empty table), marks are on rows there are, and each screen's
// cursor or offset is within what it shows.
func (h *harness) inconsistency() string {
	l := &h.m.list.listState
	for _, idx := range l.visible {
		if idx < 0 || idx >= len(l.items) {
			return fmt.Sprintf("visible holds %d, of %d rows", idx, len(l.items))
		}
	}
	if l.sorted && len(l.order) != len(l.items) {
		return fmt.Sprintf("%d rows in order, %d rows", len(l.order), len(l.items))
	}
	if len(l.tableRows) != len(l.visible) || len(l.table.Rows()) != len(l.visible) {
		return fmt.Sprintf("%d table rows (%d in bubbles') for %d visible rows", len(l.tableRows), len(l.table.Rows()), len(l.visible))
	}
	if l.filledFrom < 0 || l.filledFrom > l.filledTo || l.filledTo > len(l.visible) {
		return fmt.Sprintf("filled [%d, %d) of %d rows", l.filledFrom, l.filledTo, len(l.visible))
	}
	c := l.table.Cursor()
	switch {
	case len(l.visible) == 0 && c > 0:
		return fmt.Sprintf("cursor %d on an empty table", c)
	case len(l.visible) > 0 && (c < 0 || c >= len(l.visible)):
		return fmt.Sprintf("cursor %d of %d rows", c, len(l.visible))
	}
	present := map[string]bool{}
	for _, r := range l.items {
		present[r.key] = true
	}
	for k := range l.marks {
		if !present[k] {
			return "a mark on " + k + ", which is no row"
		}
	}
	if h.m.busy < 0 {
		return fmt.Sprintf("busy %d", h.m.busy)
	}
	for _, s := range h.m.stack {
		if problem := screenInconsistency(s); problem != "" {
			return fmt.Sprintf("%T: %s", s, problem)
		}
	}
	return ""
}

func screenInconsistency(s screen) string {
	pagerProblem := func(p *pager) string {
		if p.y < 0 || (p.y > 0 && p.y > len(p.rows)-p.height) {
			return fmt.Sprintf("pager at %d of %d rows, %d high", p.y, len(p.rows), p.height)
		}
		if p.current < -1 || p.current >= len(p.matches) {
			return fmt.Sprintf("match %d of %d", p.current, len(p.matches))
		}
		return ""
	}
	switch s := s.(type) {
	case *detailScreen:
		return pagerProblem(&s.pager)
	case *historyScreen:
		return pagerProblem(&s.pager)
	case *describeScreen:
		return pagerProblem(&s.pager)
	case *helpScreen:
		return pagerProblem(&s.pager)
	case *journalScreen:
		if c := s.table.Cursor(); len(s.rows) > 0 && (c < 0 || c >= len(s.rows)) {
			return fmt.Sprintf("cursor %d of %d writes", c, len(s.rows))
		}
	case *doctorScreen:
		if c := s.table.Cursor(); s.diagnosis != nil && len(s.diagnosis.Findings) > 0 && (c < 0 || c >= len(s.diagnosis.Findings)) {
			return fmt.Sprintf("cursor %d of %d findings", c, len(s.diagnosis.Findings))
		}
	}
	return ""
}

// TestUpdateDoesNoEtcdIO: with etcd frozen (a StallProxy, as SIGSTOP),
// every key returns from Update at once, a custom resource's name (read
// from the CRDs in etcd) among them: the reads are in tea.Cmds, which the
// outage ends. Before, ":ct" waited in Update for the read's timeout.
func TestUpdateDoesNoEtcdIO(t *testing.T) {
	h := newHarness(t, harnessOptions{stall: true})
	h.press(":", "cm", "enter")
	h.waitFor("configmaps", func() bool { return h.m.list.loaded && h.m.busy == 0 && h.m.list.view.res.Name == "configmaps" })
	h.stall.Freeze()
	// A read of the frozen etcd in Update would wait for its deadline: 2s
	// at the least (probeTimeout), 10s before the outage is known. An
	// Update takes a few milliseconds; the bound leaves room for a loaded
	// CI machine (100ms did not, once).
	h.updateLimit = 500 * time.Millisecond
	h.press(":", "ct", "enter")
	if !on[*listScreen](h) || h.m.list.view.res.Name != "configmaps" || h.m.busy == 0 {
		t.Fatalf(":ct switched at once, or read nothing: busy %d, view %s", h.m.busy, h.m.list.view)
	}
	for _, keys := range [][]string{
		{":", "crontabs", "enter"}, {":", "crontabs.stable.example.com", "enter"}, {":", "CronTab", "enter"},
		{":", "nosuchthing", "enter"}, {":", "ct all", "enter"}, {":", "keys", "enter"},
		{"enter"}, {"r"}, {"d"}, {"H"}, {"e"}, {"ctrl+d"}, {"space", "ctrl+a", "ctrl+d"},
		{":", "doctor", "enter"}, {"esc"}, {"ctrl+j"}, {"esc"}, {":", "journal", "nosuchjournal", "enter"}, {"esc"},
		{"/", "front", "enter"}, {"/", "l app=frontend", "enter"}, {"esc"},
		{"ctrl+r"}, {"?"}, {"esc"}, {":", "pods", "enter"}, {"T", "u"}, {":", "nodes", "enter"}, {"t", "c"},
	} {
		h.press(keys...)
	}
	// The outage ends the reads: the CRDs' among them, at once, not at
	// their timeout. The view it was asked from stays.
	h.waitFor("the outage to end every read", func() bool { return h.m.etcd.err != nil && h.m.busy == 0 })
	if d := time.Since(h.stall.FrozenAt()); d > 5*time.Second {
		t.Errorf("the reads ended %s after etcd froze, want within 5s", d)
	}
	if !strings.Contains(h.m.status, "etcd unreachable") {
		t.Errorf("status %q, want the outage", h.m.status)
	}
}

// TestCustomResourceCommands: a name only a CRD declares is resolved in a
// tea.Cmd; the newest command wins over one still being resolved, and a
// name no CRD declares says so.
func TestCustomResourceCommands(t *testing.T) {
	for _, tc := range []struct {
		name   string
		keys   []string
		view   string // the resource shown after
		status string // in the status line after
	}{
		{name: "short name", keys: []string{":", "ct", "enter"}, view: "crontabs"},
		{name: "kind", keys: []string{":", "CronTab", "enter"}, view: "crontabs"},
		{name: "qualified", keys: []string{":", "crontabs.stable.example.com", "enter"}, view: "crontabs"},
		{name: "a namespace", keys: []string{":", "ct default", "enter"}, view: "crontabs"},
		{name: "unknown", keys: []string{":", "nosuchthing", "enter"}, view: "pods", status: `unknown resource "nosuchthing"`},
		{name: "a newer command wins", keys: []string{":", "ct", "enter", ":", "nodes", "enter"}, view: "nodes"},
		{name: "esc to the view before wins", keys: []string{":", "cm", "enter", ":", "ct", "enter", "esc"}, view: "pods"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			h.press(tc.keys...)
			h.waitFor("the commands", func() bool { return h.m.busy == 0 && h.m.list.loaded })
			h.settle(50 * time.Millisecond)
			if got := h.m.list.view.res.Name; got != tc.view {
				t.Errorf("on %s, want %s (status %q)", got, tc.view, h.m.status)
			}
			if !strings.Contains(h.m.status, tc.status) {
				t.Errorf("status %q, want %q", h.m.status, tc.status)
			}
		})
	}
}

// TestFirstViewFromTheCRDs: the first view (lifeboat tui --resource) may
// be a custom resource's name; New does not read the CRDs (the screen
// opens at once, even on a frozen etcd): Init's commands do, then switch.
func TestFirstViewFromTheCRDs(t *testing.T) {
	h := newHarness(t, harnessOptions{stall: true, resource: "crontabs.stable.example.com"})
	h.waitFor("the crontabs", func() bool { return h.m.list.view.res.Name == "crontabs" && h.m.list.loaded && h.m.busy == 0 })
	if names := h.visibleNames(); len(names) != 1 || names[0] != "nightly-backup" {
		t.Errorf("rows %v, want nightly-backup", names)
	}
	if h.m.list.views != nil {
		t.Errorf("esc goes back to %v from the first view", h.m.list.views)
	}

	h.stall.Freeze()
	start := time.Now()
	m, err := New(h.store, Options{Resource: "ct", JournalPath: h.journal})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if cmd := m.Init(); cmd == nil {
		t.Fatal("Init starts nothing")
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if d := time.Since(start); d > 500*time.Millisecond { // a read would take 10s: TestUpdateDoesNoEtcdIO
		t.Errorf("New, Init and Update took %s on a frozen etcd", d)
	}
	if !strings.Contains(m.View(), "custom resource definitions") {
		t.Errorf("the first screen does not say what it reads:\n%s", m.View())
	}
}

// TestSwitchViewEmptiesTheTable: switching views empties the table at
// once: until the new view's rows are listed, the table has its columns
// and no row, never the rows of the view before under the new one's name.
// (The monkey found rows of pods under ":keys" while the keys loaded.)
func TestSwitchViewEmptiesTheTable(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press("G")
	h.press(":", "keys", "enter") // its list is a tea.Cmd: not handled yet
	if h.m.list.loaded {
		t.Fatal("the keys were listed within Update")
	}
	if problem := h.inconsistency(); problem != "" {
		t.Fatal(problem)
	}
	s := h.screen()
	if strings.Contains(s, "coredns") || !strings.Contains(s, "KEY") {
		t.Errorf("the keys view, loading, shows the pods, or not its columns:\n%s", s)
	}
	h.waitFor("the keys", func() bool { return h.m.list.loaded })
	if problem := h.inconsistency(); problem != "" {
		t.Fatal(problem)
	}
}

// TestCustomResourceNamedLikeABuiltin: a CRD may call its resource pods,
// nodes or leases (pods.example.com). Its objects are no pods: their rows
// have their own columns, and the repair keys of pods and nodes refuse
// them. Before, a terminating one panicked in the informer's goroutine
// (there is no TERMINATING-SINCE column to blank), which ended the process.
func TestCustomResourceNamedLikeABuiltin(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for key, value := range map[string]string{
		"/registry/example.com/pods/default/x": `{"apiVersion":"example.com/v1","kind":"Pod","metadata":{"name":"x","namespace":"default","uid":"1",` +
			`"deletionTimestamp":"2024-01-01T00:00:00Z"}}`,
		"/registry/example.com/leases/default/y": `{"apiVersion":"example.com/v1","kind":"Lease","metadata":{"name":"y","namespace":"default","uid":"2"},` +
			`"spec":{"renewTime":"2024-01-01T00:00:00.000000Z","holderIdentity":"h"}}`,
		"/registry/example.com/nodes/z": `{"apiVersion":"example.com/v1","kind":"Node","metadata":{"name":"z","uid":"3"},` +
			`"spec":{"unschedulable":true,"taints":[{"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}]}}`,
	} {
		if _, err := h.cli.Put(context.Background(), key, value); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		view, name string
		keys       []string
		refusal    string
	}{
		{"pods.example.com", "x", []string{"T", "u"}, "switch with :pods"},
		{"leases.example.com", "y", []string{"u"}, "switch with :pods"},
		{"nodes.example.com", "z", []string{"t"}, "switch with :nodes"},
		{"nodes.example.com", "z", []string{"c"}, "switch with :nodes"},
	} {
		h.press(":", tc.view, "enter")
		h.waitFor(tc.view, func() bool { return h.m.list.loaded && h.m.busy == 0 && h.m.list.view.String() == tc.view })
		if names := h.visibleNames(); len(names) != 1 || names[0] != tc.name {
			t.Errorf("%s: rows %v, want %s", tc.view, names, tc.name)
		}
		h.m.setStatus(false, "")
		h.press(tc.keys...)
		if !on[*listScreen](h) || !strings.Contains(h.m.status, tc.refusal) || h.m.busy != 0 {
			t.Errorf("%s: %v: status %q, busy %d, want %q", tc.view, tc.keys, h.m.status, h.m.busy, tc.refusal)
		}
	}
}

// TestResolvedNameKeepsThePreview: a name read from the CRDs that comes
// back while a preview is open does not close it: the operator is reading
// the diff (or a write runs).
func TestResolvedNameKeepsThePreview(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press("T", "space", "u")
	h.waitFor("the preview", func() bool { return on[*previewScreen](h) })
	crontabs, err := h.store.ResolveResource(context.Background(), "ct")
	if err != nil {
		t.Fatal(err)
	}
	h.send(resolvedMsg{gen: h.m.viewGen, view: listView{res: crontabs}})
	if !on[*previewScreen](h) || h.m.list.view.res.Name != "pods" {
		t.Fatalf("the name resolved closed the preview, or switched under it:\n%s", h.screen())
	}
	if !strings.Contains(h.m.status, "crontabs.stable.example.com is not shown: a preview is open") {
		t.Errorf("status %q", h.m.status)
	}
}
