package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

// TestRepairs proves issue #3's cases 1-7 against one etcd and a real
// kube-apiserver. The subtests run in order and share state: the dry run
// (4) looks at case 1's pods before case 1 repairs them, and undo (5)
// replays the journals of cases 1 and 2.
func TestRepairs(t *testing.T) {
	c := newCluster(t, "/registry")
	ctx := context.Background()
	journal := func(name string) string { return filepath.Join(c.work, name) }

	// Case 1's pods: in two namespaces, one bound to a node (graceful: grace
	// 30 s), one unbound (the API makes that grace 0), one with two finalizers.
	c.namespace(t, "e2e-a")
	c.namespace(t, "e2e-b")
	sel := map[string]string{"e2e.lifeboat.dev/case": "undelete"}
	before := map[string]*v1.Pod{}
	for _, s := range []podSpec{
		{ns: "e2e-a", name: "bound", node: "node-x", finalizers: []string{holdFinalizer}, labels: sel, deleteGrace: ptr.To[int64](-1)},
		{ns: "e2e-a", name: "unbound", finalizers: []string{holdFinalizer}, labels: sel, deleteGrace: ptr.To[int64](0)},
		{ns: "e2e-b", name: "two-finalizers", node: "node-y", finalizers: []string{holdFinalizer, "e2e.lifeboat.dev/second"}, labels: sel, deleteGrace: ptr.To[int64](5)},
	} {
		before[objName(s.ns, s.name)] = c.pod(t, s)
	}
	healthy := c.pod(t, podSpec{ns: "e2e-b", name: "healthy", node: "node-y", labels: sel})
	list, err := c.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: "e2e.lifeboat.dev/case=undelete"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pods listed at resourceVersion %s; a watch starts there", list.ResourceVersion)
	w, err := c.cs.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{LabelSelector: "e2e.lifeboat.dev/case=undelete", ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	pods := c.watch(t, "pods", w)

	var undeleted map[string]result
	t.Run("4-dry-run-writes-nothing", func(t *testing.T) {
		mark := pods.count()
		r := c.lifeboat(t, "pods", "undelete", "-A", "--dry-run", "-o", "json")
		if r.code != 0 {
			t.Fatalf("exit %d", r.code)
		}
		n := 0
		for _, res := range r.results {
			if res.Changed {
				n++
				if !res.DryRun || res.NewRevision != 0 {
					t.Errorf("dry-run result %+v: want dryRun and newRevision 0", res)
				}
			}
		}
		if n != 3 {
			t.Errorf("dry run would change %d pods, want 3", n)
		}
		time.Sleep(2 * time.Second)
		if evs := pods.since(mark); len(evs) != 0 {
			t.Fatalf("--dry-run caused %d watch event(s) within 2 s", len(evs))
		}
		t.Logf("no watch event within 2 s of --dry-run")
		for name, p := range before {
			got, err := c.cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("pod %s: resourceVersion %s before, %s after --dry-run", name, p.ResourceVersion, got.ResourceVersion)
			if got.ResourceVersion != p.ResourceVersion {
				t.Errorf("pod %s: --dry-run moved resourceVersion %s -> %s", name, p.ResourceVersion, got.ResourceVersion)
			}
		}
	})

	t.Run("1-pod-undelete-seen-by-watch", func(t *testing.T) {
		mark := pods.count()
		r := c.lifeboat(t, "--journal", journal("undelete.jsonl"), "pods", "undelete", "-A", "--yes", "-o", "json")
		undeleted = mustChange(t, r, 3)
		evs := pods.waitFor(mark, 30*time.Second, func(evs []watch.Event) bool {
			for name, res := range undeleted {
				if _, ok := modifiedAt(evs, name, res.NewRevision); !ok {
					return false
				}
			}
			return true
		})
		for name, res := range undeleted {
			obj, _ := modifiedAt(evs, name, res.NewRevision)
			p := obj.(*v1.Pod)
			t.Logf("pod %s: resourceVersion %d -> %d; MODIFIED event at %s, deletionTimestamp=%v deletionGracePeriodSeconds=%v",
				name, res.OldRevision, res.NewRevision, p.ResourceVersion, p.DeletionTimestamp, p.DeletionGracePeriodSeconds)
			if p.DeletionTimestamp != nil || p.DeletionGracePeriodSeconds != nil {
				t.Errorf("pod %s: the watch event still has deletion fields", name)
			}
			if res.OldRevision != rv(before[name]) {
				t.Errorf("pod %s: lifeboat read revision %d, the API showed %s", name, res.OldRevision, before[name].ResourceVersion)
			}
			got := c.checkPodReads(t, p.Namespace, p.Name, res.NewRevision)
			if d := sameExcept(before[name], got, "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds"); d != "" {
				t.Errorf("pod %s: fields other than the deletion fields changed (-before +after):\n%s", name, d)
			}
			if got.DeletionTimestamp != nil || got.DeletionGracePeriodSeconds != nil {
				t.Errorf("pod %s still Terminating", name)
			}
		}
		for _, ev := range evs {
			if p := ev.Object.(*v1.Pod); p.Name == healthy.Name {
				t.Errorf("healthy pod got an event: %s", describeEvent(ev))
			}
		}
		// kubectl-style updates keep working on the repaired object.
		p := c.patchLabel(t, "e2e-a", "bound", "repaired", "yes")
		t.Logf("label patch through the API after the repair: resourceVersion %d -> %s", undeleted["e2e-a/bound"].NewRevision, p.ResourceVersion)
		if rv(p) <= undeleted["e2e-a/bound"].NewRevision || p.DeletionTimestamp != nil {
			t.Errorf("label patch: resourceVersion %s, deletionTimestamp %v", p.ResourceVersion, p.DeletionTimestamp)
		}
		pods.waitFor(mark, 10*time.Second, func(evs []watch.Event) bool { _, ok := modifiedAt(evs, "e2e-a/bound", rv(p)); return ok })
	})

	// Case 2's nodes.
	nodesBefore := map[string]*v1.Node{}
	for _, name := range []string{"tainted-1", "tainted-2"} {
		nodesBefore[name] = c.brokenNode(t, name)
	}
	nlist, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "e2e.lifeboat.dev/case=nodes"})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := c.cs.CoreV1().Nodes().Watch(ctx, metav1.ListOptions{LabelSelector: "e2e.lifeboat.dev/case=nodes", ResourceVersion: nlist.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	nodes := c.watch(t, "nodes", nw)

	t.Run("2-node-untaint-uncordon-seen-by-watch", func(t *testing.T) {
		mark := nodes.count()
		dry := c.lifeboat(t, "nodes", "untaint", "--all", "--dry-run", "-o", "json")
		if dry.code != 0 {
			t.Fatalf("dry run exit %d", dry.code)
		}
		time.Sleep(2 * time.Second)
		if n := len(nodes.since(mark)); n != 0 {
			t.Fatalf("nodes untaint --dry-run caused %d watch events", n)
		}
		t.Logf("case 4 for nodes: no watch event within 2 s of nodes untaint --dry-run")

		untainted := mustChange(t, c.lifeboat(t, "--journal", journal("untaint.jsonl"), "nodes", "untaint", "--all", "--yes", "-o", "json"), 2)
		uncordoned := mustChange(t, c.lifeboat(t, "--journal", journal("uncordon.jsonl"), "nodes", "uncordon", "--all", "--yes", "-o", "json"), 2)
		evs := nodes.waitFor(mark, 30*time.Second, func(evs []watch.Event) bool {
			for name := range nodesBefore {
				_, a := modifiedAt(evs, name, untainted[name].NewRevision)
				_, b := modifiedAt(evs, name, uncordoned[name].NewRevision)
				if !a || !b {
					return false
				}
			}
			return true
		})
		for name, b := range nodesBefore {
			u, c1 := untainted[name], uncordoned[name]
			t.Logf("node %s: untaint resourceVersion %d -> %d, uncordon %d -> %d", name, u.OldRevision, u.NewRevision, c1.OldRevision, c1.NewRevision)
			if u.OldRevision != rv(b) || c1.OldRevision != u.NewRevision {
				t.Errorf("node %s: revisions do not chain: API %s, untaint %+v, uncordon %+v", name, b.ResourceVersion, u, c1)
			}
			o1, _ := modifiedAt(evs, name, u.NewRevision)
			mid := o1.(*v1.Node)
			if hasUnreachable(mid) || !mid.Spec.Unschedulable {
				t.Errorf("node %s after untaint (event):%s; want no unreachable taint, still unschedulable", name, nodeSummary(mid))
			}
			o2, _ := modifiedAt(evs, name, c1.NewRevision)
			end := o2.(*v1.Node)
			if hasUnreachable(end) || end.Spec.Unschedulable || len(end.Spec.Taints) != 1 || end.Spec.Taints[0].Key != keepTaint.Key {
				t.Errorf("node %s after uncordon (event):%s; want only %s", name, nodeSummary(end), keepTaint.ToString())
			}
			got := c.checkNodeReads(t, name, c1.NewRevision)
			if d := sameExcept(b, got, "spec.taints", "spec.unschedulable"); d != "" {
				t.Errorf("node %s: fields other than taints and unschedulable changed:\n%s", name, d)
			}
		}
	})

	t.Run("5-undo-brings-it-back", func(t *testing.T) {
		nmark, pmark := nodes.count(), pods.count()
		// Reverse order of the writes: uncordon, untaint, then the pods.
		reCordoned := mustChange(t, c.lifeboat(t, "--journal", journal("undo-uncordon.jsonl"), "undo", journal("uncordon.jsonl"), "--yes", "-o", "json"), 2)
		reTainted := mustChange(t, c.lifeboat(t, "--journal", journal("undo-untaint.jsonl"), "undo", journal("untaint.jsonl"), "--yes", "-o", "json"), 2)
		evs := nodes.waitFor(nmark, 30*time.Second, func(evs []watch.Event) bool {
			for name := range nodesBefore {
				if _, ok := modifiedAt(evs, name, reTainted[name].NewRevision); !ok {
					return false
				}
			}
			return true
		})
		for name, b := range nodesBefore {
			o, _ := modifiedAt(evs, name, reTainted[name].NewRevision)
			n := o.(*v1.Node)
			t.Logf("node %s: undo uncordon -> resourceVersion %d, undo untaint -> %d; event:%s", name, reCordoned[name].NewRevision, reTainted[name].NewRevision, nodeSummary(n))
			if d := sameExcept(b, n); d != "" {
				t.Errorf("node %s after undo differs from the original:\n%s", name, d)
			}
			c.checkNodeReads(t, name, reTainted[name].NewRevision)
		}

		// e2e-a/bound was patched through the API after lifeboat wrote it: undo
		// must not overwrite that (conflict), and must restore the other two.
		r := c.lifeboat(t, "--journal", journal("undo-undelete.jsonl"), "undo", journal("undelete.jsonl"), "--yes", "-o", "json")
		if r.code != 3 {
			t.Errorf("undo of the pods: exit %d, want 3 (a conflict on e2e-a/bound)", r.code)
		}
		res := r.byName()
		if b := res["e2e-a/bound"]; b.Changed || !b.Conflict {
			t.Errorf("e2e-a/bound: %+v; want a conflict, not a write", b)
		}
		restored := map[string]result{}
		for _, name := range []string{"e2e-a/unbound", "e2e-b/two-finalizers"} {
			if x := res[name]; !x.Changed || x.NewRevision == 0 {
				t.Errorf("%s: %+v; want restored", name, x)
			} else {
				restored[name] = x
			}
		}
		pevs := pods.waitFor(pmark, 30*time.Second, func(evs []watch.Event) bool {
			for name, x := range restored {
				if _, ok := modifiedAt(evs, name, x.NewRevision); !ok {
					return false
				}
			}
			return true
		})
		for name, x := range restored {
			o, _ := modifiedAt(pevs, name, x.NewRevision)
			p := o.(*v1.Pod)
			t.Logf("pod %s: undo resourceVersion %d -> %d; event deletionTimestamp=%v grace=%v", name, x.OldRevision, x.NewRevision, p.DeletionTimestamp, ptr.Deref(p.DeletionGracePeriodSeconds, -1))
			if d := sameExcept(before[name], p); d != "" {
				t.Errorf("pod %s after undo differs from the original Terminating pod:\n%s", name, d)
			}
			c.checkPodReads(t, p.Namespace, p.Name, x.NewRevision)
		}
		bound, err := c.cs.CoreV1().Pods("e2e-a").Get(ctx, "bound", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if bound.Labels["repaired"] != "yes" || bound.DeletionTimestamp != nil {
			t.Errorf("e2e-a/bound: the API's label patch was lost or the pod was re-deleted: labels %v deletionTimestamp %v", bound.Labels, bound.DeletionTimestamp)
		}
		t.Logf("pod e2e-a/bound kept the API's change at resourceVersion %s (undo reported a conflict)", bound.ResourceVersion)
	})

	t.Run("3-apiserver-down", func(t *testing.T) { testAPIServerDown(t, c) })
	t.Run("6-conflict-api-change-survives", func(t *testing.T) { testConflict(t, c) })
	t.Run("7-custom-resource-and-everything-readable", func(t *testing.T) { testCustomResource(t, c); testAllReadable(t, c) })
}

// testAPIServerDown: repair while no apiserver runs; a new apiserver on the
// same etcd lists the repaired objects at the revisions lifeboat printed.
func testAPIServerDown(t *testing.T, c *cluster) {
	ctx := context.Background()
	c.namespace(t, "e2e-down")
	node := c.brokenNode(t, "down-node")
	before := map[string]*v1.Pod{}
	for _, s := range []podSpec{
		{ns: "e2e-down", name: "down-1", node: "down-node", finalizers: []string{holdFinalizer}, deleteGrace: ptr.To[int64](-1)},
		{ns: "e2e-down", name: "down-2", finalizers: []string{holdFinalizer}, deleteGrace: ptr.To[int64](0)},
	} {
		before[objName(s.ns, s.name)] = c.pod(t, s)
	}

	c.stopAPIServer(t)
	if _, err := c.cs.CoreV1().Namespaces().Get(ctx, "e2e-down", metav1.GetOptions{}); err == nil {
		t.Fatal("the apiserver still answers after it was stopped")
	}
	c.lifeboat(t, "get", "pods", "-n", "e2e-down")
	pods := mustChange(t, c.lifeboat(t, "--journal", filepath.Join(c.work, "down-undelete.jsonl"), "pods", "undelete", "-n", "e2e-down", "--yes", "-o", "json"), 2)
	untaint := mustChange(t, c.lifeboat(t, "--journal", filepath.Join(c.work, "down-untaint.jsonl"), "nodes", "untaint", "down-node", "--yes", "-o", "json"), 1)
	uncordon := mustChange(t, c.lifeboat(t, "--journal", filepath.Join(c.work, "down-uncordon.jsonl"), "nodes", "uncordon", "down-node", "--yes", "-o", "json"), 1)
	c.lifeboat(t, "get", "nodes", "down-node")

	c.startAPIServer(t)
	list, err := c.cs.CoreV1().Pods("e2e-down").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("LIST after restart: %v", err)
	}
	if len(list.Items) != 2 {
		t.Fatalf("LIST after restart: %d pods, want 2", len(list.Items))
	}
	for i := range list.Items {
		p := &list.Items[i]
		name := objName(p.Namespace, p.Name)
		want := pods[name].NewRevision
		t.Logf("pod %s: resourceVersion %s (apiserver down) -> %d (lifeboat); new apiserver LISTs it at %s, deletionTimestamp=%v",
			name, before[name].ResourceVersion, want, p.ResourceVersion, p.DeletionTimestamp)
		if rv(p) != want || p.DeletionTimestamp != nil || p.DeletionGracePeriodSeconds != nil {
			t.Errorf("pod %s after restart: resourceVersion %s (want %d), deletionTimestamp %v", name, p.ResourceVersion, want, p.DeletionTimestamp)
		}
		if d := sameExcept(before[name], p, "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds"); d != "" {
			t.Errorf("pod %s: other fields changed:\n%s", name, d)
		}
		c.checkPodReads(t, p.Namespace, p.Name, want)
	}
	t.Logf("node down-node: resourceVersion %s -> %d (untaint) -> %d (uncordon)", node.ResourceVersion, untaint["down-node"].NewRevision, uncordon["down-node"].NewRevision)
	n := c.checkNodeReads(t, "down-node", uncordon["down-node"].NewRevision)
	if hasUnreachable(n) || n.Spec.Unschedulable {
		t.Errorf("node down-node after restart:%s", nodeSummary(n))
	}
}
