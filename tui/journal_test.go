package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/journal"
	corev1 "k8s.io/api/core/v1"
)

// TestJournalFromTheCLI: a journal the CLI wrote opens with :journal FILE,
// its newest write selected; undoing that write restores exactly its
// before-image (the uncordon), not the earlier untaint of the same node.
func TestJournalFromTheCLI(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 30})
	ctx := context.Background()
	nodes, err := etcdops.ResolveResource("nodes")
	if err != nil {
		t.Fatal(err)
	}
	q := etcdops.Query{Resource: nodes, Names: []string{"worker-3"}}
	b, err := h.store.NewBatch(ctx, testNow,
		etcdops.Operation{Action: etcdops.UntaintNodes, Query: q},
		etcdops.Operation{Action: etcdops.UncordonNodes, Query: q})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Preview(ctx, func(int, *etcdops.Change) error { return nil }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cli.jsonl")
	j, err := journal.Create(path, journal.Info{Command: "lifeboat apply -f plan.yaml", Prefix: "/registry"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(ctx, etcdops.ApplyOptions{Journal: j}, func(int, *etcdops.Change, etcdops.Result) error { return nil }); err != nil {
		t.Fatal(err)
	}
	j.Close()

	h.press(":", "journal "+path, "enter")
	h.waitFor("the CLI's journal", func() bool { return h.journalRows() == 2 })
	h.waitScreen("uncordon-nodes")
	if c := topAs[*journalScreen](h).table.Cursor(); c != 1 {
		t.Errorf("cursor on row %d, want the newest write (1)", c)
	}
	if s := h.screen(); !strings.Contains(s, "cli.jsonl") {
		t.Errorf("journal title does not name the file:\n%s", s)
	}
	h.press("u")
	h.waitFor("undo preview", func() bool { return on[*previewScreen](h) })
	s := h.screen()
	if !strings.Contains(s, "undo uncordon-nodes of /registry/minions/worker-3") || !strings.Contains(s, "+  unschedulable: true") {
		t.Errorf("undo preview does not say what is restored:\n%s", s)
	}
	if strings.Contains(s, "+    key: node.kubernetes.io/unreachable") {
		t.Errorf("undo of the uncordon would re-add the untaint's taints:\n%s", s)
	}
	h.press("y")
	h.waitFor("undo summary", func() bool { return on[*summaryScreen](h) })
	n := h.node("worker-3")
	if !n.Spec.Unschedulable {
		t.Error("worker-3 not cordoned again")
	}
	for _, taint := range n.Spec.Taints {
		if taint.Key == corev1.TaintNodeUnreachable {
			t.Error("the untaint was undone too")
		}
	}
}
