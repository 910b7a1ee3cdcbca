package etcdops_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestEveryObjectItsOwnRevision: a batch of N changed objects ends with N
// distinct new revisions, as when kube-apiserver writes them, so a watcher
// that resumes from any one object's resourceVersion still receives every
// later object's event (the watch cache keeps events with
// ResourceVersion > the one asked for; the etcd watcher starts at rev+1).
func TestEveryObjectItsOwnRevision(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	if err := demo.TerminatingPods(ctx, cli, "/registry", 300, testNow); err != nil {
		t.Fatal(err)
	}
	loadNodes(t, cli)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}})
	if err != nil {
		t.Fatal(err)
	}
	results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t), Window: 50})
	if err != nil {
		t.Fatal(err)
	}
	revs := map[int64]string{}
	var written []int64
	for _, r := range results {
		if !r.Changed {
			continue
		}
		if other, dup := revs[r.NewRevision]; dup {
			t.Fatalf("%s and %s share revision %d: a watcher resuming there misses one of them", other, r.Key, r.NewRevision)
		}
		revs[r.NewRevision] = r.Key
		written = append(written, r.NewRevision)
		if got := snapshot(t, cli)[r.Key].ModRevision; got != r.NewRevision && len(written) < 5 {
			t.Errorf("%s: reported revision %d, etcd mod_revision %d", r.Key, r.NewRevision, got)
		}
	}
	if len(written) < 300 {
		t.Fatalf("%d objects written, want at least 300", len(written))
	}
	sort.Slice(written, func(i, j int) bool { return written[i] < written[j] })

	// A watcher whose last seen resourceVersion is the first repaired
	// object's resumes at rev+1 and must see every other one.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for resp := range cli.Watch(wctx, "/registry/pods/", clientv3.WithPrefix(), clientv3.WithRev(written[0]+1)) {
		for _, ev := range resp.Events {
			seen[string(ev.Kv.Key)] = true
		}
		if len(seen) >= len(written)-1 {
			break
		}
	}
	if missed := len(written) - 1 - len(seen); missed > 0 {
		t.Fatalf("a watch resumed after the first repaired object's revision missed %d of the other %d objects", missed, len(written)-1)
	}
}

// TestWrongKindIsNotRepaired: a value under a resource's prefix is repaired
// only if it is what kube-apiserver stores there (its group and kind);
// anything else is skipped and reported by key, never "already fine". A
// version no Kubernetes lifeboat knows serves is a newer one's: repaired
// like any pod, as the apiserver that wrote it reads it.
func TestWrongKindIsNotRepaired(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	deleting := metav1.NewTime(testNow)
	pod := demo.RealisticPod("odd", "pod", "worker-1", 1)
	pod.DeletionTimestamp = &deleting
	podBytes, err := codec.EncodeProtobuf(pod)
	if err != nil {
		t.Fatal(err)
	}
	node := &corev1.Node{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: metav1.ObjectMeta{Name: "a-node", DeletionTimestamp: &deleting}}
	nodeBytes, err := codec.EncodeProtobuf(node)
	if err != nil {
		t.Fatal(err)
	}
	// Not deleting: an undelete would find nothing to change in it, and
	// must still not count it as a pod that is fine.
	runningNode, err := codec.EncodeProtobuf(&corev1.Node{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: metav1.ObjectMeta{Name: "b-node"}})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"/registry/pods/odd/a-node":        nodeBytes,
		"/registry/pods/odd/running-node":  runningNode,
		"/registry/pods/odd/node-envelope": withTypeMeta(t, podBytes, "v1", "Node"),
	}
	for key, value := range bad {
		if _, err := cli.Put(ctx, key, string(value)); err != nil {
			t.Fatal(err)
		}
	}
	const newer = "/registry/pods/odd/v9-pod"
	if _, err := cli.Put(ctx, newer, string(withTypeMeta(t, podBytes, "v9", "Pod"))); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, cli)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "odd"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != len(bad)+1 {
		t.Fatalf("plan has %d changes, want %d", len(plan.Changes), len(bad)+1)
	}
	for _, c := range plan.Changes {
		if c.Before.Key == newer {
			if !c.Changed() {
				t.Errorf("%s: a newer Kubernetes' version of a Pod: %v, want it undeleted", newer, c.Skip)
			}
			continue
		}
		if c.Skip == nil || c.Changed() {
			t.Errorf("%s: planned as %v (changed %v), want skipped", c.Before.Key, c.Skip, c.Changed())
			continue
		}
		if !strings.Contains(c.Skip.Error(), c.Before.Key) && !strings.Contains(c.Skip.Error(), c.Name) {
			t.Errorf("%s: skip reason does not name the object: %v", c.Before.Key, c.Skip)
		}
	}
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, cli)
	for key := range bad {
		if after[key].ModRevision != before[key].ModRevision {
			t.Errorf("%s: written although kube-apiserver cannot read it as a pod", key)
		}
	}
	if after[newer].ModRevision == before[newer].ModRevision {
		t.Errorf("%s: not written", newer)
	}
}

