package etcdops_test

// The engine's repairs on every datastore a Kubernetes control plane runs on
// (etcdtest.BackendNames): etcd 3.6 embedded, a separate etcd server process
// (3.4 from Debian in CI), and kine, k3s' etcd API over SQLite, which serves
// only the request shapes kube-apiserver sends. Each backend gets a fresh
// capsized cluster; the assertions read etcd back, not just errors.

import (
	"bytes"
	"context"
	"fmt"
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
)

// capsizedOn seeds b with the demo's broken cluster and opens a Store on it
// through Open and b's endpoint (a unix:// socket for kine), as the CLI does.
func capsizedOn(t *testing.T, b etcdtest.Backend, opts demo.Options) (*etcdops.Store, demo.Summary) {
	t.Helper()
	opts.Now = testNow
	c := etcdtest.CapsizedOn(t, b, opts)
	store, err := etcdops.Open(context.Background(), etcdops.Config{Endpoints: []string{b.Endpoint}, Prefix: opts.Prefix})
	if err != nil {
		t.Fatalf("Open %s: %v", b.Endpoint, err)
	}
	t.Cleanup(func() { store.Close() })
	return store, c.Summary
}

// checkWrites checks what Apply reported against etcd: every changed key now
// holds a value that decodes, at the new revision reported, which is past
// the one it was read at; every other key is as it was. Each changed object
// has a revision of its own, as when kube-apiserver writes it, so watchers
// resuming from one object's resourceVersion miss none of the others.
func checkWrites(t *testing.T, before, after map[string]etcdops.Record, results []etcdops.Result, check func(t *testing.T, before, after []byte)) (changed int) {
	t.Helper()
	revs := map[int64][]string{}
	for _, r := range results {
		now := after[r.Key]
		if !r.Changed {
			if now.ModRevision != before[r.Key].ModRevision || !bytes.Equal(now.Value, before[r.Key].Value) {
				t.Errorf("%s: reported unchanged (%v) but etcd has a new value", r.Key, r.Err)
			}
			continue
		}
		changed++
		if r.Err != nil || r.Conflict {
			t.Errorf("%s: written but %v (conflict %v)", r.Key, r.Err, r.Conflict)
		}
		if r.NewRevision != now.ModRevision || r.NewRevision <= r.OldRevision || r.OldRevision != before[r.Key].ModRevision {
			t.Errorf("%s: reported revisions %d -> %d, etcd has %d -> %d", r.Key, r.OldRevision, r.NewRevision, before[r.Key].ModRevision, now.ModRevision)
		}
		if bytes.Equal(now.Value, before[r.Key].Value) {
			t.Errorf("%s: reported changed, value as before", r.Key)
		}
		if now.Lease != before[r.Key].Lease {
			t.Errorf("%s: lease %d -> %d, the write must keep it", r.Key, before[r.Key].Lease, now.Lease)
		}
		if _, err := codec.Decode(now.Value); err != nil {
			t.Errorf("%s: the written value does not decode: %v", r.Key, err)
		} else if check != nil {
			check(t, before[r.Key].Value, now.Value)
		}
		revs[now.ModRevision] = append(revs[now.ModRevision], r.Key)
	}
	if len(revs) != changed {
		var shared []string
		for rev, keys := range revs {
			if len(keys) > 1 {
				shared = append(shared, fmt.Sprintf("%d: %d keys", rev, len(keys)))
			}
		}
		t.Errorf("%d objects written at %d distinct mod_revisions, want one revision per object (one Txn per key); shared revisions: %s",
			changed, len(revs), strings.Join(shared, ", "))
	}
	return changed
}

// applyOp plans op and applies it with journal j.
func applyOp(t *testing.T, store *etcdops.Store, op etcdops.Operation, j *journal.Journal) (*etcdops.Plan, []etcdops.Result) {
	t.Helper()
	plan, err := planOf(context.Background(), store, op)
	if err != nil {
		t.Fatalf("plan %s: %v", op, err)
	}
	results, err := store.Apply(context.Background(), plan, etcdops.ApplyOptions{Journal: j})
	if err != nil {
		t.Fatalf("apply %s: %v", op, err)
	}
	return plan, results
}

