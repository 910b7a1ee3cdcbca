package etcdops_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/enctest"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
)

// TestUnknownOutcomeIsSettledByReadingTheKey: a Txn whose response the
// client never gets is settled by reading its key, never guessed, for
// each of the three Txn shapes lifeboat writes. A proxy makes the outcome
// unknown exactly: either the Txn reaches etcd, which applies it, and its
// response is lost (lost), or it never reaches etcd (dropped); either way
// the client's connection is cut under the request. Meanwhile, someone
// else may write the key.
func TestUnknownOutcomeIsSettledByReadingTheKey(t *testing.T) {
	tests := []struct {
		name  string
		shape string // "update" (undelete), "delete" or "create" (a restore of a deleted pod)
		lost  bool   // etcd applied the Txn and its response was lost; else it never reached etcd
		// encrypted has pods encrypted at rest (aesgcm): what etcd holds,
		// and lifeboat compares, is the sealed after-image.
		encrypted bool
		// meanwhile is what someone else does to the key while lifeboat
		// does not know the outcome: after etcd applied lifeboat's Txn
		// (lost), or instead of it reaching etcd.
		meanwhile func(t *testing.T, cli *clientv3.Client, key string)
		want      etcdops.Resolution
	}{
		{name: "update applied", shape: "update", lost: true, want: etcdops.ResolvedWritten},
		{name: "update applied, encrypted at rest", shape: "update", lost: true, encrypted: true, want: etcdops.ResolvedWritten},
		{name: "update not applied, encrypted at rest", shape: "update", encrypted: true, want: etcdops.ResolvedRetried},
		{name: "update not applied", shape: "update", want: etcdops.ResolvedRetried},
		{name: "update not applied, someone else wrote the key", shape: "update", meanwhile: relabelled, want: etcdops.ResolvedConflict},
		// The key no longer holds what lifeboat wrote: the read cannot
		// tell this from someone else writing first, and reports a
		// conflict, with their value kept.
		{name: "update applied, then someone else wrote the key", shape: "update", lost: true, meanwhile: relabelled, want: etcdops.ResolvedConflict},

		{name: "delete applied", shape: "delete", lost: true, want: etcdops.ResolvedWritten},
		// The first change after the version read was the deletion:
		// lifeboat's, whatever came after.
		{name: "delete applied, then someone else re-created the key", shape: "delete", lost: true, meanwhile: recreated, want: etcdops.ResolvedWritten},
		{name: "delete not applied", shape: "delete", want: etcdops.ResolvedRetried},
		// Gone, but someone else wrote the key first: lifeboat's delete,
		// which compares the version it read, cannot have applied.
		{name: "delete not applied, someone else wrote then deleted the key", shape: "delete", meanwhile: relabelledThenDeleted, want: etcdops.ResolvedConflict},
		// Someone else deleted exactly the version lifeboat read: etcd is
		// as lifeboat's delete would have left it, and etcd cannot tell
		// the two apart; lifeboat treats it as its own.
		{name: "delete not applied, someone else deleted the same version", shape: "delete", meanwhile: deleted, want: etcdops.ResolvedWritten},

		{name: "create applied", shape: "create", lost: true, want: etcdops.ResolvedWritten},
		{name: "create applied, encrypted at rest", shape: "create", lost: true, encrypted: true, want: etcdops.ResolvedWritten},
		{name: "create not applied", shape: "create", want: etcdops.ResolvedRetried},
		{name: "create not applied, someone else created the key", shape: "create", meanwhile: createdElsewhere, want: etcdops.ResolvedConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv, cli := etcdtest.Start(t)
			if err := demo.TerminatingPods(ctx, cli, "/registry", 1, testNow); err != nil {
				t.Fatal(err)
			}
			proxy := etcdtest.NewCutProxy(t, srv.Endpoint())
			cfg := etcdops.Config{Endpoints: []string{proxy.Endpoint()}, CommandTimeout: 5 * time.Second}
			if tt.encrypted {
				cfg.EncryptionConfig = enctest.WriteConfig(t, t.TempDir(), enctest.Rule{Resources: []string{"pods"}, Providers: []enctest.Provider{enctest.AESGCM(t, "key1"), enctest.Identity()}})
			}
			store, err := etcdops.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			key, plan := planShape(t, store, cli, tt.shape)
			before := readKey(t, cli, key, 0)

			// The proxy is armed just before lifeboat's first Txn.
			var wg sync.WaitGroup
			armed := false
			store.SetBeforeTxn(func(string) {
				if armed {
					return
				}
				armed = true
				if !tt.lost {
					proxy.DropNextRequest(func() {
						if tt.meanwhile != nil {
							tt.meanwhile(t, cli, key)
						}
					})
					return
				}
				proxy.LoseResponses()
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer proxy.Cut()
					if !waitApplied(cli, key, before) {
						t.Errorf("%s: etcd never applied lifeboat's %s", key, tt.shape)
						return
					}
					if tt.meanwhile != nil {
						tt.meanwhile(t, cli, key)
					}
				}()
			})
			j := newJournal(t)
			results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j})
			wg.Wait()
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if len(results) != 1 {
				t.Fatalf("%d results, want 1", len(results))
			}
			r := results[0]
			if r.InDoubt != tt.want {
				t.Fatalf("settled as %q, want %q (changed %v, conflict %v, err %v)", r.InDoubt, tt.want, r.Changed, r.Conflict, r.Err)
			}
			written := tt.want != etcdops.ResolvedConflict
			if r.Changed != written || r.Conflict == written || (r.Err == nil) != written {
				t.Errorf("changed %v, conflict %v, err %v; want changed %v", r.Changed, r.Conflict, r.Err, written)
			}
			jf, err := journal.Read(j.Path())
			if err != nil {
				t.Fatal(err)
			}
			writes := jf.Writes()
			if len(writes) != 1 {
				t.Fatalf("journal has %d writes, want 1", len(writes))
			}
			w := writes[0]
			// The after-image as sent: sealed, when encrypted at rest.
			if sealed := bytes.HasPrefix(w.After, []byte("k8s:enc:aesgcm:v1:key1:")); sealed != (tt.encrypted && tt.shape != "delete") {
				t.Fatalf("journaled after-image sealed %v, want %v", sealed, tt.encrypted)
			}
			if written {
				checkWrittenOnce(t, cli, tt.shape, key, before, w.After, r.NewRevision)
			}
			if w.InDoubt != tt.want || (w.State == journal.WriteCommitted) != written || (written && w.AfterRevision != r.NewRevision) {
				t.Errorf("journal: %s, settled %q, revision %d; want settled %q, committed %v at %d", w.State, w.InDoubt, w.AfterRevision, tt.want, written, r.NewRevision)
			}
			raw, err := os.ReadFile(j.Path())
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(raw), `"type":"resolved"`); n != 1 {
				t.Errorf("journal has %d resolved lines, want 1:\n%s", n, raw)
			}
		})
	}
}

