package etcdops_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

const poisonKey = "/registry/pods/default/poison"

// TestQuarantineOnBackends: on every datastore (kine serves only single-key
// Txns), the poison value moves to /lifeboat-quarantine/..., the pods list
// without it, ls shows it, and undo puts it back and removes the copy.
func TestQuarantineOnBackends(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		store, _ := capsizedOn(t, b, demo.Options{Malformed: true})
		poison := get(t, store, poisonKey)

		plan, err := store.PlanQuarantine(ctx, []string{poisonKey})
		if err != nil {
			t.Fatal(err)
		}
		j := newJournal(t)
		results, err := store.ApplyQuarantine(ctx, plan, etcdops.ApplyOptions{Journal: j})
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 2 || !results[0].Changed || !results[1].Changed {
			t.Fatalf("results %+v, want the copy and the delete written", results)
		}
		if _, found, _ := store.Get(ctx, poisonKey); found {
			t.Error("the poison value is still under the prefix")
		}
		copied := get(t, store, etcdops.QuarantineKey(poisonKey))
		if !bytes.Equal(copied.Value, poison.Value) {
			t.Error("the quarantined copy differs from the value moved")
		}
		if _, err := store.List(ctx, etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}, func(it etcdops.Item) error {
			if it.DecodeErr != nil {
				t.Errorf("pods still list an undecodable value: %v", it.DecodeErr)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		list, err := store.ListQuarantined(ctx)
		if err != nil || len(list) != 1 || list[0].Original != poisonKey || list[0].OriginalExists {
			t.Fatalf("ListQuarantined = %+v, %v", list, err)
		}

		for _, r := range undoJournal(t, store, j.Path()) {
			if r.Err != nil || !r.Changed {
				t.Errorf("undo %s: changed %v, %v", r.Key, r.Changed, r.Err)
			}
		}
		if back := get(t, store, poisonKey); !bytes.Equal(back.Value, poison.Value) {
			t.Error("undo did not put the exact bytes back")
		}
		if _, found, _ := store.Get(ctx, etcdops.QuarantineKey(poisonKey)); found {
			t.Error("undo left the quarantined copy")
		}
	})
}

// TestQuarantineRefuses: only values kube-apiserver cannot read move; every
// other key is refused with an error naming it, and nothing is written.
func TestQuarantineRefuses(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{Malformed: true})
	before := snapshot(t, cli)
	tests := []struct {
		name    string
		key     string
		usage   bool
		missing bool
	}{
		{"a readable pod", "/registry/pods/shop/" + firstName(t, store, "shop"), true, false},
		{"an encrypted secret", "/registry/secrets/payments/card-processor-token", true, false},
		{"a key outside the prefix", "/other/pods/default/poison", true, false},
		{"a key that does not exist", "/registry/pods/default/nothing", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := store.PlanQuarantine(ctx, []string{poisonKey, tt.key})
			var usage *etcdops.UsageError
			var missing *etcdops.NotFoundError
			if errors.As(err, &usage) != tt.usage || errors.As(err, &missing) != tt.missing {
				t.Fatalf("PlanQuarantine(%s) = %v", tt.key, err)
			}
		})
	}
	after := snapshot(t, cli)
	if len(after) != len(before) {
		t.Errorf("%d keys before, %d after: a refused quarantine wrote", len(before), len(after))
	}
}

// TestQuarantineLeavesAValueRewrittenSinceItWasRead: a value someone
// replaced between the plan and the write is not deleted (its copy stays,
// reported, for the operator to compare).
func TestQuarantineLeavesAValueRewrittenSinceItWasRead(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{Malformed: true})
	plan, err := store.PlanQuarantine(ctx, []string{poisonKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, poisonKey, "still not an object"); err != nil {
		t.Fatal(err)
	}
	results, err := store.ApplyQuarantine(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)})
	if err != nil {
		t.Fatal(err)
	}
	if del := results[1]; del.Changed || !del.Conflict {
		t.Errorf("delete of a rewritten value: %+v, want a conflict", del)
	}
	if got := get(t, store, poisonKey); string(got.Value) != "still not an object" {
		t.Errorf("the other writer's value was replaced: %q", got.Value)
	}
}

func get(t *testing.T, store *etcdops.Store, key string) etcdops.Record {
	t.Helper()
	rec, found, err := store.Get(context.Background(), key)
	if err != nil || !found {
		t.Fatalf("%s: found %v, %v", key, found, err)
	}
	return rec
}

func firstName(t *testing.T, store *etcdops.Store, ns string) string {
	t.Helper()
	var name string
	if _, err := store.List(context.Background(), etcdops.Query{Resource: resource(t, "pods"), Namespace: ns}, func(it etcdops.Item) error {
		if name == "" {
			name = it.Name
		}
		return nil
	}); err != nil || name == "" {
		t.Fatalf("no pod in %s: %v", ns, err)
	}
	return name
}