// withTypeMeta rewrites a protobuf envelope's typeMeta (runtime.Unknown
// field 1: apiVersion=1, kind=2), keeping the raw object bytes.
func withTypeMeta(t *testing.T, value []byte, apiVersion, kind string) []byte {
	t.Helper()
	body, ok := bytes.CutPrefix(value, []byte("k8s\x00"))
	if !ok {
		t.Fatal("not a protobuf envelope")
	}
	num, typ, n := protowire.ConsumeTag(body)
	if num != 1 || typ != protowire.BytesType {
		t.Fatalf("envelope starts with field %d", num)
	}
	_, m := protowire.ConsumeBytes(body[n:])
	rest := body[n+m:]
	var tm []byte
	tm = protowire.AppendTag(tm, 1, protowire.BytesType)
	tm = protowire.AppendString(tm, apiVersion)
	tm = protowire.AppendTag(tm, 2, protowire.BytesType)
	tm = protowire.AppendString(tm, kind)
	out := append([]byte("k8s\x00"), protowire.AppendTag(nil, 1, protowire.BytesType)...)
	out = protowire.AppendBytes(out, tm)
	return append(out, rest...)
}

// TestUndoRestoresLargeObjects: a restore carries only the key and the
// before-image, so every object etcd accepted can be put back, and a key
// etcd refuses is reported without stopping the others.
func TestUndoRestoresLargeObjects(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	cmKey := func(name string) string { return "/registry/configmaps/big/" + name }
	put := func(name string, size int) {
		cm := &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "big", Finalizers: []string{"example.com/hold"}},
			Data:       map[string]string{"blob": strings.Repeat("x", size)},
		}
		if err := demo.PutObject(ctx, cli, cmKey(name), cm, 0); err != nil {
			t.Fatal(err)
		}
	}
	put("small", 10)
	put("800k", 800<<10)
	put("1400k", 1400<<10)
	j := newJournal(t)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.RemoveFinalizers, Query: etcdops.Query{Resource: resource(t, "configmaps"), Namespace: "big", Names: []string{"small", "800k", "1400k"}}})
	if err != nil {
		t.Fatal(err)
	}
	results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if !r.Changed {
			t.Fatalf("%s: finalizer not removed: %v", r.Key, r.Err)
		}
	}
	results = undoJournal(t, store, j.Path())
	for _, r := range results {
		if !r.Changed {
			t.Errorf("%s: not restored: %v", r.Key, r.Err)
		}
	}
	for _, name := range []string{"small", "800k", "1400k"} {
		cm := decodeAs[*corev1.ConfigMap](t, snapshot(t, cli)[cmKey(name)].Value)
		if len(cm.Finalizers) != 1 {
			t.Errorf("%s: finalizers %v after undo", name, cm.Finalizers)
		}
	}
}

