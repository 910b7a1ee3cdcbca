package etcdops_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// loadNodes gives the pods of demo's benchmark load their Node objects:
// an undelete of a selection leaves alone the pods of nodes that do not exist.
func loadNodes(t testing.TB, cli *clientv3.Client) {
	t.Helper()
	if err := demo.PodNodes(context.Background(), cli, "/registry"); err != nil {
		t.Fatal(err)
	}
}

// terminatingPod is a pod bound to node, evicted with a 30 s grace period.
func terminatingPod(namespace, name, node string) *corev1.Pod {
	at, grace := metav1.NewTime(testNow.Add(-60e9)), int64(30)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + name), CreationTimestamp: metav1.NewTime(testNow.Add(-3600e9)),
			DeletionTimestamp: &at, DeletionGracePeriodSeconds: &grace},
		Spec:   corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

// TestUndeleteLeavesPodsOfMissingNodes: an undelete of a selection skips
// the pods bound to a node etcd has no Node for (spot-1, scaled away),
// saying why and how to delete them, and undeletes the others; a pod named
// explicitly is undeleted as asked. Then 'delete pods -A --node spot-1'
// removes exactly spot-1's pods.
func TestUndeleteLeavesPodsOfMissingNodes(t *testing.T) {
	ctx := context.Background()
	store, cli, summary := capsized(t, demo.Options{})
	putObject(t, cli, "/registry/pods/shop/spot-a", terminatingPod("shop", "spot-a", "spot-1"))
	putObject(t, cli, "/registry/pods/payments/spot-b", terminatingPod("payments", "spot-b", "spot-1"))
	pods := resource(t, "pods")

	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: pods, AllNamespaces: true}})
	if err != nil {
		t.Fatal(err)
	}
	changed, _, skipped := plan.Counts()
	if changed != summary.TerminatingPods || skipped != 2 {
		t.Errorf("undelete -A: %d to change, %d skipped; want the %d terminating pods of existing nodes, and spot-1's 2 skipped", changed, skipped, summary.TerminatingPods)
	}
	const reason = "node spot-1 does not exist: its pods cannot run; delete them with 'lifeboat delete pods -A --node spot-1'"
	for _, c := range plan.Changes {
		if strings.HasPrefix(c.Name, "spot-") && (c.Skip == nil || !strings.Contains(c.Skip.Error(), reason)) {
			t.Errorf("%s: skip %v, want %q", c.KeyInfo, c.Skip, reason)
		}
	}

	named, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: pods, Namespace: "shop", Names: []string{"spot-a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if changed, _, skipped := named.Counts(); changed != 1 || skipped != 0 {
		t.Errorf("undelete of spot-a by name: %d to change, %d skipped; want it undeleted", changed, skipped)
	}

	before := snapshot(t, cli)
	del := etcdops.Operation{Action: etcdops.DeleteObjects, Query: etcdops.Query{Resource: pods, AllNamespaces: true, Node: "spot-1"}}
	applyOp(t, store, del, newJournal(t))
	after := snapshot(t, cli)
	var gone []string
	for key := range before {
		if _, ok := after[key]; !ok {
			gone = append(gone, key)
		}
	}
	slices.Sort(gone)
	if want := []string{"/registry/pods/payments/spot-b", "/registry/pods/shop/spot-a"}; !slices.Equal(gone, want) || len(after) != len(before)-2 {
		t.Errorf("delete pods -A --node spot-1 removed %v, want exactly %v", gone, want)
	}
}
