package etcdops_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var cacheNow = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func seededStore(t *testing.T) (*clientv3.Client, *etcdops.Store) {
	t.Helper()
	c := etcdtest.Capsized(t, demo.Options{Now: cacheNow, Malformed: true})
	return c.Client, c.Store(false)
}

func listKeys(t *testing.T, store *etcdops.Store, q etcdops.Query) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	if _, err := store.List(context.Background(), q, func(it etcdops.Item) error {
		out[it.Key] = it.ModRevision
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// summary is what the tests' informers keep of an item: as a front end,
// only what it shows.
type summary struct {
	etcdops.KeyInfo
	Key         string
	ModRevision int64
	Decoded     bool
	DecodeErr   error
	Lease       etcdops.LeaseStatus
	LeaseErr    error
}

func summarize(it etcdops.Item) summary {
	s := summary{KeyInfo: it.KeyInfo, Key: it.Key, ModRevision: it.ModRevision, Decoded: it.Object != nil, DecodeErr: it.DecodeErr}
	if it.Resource.Name == "leases" {
		s.Lease, s.LeaseErr = etcdops.LeaseStatusOf(it)
	}
	return s
}

// syncedPods is an informer of the seeded cluster's pods after its List.
func syncedPods(t *testing.T) (*clientv3.Client, *etcdops.Informer[summary]) {
	t.Helper()
	cli, store := seededStore(t)
	inf := etcdops.NewInformer(store, resource(t, "pods"), "", nil, summarize)
	if _, err := inf.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	return cli, inf
}

func cacheKeys(inf *etcdops.Informer[summary]) map[string]int64 {
	out := map[string]int64{}
	for _, it := range inf.Items() {
		out[it.Key] = it.ModRevision
	}
	return out
}

// next applies watch batches until cond holds.
func nextUntil(t *testing.T, w *etcdops.InformerWatch[summary], cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the cache did not follow within 5s")
		}
		if _, err := w.Next(); err != nil {
			t.Fatal(err)
		}
	}
}

func newPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": "x"}},
		Spec:       corev1.PodSpec{NodeName: "worker-1"},
	}
}

func TestInformerFollowsPutsAndDeletes(t *testing.T) {
	cli, store := seededStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pods := resource(t, "pods")
	inf := etcdops.NewInformer(store, pods, "", nil, summarize)
	if _, err := inf.Resync(ctx); err != nil {
		t.Fatal(err)
	}
	want := listKeys(t, store, etcdops.Query{Resource: pods, AllNamespaces: true})
	if got := cacheKeys(inf); len(got) != len(want) || len(got) == 0 {
		t.Fatalf("cache has %d items, List %d", len(got), len(want))
	}
	// The malformed value is cached flagged, as List returns it.
	malformed := 0
	for _, it := range inf.Items() {
		if it.DecodeErr != nil {
			malformed++
		}
	}
	if malformed != 1 {
		t.Fatalf("%d malformed pods cached, want 1", malformed)
	}
	w := inf.Watch(ctx)

	// A put, a delete, and a Txn writing two keys at one revision.
	key := "/registry/pods/shop/new-pod"
	if err := demo.PutObject(ctx, cli, key, newPod("shop", "new-pod"), 0); err != nil {
		t.Fatal(err)
	}
	nextUntil(t, w, func() bool { _, ok := inf.Get(key); return ok })
	it, _ := inf.Get(key)
	if !it.Decoded || it.Name != "new-pod" || it.Namespace != "shop" || it.Resource.Name != "pods" {
		t.Fatalf("cached put = %+v", it.KeyInfo)
	}
	victim := ""
	for k := range want {
		victim = k
		break
	}
	if _, err := cli.Delete(ctx, victim); err != nil {
		t.Fatal(err)
	}
	nextUntil(t, w, func() bool { _, ok := inf.Get(victim); return !ok })
	a, b := "/registry/pods/shop/txn-a", "/registry/pods/shop/txn-b"
	if _, err := cli.Txn(ctx).Then(clientv3.OpPut(a, "garbage-a"), clientv3.OpPut(b, "garbage-b")).Commit(); err != nil {
		t.Fatal(err)
	}
	nextUntil(t, w, func() bool { _, okA := inf.Get(a); _, okB := inf.Get(b); return okA && okB })
	if it, _ := inf.Get(b); it.DecodeErr == nil || it.Decoded {
		t.Fatalf("garbage value cached as %+v", it)
	}
	// Other resources under the prefix's neighbours are not cached.
	if _, err := cli.Put(ctx, "/registry/podtemplates/shop/x", "y"); err != nil {
		t.Fatal(err)
	}
	if got, want := cacheKeys(inf), listKeys(t, store, etcdops.Query{Resource: pods, AllNamespaces: true}); len(got) != len(want) {
		t.Fatalf("cache %d items, List %d", len(got), len(want))
	} else {
		for k, rev := range want {
			if got[k] != rev {
				t.Errorf("%s: cache rev %d, List rev %d", k, got[k], rev)
			}
		}
	}
	if inf.Lists() != 1 {
		t.Fatalf("%d Lists, want only the first", inf.Lists())
	}
	if inf.Revision() < inf.Items()[0].ModRevision {
		t.Fatalf("revision %d behind the items", inf.Revision())
	}
}

