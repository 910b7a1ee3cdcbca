package demo_test

import (
	"context"
	"net"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

// Nodes writes n decodable nodes, each with its kubelet Lease and a
// revision of its own; every PartitionedEvery-th one is partitioned.
func TestNodes(t *testing.T) {
	_, cli := etcdtest.Start(t)
	const n = 25
	if err := demo.Nodes(context.Background(), cli, "/registry", n, now); err != nil {
		t.Fatal(err)
	}
	nodes := getAll(t, cli, "/registry/minions/")
	leases := getAll(t, cli, "/registry/leases/kube-node-lease/")
	if len(nodes) != n || len(leases) != n {
		t.Fatalf("%d nodes and %d leases, want %d of each", len(nodes), len(leases), n)
	}
	byName := map[string]*corev1.Node{}
	for _, s := range nodes {
		node := decode(t, s.Key, s.Value).(*corev1.Node)
		byName[node.Name] = node
	}
	renewed := map[string]time.Time{}
	for _, s := range leases {
		lease := decode(t, s.Key, s.Value).(*coordinationv1.Lease)
		renewed[lease.Name] = lease.Spec.RenewTime.Time
	}
	for _, tc := range []struct {
		name        string
		ready       corev1.ConditionStatus
		taints      int
		renewBefore time.Duration
	}{
		{"worker-1", corev1.ConditionTrue, 0, 5 * time.Second},
		{"worker-9", corev1.ConditionTrue, 0, 5 * time.Second},
		{"worker-10", corev1.ConditionUnknown, 2, 20 * time.Minute},
		{"worker-20", corev1.ConditionUnknown, 2, 20 * time.Minute},
		{"worker-25", corev1.ConditionTrue, 0, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node, ok := byName[tc.name]
			if !ok {
				t.Fatalf("no node %s", tc.name)
			}
			var ready corev1.ConditionStatus
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady {
					ready = c.Status
				}
			}
			if ready != tc.ready || len(node.Spec.Taints) != tc.taints {
				t.Errorf("Ready=%s with %d taints, want Ready=%s with %d", ready, len(node.Spec.Taints), tc.ready, tc.taints)
			}
			if got := now.Sub(renewed[tc.name]); got != tc.renewBefore {
				t.Errorf("lease renewed %s before now, want %s", got, tc.renewBefore)
			}
			if _, _, err := net.ParseCIDR(node.Spec.PodCIDR); err != nil {
				t.Errorf("podCIDR: %v", err)
			}
		})
	}
	// Past 255 nodes the addresses stay valid.
	if err := demo.Nodes(context.Background(), cli, "/registry", 300, now); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range getAll(t, cli, "/registry/minions/") {
		node := decode(t, s.Key, s.Value).(*corev1.Node)
		ip := node.Status.Addresses[0].Address
		if net.ParseIP(ip) == nil || seen[ip] {
			t.Fatalf("%s: address %q invalid or shared", node.Name, ip)
		}
		seen[ip] = true
	}
	// One revision per object.
	revs := map[int64]string{}
	resp, err := cli.Get(context.Background(), "/registry/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		if other, ok := revs[kv.ModRevision]; ok {
			t.Fatalf("%s and %s share revision %d", other, kv.Key, kv.ModRevision)
		}
		revs[kv.ModRevision] = string(kv.Key)
	}
	if len(revs) != 600 {
		t.Errorf("%d objects, want 600", len(revs))
	}
}
