package main

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

// TestRepairCommandsOnBackends runs the repair commands against the
// datastores other than the embedded etcd the rest of the suite uses: kine
// (k3s) over its unix:// socket, and a separate etcd server process (3.4 in
// CI). Each command's exit code is checked, and what etcd holds afterwards.
func TestRepairCommandsOnBackends(t *testing.T) {
	etcdtest.ForBackends(t, []string{etcdtest.Kine, etcdtest.EtcdProcess}, func(t *testing.T, b etcdtest.Backend) {
		c := newClusterOn(t, b, demo.Options{Malformed: true})
		undelete := c.journal("undelete.jsonl")
		original, _ := c.snapshot()

		t.Run("get and ls", func(t *testing.T) {
			r := c.run("get", "nodes")
			wantCode(t, r, exitOK)
			if n := len(lines(r.out)); n != len(nodeNames)+1 {
				t.Errorf("get nodes printed %d lines, want a header and %d nodes:\n%s", n, len(nodeNames), r)
			}
			// Not a whole path segment: kine lists only whole ones.
			r = c.run("ls", "/registry/pods/sh", "-o", "json")
			wantCode(t, r, exitOK)
			var shop int
			for k := range original {
				if strings.HasPrefix(k, "/registry/pods/shop/") {
					shop++
				}
			}
			if got := len(jsonLines(t, r.out)); got != shop || shop == 0 {
				t.Errorf("ls /registry/pods/sh listed %d keys, want the %d shop pods:\n%s", got, shop, r)
			}
			// kine keeps {"health":"true"} at /registry/health: no damage.
			r = c.run("ls")
			wantCode(t, r, exitPartial) // the poison pod, and nothing else
			if strings.Contains(r.errOut, "/registry/health") || strings.Count(r.errOut, "warning: ") != 1 {
				t.Errorf("ls warns about more than the poison pod (kine's health key?):\n%s", r)
			}
			if _, ok := original["/registry/health"]; ok != b.IsKine() {
				t.Errorf("/registry/health exists: %v", ok)
			}
		})

		t.Run("pods undelete -A --yes", func(t *testing.T) {
			want := c.terminatingPods("/registry/pods/")
			before, _ := c.snapshot()
			r := c.run("pods", "undelete", "-A", "--yes", "-o", "json", "--journal", undelete)
			wantCode(t, r, exitPartial) // the poison pod is skipped
			after, _ := c.snapshot()
			written := diffKeys(before, after)
			sort.Strings(written)
			if !slices.Equal(written, want) {
				t.Errorf("keys written %v, want the %d Terminating pods", written, len(want))
			}
			if left := c.terminatingPods("/registry/pods/"); len(left) != 0 {
				t.Errorf("still Terminating: %v", left)
			}
			if after[poisonKey] != before[poisonKey] {
				t.Error("the poison pod was written")
			}
			revs := map[int64]bool{}
			for _, m := range jsonLines(t, r.out) {
				l := checkResultLine(t, m)
				if !l.Changed {
					continue
				}
				if l.NewRevision != after[l.Key].ModRevision || l.NewRevision <= before[l.Key].ModRevision {
					t.Errorf("%s: reported revision %d, etcd has %d (was %d)", l.Key, l.NewRevision, after[l.Key].ModRevision, before[l.Key].ModRevision)
				}
				revs[l.NewRevision] = true
			}
			if len(revs) != len(want) {
				t.Errorf("%d pods written at %d distinct revisions, want one each", len(want), len(revs))
			}
		})

		t.Run("nodes untaint --all --yes", func(t *testing.T) {
			before := c.nodes()
			wantCode(t, c.run("nodes", "untaint", "--all", "--yes"), exitOK)
			checkNodes(t, before, c.nodes(), func(n *corev1.Node) *corev1.Node {
				return withoutTaints(n, func(tn corev1.Taint) bool { return slices.Contains(defaultTaints, tn.Key) })
			})
		})

		t.Run("nodes uncordon worker-3", func(t *testing.T) {
			before := c.nodes()
			wantCode(t, c.run("nodes", "uncordon", "worker-3", "--yes"), exitOK)
			checkNodes(t, before, c.nodes(), uncordoned("worker-3"))
		})

		t.Run("finalizers remove", func(t *testing.T) {
			before := c.get(crKey)
			wantCode(t, c.run("finalizers", "remove", "crontabs.stable.example.com", "nightly-backup", "--yes"), exitOK)
			after := c.get(crKey)
			var obj map[string]any
			if err := json.Unmarshal([]byte(after.Value), &obj); err != nil || after.ModRevision <= before.ModRevision {
				t.Fatalf("custom resource after: revision %d -> %d, %v", before.ModRevision, after.ModRevision, err)
			}
			if f, ok := obj["metadata"].(map[string]any)["finalizers"]; ok {
				t.Errorf("finalizers left: %v", f)
			}
		})

		t.Run("undo JOURNAL", func(t *testing.T) {
			before, _ := c.snapshot()
			wantCode(t, c.run("undo", undelete, "--yes"), exitOK)
			after, _ := c.snapshot()
			for _, k := range diffKeys(before, after) {
				if after[k].Value != original[k].Value || after[k].ModRevision <= before[k].ModRevision {
					t.Errorf("%s: not restored byte for byte at a new revision", k)
				}
			}
			var pods int
			for k := range original {
				if strings.HasPrefix(k, "/registry/pods/") && original[k].Value != before[k].Value {
					pods++
					if after[k].Value != original[k].Value {
						t.Errorf("%s: not restored", k)
					}
				}
			}
			if pods == 0 {
				t.Fatal("nothing to undo")
			}
			rev := c.revision()
			r := c.run("undo", undelete, "--yes")
			wantCode(t, r, exitOK)
			c.assertUnchanged(rev, r)
		})

		t.Run("apply -f", func(t *testing.T) {
			c := newClusterOn(t, etcdtest.StartBackend(t, b.Name), demo.Options{})
			onWorker1 := c.terminatingOn("worker-1")
			all := c.terminatingOn("")
			before, _ := c.snapshot()
			wantCode(t, c.run("apply", "-f", "testdata/plan-example.yaml", "--yes"), exitOK)
			c.checkPlanExampleApplied(t, before, all, onWorker1)
		})
	})
}