// planShape plans a change of the given shape to the seeded pod; for a
// create, the pod is first deleted behind lifeboat's back, and the plan
// restores it.
func planShape(t *testing.T, store *etcdops.Store, cli *clientv3.Client, shape string) (string, *etcdops.Plan) {
	t.Helper()
	ctx := context.Background()
	resp, err := cli.Get(ctx, "/registry/pods/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("seeded pods: %v (%d keys)", err, len(resp.Kvs))
	}
	key := string(resp.Kvs[0].Key)
	info, _ := store.Layout().Parse(key)
	q := etcdops.Query{Resource: resource(t, "pods"), Namespace: info.Namespace, Names: []string{info.Name}}
	var plan *etcdops.Plan
	switch shape {
	case "update":
		plan, err = planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: q})
	case "delete":
		plan, err = planOf(ctx, store, etcdops.Operation{Action: etcdops.DeleteObjects, Query: q})
	case "create":
		var rec etcdops.Record
		rec, _, err = store.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		info.Resource = q.Resource
		plan, err = store.PlanRestore(ctx, info, rec, "the test")
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 1 || !plan.Changes[0].Changed() {
		t.Fatalf("%s: plan %+v, want one change", shape, plan.Changes)
	}
	return key, plan
}

// readKey reads key at rev (0: now); a missing key is a zero KeyValue.
func readKey(t testing.TB, cli *clientv3.Client, key string, rev int64) etcdops.Record {
	t.Helper()
	var opts []clientv3.OpOption
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	resp, err := cli.Get(context.Background(), key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return etcdops.Record{Key: key}
	}
	kv := resp.Kvs[0]
	return etcdops.Record{Key: key, Value: kv.Value, ModRevision: kv.ModRevision, CreateRevision: kv.CreateRevision, Version: kv.Version}
}

// waitApplied waits until key no longer is as before: etcd applied the
// Txn whose response the proxy is losing.
func waitApplied(cli *clientv3.Client, key string, before etcdops.Record) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := cli.Get(context.Background(), key)
		if err != nil {
			continue
		}
		if len(resp.Kvs) == 0 && before.ModRevision != 0 || len(resp.Kvs) > 0 && resp.Kvs[0].ModRevision != before.ModRevision {
			return true
		}
	}
	return false
}

