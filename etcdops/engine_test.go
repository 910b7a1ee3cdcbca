package etcdops_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

var testNow = etcdtest.Now

// capsized starts a real etcd seeded with the demo's broken cluster.
func capsized(t testing.TB, opts demo.Options) (*etcdops.Store, *clientv3.Client, demo.Summary) {
	t.Helper()
	opts.Now = testNow
	c := etcdtest.Capsized(t, opts)
	return c.Store(false), c.Client, c.Summary
}

func resource(t testing.TB, name string) etcdops.Resource {
	t.Helper()
	r, err := etcdops.ResolveResource(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newJournal(t testing.TB) *journal.Journal {
	t.Helper()
	j, err := journal.Create(filepath.Join(t.TempDir(), "journal.jsonl"), journal.Info{Command: "test", Prefix: "/registry"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// snapshot is every key and value under the prefix, with revisions.
func snapshot(t testing.TB, cli *clientv3.Client) map[string]etcdops.Record {
	t.Helper()
	resp, err := cli.Get(context.Background(), "/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]etcdops.Record{}
	for _, kv := range resp.Kvs {
		out[string(kv.Key)] = etcdops.Record{Key: string(kv.Key), Value: kv.Value, ModRevision: kv.ModRevision, Lease: kv.Lease}
	}
	return out
}

func revision(t testing.TB, store *etcdops.Store) int64 {
	t.Helper()
	rev, err := store.Revision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// decodeAs decodes a stored value into the typed object the test expects.
func decodeAs[T any](t testing.TB, value []byte) T {
	t.Helper()
	obj, err := codec.Decode(value)
	if err != nil {
		t.Fatal(err)
	}
	typed, ok := obj.Typed.(T)
	if !ok {
		var want T
		t.Fatalf("decoded %T, want %T", obj.Typed, want)
	}
	return typed
}

func decodePod(t testing.TB, value []byte) *corev1.Pod   { return decodeAs[*corev1.Pod](t, value) }
func decodeNode(t testing.TB, value []byte) *corev1.Node { return decodeAs[*corev1.Node](t, value) }

// TestRepairs runs each repair through the whole cycle: dry-run writes
// nothing, a real run writes each key once, a second run is a no-op, and undo
// restores every byte.
func TestRepairs(t *testing.T) {
	tests := []struct {
		name  string
		op    func(t *testing.T) etcdops.Operation
		count func(s demo.Summary) int
		check func(t *testing.T, before, after []byte)
	}{
		{
			name: "undelete pods",
			op: func(t *testing.T) etcdops.Operation {
				return etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}}
			},
			count: func(s demo.Summary) int { return s.TerminatingPods },
			check: func(t *testing.T, before, after []byte) {
				b, a := decodePod(t, before), decodePod(t, after)
				if a.DeletionTimestamp != nil || a.DeletionGracePeriodSeconds != nil {
					t.Errorf("%s: still terminating: %v %v", a.Name, a.DeletionTimestamp, a.DeletionGracePeriodSeconds)
				}
				if !reflect.DeepEqual(a.Finalizers, b.Finalizers) {
					t.Errorf("%s: finalizers changed %v -> %v (undelete leaves them)", a.Name, b.Finalizers, a.Finalizers)
				}
				b.DeletionTimestamp, b.DeletionGracePeriodSeconds = nil, nil
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s: fields other than the deletion changed", a.Name)
				}
			},
		},
		{
			name: "untaint nodes",
			op: func(t *testing.T) etcdops.Operation {
				return etcdops.Operation{Action: etcdops.UntaintNodes, AllNodes: true, Query: etcdops.Query{Resource: resource(t, "nodes")}}
			},
			count: func(s demo.Summary) int { return s.TaintedNodes },
			check: func(t *testing.T, before, after []byte) {
				b, a := decodeNode(t, before), decodeNode(t, after)
				var kept []corev1.Taint
				for _, taint := range b.Spec.Taints {
					if taint.Key != corev1.TaintNodeUnreachable && taint.Key != corev1.TaintNodeNotReady {
						kept = append(kept, taint)
					}
				}
				if !reflect.DeepEqual(a.Spec.Taints, kept) {
					t.Errorf("%s: taints %v, want %v", a.Name, a.Spec.Taints, kept)
				}
				b.Spec.Taints = kept
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s: fields other than the taints changed", a.Name)
				}
			},
		},
		{
			name: "uncordon nodes",
			op: func(t *testing.T) etcdops.Operation {
				return etcdops.Operation{Action: etcdops.UncordonNodes, AllNodes: true, Query: etcdops.Query{Resource: resource(t, "nodes")}}
			},
			count: func(demo.Summary) int { return 1 }, // worker-3 was cordoned
			check: func(t *testing.T, before, after []byte) {
				b, a := decodeNode(t, before), decodeNode(t, after)
				if a.Spec.Unschedulable {
					t.Errorf("%s: still unschedulable", a.Name)
				}
				for _, taint := range a.Spec.Taints {
					if taint.Key == corev1.TaintNodeUnschedulable {
						t.Errorf("%s: still tainted %s", a.Name, taint.ToString())
					}
				}
				b.Spec.Unschedulable = false
				var kept []corev1.Taint
				for _, taint := range b.Spec.Taints {
					if taint.Key != corev1.TaintNodeUnschedulable {
						kept = append(kept, taint)
					}
				}
				b.Spec.Taints = kept
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s: fields other than unschedulable changed", a.Name)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store, cli, summary := capsized(t, demo.Options{})
			op := tt.op(t)
			original := snapshot(t, cli)

			// Dry run: planning reads only.
			rev := revision(t, store)
			plan, err := planOf(ctx, store, op)
			if err != nil {
				t.Fatal(err)
			}
			changed, _, skipped := plan.Counts()
			if changed != tt.count(summary) || skipped != 0 {
				t.Fatalf("plan: %d to change, %d skipped; want %d, 0", changed, skipped, tt.count(summary))
			}
			for i := range plan.Changes {
				if c := &plan.Changes[i]; c.Changed() {
					diff, err := c.Diff(false)
					if err != nil || diff == "" {
						t.Fatalf("%s: diff %q, %v", c.KeyInfo, diff, err)
					}
				}
			}
			if got := revision(t, store); got != rev {
				t.Fatalf("planning moved the revision %d -> %d", rev, got)
			}

			// Real run: each key written once, at the revision reported.
			j := newJournal(t)
			results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j})
			if err != nil {
				t.Fatal(err)
			}
			now := snapshot(t, cli)
			written := 0
			for _, r := range results {
				if r.Err != nil {
					t.Errorf("%s: %v", r.KeyInfo, r.Err)
				}
				if !r.Changed {
					if !bytes.Equal(now[r.Key].Value, original[r.Key].Value) {
						t.Errorf("%s: reported unchanged but its value changed", r.KeyInfo)
					}
					continue
				}
				written++
				if r.NewRevision != now[r.Key].ModRevision || r.OldRevision != original[r.Key].ModRevision {
					t.Errorf("%s: reported revisions %d -> %d, etcd has %d -> %d", r.KeyInfo, r.OldRevision, r.NewRevision, original[r.Key].ModRevision, now[r.Key].ModRevision)
				}
				tt.check(t, original[r.Key].Value, now[r.Key].Value)
			}
			if written != changed {
				t.Errorf("wrote %d keys, planned %d", written, changed)
			}
			for key, rec := range now {
				if orig, ok := original[key]; !ok || (!bytes.Equal(orig.Value, rec.Value) && !planned(plan, key)) {
					t.Errorf("%s: changed but not planned", key)
				}
			}

			// Second run: nothing left to do.
			again, err := planOf(ctx, store, op)
			if err != nil {
				t.Fatal(err)
			}
			if n, _, _ := again.Counts(); n != 0 {
				t.Errorf("second run plans %d changes, want 0", n)
			}

			// Undo: every byte back, through the same compare-and-swap.
			entries, err := journal.Read(j.Path())
			if err != nil {
				t.Fatal(err)
			}
			undo, err := store.PlanUndo(ctx, entries)
			if err != nil {
				t.Fatal(err)
			}
			if n, _, s := undo.Counts(); n != changed || s != 0 {
				t.Fatalf("undo plans %d restores, %d skipped; want %d, 0", n, s, changed)
			}
			if _, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
				t.Fatal(err)
			}
			restored := snapshot(t, cli)
			for key, rec := range original {
				if !bytes.Equal(restored[key].Value, rec.Value) || restored[key].Lease != rec.Lease {
					t.Errorf("%s: not restored byte for byte", key)
				}
			}
		})
	}
}

