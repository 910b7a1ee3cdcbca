package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// informerLists is how many full lists each cache has started.
func (h *harness) informerLists() map[string]int {
	out := map[string]int{}
	for k, c := range h.m.caches {
		out[k] = c.lists
	}
	return out
}

func (h *harness) putNode(n *corev1.Node) {
	h.t.Helper()
	if err := demo.PutObject(context.Background(), h.cli, "/registry/minions/"+n.Name, n, 0); err != nil {
		h.t.Fatal(err)
	}
}

// Informer-style: after the first lists, external writes (pods created,
// deleted, undeleted; a node cordoned) reach the view and the header
// through the watches alone, within a second, and no full list happens.
func TestCacheFollowsWritesWithoutRelisting(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 160, height: 48})
	h.waitFor("first lists done", func() bool { return h.m.busy == 0 })
	lists, perCache := h.m.fullLists, h.informerLists()
	for k, n := range perCache {
		if n != 1 {
			t.Fatalf("cache %s listed %d times at start", k, n)
		}
	}
	ctx := context.Background()

	// A new pod shows within a second; the header counts it.
	start := time.Now()
	for i := range 5 {
		pod := &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: fmt.Sprintf("fresh-pod-%d", i), CreationTimestamp: metav1.NewTime(testNow)},
			Spec:       corev1.PodSpec{NodeName: "worker-7"},
			Status:     corev1.PodStatus{Phase: corev1.PodRunning},
		}
		if err := demo.PutObject(ctx, h.cli, "/registry/pods/shop/"+pod.Name, pod, 0); err != nil {
			t.Fatal(err)
		}
	}
	h.press("/", "fresh-pod", "enter")
	h.waitFor("the new pods in the view", func() bool { return len(h.visibleNames()) == 5 })
	h.waitScreen("pods 69: 40 terminating")
	if d := time.Since(start); d > time.Second {
		t.Errorf("the view followed after %s, want within a second", d)
	}

	// A delete removes the row and the count.
	start = time.Now()
	if _, err := h.cli.Delete(ctx, "/registry/pods/shop/fresh-pod-0"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the deleted row to go", func() bool { return len(h.visibleNames()) == 4 })
	h.waitScreen("pods 68: 40 terminating")
	if d := time.Since(start); d > time.Second {
		t.Errorf("the delete showed after %s, want within a second", d)
	}

	// Someone undeletes a terminating pod: the header's count follows.
	h.press("esc", "T")
	victim := h.visibleRow(0)
	pod, _ := typedPod(h.object(victim.key))
	pod = pod.DeepCopy()
	pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = nil, nil
	if err := demo.PutObject(ctx, h.cli, victim.key, pod, 0); err != nil {
		t.Fatal(err)
	}
	h.waitScreen("39 terminating")

	// A node cordoned by someone else: the header counts it.
	node := h.node("worker-1").DeepCopy()
	node.Spec.Unschedulable = true
	h.putNode(node)
	h.waitScreen("2 cordoned")

	// Many writes in a burst: still no list.
	for i := range 30 {
		if _, err := h.cli.Put(ctx, fmt.Sprintf("/registry/pods/shop/burst-%d", i), "not protobuf"); err != nil {
			t.Fatal(err)
		}
	}
	h.waitScreen("31 malformed")
	h.settle(300 * time.Millisecond)
	if h.m.fullLists != lists {
		t.Errorf("watch events caused %d full lists", h.m.fullLists-lists)
	}
	for k, n := range h.informerLists() {
		if n != 1 {
			t.Errorf("cache %s listed %d times, want once", k, n)
		}
	}
}

// The nodes view takes kubelet lease ages from the leases cache: a kubelet
// renewing its lease makes the node live again, without reading per node.
func TestNodeLeaseFromCache(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 160, height: 48})
	h.press(":", "nodes", "enter")
	h.waitFor("nodes", func() bool { return h.m.list.isNodes() && h.m.list.loaded })
	if h.m.list.nodeLeases["worker-1"].Alive(testNow) {
		t.Fatal("worker-1's kubelet lease is alive in the seed")
	}
	lists := h.m.fullLists
	leases := etcdops.MustResolveResource("leases")
	key := h.store.Layout().Key(leases, "kube-node-lease", "worker-1")
	if _, ok := h.m.caches[leasesCache].inf.Get(key); !ok {
		t.Fatal("worker-1 lease not cached")
	}
	lease := h.object(key).Object.Typed.(*coordinationv1.Lease).DeepCopy()
	renew := metav1.NewMicroTime(testNow.Add(-2 * time.Second))
	lease.Spec.RenewTime = &renew
	if err := demo.PutObject(context.Background(), h.cli, key, lease, 0); err != nil {
		t.Fatal(err)
	}
	h.waitFor("worker-1 alive", func() bool { return h.m.list.nodeLeases["worker-1"].Alive(testNow) })
	if h.m.fullLists != lists {
		t.Errorf("a lease renewal caused %d full lists", h.m.fullLists-lists)
	}
}