// checkWrittenOnce checks that lifeboat's write is in etcd's history once,
// at the revision reported: an update or create put the after-image there
// (and nothing else wrote the key since it was read: one version more); a
// delete removed the key there, from the version read.
func checkWrittenOnce(t *testing.T, cli *clientv3.Client, shape, key string, before etcdops.Record, after []byte, rev int64) {
	t.Helper()
	at, prev := readKey(t, cli, key, rev), readKey(t, cli, key, rev-1)
	switch shape {
	case "delete":
		if at.ModRevision != 0 || prev.ModRevision != before.ModRevision {
			t.Errorf("%s: at revision %d mod_revision %d, just before %d; want deleted there, from %d", key, rev, at.ModRevision, prev.ModRevision, before.ModRevision)
		}
	default:
		if at.ModRevision != rev || !bytes.Equal(at.Value, after) {
			t.Errorf("%s: at the reported revision %d, mod_revision %d and the after-image %v", key, rev, at.ModRevision, bytes.Equal(at.Value, after))
		}
		if want := before.Version + 1; at.Version != want {
			t.Errorf("%s: version %d, want %d: written more than once", key, at.Version, want)
		}
	}
}

// The writes of someone else run on the proxy's goroutine or the test's
// waiter, so they report with t.Error, never t.Fatal.

// relabelled adds a label to the pod at key, as kubectl label would.
func relabelled(t *testing.T, cli *clientv3.Client, key string) {
	ctx := context.Background()
	resp, err := cli.Get(ctx, key)
	if err != nil || len(resp.Kvs) == 0 {
		t.Errorf("%s: %v", key, err)
		return
	}
	obj, err := codec.Decode(resp.Kvs[0].Value)
	if err != nil {
		t.Error(err)
		return
	}
	pod := obj.Typed.(*corev1.Pod)
	pod.Labels["touched"] = "someone-else"
	if err := demo.PutObject(ctx, cli, key, pod, clientv3.NoLease); err != nil {
		t.Error(err)
	}
}

func relabelledThenDeleted(t *testing.T, cli *clientv3.Client, key string) {
	relabelled(t, cli, key)
	deleted(t, cli, key)
}

func deleted(t *testing.T, cli *clientv3.Client, key string) {
	if _, err := cli.Delete(context.Background(), key); err != nil {
		t.Error(err)
	}
}

func recreated(t *testing.T, cli *clientv3.Client, key string) {
	pod := demo.RealisticPod("elsewhere", "recreated", "worker-1", 1)
	if err := demo.PutObject(context.Background(), cli, key, pod, clientv3.NoLease); err != nil {
		t.Error(err)
	}
}

func createdElsewhere(t *testing.T, cli *clientv3.Client, key string) { recreated(t, cli, key) }

// TestNoAnswerEndsTheBatch: an etcd that stops answering (no leader,
// no quorum, a dead network path) is waited for, for DoubtWaits command
// timeouts, not forever: the batch then stops with an error that names the
// endpoints and says what to do, and the write stays in the journal,
// unsettled.
func TestNoAnswerEndsTheBatch(t *testing.T) {
	ctx := context.Background()
	srv, cli := etcdtest.Start(t)
	if err := demo.TerminatingPods(ctx, cli, "/registry", 1, testNow); err != nil {
		t.Fatal(err)
	}
	proxy := etcdtest.NewStallProxy(t, srv.Endpoint())
	const timeout = 300 * time.Millisecond
	store, err := etcdops.Open(ctx, etcdops.Config{Endpoints: []string{proxy.Endpoint()}, CommandTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	_, plan := planShape(t, store, cli, "update")
	store.SetBeforeTxn(func(string) { proxy.Freeze() })
	j := newJournal(t)
	start := time.Now()
	results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("Apply on a stalled etcd: no error; results %+v", results)
	}
	t.Logf("after %s: %v", elapsed, err)
	for _, want := range []string{proxy.Endpoint(), "endpoint status", "run the same command again", "did not answer within 300ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	// The Txn's own deadline, then the wait; reads already in flight at
	// its end may take one more deadline.
	if limit := (2+etcdops.DoubtWaits)*timeout + time.Second; elapsed > limit {
		t.Errorf("gave up after %s, want within %s", elapsed, limit)
	}
	jf, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if w := jf.Writes(); len(w) != 1 || w[0].State != journal.WriteNotWritten || w[0].InDoubt != "" {
		t.Errorf("journal writes %+v, want the one write, neither committed nor settled", w)
	}
}