func planned(plan *etcdops.Plan, key string) bool {
	for i := range plan.Changes {
		if plan.Changes[i].Before.Key == key && plan.Changes[i].Changed() {
			return true
		}
	}
	return false
}

func TestUntaintKeepsOtherTaintsAndFiltersByEffect(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	op := etcdops.Operation{Action: etcdops.UntaintNodes, TaintEffect: "NoExecute",
		Query: etcdops.Query{Resource: resource(t, "nodes"), Names: []string{"worker-5"}}}
	plan, err := planOf(ctx, store, op)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
		t.Fatal(err)
	}
	node := decodeNode(t, snapshot(t, cli)["/registry/minions/worker-5"].Value)
	var got []string
	for _, taint := range node.Spec.Taints {
		got = append(got, taint.ToString())
	}
	want := []string{"node.kubernetes.io/unreachable:NoSchedule", "dedicated=gpu:NoSchedule"}
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
		t.Errorf("worker-5 taints = %v, want %v", got, want)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSelection(t *testing.T) {
	ctx := context.Background()
	store, _, _ := capsized(t, demo.Options{})
	pods := resource(t, "pods")
	sel, err := etcdops.ParseSelector("app")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    etcdops.Query
		keep func(it etcdops.Item) bool
	}{
		{"namespace", etcdops.Query{Resource: pods, Namespace: "shop"}, func(it etcdops.Item) bool { return it.Namespace == "shop" }},
		{"default namespace", etcdops.Query{Resource: pods}, func(it etcdops.Item) bool { return it.Namespace == "default" }},
		{"node", etcdops.Query{Resource: pods, AllNamespaces: true, Node: "worker-1"}, func(it etcdops.Item) bool { return etcdops.PodNode(it.Object) == "worker-1" }},
		{"selector", etcdops.Query{Resource: pods, AllNamespaces: true, Selector: sel}, func(it etcdops.Item) bool { return labels.Set(it.Object.Meta.Labels).Has("app") }},
		{"field selector: phase and node", etcdops.Query{Resource: pods, AllNamespaces: true, Fields: fieldSelector(t, pods, "status.phase=Running,spec.nodeName!=worker-1")},
			func(it etcdops.Item) bool {
				p := it.Object.Typed.(*corev1.Pod)
				return p.Status.Phase == corev1.PodRunning && p.Spec.NodeName != "worker-1"
			}},
		{"field selector: metadata.namespace narrows every namespace", etcdops.Query{Resource: pods, AllNamespaces: true, Fields: fieldSelector(t, pods, "metadata.namespace=shop")},
			func(it etcdops.Item) bool { return it.Namespace == "shop" }},
		{"field selector: metadata.name", etcdops.Query{Resource: pods, AllNamespaces: true, Fields: fieldSelector(t, pods, "metadata.name=etcd-control-plane-1")},
			func(it etcdops.Item) bool { return it.Name == "etcd-control-plane-1" }},
		{"field selector: hostNetwork", etcdops.Query{Resource: pods, AllNamespaces: true, Fields: fieldSelector(t, pods, "spec.hostNetwork=true")},
			func(it etcdops.Item) bool { return it.Object.Typed.(*corev1.Pod).Spec.HostNetwork }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all, got int
			if _, err := store.List(ctx, etcdops.Query{Resource: pods, AllNamespaces: true}, func(it etcdops.Item) error {
				if it.Object != nil && tt.keep(it) {
					all++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := store.List(ctx, tt.q, func(it etcdops.Item) error {
				if !tt.keep(it) {
					t.Errorf("%s selected but should not be", it.KeyInfo)
				}
				got++
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got != all {
				t.Errorf("selected %d, want %d", got, all)
			}
		})
	}
	if _, err := store.List(ctx, etcdops.Query{Resource: pods, Namespace: "shop", Names: []string{"no-such-pod"}}, func(etcdops.Item) error { return nil }); err == nil {
		t.Error("a missing named pod is not an error")
	}
}

func fieldSelector(t testing.TB, r etcdops.Resource, s string) fields.Selector {
	t.Helper()
	sel, err := etcdops.ParseFieldSelector(r, s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// TestConflictReplansOnce: a writer between lifeboat's read and its write is
// never overwritten: the edit is re-applied to their version once, and if
// they write again, the key is reported as a conflict.
func TestConflictReplansOnce(t *testing.T) {
	for _, again := range []bool{false, true} {
		t.Run(fmt.Sprintf("writes again %v", again), func(t *testing.T) {
			ctx := context.Background()
			store, cli, _ := capsized(t, demo.Options{})
			op := etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}}
			plan, err := planOf(ctx, store, op)
			if err != nil {
				t.Fatal(err)
			}
			var victim string
			for i := range plan.Changes {
				if plan.Changes[i].Changed() {
					victim = plan.Changes[i].Before.Key
					break
				}
			}
			// The other writer adds a label, as kubectl label would.
			writes := 0
			store.SetBeforeTxn(func(k string) {
				// Txns: the first write, then the re-planned one.
				if writes >= 1 && !again || writes >= 2 || k != victim {
					return
				}
				writes++
				relabel(t, cli, victim, fmt.Sprintf("v%d", writes))
			})
			results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t), Window: 10})
			if err != nil {
				t.Fatal(err)
			}
			pod := decodePod(t, snapshot(t, cli)[victim].Value)
			for _, r := range results {
				if r.Key != victim {
					if r.Err != nil {
						t.Errorf("%s: %v", r.KeyInfo, r.Err)
					}
					continue
				}
				if !r.Replanned {
					t.Errorf("%s: not re-planned after the conflict", victim)
				}
				if again {
					if !r.Conflict || r.Changed || !etcdops.IsConflict(r.Err) {
						t.Errorf("%s: changed twice, want a reported conflict; got %+v", victim, r)
					}
					if pod.DeletionTimestamp == nil || pod.Labels["touched"] != "v2" {
						t.Errorf("%s: the other writer's version was overwritten", victim)
					}
					return
				}
				if r.Conflict || !r.Changed {
					t.Errorf("%s: want written after one re-plan, got %+v", victim, r)
				}
				if pod.DeletionTimestamp != nil || pod.Labels["touched"] != "v1" {
					t.Errorf("%s: after re-plan deletionTimestamp=%v label=%q; want cleared and the other writer's label kept", victim, pod.DeletionTimestamp, pod.Labels["touched"])
				}
			}
			if writes == 0 {
				t.Fatal("the concurrent writer never ran")
			}
		})
	}
}

