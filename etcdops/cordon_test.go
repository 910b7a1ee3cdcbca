package etcdops_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/journal"
)

// TestCordonNodes: cordon sets spec.unschedulable and nothing else, as
// kubectl cordon, through the path every repair takes: a plan that reads
// only, one compare-and-swap per node that never overwrites a concurrent
// writer (the edit is re-applied to their version), a second run with
// nothing to do, and an undo that puts back every byte. An empty selection
// is refused.
func TestCordonNodes(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	nodes := resource(t, "nodes")
	original := snapshot(t, cli)
	for _, op := range []etcdops.Operation{
		{Action: etcdops.CordonNodes, Query: etcdops.Query{Resource: nodes}},
		{Action: etcdops.CordonNodes, Query: etcdops.Query{Resource: nodes, Names: []string{"worker-1"}}, AllNodes: true},
		{Action: etcdops.CordonNodes, Query: etcdops.Query{Resource: resource(t, "pods")}, AllNodes: true},
	} {
		if err := op.Validate(); err == nil {
			t.Errorf("%+v: accepted", op)
		}
	}

	op := etcdops.Operation{Action: etcdops.CordonNodes, Query: etcdops.Query{Resource: nodes}, AllNodes: true}
	rev := revision(t, store)
	plan, err := planOf(ctx, store, op)
	if err != nil {
		t.Fatal(err)
	}
	// 8 nodes; worker-3 is cordoned already.
	if changed, unchanged, skipped := plan.Counts(); changed != 7 || unchanged != 1 || skipped != 0 {
		t.Fatalf("plan: %d to change, %d unchanged, %d skipped; want 7, 1, 0", changed, unchanged, skipped)
	}
	if got := revision(t, store); got != rev {
		t.Fatalf("planning moved the revision %d -> %d", rev, got)
	}
	for i := range plan.Changes {
		if c := &plan.Changes[i]; c.Changed() {
			if diff, err := c.Diff(false); err != nil || !strings.Contains(diff, "+  unschedulable: true") {
				t.Errorf("%s: diff %q, %v", c.KeyInfo, diff, err)
			}
		}
	}

	// Someone labels worker-6 between lifeboat's read and its write.
	victim := store.Layout().Key(nodes, "", "worker-6")
	labelled := false
	store.SetBeforeTxn(func(k string) {
		if k != victim || labelled {
			return
		}
		labelled = true
		n := decodeNode(t, original[victim].Value)
		n.Labels["touched"] = "yes"
		b, err := codec.EncodeProtobuf(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.Put(ctx, victim, string(b)); err != nil {
			t.Fatal(err)
		}
	})
	j := newJournal(t)
	results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	store.SetBeforeTxn(nil)
	now := snapshot(t, cli)
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("%s: %v", r.KeyInfo, r.Err)
		}
		if r.Key == victim && (!r.Replanned || !r.Changed) {
			t.Errorf("%s: %+v, want re-planned and written", r.KeyInfo, r)
		}
		b, a := decodeNode(t, original[r.Key].Value), decodeNode(t, now[r.Key].Value)
		if !a.Spec.Unschedulable {
			t.Errorf("%s: not cordoned", r.KeyInfo)
		}
		b.Spec.Unschedulable = true
		if r.Key == victim {
			b.Labels["touched"] = "yes" // theirs, kept
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: fields other than spec.unschedulable changed", r.KeyInfo)
		}
		if !r.Changed && !bytes.Equal(now[r.Key].Value, original[r.Key].Value) {
			t.Errorf("%s: reported unchanged but its value changed", r.KeyInfo)
		}
	}
	if !labelled {
		t.Fatal("the concurrent writer never ran")
	}
	if again, err := planOf(ctx, store, op); err != nil {
		t.Fatal(err)
	} else if n, _, _ := again.Counts(); n != 0 {
		t.Errorf("second run plans %d changes, want 0", n)
	}

	// Undo: the nodes lifeboat wrote go back to what it read, byte for byte.
	entries, err := journal.Read(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	undo, err := store.PlanUndo(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if n, _, s := undo.Counts(); n != 7 || s != 0 {
		t.Fatalf("undo plans %d restores, %d skipped; want 7, 0", n, s)
	}
	if _, err := store.Apply(ctx, undo, etcdops.ApplyOptions{Journal: newJournal(t)}); err != nil {
		t.Fatal(err)
	}
	restored := snapshot(t, cli)
	for key, rec := range original {
		if !strings.Contains(key, "/minions/") || key == victim {
			continue
		}
		if !bytes.Equal(restored[key].Value, rec.Value) {
			t.Errorf("%s: not restored byte for byte", key)
		}
	}
	if n := decodeNode(t, restored[victim].Value); n.Spec.Unschedulable || n.Labels["touched"] != "yes" {
		t.Errorf("worker-6 after undo: unschedulable %v, label %q; want the other writer's version", n.Spec.Unschedulable, n.Labels["touched"])
	}
}

// TestCordonPlanFile: cordon-nodes is a plan action, taking names, all or
// selector, as uncordon-nodes.
func TestCordonPlanFile(t *testing.T) {
	ops, err := etcdops.ParsePlanFile("plan.yaml", []byte("operations:\n- action: cordon-nodes\n  selector: topology.kubernetes.io/zone=dc1-b\n- action: cordon-nodes\n  names: [worker-1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Action != etcdops.CordonNodes || ops[0].Query.Resource.Name != "nodes" || ops[0].Query.Selector == nil ||
		ops[1].Query.Names[0] != "worker-1" {
		t.Errorf("parsed %+v", ops)
	}
	for plan, want := range map[string]string{
		"operations:\n- action: cordon-nodes\n":                              "all",
		"operations:\n- action: cordon-nodes\n  all: true\n  namespace: x\n": `field "namespace" does not apply to cordon-nodes`,
	} {
		if _, err := etcdops.ParsePlanFile("plan.yaml", []byte(plan)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", plan, err, want)
		}
	}
}
