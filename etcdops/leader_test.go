package etcdops_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestLeaderChangeMidBatch is issue #17's repro: a three-member etcd, all
// endpoints given, its leader stopped (as a crash: no leadership transfer)
// while lifeboat undeletes a few thousand pods. A leader change is
// routine: the batch rides through it and finishes, every pod undeleted
// exactly once, and the writes whose outcome the failure left unknown are
// reported and settled, in the results and in the journal. Both write
// paths, Batch.Run (--yes) and Preview then Apply, on etcd 3.6 (embedded
// members) and etcd 3.4 (processes; skipped without an etcd binary unless
// LIFEBOAT_REQUIRE_ETCD34=1).
func TestLeaderChangeMidBatch(t *testing.T) {
	const pods = 2500
	for _, backend := range []string{etcdtest.Embedded, etcdtest.EtcdProcess} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			cluster := etcdtest.StartCluster(t, backend)
			// As the CLI opens it: every endpoint, a command timeout
			// shorter than etcd's own for a proposal its leader lost
			// (7 s), so both kinds of lost Txn happen.
			store, err := etcdops.Open(ctx, etcdops.Config{Endpoints: cluster.Endpoints, CommandTimeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			for _, pass := range []string{"run", "preview then apply"} {
				if err := demo.TerminatingPods(ctx, cluster.Client, "/registry", pods, testNow); err != nil {
					t.Fatal(err)
				}
				loadNodes(t, cluster.Client)
				before := podVersions(t, cluster.Client)
				if len(before) != pods {
					t.Fatalf("%d pods seeded, want %d", len(before), pods)
				}
				// The leader dies between two writes, once a third of
				// them are sent: the Txns in flight die with it, and the
				// next one goes to a cluster that has no leader yet
				// (the survivors wait an election timeout to elect).
				var txns atomic.Int64
				leader := -1
				store.SetBeforeTxn(func(string) {
					if txns.Add(1) != pods/3 {
						return
					}
					var err error
					if leader, err = cluster.StopLeader(ctx); err != nil {
						t.Error(err)
					}
				})
				b, err := store.NewBatch(ctx, testNow, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}})
				if err != nil {
					t.Fatal(err)
				}
				j := newJournal(t)
				var results []etcdops.Result
				after := map[string][]byte{} // each key's after-image, as planned
				collect := func(c *etcdops.Change, r etcdops.Result) {
					results = append(results, r)
					if c.Changed() {
						after[c.Before.Key] = bytes.Clone(c.After)
					}
				}
				start := time.Now()
				if pass == "run" {
					err = b.Run(ctx, etcdops.ApplyOptions{Journal: j}, func(_ int, c *etcdops.Change, r *etcdops.Result) error {
						collect(c, *r)
						return nil
					})
				} else {
					if err := b.Preview(ctx, func(int, *etcdops.Change) error { return nil }); err != nil {
						t.Fatal(err)
					}
					err = b.Apply(ctx, etcdops.ApplyOptions{Journal: j}, func(_ int, c *etcdops.Change, r etcdops.Result) error {
						collect(c, r)
						return nil
					})
				}
				elapsed := time.Since(start)
				if err != nil {
					t.Fatalf("%s: %v", pass, err)
				}
				if leader < 0 {
					t.Fatalf("%s: the leader was never stopped", pass)
				}
				checkUndeletedOnce(t, pass, cluster.Client, before, after, results)
				changed, unchanged, skipped := b.Counts()
				if changed != pods || unchanged != 0 || skipped != 0 {
					t.Errorf("%s: counted %d changed, %d fine, %d skipped; want %d, 0, 0", pass, changed, unchanged, skipped, pods)
				}
				var doubts etcdops.Doubts
				var tally etcdops.Tally
				for i := range results {
					doubts.Add(&results[i])
					tally.Add(results[i].Err, results[i].Conflict, false)
				}
				if doubts.Total() == 0 {
					t.Errorf("%s: no write was in doubt: the leader's failure lost no Txn, so nothing was settled", pass)
				}
				if doubts.Conflicts != 0 || tally != (etcdops.Tally{}) {
					t.Errorf("%s: no one else writes, yet %+v, left undone %+v", pass, doubts, tally)
				}
				checkJournalSettled(t, pass, j.Path(), results)
				t.Logf("%s: %d pods in %s, leader (member %d) stopped before Txn %d of %d; %s",
					pass, pods, elapsed.Round(time.Millisecond), leader, pods/3, txns.Load(), doubts)

				// Back to three members, for the next pass's failure.
				store.SetBeforeTxn(nil)
				if err := cluster.Restart(leader); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// podVersions is every pod key with its version (how many times it was
// written since it was created).
func podVersions(t *testing.T, cli *clientv3.Client) map[string]int64 {
	t.Helper()
	resp, err := cli.Get(context.Background(), "/registry/pods/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]int64, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out[string(kv.Key)] = kv.Version
	}
	return out
}

// checkUndeletedOnce checks that every pod was reported written exactly
// once, at the revision etcd has for it, holds its after-image, and was
// written once: its version is one more than before the batch.
func checkUndeletedOnce(t *testing.T, pass string, cli *clientv3.Client, before map[string]int64, after map[string][]byte, results []etcdops.Result) {
	t.Helper()
	reported := map[string]etcdops.Result{}
	for _, r := range results {
		if _, dup := reported[r.Key]; dup {
			t.Errorf("%s: %s reported twice", pass, r.Key)
		}
		reported[r.Key] = r
	}
	resp, err := cli.Get(context.Background(), "/registry/pods/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, kv := range resp.Kvs {
		key := string(kv.Key)
		r, ok := reported[key]
		switch {
		case !ok:
			t.Errorf("%s: %s not reported", pass, key)
		case !r.Changed || r.Err != nil:
			t.Errorf("%s: %s: changed %v, %v; want written", pass, key, r.Changed, r.Err)
		case r.NewRevision != kv.ModRevision:
			t.Errorf("%s: %s: reported revision %d, etcd has %d", pass, key, r.NewRevision, kv.ModRevision)
		case !bytes.Equal(kv.Value, after[key]):
			t.Errorf("%s: %s does not hold its after-image", pass, key)
		case kv.Version != before[key]+1:
			t.Errorf("%s: %s: version %d -> %d, want one write", pass, key, before[key], kv.Version)
		default:
			continue
		}
		if bad++; bad == 10 {
			t.Fatalf("%s: and more", pass)
		}
	}
	if len(resp.Kvs) != len(before) || len(reported) != len(before) {
		t.Errorf("%s: %d pods before, %d after, %d reported", pass, len(before), len(resp.Kvs), len(reported))
	}
}

// checkJournalSettled checks that the journal says what the results do:
// every write committed at its revision, and each write in doubt settled
// as its result says.
func checkJournalSettled(t *testing.T, pass, path string, results []etcdops.Result) {
	t.Helper()
	jf, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]journal.Write{}
	for _, w := range jf.Writes() {
		if _, dup := byKey[w.Key]; dup {
			t.Errorf("%s: journal: %s written twice", pass, w.Key)
		}
		byKey[w.Key] = w
	}
	if len(byKey) != len(results) {
		t.Errorf("%s: journal has %d writes, %d results", pass, len(byKey), len(results))
	}
	for _, r := range results {
		w := byKey[r.Key]
		if w.State != journal.WriteCommitted || w.AfterRevision != r.NewRevision || w.InDoubt != r.InDoubt {
			t.Errorf("%s: journal: %s %s at %d, settled %q; result at %d, settled %q", pass, r.Key, w.State, w.AfterRevision, w.InDoubt, r.NewRevision, r.InDoubt)
		}
	}
}