func relabel(t testing.TB, cli *clientv3.Client, key, value string) {
	t.Helper()
	resp, err := cli.Get(context.Background(), key)
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("%s: %v", key, err)
	}
	pod := decodePod(t, resp.Kvs[0].Value)
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels["touched"] = value
	b, err := codec.EncodeProtobuf(pod)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(context.Background(), key, string(b)); err != nil {
		t.Fatal(err)
	}
}

func TestLeaseKept(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	lease, err := cli.Grant(ctx, 3600)
	if err != nil {
		t.Fatal(err)
	}
	pod := demo.RealisticPod("shop", "leased", "worker-1", 7)
	pod.DeletionTimestamp = pod.CreationTimestamp.DeepCopy()
	key := store.Layout().Key(resource(t, "pods"), "shop", "leased")
	if err := demo.PutObject(ctx, cli, key, pod, lease.ID); err != nil {
		t.Fatal(err)
	}
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "shop", Names: []string{"leased"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
		t.Fatal(err)
	}
	rec := snapshot(t, cli)[key]
	if rec.Lease != int64(lease.ID) {
		t.Errorf("lease after write = %x, want %x", rec.Lease, lease.ID)
	}
	if decodePod(t, rec.Value).DeletionTimestamp != nil {
		t.Error("not undeleted")
	}
}

