package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// TestJournalClusterAndUndoInAnotherCluster: journal ls and show name the
// etcd cluster each journal was written in (its ID in hex, as etcdctl
// prints it); undo of that journal against another etcd cluster is one
// line naming both IDs and --force-cluster, exit 1, nothing written;
// --force-cluster goes ahead key by key; a journal from before cluster IDs
// undoes as before, with a warning.
func TestJournalClusterAndUndoInAnotherCluster(t *testing.T) {
	first, second := capsized(t), capsized(t)
	dir := t.TempDir()
	t.Setenv("LIFEBOAT_JOURNAL_DIR", dir)
	on := func(c *cluster, args ...string) result {
		return lifeboat(t, nil, append([]string{"--endpoints", c.endpoint}, args...)...)
	}
	clusterID := func(c *cluster) string {
		resp, err := c.cli.Get(context.Background(), "/registry/health")
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatUint(resp.Header.ClusterId, 16)
	}
	id1, id2 := clusterID(first), clusterID(second)
	if id1 == id2 {
		t.Fatalf("two embedded etcds share cluster ID %s", id1)
	}

	wantCode(t, on(first, "nodes", "untaint", "worker-1", "worker-2", "--yes"), exitOK)
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("journal directory holds %d files, want 1", len(files))
	}
	name := files[0].Name()
	r := on(first, "journal", "ls")
	wantCode(t, r, exitOK)
	rows := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(rows) != 2 || !strings.Contains(rows[0], "CLUSTER") || strings.Fields(rows[1])[2] != id1 {
		t.Errorf("journal ls does not show cluster %s:\n%s", id1, r)
	}
	r = on(first, "journal", "ls", "-o", "json")
	var line journalLine
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.out)), &line); err != nil || line.Cluster != id1 {
		t.Errorf("journal ls -o json: %+v %v\n%s", line, err, r)
	}
	r = on(first, "journal", "show", name)
	if !regexp.MustCompile(`(?m)^Cluster:  ` + id1 + ` \(member [0-9a-f]+\)$`).MatchString(r.out) {
		t.Errorf("journal show does not name cluster %s:\n%s", id1, r)
	}

	// Against the other cluster: one line, nothing written.
	snap, rev := second.snapshot()
	r = on(second, "undo", name, "--yes")
	wantCode(t, r, exitError)
	if l := lines(r.errOut); len(l) != 1 || !strings.Contains(l[0], "cluster "+id1) || !strings.Contains(l[0], "cluster "+id2) || !strings.Contains(l[0], "--force-cluster") {
		t.Errorf("undo in another cluster, want one line naming %s, %s and --force-cluster:\n%s", id1, id2, r)
	}
	if after, _ := second.snapshot(); len(diffKeys(snap, after)) != 0 || second.revision() != rev {
		t.Errorf("refused undo wrote to the second etcd")
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Errorf("refused undo left a journal: %d files", len(files))
	}

	// --force-cluster: worker-1, untainted in the second cluster too (the
	// same bytes), goes back; worker-2 holds its value from before: nothing
	// to do for it.
	before1 := second.get("/registry/minions/worker-1")
	wantCode(t, second.run("nodes", "untaint", "worker-1", "--yes"), exitOK)
	r = on(second, "undo", name, "--yes", "--force-cluster")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.errOut, "warning: journal ") || !strings.Contains(r.errOut, "(--force-cluster)") {
		t.Errorf("forced undo does not warn:\n%s", r)
	}
	if got := second.get("/registry/minions/worker-1"); got.Value != before1.Value {
		t.Errorf("forced undo did not restore worker-1 in the second cluster:\n%s", r)
	}

	// A journal from before cluster IDs: undone as before, with a warning.
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := regexp.MustCompile(`,"clusterID":"[0-9a-f]+","memberID":"[0-9a-f]+"`).ReplaceAll(data, nil)
	if bytes.Equal(old, data) {
		t.Fatal("the journal's begin line has no clusterID to remove")
	}
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	r = on(second, "undo", name, "--dry-run")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.errOut, "warning: journal "+path+" does not say which etcd cluster it was written in") {
		t.Errorf("undo of a journal without cluster ID does not warn:\n%s", r)
	}
	r = on(first, "journal", "ls")
	if l := lines(r.out); len(l) < 2 || strings.Fields(l[1])[2] != "-" {
		t.Errorf("journal ls of a journal without cluster ID:\n%s", r)
	}
}
