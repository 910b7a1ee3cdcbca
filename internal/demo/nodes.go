package demo

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
)

// PartitionedEvery is how Nodes spreads the outage: every PartitionedEvery-th
// node (worker-10, worker-20, ...) is cut off.
const PartitionedEvery = 10

// Nodes writes n worker nodes (worker-1..worker-n) and their kubelet Leases
// under prefix, for the scale benchmarks of the nodes view and the header.
// Every PartitionedEvery-th node is as the node lifecycle controller leaves
// it in a partition: conditions Unknown, tainted unreachable, its lease
// renewed last 5 minutes before now; the others are Ready with a lease
// renewed 5 s before now. Pods' nodes (worker-1..worker-50) are among them.
//
// Each object is its own Put, as the kubelet writes them, so every node and
// lease has a revision of its own.
func Nodes(ctx context.Context, cli *clientv3.Client, prefix string, n int, now time.Time) error {
	if n < 0 {
		return fmt.Errorf("seed %d nodes: want n >= 0", n)
	}
	layout := etcdops.Layout{Prefix: prefix}
	nodes, leases := etcdops.MustResolveResource("nodes"), etcdops.MustResolveResource("leases")
	now = now.UTC().Truncate(time.Second)
	put := func(i int) error {
		n := scaleNode(i, now)
		renew := now.Add(-5 * time.Second)
		if partitionedNode(i) {
			renew = now.Add(-partitionAgo)
		}
		if err := PutObject(ctx, cli, layout.Key(nodes, "", n.Name), n, clientv3.NoLease); err != nil {
			return err
		}
		return PutObject(ctx, cli, layout.Key(leases, corev1.NamespaceNodeLease, n.Name), kubeletLease(n, renew), clientv3.NoLease)
	}

	// Single-key Puts wait for their fsync: keep a few in flight so that
	// etcd batches them into one.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	parallel.ForN(n, 2*seedWorkers, func(i int) {
		if ctx.Err() == nil {
			if err := put(i + 1); err != nil {
				cancel(err)
			}
		}
	})
	return context.Cause(ctx)
}

func partitionedNode(i int) bool { return i%PartitionedEvery == 0 }

// scaleNode is worker-i of Nodes: newNode with addresses that stay valid
// past 245 nodes (newNode's 10.0.0.x and 10.244.x.0/24 run out there).
func scaleNode(i int, now time.Time) *corev1.Node {
	name := fmt.Sprintf("worker-%d", i)
	n := newNode(name, now.Add(-clusterAge), false)
	cidr := fmt.Sprintf("10.%d.%d.0/24", 64+i/256, i%256)
	n.Spec.PodCIDR, n.Spec.PodCIDRs = cidr, []string{cidr}
	n.Status.Addresses[0].Address = fmt.Sprintf("10.1.%d.%d", i/250, 1+i%250)
	if !partitionedNode(i) {
		setReady(n, now.Add(-40*time.Second), now.Add(-clusterAge))
		return n
	}
	setUnknown(n, now.Add(-partitionAgo), now.Add(-unknownAgo))
	n.Spec.Taints = []corev1.Taint{
		{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: ptrTo(metav1.NewTime(now.Add(-unknownAgo)))},
		{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: ptrTo(metav1.NewTime(now.Add(-noExecuteAgo)))},
	}
	return n
}

// PodNodes gives the pods of Pods and TerminatingPods (worker-1..worker-50)
// the Node objects a cluster has for them, where it has none: an undelete
// of a selection leaves alone the pods of nodes that do not exist. A node
// already there (the capsized demo's, or Nodes') is kept. Each missing node
// is created as kube-apiserver creates: only where its key does not exist.
func PodNodes(ctx context.Context, cli *clientv3.Client, prefix string) error {
	layout := etcdops.Layout{Prefix: prefix}
	nodes := etcdops.MustResolveResource("nodes")
	for i := 1; i <= 50; i++ {
		name := fmt.Sprintf("worker-%d", i)
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)}}
		if err := CreateObject(ctx, cli, layout.Key(nodes, "", name), node); err != nil {
			return err
		}
	}
	return nil
}
