package etcdops_test

import (
	"context"
	"errors"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// nextEvent is the next event of a watch, within 5s.
func nextEvent[E any](t *testing.T, ch <-chan E) E {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event within 5s")
	}
	panic("unreachable")
}

func TestWatchPutDelete(t *testing.T) {
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	put, err := cli.Put(ctx, "/registry/pods/shop/a", "one")
	if err != nil {
		t.Fatal(err)
	}
	// From the revision of the first put: it is delivered too, as history.
	ch := store.Watch(ctx, "/registry/pods/", put.Header.Revision)
	if _, err := cli.Put(ctx, "/registry/other", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Delete(ctx, "/registry/pods/shop/a"); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, ch)
	if ev.Err != nil || ev.Deleted || ev.Record.Key != "/registry/pods/shop/a" || string(ev.Record.Value) != "one" || ev.Record.ModRevision != put.Header.Revision {
		t.Fatalf("first event = %+v", ev)
	}
	ev = nextEvent(t, ch)
	if ev.Err != nil || !ev.Deleted || ev.Record.Key != "/registry/pods/shop/a" || ev.Record.ModRevision <= put.Header.Revision {
		t.Fatalf("second event = %+v", ev)
	}
	cancel()
	for range ch {
	}
}

func TestWatchCompacted(t *testing.T) {
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	ctx := context.Background()
	first, err := cli.Put(ctx, "/registry/pods/shop/a", "one")
	if err != nil {
		t.Fatal(err)
	}
	last, err := cli.Put(ctx, "/registry/pods/shop/a", "two")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Compact(ctx, last.Header.Revision); err != nil {
		t.Fatal(err)
	}
	ch := store.Watch(ctx, "/registry/pods/", first.Header.Revision)
	ev := nextEvent(t, ch)
	if !errors.Is(ev.Err, etcdops.ErrCompacted) {
		t.Fatalf("event = %+v, want ErrCompacted", ev)
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel not closed after the error event")
	}
}