func undeleteAll(t *testing.T) etcdops.Operation {
	return etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}}
}

func TestBackendRepairs(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		store, summary := capsizedOn(t, b, demo.Options{})
		cli := b.Client

		t.Run("undelete pods in all namespaces, seen by a watch", func(t *testing.T) {
			before := snapshot(t, cli)
			rev := revision(t, store)
			plan, err := planOf(ctx, store, undeleteAll(t))
			if err != nil {
				t.Fatal(err)
			}
			if n, _, s := plan.Counts(); n != summary.TerminatingPods || s != 0 {
				t.Fatalf("plan: %d to change, %d skipped; want %d, 0", n, s, summary.TerminatingPods)
			}
			// A running apiserver's watch cache follows etcd from its last
			// revision with prev_kv: it must see every write.
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			events := store.Watch(wctx, store.Layout().Prefix+"/pods/", rev+1)
			results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)})
			if err != nil {
				t.Fatal(err)
			}
			after := snapshot(t, cli)
			n := checkWrites(t, before, after, results, func(t *testing.T, before, after []byte) {
				if p := decodePod(t, after); p.DeletionTimestamp != nil || p.DeletionGracePeriodSeconds != nil {
					t.Errorf("%s: still terminating", p.Name)
				}
			})
			if n != summary.TerminatingPods {
				t.Errorf("%d pods written, want %d", n, summary.TerminatingPods)
			}
			var highest int64
			for _, r := range results {
				highest = max(highest, r.NewRevision)
			}
			if got := revision(t, store); got != highest || got < rev+int64(n) {
				t.Errorf("Revision %d -> %d after %d writes, the last at %d", rev, got, n, highest)
			}
			seen := map[string]int64{}
			deadline := time.After(10 * time.Second)
			for len(seen) < n {
				select {
				case ev, ok := <-events:
					if !ok || ev.Err != nil {
						t.Fatalf("watch ended after %d of %d events: %v", len(seen), n, ev.Err)
					}
					seen[ev.Record.Key] = ev.Record.ModRevision
					if _, err := codec.Decode(ev.Record.Value); err != nil {
						t.Errorf("%s: watched value does not decode: %v", ev.Record.Key, err)
					}
				case <-deadline:
					t.Fatalf("the watch saw %d of %d writes within 10s", len(seen), n)
				}
			}
			for _, r := range results {
				if r.Changed && seen[r.Key] != r.NewRevision {
					t.Errorf("%s: watched at revision %d, written at %d", r.Key, seen[r.Key], r.NewRevision)
				}
			}
		})

		t.Run("untaint every node", func(t *testing.T) {
			before := snapshot(t, cli)
			_, results := applyOp(t, store, etcdops.Operation{Action: etcdops.UntaintNodes, AllNodes: true, Query: etcdops.Query{Resource: resource(t, "nodes")}}, newJournal(t))
			n := checkWrites(t, before, snapshot(t, cli), results, func(t *testing.T, _, after []byte) {
				for _, taint := range decodeNode(t, after).Spec.Taints {
					if taint.Key == corev1.TaintNodeUnreachable || taint.Key == corev1.TaintNodeNotReady {
						t.Errorf("still tainted %s", taint.ToString())
					}
				}
			})
			if n != summary.TaintedNodes {
				t.Errorf("%d nodes written, want %d", n, summary.TaintedNodes)
			}
			if w5 := decodeNode(t, snapshot(t, cli)["/registry/minions/worker-5"].Value); !hasTaintKey(w5, "dedicated") {
				t.Errorf("worker-5 lost its dedicated taint: %v", w5.Spec.Taints)
			}
		})

		t.Run("uncordon", func(t *testing.T) {
			before := snapshot(t, cli)
			_, results := applyOp(t, store, etcdops.Operation{Action: etcdops.UncordonNodes, Query: etcdops.Query{Resource: resource(t, "nodes"), Names: []string{"worker-3"}}}, newJournal(t))
			if n := checkWrites(t, before, snapshot(t, cli), results, nil); n != 1 {
				t.Errorf("%d nodes written, want 1", n)
			}
			if n := decodeNode(t, snapshot(t, cli)["/registry/minions/worker-3"].Value); n.Spec.Unschedulable || hasTaintKey(n, corev1.TaintNodeUnschedulable) {
				t.Errorf("worker-3 still cordoned: %+v", n.Spec)
			}
		})

		t.Run("remove finalizers of a custom resource (JSON)", func(t *testing.T) {
			key := "/registry/stable.example.com/crontabs/default/nightly-backup"
			before := snapshot(t, cli)
			_, results := applyOp(t, store, etcdops.Operation{Action: etcdops.RemoveFinalizers,
				Query: etcdops.Query{Resource: resource(t, "crontabs.stable.example.com"), Namespace: "default", Names: []string{"nightly-backup"}}}, newJournal(t))
			if n := checkWrites(t, before, snapshot(t, cli), results, nil); n != 1 {
				t.Fatalf("%d keys written, want 1", n)
			}
			after := snapshot(t, cli)[key].Value
			if !bytes.HasPrefix(after, []byte("{")) || bytes.Contains(after, []byte("finalizers")) {
				t.Errorf("custom resource after: %s", after)
			}
		})

		t.Run("a plan of several operations", func(t *testing.T) {
			// Put the nodes back as seeded first, so the plan has work.
			fb := etcdtest.StartBackend(t, b.Name)
			fresh, _ := capsizedOn(t, fb, demo.Options{})
			ops, err := etcdops.ParsePlanFile("plan.yaml", []byte(`operations:
  - action: undelete-pods
    allNamespaces: true
    node: worker-1
  - action: untaint-nodes
    all: true
    keys: [node.kubernetes.io/unreachable]
    effect: NoExecute
  - action: uncordon-nodes
    names: [worker-3]
  - action: untaint-nodes
    names: [worker-3]
`))
			if err != nil {
				t.Fatal(err)
			}
			fcli := fb.Client
			j := newJournal(t)
			before := snapshot(t, fcli)
			var all []etcdops.Result
			for _, op := range ops {
				_, results := applyOp(t, fresh, op, j)
				all = append(all, results...)
			}
			after := snapshot(t, fcli)
			written := map[string]int{}
			for _, r := range all {
				if r.Changed {
					written[r.Key]++
				}
				if r.Err != nil {
					t.Errorf("%s: %v", r.Key, r.Err)
				}
			}
			// worker-3 is written by three operations, each from the last:
			// its unreachable NoExecute taint, its cordon, then the
			// unreachable NoSchedule taint.
			if written["/registry/minions/worker-3"] != 3 {
				t.Errorf("worker-3 written %d times, want 3", written["/registry/minions/worker-3"])
			}
			w3 := decodeNode(t, after["/registry/minions/worker-3"].Value)
			if w3.Spec.Unschedulable || len(w3.Spec.Taints) != 0 {
				t.Errorf("worker-3 after the plan: %+v", w3.Spec)
			}
			for key, rec := range after {
				if strings.HasPrefix(key, "/registry/pods/") {
					if p := decodePod(t, rec.Value); p.Spec.NodeName == "worker-1" && p.DeletionTimestamp != nil {
						t.Errorf("%s: still terminating", key)
					}
				}
			}
			revs := map[int64]bool{}
			for key := range written {
				if after[key].ModRevision <= before[key].ModRevision {
					t.Errorf("%s: mod_revision %d -> %d", key, before[key].ModRevision, after[key].ModRevision)
				}
				revs[after[key].ModRevision] = true
			}
			if len(revs) != len(written) {
				t.Errorf("%d keys written end at %d distinct revisions, want one each", len(written), len(revs))
			}

			// Undo of the whole plan's journal: every byte back.
			entries, err := journal.Read(j.Path())
			if err != nil {
				t.Fatal(err)
			}
			undo, err := fresh.PlanUndo(context.Background(), entries)
			if err != nil {
				t.Fatal(err)
			}
			if n, _, s := undo.Counts(); n != len(written) || s != 0 {
				t.Fatalf("undo plans %d restores, %d skipped; want %d, 0", n, s, len(written))
			}
			if _, err := fresh.Apply(context.Background(), undo, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
				t.Fatal(err)
			}
			restored := snapshot(t, fcli)
			for key, rec := range before {
				if !bytes.Equal(restored[key].Value, rec.Value) || restored[key].Lease != rec.Lease {
					t.Errorf("%s: not restored byte for byte", key)
				}
				if written[key] > 0 && restored[key].ModRevision <= after[key].ModRevision {
					t.Errorf("%s: restored without a new revision (%d -> %d)", key, after[key].ModRevision, restored[key].ModRevision)
				}
			}
		})

		t.Run("a leased key keeps its lease", func(t *testing.T) {
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
			before := snapshot(t, cli)
			if before[key].Lease != int64(lease.ID) {
				t.Fatalf("seeded with lease %d, etcd has %d", lease.ID, before[key].Lease)
			}
			_, results := applyOp(t, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "shop", Names: []string{"leased"}}}, newJournal(t))
			if n := checkWrites(t, before, snapshot(t, cli), results, nil); n != 1 {
				t.Errorf("%d keys written, want 1", n)
			}
		})
	})
}

