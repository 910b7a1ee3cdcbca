package etcdops_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

func nextEvent(t *testing.T, ch <-chan etcdops.WatchEvent) etcdops.WatchEvent {
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