// TestUndoUsesTheKeysCurrentLease: the lease a journal recorded may be gone
// (the key was rewritten with another); restoring with it would fail with
// "requested lease not found" every time.
func TestUndoUsesTheKeysCurrentLease(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	first, err := cli.Grant(ctx, 3600)
	if err != nil {
		t.Fatal(err)
	}
	pod := demo.RealisticPod("shop", "leased", "worker-1", 7)
	deleting := metav1.NewTime(testNow)
	pod.DeletionTimestamp = &deleting
	key := store.Layout().Key(resource(t, "pods"), "shop", "leased")
	if err := demo.PutObject(ctx, cli, key, pod, first.ID); err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "shop", Names: []string{"leased"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	// The same value moves to a new lease and the old one is revoked.
	second, err := cli.Grant(ctx, 3600)
	if err != nil {
		t.Fatal(err)
	}
	cur := snapshot(t, cli)[key]
	if _, err := cli.Put(ctx, key, string(cur.Value), clientv3.WithLease(second.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Revoke(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	results := undoJournal(t, store, j.Path())
	if len(results) != 1 || !results[0].Changed {
		t.Fatalf("undo: %+v", results)
	}
	rec := snapshot(t, cli)[key]
	if rec.Lease != int64(second.ID) {
		t.Errorf("restored with lease %x, want the key's current %x", rec.Lease, second.ID)
	}
	if decodePod(t, rec.Value).DeletionTimestamp == nil {
		t.Error("deletionTimestamp not restored")
	}
}

// TestUndoRefusesABeforeImageOfTheWrongKind: a before-image passes the same
// decode and kind check as any write.
func TestUndoRefusesABeforeImageOfTheWrongKind(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	j := newJournal(t)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UntaintNodes, Query: etcdops.Query{Resource: resource(t, "nodes"), Names: []string{"worker-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	jf, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	pod, err := codec.EncodeProtobuf(demo.RealisticPod("x", "y", "worker-1", 1))
	if err != nil {
		t.Fatal(err)
	}
	for i := range jf.Entries {
		if jf.Entries[i].Type == "write" {
			jf.Entries[i].Before = pod // a tampered or corrupt journal
		}
	}
	rev := revision(t, store)
	undo, err := store.PlanUndo(ctx, jf)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, skipped := undo.Counts(); skipped != 1 {
		t.Fatalf("undo of a Pod image over a Node: %d skipped, want 1", skipped)
	}
	if _, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
		t.Fatal(err)
	}
	if got := revision(t, store); got != rev {
		t.Errorf("etcd revision %d -> %d: something was written", rev, got)
	}
	_ = cli
}

// TestUndoOfOneWrite restores exactly that write's before-image, and only
// while the key holds its after-image: undoing an uncordon leaves the
// untaint before it in place.
func TestUndoOfOneWrite(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	key := store.Layout().Key(resource(t, "nodes"), "", "worker-3")
	j := newJournal(t)
	original := snapshot(t, cli)[key]
	applyBatch(t, store, j,
		etcdops.Operation{Action: etcdops.UntaintNodes, Query: etcdops.Query{Resource: resource(t, "nodes"), Names: []string{"worker-3"}}},
		etcdops.Operation{Action: etcdops.UncordonNodes, Query: etcdops.Query{Resource: resource(t, "nodes"), Names: []string{"worker-3"}}},
	)
	jf, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	writes := jf.Writes()
	if len(writes) != 2 || etcdops.Action(writes[0].Action) != etcdops.UntaintNodes || etcdops.Action(writes[1].Action) != etcdops.UncordonNodes {
		t.Fatalf("journal writes: %+v", writes)
	}
	// The untaint is not the key's latest write: undoing it alone would
	// discard the uncordon, so it is a conflict.
	if undo, err := store.PlanUndoWrite(ctx, jf, writes[0]); err != nil {
		t.Fatal(err)
	} else if n, _, s := undo.Counts(); n != 0 || s != 1 {
		t.Errorf("undo of the untaint under the uncordon: %d to write, %d skipped; want 0, 1", n, s)
	}
	undo, err := store.PlanUndoWrite(ctx, jf, writes[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	node := decodeNode(t, snapshot(t, cli)[key].Value)
	if !node.Spec.Unschedulable {
		t.Error("undo of the uncordon did not cordon the node again")
	}
	for _, taint := range node.Spec.Taints {
		if taint.Key == corev1.TaintNodeUnreachable {
			t.Error("undo of the uncordon re-added the untaint's taints")
		}
	}
	// The journal now shows the uncordon undone and the untaint still in force.
	jf, err = journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	states := []journal.WriteState{}
	for _, w := range jf.Writes() {
		states = append(states, w.State)
	}
	if want := []journal.WriteState{journal.WriteCommitted, journal.WriteUndone, journal.WriteCommitted}; !equalStates(states, want) {
		t.Errorf("states %v, want %v", states, want)
	}
	// Undo of the whole journal then goes back to the original bytes.
	undo, err = store.PlanUndo(ctx, jf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, cli)[key]; !bytes.Equal(got.Value, original.Value) {
		t.Error("undo of the whole journal did not restore worker-3 byte for byte")
	}
}

func equalStates(a, b []journal.WriteState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTornJournalStillUndoes: lifeboat or the machine died while writing
// the journal's last line; every complete entry is honoured.
func TestTornJournalStillUndoes(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	before := snapshot(t, cli)
	j := newJournal(t)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UntaintNodes, AllNodes: true, Query: etcdops.Query{Resource: resource(t, "nodes")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"type":"write","time":"2026-11-22T03:00:00Z","key":"/registry/minions/worker-1","before":"azhzAA`)
	f.Close()
	jf, err := journal.Read(j.Path())
	if err != nil {
		t.Fatalf("a torn last line rejects the whole journal: %v", err)
	}
	if jf.Torn == nil || !strings.Contains(jf.Torn.Error(), filepath.Base(j.Path())) {
		t.Errorf("torn line not reported with the journal's name: %v", jf.Torn)
	}
	undo, err := store.PlanUndo(ctx, jf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, cli)
	for key, rec := range before {
		if strings.HasPrefix(key, "/registry/minions/") && !bytes.Equal(after[key].Value, rec.Value) {
			t.Errorf("%s not restored", key)
		}
	}

	// A bad line that is not the last is corruption, not a crash: refused.
	f, _ = os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("\n{\"type\":\"committed\",\"key\":\"/registry/minions/worker-1\",\"afterRevision\":1}\n")
	f.Close()
	if _, err := journal.Read(j.Path()); err == nil {
		t.Error("a broken line in the middle of a journal was accepted")
	}
}

// applyBatch previews and applies ops as one batch, as the CLI does, and
// returns every result.
func applyBatch(t testing.TB, store *etcdops.Store, j *journal.Journal, ops ...etcdops.Operation) []etcdops.Result {
	t.Helper()
	ctx := context.Background()
	b, err := store.NewBatch(ctx, testNow, ops...)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Preview(ctx, func(int, *etcdops.Change) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return applyPreviewed(t, b, j)
}

// applyPreviewed applies a batch already previewed and returns every result.
func applyPreviewed(t testing.TB, b *etcdops.Batch, j *journal.Journal) []etcdops.Result {
	t.Helper()
	var results []etcdops.Result
	if err := b.Apply(context.Background(), etcdops.ApplyOptions{Journal: j}, func(_ int, _ *etcdops.Change, r etcdops.Result) error {
		results = append(results, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return results
}

// undoJournal reads a journal, plans its undo and applies it, as
// `lifeboat undo` does; it fails the test if the undo stops.
func undoJournal(t testing.TB, store *etcdops.Store, path string) []etcdops.Result {
	t.Helper()
	ctx := context.Background()
	jf, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	undo, err := store.PlanUndo(ctx, jf)
	if err != nil {
		t.Fatal(err)
	}
	results, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)})
	if err != nil {
		t.Fatalf("undo stopped: %v", err)
	}
	return results
}
