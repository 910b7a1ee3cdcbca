package etcdops

import (
	"context"
	"errors"
)

// SetBeforeTxn lets tests write concurrently between lifeboat's read and its
// compare-and-swap.
func (s *Store) SetBeforeTxn(hook func(key string)) { s.beforeTxn = hook }

// SetRangeLimit makes scans read n keys per range request, so that a test
// crosses several requests with few keys.
func (s *Store) SetRangeLimit(n int64) { s.rangeLimit = n }

// ControlPlane reads the controller-manager and scheduler leader leases from
// etcd, to check what the front ends read from their caches.
func (s *Store) ControlPlane(ctx context.Context) (ControlPlane, error) {
	var cp ControlPlane
	var err1, err2 error
	cp.ControllerManager, err1 = s.Lease(ctx, "kube-system", "kube-controller-manager")
	cp.Scheduler, err2 = s.Lease(ctx, "kube-system", "kube-scheduler")
	return cp, errors.Join(err1, err2)
}

// Lists is how many full Lists (Resync calls) the informer has made: a
// watch event must never cause one.
func (inf *Informer[T]) Lists() int {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return inf.lists
}