// TestBackendUndo: undo of a journal restores every byte through the same
// compare-and-swap, and leaves a key someone changed since.
func TestBackendUndo(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		store, summary := capsizedOn(t, b, demo.Options{})
		original := snapshot(t, b.Client)
		j := newJournal(t)
		_, results := applyOp(t, store, undeleteAll(t), j)
		written := snapshot(t, b.Client)
		if n := checkWrites(t, original, written, results, nil); n != summary.TerminatingPods {
			t.Fatalf("%d pods written, want %d", n, summary.TerminatingPods)
		}
		var victim string
		for _, r := range results {
			if r.Changed {
				victim = r.Key
				break
			}
		}
		// Someone else edits one pod after the repair.
		theirs := racingWrite(t, b.Client, victim, "after-repair")

		entries, err := journal.Read(j.Path())
		if err != nil {
			t.Fatal(err)
		}
		undo, err := store.PlanUndo(ctx, entries)
		if err != nil {
			t.Fatal(err)
		}
		undone, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)})
		if err != nil {
			t.Fatal(err)
		}
		now := snapshot(t, b.Client)
		restored := 0
		for _, r := range undone {
			if r.Key == victim {
				if r.Changed || !etcdops.IsConflict(r.Err) {
					t.Errorf("%s: undo over someone else's change: %+v", victim, r)
				}
				continue
			}
			if !r.Changed || r.Err != nil {
				t.Errorf("%s: not restored: %v", r.Key, r.Err)
				continue
			}
			restored++
			if !bytes.Equal(now[r.Key].Value, original[r.Key].Value) || now[r.Key].ModRevision != r.NewRevision || r.NewRevision <= written[r.Key].ModRevision {
				t.Errorf("%s: restore reported at %d, etcd at %d (was %d), value restored %v",
					r.Key, r.NewRevision, now[r.Key].ModRevision, written[r.Key].ModRevision, bytes.Equal(now[r.Key].Value, original[r.Key].Value))
			}
		}
		if restored != summary.TerminatingPods-1 {
			t.Errorf("%d restored, want %d", restored, summary.TerminatingPods-1)
		}
		if got := now[victim]; got.ModRevision != theirs || decodePod(t, got.Value).Labels["touched"] != "after-repair" {
			t.Errorf("%s: the later change was overwritten", victim)
		}
	})
}

