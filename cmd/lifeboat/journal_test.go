package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJournalLsShowAndUndoByName: journals are found again in one place,
// listed with what became of their writes, and undone by file name.
func TestJournalLsShowAndUndoByName(t *testing.T) {
	c := capsized(t)
	dir := t.TempDir()
	t.Setenv("LIFEBOAT_JOURNAL_DIR", dir)
	run := func(args ...string) result {
		return lifeboat(t, nil, append([]string{"--endpoints", c.endpoint}, args...)...)
	}
	if r := run("journal", "ls"); r.code != exitOK || !strings.Contains(r.errOut, "No journals in "+dir) {
		t.Fatalf("empty journal ls:\n%s", r)
	}
	r := run("nodes", "untaint", "worker-1", "worker-2", "--yes")
	wantCode(t, r, exitOK)
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("journal directory holds %d files, want 1", len(files))
	}
	name := files[0].Name()
	if !strings.Contains(r.errOut, filepath.Join(dir, name)) {
		t.Errorf("the journal's path is not printed after the write:\n%s", r)
	}

	r = run("journal", "ls")
	wantCode(t, r, exitOK)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "COMMAND") || !strings.Contains(lines[1], "nodes untaint worker-1 worker-2") || !strings.Contains(lines[1], name) {
		t.Fatalf("journal ls:\n%s", r)
	}
	if f := strings.Fields(lines[1]); strings.Join(f[len(f)-4:len(f)-1], " ") != "2 2 0" {
		t.Errorf("journal ls row %q: want 2 keys, 2 written, 0 undone", f)
	}

	r = run("journal", "show", name)
	wantCode(t, r, exitOK)
	if strings.Count(r.out, "untaint-nodes") != 2 || strings.Count(r.out, "committed") != 2 || !strings.Contains(r.out, "nodes/worker-1") {
		t.Errorf("journal show:\n%s", r)
	}

	// Undo by file name, from any directory; it journals its own restores.
	t.Chdir(t.TempDir())
	wantCode(t, run("undo", name, "--yes"), exitOK)
	r = run("journal", "ls", "-o", "json")
	wantCode(t, r, exitOK)
	var rows []journalLine
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var l journalLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, l)
	}
	if len(rows) != 2 || rows[0].Undone != 2 || rows[1].Written != 2 || !strings.HasPrefix(rows[1].Command, "lifeboat undo") {
		t.Errorf("after undo, journal ls -o json: %+v", rows)
	}

	// A torn last line: undo still works, and says what it ignored.
	j := filepath.Join(dir, name)
	f, err := os.OpenFile(j, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"type":"write","key":"/registry/mini`)
	f.Close()
	r = run("undo", name, "--dry-run")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.errOut, "last line is incomplete") {
		t.Errorf("torn line not reported:\n%s", r)
	}
	r = run("journal", "ls")
	if !strings.Contains(r.out, "(torn last line)") {
		t.Errorf("journal ls does not flag the torn journal:\n%s", r)
	}
}
