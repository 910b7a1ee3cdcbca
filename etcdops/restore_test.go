package etcdops_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// restoreTo plans and applies putting info back to its version at rev.
func restoreTo(t *testing.T, store *etcdops.Store, info etcdops.KeyInfo, rev int64) (*etcdops.Plan, []etcdops.Result, *journal.Journal) {
	t.Helper()
	ctx := context.Background()
	want, err := store.ReadVersion(ctx, info, rev)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := store.PlanRestore(ctx, info, want, "history")
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	return plan, results, j
}

func getKey(t *testing.T, cli *clientv3.Client, key string) (etcdops.Record, bool) {
	t.Helper()
	resp, err := cli.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return etcdops.Record{}, false
	}
	kv := resp.Kvs[0]
	return etcdops.Record{Key: key, Value: kv.Value, ModRevision: kv.ModRevision, Lease: kv.Lease}, true
}

func TestRestoreDeleted(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		store := etcdops.NewStore(b.Client, "", false)
		e := writeEditedConfigMap(t, b.Client, "shop", "frontend-config")
		info := etcdops.KeyInfo{Resource: etcdops.MustResolveResource("configmaps"), Namespace: "shop", Name: "frontend-config"}
		old, _ := store.ReadVersion(ctx, info, e.revs[3])

		plan, results, j := restoreTo(t, store, info, e.revs[3])
		if diff, _ := plan.Changes[0].Diff(false); !strings.Contains(diff, "+kind: ConfigMap") || strings.Contains(diff, "\n-") {
			t.Errorf("preview of a re-creation:\n%s", diff)
		}
		now, found := getKey(t, b.Client, e.key)
		if r := results[0]; !r.Changed || r.Err != nil || !found || r.NewRevision != now.ModRevision {
			t.Fatalf("restore: %+v; key found %v at %d", r, found, now.ModRevision)
		}
		if !bytes.Equal(now.Value, old.Value) || now.Lease != 0 {
			t.Errorf("re-created with other bytes or lease %d", now.Lease)
		}
		if obj, err := codec.Decode(now.Value); err != nil || obj.Meta.ResourceVersion != "" {
			t.Errorf("stored value: %v, resourceVersion %q (the apiserver stores none)", err, obj.Meta.ResourceVersion)
		}

		// Again: the key holds that version already.
		_, again, _ := restoreTo(t, store, info, e.revs[3])
		if again[0].Changed || again[0].Err != nil {
			t.Errorf("second restore: %+v, want nothing to do", again[0])
		}

		// Undo deletes it (OptimisticDelete on kine too).
		undone := undoJournal(t, store, j.Path())
		if _, found := getKey(t, b.Client, e.key); found || !undone[0].Changed {
			t.Fatalf("undo of the re-creation: %+v; key still there: %v", undone[0], found)
		}
	})
}

func TestRestoreConflicts(t *testing.T) {
	ctx := context.Background()
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	e := writeEditedConfigMap(t, cli, "shop", "frontend-config")
	info := etcdops.KeyInfo{Resource: etcdops.MustResolveResource("configmaps"), Namespace: "shop", Name: "frontend-config"}
	theirs := configMap("shop", "frontend-config", 9, testNow, testNow)
	put := func(t *testing.T) { putObject(t, cli, e.key, theirs) }

	t.Run("created by someone else before the Txn", func(t *testing.T) {
		want, _ := store.ReadVersion(ctx, info, e.revs[3])
		plan, err := store.PlanRestore(ctx, info, want, "history")
		if err != nil {
			t.Fatal(err)
		}
		put(t)
		mine, _ := getKey(t, cli, e.key)
		results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)})
		if err != nil {
			t.Fatal(err)
		}
		if r := results[0]; r.Changed || !r.Conflict || !strings.Contains(r.Err.Error(), "created by someone else") {
			t.Errorf("result %+v, want a conflict", r)
		}
		if now, _ := getKey(t, cli, e.key); now.ModRevision != mine.ModRevision {
			t.Error("their object was overwritten")
		}
	})

	t.Run("old revision over a live object, undone", func(t *testing.T) {
		before, _ := getKey(t, cli, e.key)
		_, results, j := restoreTo(t, store, info, e.revs[1])
		want, _ := store.ReadVersion(ctx, info, e.revs[1])
		if now, _ := getKey(t, cli, e.key); !results[0].Changed || !bytes.Equal(now.Value, want.Value) {
			t.Fatalf("restore to %d: %+v", e.revs[1], results[0])
		}
		undoJournal(t, store, j.Path())
		if now, _ := getKey(t, cli, e.key); !bytes.Equal(now.Value, before.Value) {
			t.Error("undo did not put their version back")
		}
	})

	t.Run("undo of a re-creation changed since", func(t *testing.T) {
		deleteKey(t, cli, e.key)
		_, _, j := restoreTo(t, store, info, e.revs[3])
		put(t)
		results := undoJournal(t, store, j.Path())
		if r := results[0]; r.Changed || !r.Conflict {
			t.Errorf("undo: %+v, want a conflict", r)
		}
		if _, found := getKey(t, cli, e.key); !found {
			t.Error("their object was deleted")
		}
	})

	t.Run("bad versions", func(t *testing.T) {
		secret := etcdops.KeyInfo{Resource: etcdops.MustResolveResource("secrets"), Namespace: "shop", Name: "frontend-config"}
		if _, err := cli.Compact(ctx, e.revs[2]); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			info etcdops.KeyInfo
			rev  int64
			want string
		}{
			{info, e.revs[1], "compacted"},
			{info, e.revs[4], "did not exist at revision"},
			{info, e.revs[4] + 1000, "past etcd's current revision"},
			{secret, 0, "not found"},
		} {
			_, err := store.ReadVersion(ctx, tc.info, tc.rev)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadVersion(%s, %d): %v, want %q", tc.info, tc.rev, err, tc.want)
			}
			var usage *etcdops.UsageError
			var notFound *etcdops.NotFoundError
			if !errors.As(err, &usage) && !errors.As(err, &notFound) {
				t.Errorf("ReadVersion(%s, %d): %T, want a usage or not-found error", tc.info, tc.rev, err)
			}
		}
		// A ConfigMap is no Secret: never stored under secrets.
		want, _ := store.ReadVersion(ctx, info, 0)
		plan, err := store.PlanRestore(ctx, secret, want, "history")
		if err != nil {
			t.Fatal(err)
		}
		if c := plan.Changes[0]; c.Skip == nil || c.Changed() {
			t.Errorf("a ConfigMap restored as a Secret: skip %v", c.Skip)
		}
	})
}