func TestMalformedAndEncryptedAreSkipped(t *testing.T) {
	ctx := context.Background()
	store, cli, summary := capsized(t, demo.Options{Malformed: true})
	before := snapshot(t, cli)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}})
	if err != nil {
		t.Fatal(err)
	}
	changed, _, skipped := plan.Counts()
	if skipped != 1 || changed != summary.TerminatingPods {
		t.Fatalf("plan: %d changed, %d skipped; want %d, 1 (the poison value)", changed, skipped, summary.TerminatingPods)
	}
	results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)})
	if err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, cli)
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		if r.Changed || !bytes.Equal(before[r.Key].Value, after[r.Key].Value) || before[r.Key].ModRevision != after[r.Key].ModRevision {
			t.Errorf("%s: skipped key was written", r.Key)
		}
	}

	secrets, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.RemoveFinalizers, Query: etcdops.Query{Resource: resource(t, "secrets"), AllNamespaces: true, Selector: labels.Everything()}})
	if err != nil {
		t.Fatal(err)
	}
	encrypted := 0
	for _, c := range secrets.Changes {
		if c.Skip != nil && bytes.HasPrefix(c.Before.Value, []byte("k8s:enc:")) {
			encrypted++
		}
		if c.Changed() && bytes.HasPrefix(c.Before.Value, []byte("k8s:enc:")) {
			t.Errorf("%s: plans to write over an encrypted value", c.KeyInfo)
		}
	}
	if encrypted != 1 {
		t.Errorf("%d encrypted secrets skipped, want 1", encrypted)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	ctx := context.Background()
	_, cli, _ := capsized(t, demo.Options{})
	store := etcdops.NewStore(cli, "", true)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}})
	if err != nil {
		t.Fatal(err)
	}
	rev := revision(t, store)
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)}); err != etcdops.ErrReadOnly {
		t.Fatalf("Apply on a read-only store: %v", err)
	}
	if revision(t, store) != rev {
		t.Fatal("read-only store wrote")
	}
}