// TestBackendRacingWriter: a write between lifeboat's read and its
// compare-and-swap is never overwritten: the edit is re-planned onto it once,
// and if the key changes again it is reported as a conflict.
func TestBackendRacingWriter(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		for _, again := range []bool{false, true} {
			t.Run(fmt.Sprintf("writes again %v", again), func(t *testing.T) {
				b := b
				if again { // a fresh cluster, all pods Terminating again
					b = etcdtest.StartBackend(t, b.Name)
				}
				store, _ := capsizedOn(t, b, demo.Options{})
				plan, err := planOf(context.Background(), store, undeleteAll(t))
				if err != nil {
					t.Fatal(err)
				}
				var victim string
				for i := range plan.Changes {
					if plan.Changes[i].Changed() {
						victim = plan.Changes[i].Before.Key
					}
				}
				writes := 0
				store.SetBeforeTxn(func(key string) {
					if key != victim || (writes >= 1 && !again) {
						return
					}
					writes++
					racingWrite(t, b.Client, key, fmt.Sprintf("v%d", writes))
				})
				before := snapshot(t, b.Client)
				results, err := store.Apply(context.Background(), plan, etcdops.ApplyOptions{Journal: newJournal(t)})
				if err != nil {
					t.Fatal(err)
				}
				if writes == 0 {
					t.Fatal("the racing writer never ran")
				}
				after := snapshot(t, b.Client)
				pod := decodePod(t, after[victim].Value)
				var others []etcdops.Result
				for _, r := range results {
					if r.Key != victim {
						others = append(others, r)
						continue
					}
					if !r.Replanned {
						t.Errorf("%s: not re-planned after the conflict: %+v", victim, r)
					}
					if again {
						if r.Changed || !r.Conflict || !etcdops.IsConflict(r.Err) {
							t.Errorf("%s: want a reported conflict, got %+v", victim, r)
						}
						if pod.DeletionTimestamp == nil || pod.Labels["touched"] != fmt.Sprintf("v%d", writes) {
							t.Errorf("%s: the other writer's version was overwritten", victim)
						}
						continue
					}
					if !r.Changed || r.Conflict || r.NewRevision != after[victim].ModRevision {
						t.Errorf("%s: want written after one re-plan, got %+v (etcd at %d)", victim, r, after[victim].ModRevision)
					}
					if pod.DeletionTimestamp != nil || pod.Labels["touched"] != "v1" {
						t.Errorf("%s: after re-plan deletionTimestamp=%v label=%q; want cleared and the other writer's label kept", victim, pod.DeletionTimestamp, pod.Labels["touched"])
					}
				}
				checkWrites(t, before, after, others, nil)
			})
		}
	})
}

