package printers

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	coordinationv1alpha2 "k8s.io/api/coordination/v1alpha2"
	coordinationv1beta1 "k8s.io/api/coordination/v1beta1"
)

func printLease(obj *coordinationv1.Lease, now time.Time) ([]any, error) {
	var holderIdentity string
	if obj.Spec.HolderIdentity != nil {
		holderIdentity = *obj.Spec.HolderIdentity
	}
	return []any{obj.Name, holderIdentity, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printLeaseCandidate(obj *coordinationv1beta1.LeaseCandidate, now time.Time) ([]any, error) {
	return []any{obj.Name, obj.Spec.LeaseName, obj.Spec.BinaryVersion, obj.Spec.EmulationVersion, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printLeaseCandidateV1alpha2(obj *coordinationv1alpha2.LeaseCandidate, now time.Time) ([]any, error) {
	return []any{obj.Name, obj.Spec.LeaseName, obj.Spec.BinaryVersion, obj.Spec.EmulationVersion, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}