func TestWatchCanceled(t *testing.T) {
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	ctx, cancel := context.WithCancel(context.Background())
	ch := store.Watch(ctx, "/registry/", 0)
	cancel()
	select {
	case ev, ok := <-ch:
		if ok && ev.Err == nil {
			t.Fatalf("got event %+v after cancel", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

// The control-plane leases are found where the apiserver keeps them
// (regression: a package-variable Resource resolved before StoragePath was
// set made every Lease read miss).
func TestControlPlaneLeasesFound(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	store := etcdtest.Capsized(t, demo.Options{Now: now, ControllerManagerAlive: true}).Store(false)
	cp, err := store.ControlPlane(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !cp.ControllerManager.Found || !cp.ControllerManager.Alive(now) || !cp.Scheduler.Found {
		t.Fatalf("control plane = %+v", cp)
	}
	if w := store.Warnings(context.Background(), etcdops.Operation{Action: etcdops.UndeletePods}, now); len(w) == 0 {
		t.Fatal("no warning while kube-controller-manager is alive")
	}
	nl, err := store.Lease(context.Background(), "kube-node-lease", "worker-1")
	if err != nil || !nl.Found {
		t.Fatalf("node lease worker-1 = %+v, %v", nl, err)
	}
}

// TestWatchItems: changes to the objects a query selects, as a Kubernetes
// watch with those selectors delivers them: an object that comes to match
// is ADDED, one that stops matching is DELETED with its last state.
func TestWatchItems(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, cli, _ := capsized(t, demo.Options{Malformed: true})
	pods := resource(t, "pods")
	sel, err := etcdops.ParseSelector("touched=yes")
	if err != nil {
		t.Fatal(err)
	}
	shop := snapshotKeys(t, cli, "/registry/pods/shop/")
	a, b := shop[0], shop[1]
	from := revision(t, store) + 1
	ch := store.WatchItems(ctx, etcdops.Query{Resource: pods, Namespace: "shop", Selector: sel}, from)

	relabel(t, cli, a, "yes")                                         // comes to match: ADDED
	relabel(t, cli, a, "yes")                                         // still matches: MODIFIED
	relabel(t, cli, b, "no")                                          // never matches: nothing
	putValue(t, cli, "/registry/pods/default/other", "not an object") // another namespace: nothing
	relabel(t, cli, a, "no")                                          // stops matching: DELETED
	relabel(t, cli, a, "yes")                                         // ADDED again
	del, err := cli.Delete(ctx, a)                                    // DELETED
	if err != nil {
		t.Fatal(err)
	}
	putValue(t, cli, "/registry/pods/shop/poison-2", "not an object") // cannot be matched: delivered, flagged

	want := []etcdops.ItemEventType{etcdops.Added, etcdops.Modified, etcdops.Deleted, etcdops.Added, etcdops.Deleted, etcdops.Added}
	for i, typ := range want {
		ev := nextEvent(t, ch)
		if ev.Err != nil || ev.Type != typ {
			t.Fatalf("event %d: %s %v, want %s", i, ev.Type, ev.Err, typ)
		}
		if i == len(want)-1 {
			if ev.Item.Key != "/registry/pods/shop/poison-2" || ev.Item.DecodeErr == nil || ev.Item.Name != "poison-2" {
				t.Errorf("the value that does not decode came as %+v", ev.Item.KeyInfo)
			}
			continue
		}
		if ev.Item.Key != a || ev.Item.Object == nil || ev.Item.Name != path.Base(a) || ev.Item.Resource.Kind != "Pod" {
			t.Errorf("event %d: %s %+v", i, ev.Type, ev.Item.KeyInfo)
		}
		if i == 4 && (ev.Item.ModRevision != del.Header.Revision || ev.Item.Object.Meta.Labels["touched"] != "yes") {
			t.Errorf("delete: revision %d (want the delete's, %d), labels %v (want the last state's)", ev.Item.ModRevision, del.Header.Revision, ev.Item.Object.Meta.Labels)
		}
	}
	cancel()
	for range ch {
	}
}

func putValue(t *testing.T, cli *clientv3.Client, key, value string) {
	t.Helper()
	if _, err := cli.Put(context.Background(), key, value); err != nil {
		t.Fatal(err)
	}
}

// snapshotKeys are the keys under prefix, sorted.
func snapshotKeys(t *testing.T, cli *clientv3.Client, prefix string) []string {
	t.Helper()
	var keys []string
	for k := range snapshot(t, cli) {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return sorted(keys)
}

// TestNames: the names completion offers, read from keys alone.
func TestNames(t *testing.T) {
	store, cli, _ := capsized(t, demo.Options{Malformed: true})
	pods := resource(t, "pods")
	tests := []struct {
		name string
		q    etcdops.Query
		want []string
	}{
		{"one namespace, in key order", etcdops.Query{Resource: pods, Namespace: "shop"}, baseNames(snapshotKeys(t, cli, "/registry/pods/shop/"))},
		{"the default namespace, a value that does not decode included", etcdops.Query{Resource: pods}, []string{"poison"}},
		{"cluster-scoped", etcdops.Query{Resource: resource(t, "nodes")}, baseNames(snapshotKeys(t, cli, "/registry/minions/"))},
		{"every namespace", etcdops.Query{Resource: resource(t, "namespaces")}, baseNames(snapshotKeys(t, cli, "/registry/namespaces/"))},
	}
	for _, tt := range tests {
		got, err := store.Names(context.Background(), tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") || len(got) == 0 {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	all, err := store.Names(context.Background(), etcdops.Query{Resource: pods, AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(snapshotKeys(t, cli, "/registry/pods/")); len(all) != n {
		t.Errorf("every namespace: %d names, want %d (the demo's pod names are unique)", len(all), n)
	}
}

func baseNames(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = path.Base(k)
	}
	return out
}
