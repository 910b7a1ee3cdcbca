package etcdops_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/journal"
	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runBatch runs ops as one batch in a single pass (Batch.Run), as the CLI
// does with --yes, and returns the batch and every key's result.
func runBatch(t testing.TB, ctx context.Context, store *etcdops.Store, j *journal.Journal, ops ...etcdops.Operation) (*etcdops.Batch, []etcdops.Result, error) {
	t.Helper()
	b, err := store.NewBatch(ctx, testNow, ops...)
	if err != nil {
		t.Fatal(err)
	}
	var results []etcdops.Result
	err = b.Run(ctx, etcdops.ApplyOptions{Journal: j, Window: 16}, func(_ int, c *etcdops.Change, r *etcdops.Result) error {
		if r.Key != c.Before.Key {
			t.Errorf("result for %s handed with the change of %s", r.Key, c.Before.Key)
		}
		results = append(results, *r)
		return nil
	})
	return b, results, err
}

// TestRunIsPreviewThenApply: the one-pass Run (--yes) leaves etcd exactly
// as Preview then Apply does, with the same tallies, and reports every key
// the operations select, written or not.
func TestRunIsPreviewThenApply(t *testing.T) {
	pods, nodes := resource(t, "pods"), resource(t, "nodes")
	appLabel, err := etcdops.ParseSelector("app")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ops  []etcdops.Operation
	}{
		{"undelete every pod", []etcdops.Operation{{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: pods, AllNamespaces: true}}}},
		{"untaint then uncordon the same nodes", []etcdops.Operation{
			{Action: etcdops.UntaintNodes, Query: etcdops.Query{Resource: nodes}, AllNodes: true},
			{Action: etcdops.UncordonNodes, Query: etcdops.Query{Resource: nodes}, AllNodes: true},
		}},
		{"remove finalizers by label", []etcdops.Operation{{Action: etcdops.RemoveFinalizers, Query: etcdops.Query{Resource: pods, Namespace: "shop", Selector: appLabel}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			twoPass, twoPassCli, _ := capsized(t, demo.Options{Malformed: true})
			onePass, onePassCli, _ := capsized(t, demo.Options{Malformed: true})
			before := snapshot(t, onePassCli)

			want := applyBatch(t, twoPass, newJournal(t), tt.ops...)
			preview, err := twoPass.NewBatch(ctx, testNow, tt.ops...)
			if err != nil {
				t.Fatal(err)
			}
			b, results, err := runBatch(t, ctx, onePass, newJournal(t), tt.ops...)
			if err != nil {
				t.Fatal(err)
			}

			after, wantAfter := snapshot(t, onePassCli), snapshot(t, twoPassCli)
			for key, rec := range wantAfter {
				if bytes.HasPrefix(rec.Value, []byte("k8s:enc:")) && bytes.Equal(after[key].Value, before[key].Value) {
					continue // the seed's encrypted Secret: each seeding draws its own IV, and no run writes it
				}
				if !bytes.Equal(after[key].Value, rec.Value) {
					t.Errorf("%s: Run left a value that differs from Preview+Apply's", key)
				}
			}
			written := 0
			last := map[string]int64{} // the revision of each key's last write
			for _, r := range results {
				if r.Changed {
					written++
					last[r.Key] = r.NewRevision
				} else if _, ok := last[r.Key]; !ok {
					last[r.Key] = 0
				}
			}
			for key, rev := range last {
				switch {
				case rev == 0 && after[key].ModRevision != before[key].ModRevision:
					t.Errorf("%s: reported untouched, but written", key)
				case rev != 0 && after[key].ModRevision != rev:
					t.Errorf("%s: reported revision %d, etcd has %d", key, rev, after[key].ModRevision)
				}
			}
			wantWritten := 0
			for _, r := range want {
				if r.Changed {
					wantWritten++
				}
			}
			if written == 0 || written != wantWritten {
				t.Errorf("Run wrote %d keys, Preview+Apply %d", written, wantWritten)
			}
			// Every selected key is reported once: the tallies add up to it.
			changed, unchanged, skipped := b.Counts()
			if len(results) != changed+unchanged+skipped {
				t.Errorf("%d results for %d+%d+%d planned keys", len(results), changed, unchanged, skipped)
			}
			// Preview on the first etcd, now repaired, finds nothing left
			// but what was skipped: the same skips Run counted.
			if err := preview.Preview(ctx, func(int, *etcdops.Change) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if c, _, s := preview.Counts(); c != 0 || s != skipped {
				t.Errorf("after Preview+Apply, a preview finds %d to change and %d skipped; Run skipped %d", c, s, skipped)
			}
		})
	}
}