func TestInformerNamespaceAndKeys(t *testing.T) {
	cli, store := seededStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pods := resource(t, "pods")
	inf := etcdops.NewInformer(store, pods, "monitoring", nil, summarize)
	if _, err := inf.Resync(ctx); err != nil {
		t.Fatal(err)
	}
	want := listKeys(t, store, etcdops.Query{Resource: pods, Namespace: "monitoring"})
	if got := cacheKeys(inf); len(got) != len(want) || len(got) == 0 {
		t.Fatalf("namespace cache %d, List %d", len(got), len(want))
	}
	raw := etcdops.NewKeyInformer(store, "/registry/minions/", summarize)
	if _, err := raw.Resync(ctx); err != nil {
		t.Fatal(err)
	}
	if raw.Len() != 8 {
		t.Fatalf("key informer has %d nodes, want 8", raw.Len())
	}
	w := raw.Watch(ctx)
	if _, err := cli.Put(ctx, "/registry/minions/worker-9", "not a node"); err != nil {
		t.Fatal(err)
	}
	nextUntil(t, w, func() bool { return raw.Len() == 9 })
	if it, _ := raw.Get("/registry/minions/worker-9"); it.DecodeErr == nil || it.Name != "worker-9" {
		t.Fatalf("raw item = %+v", it)
	}
}

func TestInformerCompactedResync(t *testing.T) {
	cli, inf := syncedPods(t)
	ctx := t.Context()
	// Writes and a compaction past the List's revision before the watch
	// starts: the watch cannot resume and says so.
	key := "/registry/pods/shop/late"
	if err := demo.PutObject(ctx, cli, key, newPod("shop", "late"), 0); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Put(ctx, "/registry/other", "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Compact(ctx, resp.Header.Revision); err != nil {
		t.Fatal(err)
	}
	w := inf.Watch(ctx)
	if _, err := w.Next(); !errors.Is(err, etcdops.ErrCompacted) {
		t.Fatalf("Next = %v, want ErrCompacted", err)
	}
	if _, err := inf.Resync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := inf.Get(key); !ok || inf.Lists() != 2 {
		t.Fatalf("after Resync: found=%v lists=%d", ok, inf.Lists())
	}
	// The stale watch's events are ignored; the new one follows.
	w = inf.Watch(ctx)
	if _, err := cli.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	nextUntil(t, w, func() bool { _, ok := inf.Get(key); return !ok })
}

func TestLeaseStatusOfCachedItem(t *testing.T) {
	store := etcdtest.Capsized(t, demo.Options{Now: cacheNow, ControllerManagerAlive: true}).Store(false)
	leases := resource(t, "leases")
	inf := etcdops.NewInformer(store, leases, "", nil, summarize)
	if _, err := inf.Resync(context.Background()); err != nil {
		t.Fatal(err)
	}
	it, ok := inf.Get(store.Layout().Key(leases, "kube-system", "kube-controller-manager"))
	if !ok {
		t.Fatal("controller-manager lease not cached")
	}
	st, err := it.Lease, it.LeaseErr
	if err != nil {
		t.Fatal(err)
	}
	want, err := store.Lease(context.Background(), "kube-system", "kube-controller-manager")
	if err != nil || st != want || !st.Alive(cacheNow) {
		t.Fatalf("LeaseStatusOf = %+v, Lease = %+v (%v)", st, want, err)
	}
}

