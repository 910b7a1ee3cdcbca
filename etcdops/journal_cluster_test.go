package etcdops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
)

func untaintNodes(t testing.TB, names ...string) etcdops.Operation {
	return etcdops.Operation{Action: etcdops.UntaintNodes, Query: etcdops.Query{Resource: resource(t, "nodes"), Names: names}}
}

// TestJournalNamesItsCluster: a journal's begin line holds the etcd cluster
// ID and member ID of the datastore its writes went to, as the response
// header gives them (kine gives none: "0"), and undo in that datastore
// goes ahead without a word about it. On etcd 3.6, an etcd 3.4 process and
// kine.
func TestJournalNamesItsCluster(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		store, _ := capsizedOn(t, b, demo.Options{})
		resp, err := b.Client.Get(ctx, "/registry/health")
		if err != nil {
			t.Fatal(err)
		}
		id, err := store.Cluster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if id.ClusterID != resp.Header.ClusterId || id.MemberID != resp.Header.MemberId {
			t.Errorf("Cluster() = %+v, etcd's header says cluster %x member %x", id, resp.Header.ClusterId, resp.Header.MemberId)
		}
		if b.IsKine() != (id.ClusterID == 0) {
			t.Errorf("%s: cluster ID %x", b.Name, id.ClusterID)
		}

		j := newJournal(t)
		applyOp(t, store, untaintNodes(t, "worker-1"), j)
		jf, err := journal.Read(j.Path())
		if err != nil {
			t.Fatal(err)
		}
		if jf.Info.Command != "test" || jf.Info.Cluster == nil || *jf.Info.Cluster != id {
			t.Errorf("journal read back names cluster %v, want %v", jf.Info.Cluster, id)
		}
		undo, err := store.PlanUndo(ctx, jf)
		if err != nil {
			t.Fatal(err)
		}
		if n, _, _ := undo.Counts(); n != 1 || len(undo.Warnings) != 0 {
			t.Errorf("undo in its own cluster: %d to write, warnings %q; want 1, none", n, undo.Warnings)
		}
	})
}

// TestUndoRefusesAJournalOfAnotherCluster: the same capsized cluster seeded
// into two embedded etcds (two cluster IDs, the same keys and values). A
// journal of the first undone against the second is refused whole, in one
// line naming both IDs and --force-cluster, and nothing is written; with
// ForceCluster it goes ahead, each key as always: restored where it holds
// what the journal wrote, a conflict where someone else wrote it.
func TestUndoRefusesAJournalOfAnotherCluster(t *testing.T) {
	ctx := context.Background()
	first, _, _ := capsized(t, demo.Options{})
	second, cli2, _ := capsized(t, demo.Options{})
	id1, err := first.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := second.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id1.ClusterID == id2.ClusterID || id1.ClusterID == 0 || id2.ClusterID == 0 {
		t.Fatalf("two embedded etcds with cluster IDs %x and %x: want two different ones", id1.ClusterID, id2.ClusterID)
	}
	j := newJournal(t)
	applyBatch(t, first, j, untaintNodes(t, "worker-1", "worker-2"))
	jf, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}

	rev := revision(t, second)
	for name, plan := range map[string]func() (*etcdops.Plan, error){
		"PlanUndo":      func() (*etcdops.Plan, error) { return second.PlanUndo(ctx, jf) },
		"PlanUndoWrite": func() (*etcdops.Plan, error) { return second.PlanUndoWrite(ctx, jf, jf.Writes()[0]) },
	} {
		_, err := plan()
		var other *etcdops.OtherClusterError
		if !errors.As(err, &other) {
			t.Fatalf("%s of another cluster's journal: %v, want an OtherClusterError", name, err)
		}
		msg := err.Error()
		for _, want := range []string{strconv.FormatUint(id1.ClusterID, 16), strconv.FormatUint(id2.ClusterID, 16), "--force-cluster", j.Path()} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: refusal %q does not name %s", name, msg, want)
			}
		}
		if strings.ContainsAny(msg, "\n\r") {
			t.Errorf("%s: refusal is more than one line: %q", name, msg)
		}
	}
	if got := revision(t, second); got != rev {
		t.Errorf("refused undo moved the second etcd from revision %d to %d", rev, got)
	}

	// In the second cluster, the same untaint of worker-1 (the same
	// bytes), and someone else's change to worker-2.
	key1 := second.Layout().Key(resource(t, "nodes"), "", "worker-1")
	key2 := second.Layout().Key(resource(t, "nodes"), "", "worker-2")
	original1 := snapshot(t, cli2)[key1]
	applyBatch(t, second, newJournal(t), untaintNodes(t, "worker-1"))
	if !bytes.Equal(snapshot(t, cli2)[key1].Value, jf.Writes()[0].After) {
		t.Fatal("the same untaint in the second etcd wrote other bytes than in the first: the test needs the same seed")
	}
	labelNode(t, cli2, key2)
	undo, err := second.PlanUndo(ctx, jf, etcdops.UndoOptions{ForceCluster: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(undo.Warnings) != 1 || !strings.Contains(undo.Warnings[0], "--force-cluster") || !strings.Contains(undo.Warnings[0], strconv.FormatUint(id1.ClusterID, 16)) {
		t.Errorf("forced undo's warnings: %q", undo.Warnings)
	}
	if n, _, skipped := undo.Counts(); n != 1 || skipped != 1 {
		t.Errorf("forced undo plans %d writes and %d skips; want worker-1 restored and worker-2 a conflict", n, skipped)
	}
	results, err := second.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		switch r.Key {
		case key1:
			if !r.Changed {
				t.Errorf("worker-1 not restored: %v", r.Err)
			}
		case key2:
			if r.Changed || !etcdops.IsConflict(r.Err) {
				t.Errorf("worker-2, changed by someone else: %+v, want a conflict", r)
			}
		}
	}
	if got := snapshot(t, cli2)[key1]; !bytes.Equal(got.Value, original1.Value) {
		t.Error("forced undo did not restore worker-1 byte for byte")
	}
}

