package etcdops

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	coordinationv1 "k8s.io/api/coordination/v1"
)

// LeaseStatus is a coordination.k8s.io Lease read from etcd: a leader
// election lock or a kubelet heartbeat.
type LeaseStatus struct {
	Namespace, Name string
	Holder          string
	RenewTime       time.Time
	Duration        time.Duration
	Found           bool
	// Identity is the lease's apiserver.kubernetes.io/identity label:
	// "kube-apiserver" on the identity lease each kube-apiserver renews
	// (Kubernetes 1.26 and later).
	Identity string
}

// IdentityLabel marks the identity leases of kube-apiservers (k8s.io/
// kubernetes pkg/controlplane/apiserver IdentityLeaseComponentLabelKey).
const IdentityLabel = "apiserver.kubernetes.io/identity"

// Age is how long ago the lease was renewed.
func (l LeaseStatus) Age(now time.Time) time.Duration {
	if l.RenewTime.IsZero() {
		return 0
	}
	return now.Sub(l.RenewTime)
}

// Alive reports whether someone holds the lease and renewed it within its
// duration (now - renewTime < leaseDurationSeconds). A lease without a holder
// is free whatever its renewTime: a leader that stops cleanly releases it by
// emptying holderIdentity (client-go tools/leaderelection: release, and
// tryAcquireOrRenew's len(HolderIdentity) > 0 check).
func (l LeaseStatus) Alive(now time.Time) bool {
	return l.Found && l.Holder != "" && !l.RenewTime.IsZero() && now.Sub(l.RenewTime) < l.Duration
}

var leasesResource = MustResolveResource("leases")

// Lease reads one Lease; Found is false when it does not exist.
func (s *Store) Lease(ctx context.Context, namespace, name string) (LeaseStatus, error) {
	st := LeaseStatus{Namespace: namespace, Name: name}
	key := s.layout.Key(leasesResource, namespace, name)
	rec, found, err := s.Get(ctx, key)
	if err != nil || !found {
		return st, err
	}
	return leaseStatus(namespace, name, rec.Value)
}

func leaseStatus(namespace, name string, value []byte) (LeaseStatus, error) {
	obj, err := codec.Decode(value)
	if err != nil {
		return LeaseStatus{Namespace: namespace, Name: name, Found: true}, fmt.Errorf("leases/%s/%s: %w", namespace, name, err)
	}
	return leaseStatusOf(namespace, name, obj)
}

// leaseStatusOf reads a decoded Lease.
func leaseStatusOf(namespace, name string, obj *codec.Object) (LeaseStatus, error) {
	st := LeaseStatus{Namespace: namespace, Name: name, Found: true}
	lease, ok := obj.AsTyped().(*coordinationv1.Lease)
	if !ok {
		return st, fmt.Errorf("leases/%s/%s: stored kind %s is not a Lease", namespace, name, obj.Kind)
	}
	st.Identity = lease.Labels[IdentityLabel]
	if lease.Spec.HolderIdentity != nil {
		st.Holder = *lease.Spec.HolderIdentity
	}
	if lease.Spec.RenewTime != nil {
		st.RenewTime = lease.Spec.RenewTime.Time
	}
	if lease.Spec.LeaseDurationSeconds != nil {
		st.Duration = time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second
	}
	return st, nil
}

// ControlPlane is what the leader-election leases say about the controllers
// that would undo lifeboat's repairs.
type ControlPlane struct {
	ControllerManager LeaseStatus // kube-system/kube-controller-manager
	Scheduler         LeaseStatus // kube-system/kube-scheduler
}

// Warnings says, before a write, which running controllers would undo the
// operation (docs/design.md, "Safety model"): the node lifecycle controller in the
// kube-controller-manager leader re-taints nodes whose kubelet lease is stale
// and evicts their pods again.
func (s *Store) Warnings(ctx context.Context, op Operation, now time.Time) []string {
	var warnings []string
	if op.Action == Restore {
		return nil
	}
	cm, err := s.Lease(ctx, "kube-system", "kube-controller-manager")
	switch {
	case err != nil:
		warnings = append(warnings, fmt.Sprintf("cannot read the kube-controller-manager leader lease: %v", err))
	case cm.Alive(now):
		warnings = append(warnings, fmt.Sprintf("kube-controller-manager is running (leader %s renewed its lease %s ago): its node lifecycle controller re-taints nodes with stale kubelet leases and evicts their pods again; stop it first (move its static pod manifest away) for the repair to stick",
			cm.Holder, cm.Age(now).Round(time.Second)))
	}
	return warnings
}