// TestFirstListShowsItsPages: the first list of an informer fills the cache
// as its pages arrive, so a front end shows the first page of a huge
// cluster at once; the cache is synced only at the end.
func TestFirstListShowsItsPages(t *testing.T) {
	srv, cli := etcdtest.Start(t)
	if err := demo.TerminatingPods(context.Background(), cli, "/registry", 6000, testNow); err != nil {
		t.Fatal(err)
	}
	proxy := etcdtest.NewStallProxy(t, srv.Endpoint())
	store, err := etcdops.Open(context.Background(), etcdops.Config{Endpoints: []string{proxy.Endpoint()}, CommandTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	proxy.FreezeAfter = 12 << 20 // the first range (2,000 pods, ~10.5 MB), not all 6,000
	inf := etcdops.NewInformer(store, resource(t, "pods"), "", nil, summarize)
	if _, err := inf.Resync(context.Background()); err == nil {
		t.Fatal("the list finished through a stalled etcd")
	}
	if n := inf.Len(); n < etcdops.ScanPageSize || n >= 6000 {
		t.Errorf("after the stall the cache shows %d pods, want the pages that arrived (at least %d, fewer than 6,000)", n, etcdops.ScanPageSize)
	}
	if inf.Synced() {
		t.Error("a list that did not finish is synced")
	}
}

// Items is in key order: as the first List delivered it, and again after
// watch events put keys anywhere and delete others.
func TestInformerItemsInKeyOrder(t *testing.T) {
	cli, inf := syncedPods(t)
	ctx := t.Context()
	keysOf := func() []string {
		var out []string
		for _, it := range inf.Items() {
			out = append(out, it.Key)
		}
		return out
	}
	listed := keysOf()
	if !slices.IsSorted(listed) || len(listed) != inf.Len() {
		t.Fatalf("after the List: %d keys, sorted %v", len(listed), slices.IsSorted(listed))
	}
	w := inf.Watch(ctx)
	for _, name := range []string{"zz-last", "aa-first", "mm-middle"} {
		if err := demo.PutObject(ctx, cli, "/registry/pods/default/"+name, newPod("default", name), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli.Delete(ctx, listed[0]); err != nil {
		t.Fatal(err)
	}
	// Three puts and a delete: the count reaches +2 after two puts already.
	nextUntil(t, w, func() bool {
		_, last := inf.Get("/registry/pods/default/mm-middle")
		_, deleted := inf.Get(listed[0])
		return last && !deleted
	})
	got := keysOf()
	if !slices.IsSorted(got) || len(got) != len(listed)+2 || slices.Contains(got, listed[0]) ||
		!slices.Contains(got, "/registry/pods/default/mm-middle") {
		t.Fatalf("after the watch: %v", got)
	}
}

// GetItem reads one object whole, decoded as List decodes it.
func TestGetItem(t *testing.T) {
	_, store := seededStore(t)
	for _, tc := range []struct {
		key              string
		found, malformed bool
		name             string
	}{
		{key: "/registry/minions/worker-1", found: true, name: "worker-1"},
		{key: "/registry/pods/default/poison", found: true, malformed: true, name: "poison"},
		{key: "/registry/pods/default/absent"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			it, found, err := store.GetItem(context.Background(), tc.key)
			if err != nil || found != tc.found {
				t.Fatalf("found=%v err=%v, want found=%v", found, err, tc.found)
			}
			if !found {
				return
			}
			if it.Name != tc.name || (it.DecodeErr != nil) != tc.malformed || (it.Object != nil) == tc.malformed || len(it.Value) == 0 {
				t.Errorf("item %s: object %v, DecodeErr %v, %d bytes", it.Name, it.Object != nil, it.DecodeErr, len(it.Value))
			}
		})
	}
}