// TestUndoOfAJournalWithoutClusterID: a journal written before lifeboat
// recorded the cluster undoes as it always did, with a warning that says
// it cannot be checked.
func TestUndoOfAJournalWithoutClusterID(t *testing.T) {
	ctx := context.Background()
	store, _, _ := capsized(t, demo.Options{})
	j := newJournal(t)
	applyBatch(t, store, j, untaintNodes(t, "worker-1"))
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitN(data, []byte("\n"), 2)
	var begin map[string]any
	if err := json.Unmarshal(lines[0], &begin); err != nil {
		t.Fatal(err)
	}
	delete(begin, "clusterID")
	delete(begin, "memberID")
	old, _ := json.Marshal(begin)
	if err := os.WriteFile(j.Path(), append(append(old, '\n'), lines[1]...), 0o600); err != nil {
		t.Fatal(err)
	}
	jf, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if jf.Info.Cluster != nil {
		t.Fatalf("journal without clusterID read as cluster %v", jf.Info.Cluster)
	}
	undo, err := store.PlanUndo(ctx, jf)
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := undo.Counts(); n != 1 || len(undo.Warnings) != 1 || !strings.Contains(undo.Warnings[0], "does not say which etcd cluster") {
		t.Errorf("undo of a journal without cluster ID: %d to write, warnings %q", n, undo.Warnings)
	}
	// A begin line whose cluster ID is not one is not lifeboat's.
	begin["clusterID"] = "not-hex"
	bad, _ := json.Marshal(begin)
	if err := os.WriteFile(j.Path(), append(append(bad, '\n'), lines[1]...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := journal.Read(j.Path()); err == nil || !strings.Contains(err.Error(), "clusterID") {
		t.Errorf("journal with clusterID %q: %v, want refused", "not-hex", err)
	}
}

// labelNode changes a node as someone else would: a label added.
func labelNode(t testing.TB, cli *clientv3.Client, key string) {
	t.Helper()
	resp, err := cli.Get(context.Background(), key)
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("%s: %v", key, err)
	}
	node := decodeNode(t, resp.Kvs[0].Value)
	if node.Labels == nil {
		node.Labels = map[string]string{}
	}
	node.Labels["touched"] = "by-someone-else"
	b, err := codec.EncodeProtobuf(node)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(context.Background(), key, string(b)); err != nil {
		t.Fatal(err)
	}
}