// TestBackendReads: reads outside the write path behave the same on every
// backend: Open over the backend's endpoint, Revision, a scan across pages
// read at one revision, and a scan of a key prefix that is not a whole path
// segment (lifeboat ls /registry/pods/sh).
func TestBackendReads(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		store, _ := capsizedOn(t, b, demo.Options{})

		t.Run("Revision is the latest revision, right after writes", func(t *testing.T) {
			// kine answers a read that finds nothing with the revision
			// its watchers have caught up to, a little behind its writes.
			for round := range 5 {
				putMany(t, b.Client, 100, func(i int) string { return fmt.Sprintf("/registry/configmaps/rev-%d/cm-%03d", round, i) })
				got := revision(t, store)
				resp, err := b.Client.Get(ctx, "/registry/configmaps/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
				if err != nil {
					t.Fatal(err)
				}
				var last int64
				for _, kv := range resp.Kvs {
					last = max(last, kv.ModRevision)
				}
				if got != last || got != resp.Header.Revision {
					t.Fatalf("Revision = %d right after writes up to revision %d (a list's header says %d)", got, last, resp.Header.Revision)
				}
			}
		})

		t.Run("scan across pages at one revision", func(t *testing.T) {
			store.SetRangeLimit(etcdops.ScanPageSize)
			defer store.SetRangeLimit(2000)
			const n = etcdops.ScanPageSize*2 + 34
			putMany(t, b.Client, n, func(i int) string { return fmt.Sprintf("/registry/configmaps/bulk/cm-%05d", i) })
			seen, last := 0, ""
			rev, err := store.Scan(ctx, "/registry/configmaps/bulk/", func(rec etcdops.Record) error {
				if rec.Key <= last {
					t.Fatalf("keys out of order: %s after %s", rec.Key, last)
				}
				last = rec.Key
				if seen == 10 {
					// Written after the scan started: not in its snapshot.
					if _, err := b.Client.Put(ctx, "/registry/configmaps/bulk/cm-99999", "late"); err != nil {
						t.Fatal(err)
					}
				}
				seen++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if seen != n {
				t.Errorf("scanned %d keys, want %d", seen, n)
			}
			if rev == 0 {
				t.Error("scan read at revision 0")
			}
		})

		t.Run("scan of a partial path segment", func(t *testing.T) {
			var want, got []string
			for key := range snapshot(t, b.Client) {
				if strings.HasPrefix(key, "/registry/pods/sh") {
					want = append(want, key)
				}
			}
			if len(want) == 0 {
				t.Fatal("seed: no pods in shop")
			}
			if _, err := store.Scan(ctx, "/registry/pods/sh", func(rec etcdops.Record) error {
				got = append(got, rec.Key)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
				t.Errorf("scan /registry/pods/sh = %d keys, want the %d shop pods", len(got), len(want))
			}
		})
	})
}

// racingWrite relabels the pod at key as another client would, with
// kube-apiserver's compare-and-swap (kine takes nothing else), and returns
// its new revision.
func racingWrite(t *testing.T, cli *clientv3.Client, key, label string) int64 {
	t.Helper()
	ctx := context.Background()
	resp, err := cli.Get(ctx, key)
	if err != nil || len(resp.Kvs) == 0 {
		t.Errorf("racing writer: read %s: %v", key, err)
		return 0
	}
	kv := resp.Kvs[0]
	pod := decodePod(t, kv.Value)
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels["touched"] = label
	value, err := codec.EncodeProtobuf(pod)
	if err != nil {
		t.Error(err)
		return 0
	}
	txn, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)).
		Then(clientv3.OpPut(key, string(value))).Else(clientv3.OpGet(key)).Commit()
	if err != nil || !txn.Succeeded {
		t.Errorf("racing writer: write %s: %v (succeeded %v)", key, err, txn != nil && txn.Succeeded)
		return 0
	}
	return txn.Header.Revision
}