// TestRunStopsAfterTheWritesInFlight: Ctrl-C during Run lets the Txns in
// flight finish (journaled), starts no more and says ErrStopped; running
// again writes the rest without a conflict.
func TestRunStopsAfterTheWritesInFlight(t *testing.T) {
	store, cli, _ := capsized(t, demo.Options{})
	const terminating = 600
	if err := demo.TerminatingPods(context.Background(), cli, "/registry", terminating, testNow); err != nil {
		t.Fatal(err)
	}
	loadNodes(t, cli)
	op := etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "bench-3"}}
	ctx, cancel := context.WithCancel(context.Background())
	var txns atomic.Int32
	store.SetBeforeTxn(func(string) {
		if txns.Add(1) == 10 {
			cancel()
		}
	})
	j := newJournal(t)
	_, results, err := runBatch(t, ctx, store, j, op)
	if !errors.Is(err, etcdops.ErrStopped) {
		t.Fatalf("Run after Ctrl-C: %v, want ErrStopped", err)
	}
	first := 0
	for _, r := range results {
		if r.Changed {
			first++
		}
	}
	if first == 0 || first >= terminating/10 {
		t.Fatalf("%d written before stopping, want the window in flight (at most 16)", first)
	}
	committed := committedWrites(t, j.Path())
	if committed != first {
		t.Errorf("journal has %d committed writes, %d were written", committed, first)
	}

	store.SetBeforeTxn(nil)
	_, results, err = runBatch(t, context.Background(), store, newJournal(t), op)
	if err != nil {
		t.Fatal(err)
	}
	rest := 0
	for _, r := range results {
		if r.Conflict || r.Replanned {
			t.Errorf("%s: conflict on the rerun: %v", r.Key, r.Err)
		}
		if r.Changed {
			rest++
		}
	}
	if first+rest != terminating/10 {
		t.Errorf("%d written, then %d: want %d Terminating pods of bench-3 in all", first, rest, terminating/10)
	}
}

// committedWrites counts the writes the journal at path says were committed.
func committedWrites(t *testing.T, path string) int {
	t.Helper()
	jf, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	committed := 0
	for _, w := range jf.Writes() {
		if w.State == journal.WriteCommitted {
			committed++
		}
	}
	return committed
}

