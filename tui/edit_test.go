package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/journal"
	corev1 "k8s.io/api/core/v1"
)

// editorScript writes an editor (a sh script, run as $EDITOR FILE) that
// counts its runs in a file, then runs body; runs reads the count.
func editorScript(t *testing.T, body string) (runs func() int) {
	t.Helper()
	dir := t.TempDir()
	count := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "editor.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho run >> '"+count+"'\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDITOR", script)
	t.Setenv("KUBE_EDITOR", "")
	return func() int {
		b, _ := os.ReadFile(count)
		return bytes.Count(b, []byte("run\n"))
	}
}

const editedKey = "/registry/configmaps/shop/frontend-config"

// TestEditFromTheTUI: e, from the list or the YAML view, runs $EDITOR on
// the object (the TUI suspended through tea.Exec); the edit is previewed,
// written through the journal on y, and undone from the journal view.
func TestEditFromTheTUI(t *testing.T) {
	for _, from := range []string{"list", "yaml"} {
		t.Run(from, func(t *testing.T) {
			runs := editorScript(t, `sed -i 's/^    app: frontend$/    app: frontend-v2/' "$1"`)
			h := newHarness(t, harnessOptions{width: 160, height: 40})
			was := h.object(editedKey).Value
			h.showOnly("cm shop", "frontend-config")
			if from == "yaml" {
				h.press("enter")
				h.waitFor("the YAML", func() bool { return on[*detailScreen](h) })
			}
			h.press("e")
			h.waitFor("the preview", func() bool { return on[*previewScreen](h) })
			if runs() != 1 {
				t.Fatalf("the editor ran %d times, want 1", runs())
			}
			s := h.screen()
			for _, want := range []string{"preview: edit configmaps/shop/frontend-config", "-    app: frontend", "+    app: frontend-v2", "y writes 1 object to"} {
				if !strings.Contains(s, want) {
					t.Errorf("preview lacks %q:\n%s", want, s)
				}
			}
			h.press("y")
			h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
			if got := h.object(editedKey).Object.Typed.(*corev1.ConfigMap).Labels["app"]; got != "frontend-v2" {
				t.Fatalf("etcd holds app=%q, want the edit's frontend-v2", got)
			}
			jf, err := journal.Read(h.journal)
			if err != nil || len(jf.Writes()) != 1 || etcdops.Action(jf.Writes()[0].Action) != etcdops.EditObject || jf.Writes()[0].Key != editedKey {
				t.Fatalf("the journal does not hold the edit (%v): %+v", err, jf)
			}

			h.press("ctrl+j")
			h.waitFor("journal rows", func() bool { return h.journalRows() == 1 })
			h.press("u")
			h.waitFor("undo preview", func() bool { return on[*previewScreen](h) })
			h.press("y")
			h.waitFor("undo summary", func() bool { return on[*summaryScreen](h) })
			if !bytes.Equal(h.object(editedKey).Value, was) {
				t.Error("undo did not put the ConfigMap's bytes back")
			}
			if runs() != 1 {
				t.Errorf("the editor ran %d times in all, want 1", runs())
			}
		})
	}
}

// TestEditWritesNothing: an edit that is not made, or cannot be, ends in
// the status line with nothing written, the editor run as often as kubectl
// edit would run it (never, when the object is refused first).
func TestEditWritesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		show   [2]string // view and name
		newer  bool      // the object carries a field a newer Kubernetes wrote
		editor string
		runs   int
		bad    bool // the status line says it in red
		status []string
	}{
		{name: "saved unchanged", show: [2]string{"cm shop", "frontend-config"}, editor: "exit 0", runs: 1,
			status: []string{"edit configmaps/shop/frontend-config cancelled", "nothing written"}},
		{name: "misspelt field, saved again broken", show: [2]string{"cm shop", "frontend-config"},
			// The first run misspells data; the second, shown the error, saves the file as it is.
			editor: `grep -q "could not be written" "$1" || sed -i 's/^data:/dataa:/' "$1"`, runs: 2, bad: true,
			status: []string{"the error was not fixed", `unknown field "dataa"`, "nothing written"}},
		{name: "editor fails", show: [2]string{"cm shop", "frontend-config"}, editor: `sed -i 's/^data:/dataa:/' "$1"; exit 3`, runs: 1, bad: true,
			status: []string{"exit status 3", "nothing written"}},
		{name: "newer fields", show: [2]string{"cm shop", "frontend-config"}, newer: true, editor: "exit 0", runs: 0, bad: true,
			status: []string{"field 50", "nothing written", "'lifeboat edit configmaps frontend-config -n shop --allow-field-loss'"}},
		{name: "malformed", show: [2]string{"pods default", "poison"}, editor: "exit 0", runs: 0, bad: true,
			status: []string{"pods/default/poison cannot be decoded", "lifeboat quarantine"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := editorScript(t, tc.editor)
			h := newHarness(t, harnessOptions{width: 160, height: 40})
			if tc.newer {
				h.addNewerField(editedKey, 50)
			}
			rev := h.revision()
			h.showOnly(tc.show[0], tc.show[1])
			h.press("e")
			// "reading … to edit…", "editing … in ……", then the outcome.
			h.waitFor("the outcome in the status line", func() bool { return h.m.busy == 0 && !strings.HasSuffix(h.m.status, "…") })
			h.settle(100 * time.Millisecond)
			for _, want := range tc.status {
				if !strings.Contains(h.m.status, want) {
					t.Errorf("status %q lacks %q", h.m.status, want)
				}
			}
			if h.m.statusBad != tc.bad {
				t.Errorf("status %q shown as an error: %v, want %v", h.m.status, h.m.statusBad, tc.bad)
			}
			if runs() != tc.runs {
				t.Errorf("the editor ran %d times, want %d", runs(), tc.runs)
			}
			if !on[*listScreen](h) {
				t.Errorf("on screen %T, want the list", h.m.top())
			}
			if got := h.revision(); got != rev {
				t.Errorf("etcd revision %d -> %d: something was written", rev, got)
			}
			if _, err := os.Stat(h.journal); !os.IsNotExist(err) {
				t.Errorf("a journal was created: %v", err)
			}
		})
	}
}