func TestJournalAndUndoConflict(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", info.Mode().Perm())
	}
	entries, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	var victim string
	for _, e := range entries.Entries {
		if e.Type == "write" {
			if len(e.Before) == 0 || len(e.After) == 0 || e.BeforeRevision == 0 {
				t.Errorf("%s: journal entry lacks its images: %+v", e.Key, e)
			}
			victim = e.Key
		}
	}
	// Someone changes one pod after lifeboat: undo must leave it alone.
	relabel(t, cli, victim, "after-repair")
	undo, err := store.PlanUndo(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	results, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)})
	if err != nil {
		t.Fatal(err)
	}
	conflicts := 0
	for _, r := range results {
		if r.Key == victim {
			if !etcdops.IsConflict(r.Err) || r.Changed {
				t.Errorf("%s: undo over someone else's change: %+v", victim, r)
			}
			conflicts++
		} else if !r.Changed {
			t.Errorf("%s: not restored: %v", r.Key, r.Err)
		}
	}
	if conflicts != 1 {
		t.Errorf("%d conflicts, want 1", conflicts)
	}
	if decodePod(t, snapshot(t, cli)[victim].Value).Labels["touched"] != "after-repair" {
		t.Error("undo overwrote a later change")
	}
}

// TestControllerManagerWarning: the operator hears, before writing, that a
// live controller-manager would undo the repair, and not when it is stopped.
func TestControllerManagerWarning(t *testing.T) {
	op := etcdops.Operation{Action: etcdops.UntaintNodes, AllNodes: true}
	for _, alive := range []bool{true, false} {
		t.Run(fmt.Sprintf("alive=%v", alive), func(t *testing.T) {
			store, _, _ := capsized(t, demo.Options{ControllerManagerAlive: alive})
			cp, err := store.ControlPlane(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !cp.ControllerManager.Found || cp.ControllerManager.Holder == "" {
				t.Fatalf("controller-manager lease not read: %+v", cp.ControllerManager)
			}
			if cp.ControllerManager.Alive(testNow) != alive {
				t.Errorf("Alive = %v, want %v (renewed %s)", !alive, alive, cp.ControllerManager.RenewTime)
			}
			warnings := store.Warnings(context.Background(), op, testNow)
			if (len(warnings) > 0) != alive {
				t.Errorf("warnings %q with the controller-manager alive=%v", warnings, alive)
			}
			if !cp.Scheduler.Found {
				t.Error("scheduler lease not read")
			}
		})
	}
}

// TestUndoOfAJournalWithItsOwnRestores: a journal holding a repair and its
// undo (as a TUI session writes) undoes to nothing, without a no-op write.
func TestUndoOfAJournalWithItsOwnRestores(t *testing.T) {
	ctx := context.Background()
	store, _, _ := capsized(t, demo.Options{})
	j := newJournal(t)
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	entries, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	undo, err := store.PlanUndo(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	rev := revision(t, store)
	entries, err = journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	again, err := store.PlanUndo(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if n, _, s := again.Counts(); n != 0 || s != 0 {
		t.Fatalf("undo of repair+undo plans %d writes, %d skips; want none", n, s)
	}
	if _, err := store.Apply(ctx, again, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	if revision(t, store) != rev {
		t.Error("a no-op undo wrote to etcd")
	}
}

// TestOpenUnreachable: the CLI fails fast with one clear error; a lazy open
// (the TUI's) returns at once and lets its reads fail instead.
func TestOpenUnreachable(t *testing.T) {
	cfg := etcdops.Config{Endpoints: []string{"127.0.0.1:1"}, DialTimeout: 500 * time.Millisecond}
	start := time.Now()
	if _, err := etcdops.Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1 unreachable") {
		t.Fatalf("Open = %v, want an unreachable error naming the endpoint", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Open took %s with a 500ms dial timeout", took)
	}
	cfg.Lazy = true
	store, err := etcdops.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("lazy Open = %v", err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := store.Revision(ctx); err == nil {
		t.Error("a read through a lazily opened store of an unreachable etcd succeeded")
	}
}