// TestPlanSkipsDecodingUntouchedValues: a repair decodes only the values its
// edits may change (codec.Untouched); the others count as already fine
// without being decoded, so a pod whose spec is corrupt but which is not
// Terminating is left alone by an undelete, while a Terminating one is
// reported. A selector needs the decoded object: then every value is
// decoded and the corrupt one reported.
func TestPlanSkipsDecodingUntouchedValues(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	running := demo.RealisticPod("corrupt", "running", "worker-1", 1)
	deleting := running.DeepCopy()
	deleting.Name = "deleting"
	now := metav1.NewTime(testNow)
	deleting.DeletionTimestamp = &now
	for _, pod := range []*corev1.Pod{running, deleting} {
		value, err := codec.EncodeProtobuf(pod)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.Put(ctx, "/registry/pods/corrupt/"+pod.Name, string(corruptSpec(t, value))); err != nil {
			t.Fatal(err)
		}
	}
	pods := resource(t, "pods")
	tests := []struct {
		name        string
		query       etcdops.Query
		wantSkipped []string
	}{
		{"no selector: only the Terminating pod is decoded", etcdops.Query{Resource: pods, Namespace: "corrupt"}, []string{"deleting"}},
		{"a node selector decodes both", etcdops.Query{Resource: pods, Namespace: "corrupt", Node: "worker-1"}, []string{"deleting", "running"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			var skipped []string
			for _, c := range plan.Changes {
				if c.Changed() {
					t.Errorf("%s: a corrupt value was planned for writing", c.Name)
				}
				if c.Skip != nil {
					skipped = append(skipped, c.Name)
				}
			}
			if len(plan.Changes) != 2 || !slices.Equal(skipped, tt.wantSkipped) {
				t.Errorf("%d changes, skipped %v; want 2, skipped %v", len(plan.Changes), skipped, tt.wantSkipped)
			}
		})
	}
}

// corruptSpec replaces the spec (field 2) of a protobuf pod with a truncated
// field: the envelope and the metadata still read, the object does not.
func corruptSpec(t *testing.T, value []byte) []byte {
	t.Helper()
	body, ok := bytes.CutPrefix(value, []byte("k8s\x00"))
	if !ok {
		t.Fatal("not a protobuf envelope")
	}
	var envelope []byte
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		m := protowire.ConsumeFieldValue(num, typ, body[n:])
		if n < 0 || m < 0 {
			t.Fatal("bad envelope")
		}
		field := body[:n+m]
		if num == 2 { // runtime.Unknown raw: the object
			raw, _ := protowire.ConsumeBytes(body[n:])
			var object []byte
			for len(raw) > 0 {
				onum, otyp, on := protowire.ConsumeTag(raw)
				om := protowire.ConsumeFieldValue(onum, otyp, raw[on:])
				if onum == 2 {
					object = protowire.AppendTag(object, 2, protowire.BytesType)
					object = protowire.AppendBytes(object, []byte{0x0a, 0x05, 'x'})
				} else {
					object = append(object, raw[:on+om]...)
				}
				raw = raw[on+om:]
			}
			field = protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), object)
		}
		envelope = append(envelope, field...)
		body = body[n+m:]
	}
	return append([]byte("k8s\x00"), envelope...)
}

// TestRunStopsWhenItsCallbackFails: when fn fails (the CLI's output is
// gone), Run writes no further group, fn has had the result of every key
// written (nothing written goes unreported), and Run returns fn's error.
func TestRunStopsWhenItsCallbackFails(t *testing.T) {
	store, cli, _ := capsized(t, demo.Options{})
	const terminating = 3000 // 6 pages of 500: more groups than one in flight
	if err := demo.TerminatingPods(context.Background(), cli, "/registry", terminating, testNow); err != nil {
		t.Fatal(err)
	}
	loadNodes(t, cli)
	ctx := context.Background()
	op := etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}}
	b, err := store.NewBatch(ctx, testNow, op)
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	errReport := errors.New("stdout is gone")
	reported := 0
	err = b.Run(ctx, etcdops.ApplyOptions{Journal: j, Window: 16}, func(_ int, c *etcdops.Change, r *etcdops.Result) error {
		if r.Changed {
			reported++
		}
		return errReport
	})
	if !errors.Is(err, errReport) {
		t.Fatalf("Run with a failing fn: %v, want fn's error", err)
	}
	committed := committedWrites(t, j.Path())
	if committed == 0 || committed >= terminating {
		t.Fatalf("%d of %d written, want the groups written before fn failed and no more", committed, terminating)
	}
	t.Logf("%d of %d written before Run stopped", committed, terminating)
	if reported != committed {
		t.Errorf("fn got %d written results, the journal has %d committed writes: every write must be reported", reported, committed)
	}
}
