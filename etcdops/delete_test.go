package etcdops_test

import (
	"context"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestDeleteAndUndo: delete removes keys with the apiserver's delete Txn on
// the revision read (a key rewritten since is a conflict, not deleted);
// many deletes preview as one group; undo re-creates them.
func TestDeleteAndUndo(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	cms := resource(t, "configmaps")
	var names []string
	for _, ns := range []string{"shop"} {
		if _, err := store.List(ctx, etcdops.Query{Resource: cms, Namespace: ns}, func(it etcdops.Item) error {
			names = append(names, it.Name)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(names) < 3 {
		t.Fatalf("%d ConfigMaps in shop, want 3 or more", len(names))
	}
	before := snapshot(t, cli)
	op := etcdops.Operation{Action: etcdops.DeleteObjects, Query: etcdops.Query{Resource: cms, Namespace: "shop", Names: names}}
	b, err := store.NewBatch(ctx, testNow, op)
	if err != nil {
		t.Fatal(err)
	}
	groups := etcdops.NewChangeGroups(1)
	if err := b.Preview(ctx, func(_ int, c *etcdops.Change) error {
		if c.Changed() {
			groups.Add(c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if g := groups.Groups(); len(g) != 1 || g[0].Count != len(names) || g[0].Shape[0] != "deleted" {
		t.Errorf("the preview groups %+v, want one group of %d deletions", g, len(names))
	}
	// Someone rewrites one between the preview and the write.
	rewritten := "/registry/configmaps/shop/" + names[0]
	if _, err := cli.Put(ctx, rewritten, string(before[rewritten].Value)+"x"); err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	results := applyPreviewed(t, b, j)
	after := snapshot(t, cli)
	for _, r := range results {
		_, exists := after[r.Key]
		switch {
		case r.Key == rewritten && (!r.Conflict || !exists):
			t.Errorf("%s, rewritten since the preview: %+v, exists %v; want a conflict and the key kept", r.Key, r, exists)
		case r.Key != rewritten && (!r.Changed || exists):
			t.Errorf("%s: %+v, exists %v; want it deleted", r.Key, r, exists)
		}
	}
	for _, r := range undoJournal(t, store, j.Path()) {
		if r.Err != nil {
			t.Errorf("undo %s: %v", r.Key, r.Err)
		}
	}
	restored := snapshot(t, cli)
	for _, n := range names {
		key := "/registry/configmaps/shop/" + n
		if key != rewritten && string(restored[key].Value) != string(before[key].Value) {
			t.Errorf("%s: undo did not re-create it as it was", key)
		}
	}
}
