package etcdops

import (
	"context"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// orphanGuard is, for an undelete of pods selected by anything but their
// names, the check that leaves alone a pod bound to a node that is not in
// etcd: no kubelet will ever run it, so undeleting it only makes a pod look
// alive that is not, until the pod garbage collector deletes it anyway
// (it deletes the pods of nodes that no longer exist: k8s.io/kubernetes
// pkg/controller/podgc/gc_controller.go, gcOrphaned). A pod named
// explicitly is undeleted as asked. nil when the operation needs no guard.
// The nodes are read once, keys only.
func (s *Store) orphanGuard(ctx context.Context, op Operation) (func(c *Change, it *Item), error) {
	if op.Action != UndeletePods || len(op.Query.Names) > 0 {
		return nil, nil
	}
	nodes, err := s.nodeNames(ctx, op.Query.Revision)
	if err != nil {
		return nil, fmt.Errorf("undelete-pods: read the nodes, to leave alone the pods of nodes that no longer exist: %w", err)
	}
	return func(c *Change, it *Item) {
		if !c.Changed() || it.Object == nil {
			return
		}
		node := PodNode(it.Object)
		if node == "" || nodes[node] {
			return
		}
		c.After = nil
		c.Skip = fmt.Errorf("%s: not undeleted: node %s does not exist: its pods cannot run; delete them with 'lifeboat delete pods -A --node %s' (name a pod to undelete it all the same)", c.KeyInfo, node, node)
	}, nil
}

// nodeNames are the names of the nodes in etcd at rev (0: now).
func (s *Store) nodeNames(ctx context.Context, rev int64) (map[string]bool, error) {
	names := map[string]bool{}
	_, err := s.scanPagesAt(ctx, s.layout.ResourcePrefix(MustResolveResource("nodes")), rev, func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			if info, ok := s.layout.Parse(string(kv.Key)); ok {
				names[info.Name] = true
			}
		}
		return nil
	}, clientv3.WithKeysOnly())
	return names, err
}