// putMany writes n keys, several at a time: one Put per key (kine takes no
// multi-key Txn), concurrent so that etcd batches their fsyncs.
func putMany(t *testing.T, cli *clientv3.Client, n int, key func(int) string) {
	t.Helper()
	const workers = 16
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			var err error
			for i := w; i < n && err == nil; i += workers {
				_, err = cli.Put(context.Background(), key(i), "x")
			}
			errs <- err
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func hasTaintKey(n *corev1.Node, key string) bool {
	for _, taint := range n.Spec.Taints {
		if taint.Key == key {
			return true
		}
	}
	return false
}

// TestOpenKine: Open takes kine's unix:// endpoint as k3s serves it, and
// opens a kine whose Status fails (a kine built without SQLite's dbstat
// table) by reading a key instead; a socket nobody serves fails fast.
func TestOpenKine(t *testing.T) {
	ctx := context.Background()
	for _, opts := range [][]etcdtest.KineOption{nil, {etcdtest.KineWithoutDBStat()}} {
		endpoint, cli := etcdtest.StartKine(t, opts...)
		if !strings.HasPrefix(endpoint, "unix:///") {
			t.Errorf("kine endpoint %q, want unix:///...", endpoint)
		}
		_, statusErr := cli.Status(ctx, endpoint)
		if (statusErr != nil) != (opts != nil) {
			t.Fatalf("Status of kine (options %d): %v", len(opts), statusErr)
		}
		store, err := etcdops.Open(ctx, etcdops.Config{Endpoints: []string{endpoint}, DialTimeout: 2 * time.Second})
		if err != nil {
			t.Fatalf("Open %s (Status: %v): %v", endpoint, statusErr, err)
		}
		if rev, err := store.Revision(ctx); err != nil || rev == 0 {
			t.Errorf("Revision = %d, %v", rev, err)
		}
		store.Close()
	}
	missing := "unix://" + t.TempDir() + "/nobody.sock"
	start := time.Now()
	if _, err := etcdops.Open(ctx, etcdops.Config{Endpoints: []string{missing}, DialTimeout: 500 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("Open of %s = %v, want unreachable", missing, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Open of a dead socket took %s with a 500ms dial timeout", took)
	}
}