// A compacted watch lists that cache again, once; a watch that ends with
// an error shows the banner and lists every cache again on the retry.
func TestWatchErrorsRelist(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.waitFor("first lists done", func() bool { return h.m.busy == 0 })
	lists := h.m.fullLists
	pods := h.m.caches[podsCache]
	before := pods.lists
	h.send(cacheEventsMsg{key: podsCache, gen: pods.gen, err: fmt.Errorf("watch: %w", etcdops.ErrCompacted)})
	h.waitFor("the pods re-list", func() bool { return h.m.busy == 0 && !pods.loading })
	if got := pods.lists - before; got != 1 {
		t.Errorf("compaction made %d pods lists, want 1", got)
	}
	if got := h.m.fullLists - lists; got != 1 {
		t.Errorf("compaction made %d full lists in all, want 1", got)
	}
	if h.m.etcd.err != nil {
		t.Errorf("compaction shows a banner: %v", h.m.etcd.err)
	}
	// The new watch follows.
	if _, err := h.cli.Delete(context.Background(), "/registry/pods/default/poison"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("poison gone", func() bool { return !strings.Contains(h.screen(), "poison") })

	// Any other end of a watch: banner, retry, every cache listed again.
	lists = h.m.fullLists
	nodes := h.m.caches[nodesCache]
	h.send(cacheEventsMsg{key: nodesCache, gen: nodes.gen, err: errors.New("watch: etcd closed the watch (unreachable or no leader)")})
	if !strings.Contains(h.screen(), "ETCD UNREACHABLE") {
		t.Fatalf("no banner:\n%s", h.screen())
	}
	h.waitFor("the retry to clear the banner", func() bool { return h.m.etcd.err == nil && h.m.busy == 0 })
	if got := h.m.fullLists - lists; got != len(h.m.caches) {
		t.Errorf("retry made %d full lists, want %d (one per cache)", got, len(h.m.caches))
	}
	node := h.node("worker-2").DeepCopy()
	node.Spec.Unschedulable = true
	h.putNode(node)
	h.waitScreen("2 cordoned")
}

func TestNamespaceScope(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 120, height: 40})
	all := len(h.m.list.items)
	h.press(":", "pods shop", "enter")
	h.waitFor("pods in shop", func() bool { return h.m.list.loaded && h.m.list.view.namespace == "shop" })
	if len(h.m.list.items) == 0 || len(h.m.list.items) >= all {
		t.Fatalf(":pods shop lists %d of %d pods", len(h.m.list.items), all)
	}
	for _, r := range h.m.list.items {
		if r.namespace != "shop" {
			t.Errorf(":pods shop shows %s/%s", r.namespace, r.name)
		}
	}
	s := h.screen()
	for _, want := range []string{"pods(shop)", "ns shop"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "NAMESPACE") {
		t.Errorf("one namespace still has a NAMESPACE column:\n%s", s)
	}
	h.checkSize()
	// The scoped view follows writes in its namespace only.
	ctx := context.Background()
	for _, ns := range []string{"shop", "payments"} {
		if _, err := h.cli.Put(ctx, "/registry/pods/"+ns+"/scoped-probe", "x"); err != nil {
			t.Fatal(err)
		}
	}
	h.waitScreen("scoped-probe")
	h.settle(200 * time.Millisecond)
	n := 0
	for _, r := range h.m.list.items {
		if r.name == "scoped-probe" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("scoped-probe shown %d times in pods(shop), want 1", n)
	}

	h.press(":", "po all", "enter")
	h.waitFor("all pods", func() bool { return h.m.list.loaded && h.m.list.view.namespace == "" })
	if !strings.Contains(h.screen(), "pods(all)") || !strings.Contains(h.screen(), "ns all") || len(h.m.list.items) != all+2 {
		t.Errorf(":po all shows %d pods:\n%s", len(h.m.list.items), h.screen())
	}
	// Any namespaced resource; its own cache is scoped and dropped after.
	h.press(":", "cm payments", "enter")
	h.waitFor("configmaps in payments", func() bool { return h.m.list.loaded && h.m.list.view.res.Name == "configmaps" })
	for _, r := range h.m.list.items {
		if r.namespace != "payments" {
			t.Errorf(":cm payments shows %s/%s", r.namespace, r.name)
		}
	}
	if !strings.Contains(h.screen(), "configmaps(payments)") || !strings.Contains(h.screen(), "payments-api-config") {
		t.Errorf(":cm payments:\n%s", h.screen())
	}
	if len(h.m.caches) != 4 {
		t.Errorf("%d caches, want pods, nodes, leases and configmaps", len(h.m.caches))
	}
	h.press("esc")
	h.waitFor("back to all pods", func() bool { return h.m.list.isPods() && h.m.list.loaded })
	if len(h.m.caches) != 3 {
		t.Errorf("the configmaps cache was kept: %d caches", len(h.m.caches))
	}
	// Cluster-scoped resources have no namespace.
	h.press(":", "nodes shop", "enter")
	if !strings.Contains(h.screen(), "cluster-scoped") || !h.m.list.isPods() {
		t.Errorf(":nodes shop:\n%s", h.screen())
	}
}

// The YAML view follows its object: another writer's change shows.
func TestDetailFollowsObject(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 120, height: 60})
	h.press("T", "N", "enter")
	h.waitFor("YAML", func() bool { return on[*detailScreen](h) })
	it := topAs[*detailScreen](h).item
	pod, _ := typedPod(it)
	pod = pod.DeepCopy()
	pod.Labels["touched-by"] = "someone-else"
	if err := demo.PutObject(context.Background(), h.cli, it.Key, pod, 0); err != nil {
		t.Fatal(err)
	}
	h.waitScreen("touched-by: someone-else")
	if !on[*detailScreen](h) || topAs[*detailScreen](h).revision == it.ModRevision {
		t.Errorf("detail revision %d after the write", topAs[*detailScreen](h).revision)
	}
}
