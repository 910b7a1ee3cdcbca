package printers

import (
	"time"

	policyv1 "k8s.io/api/policy/v1"
)

func printPodDisruptionBudget(obj *policyv1.PodDisruptionBudget, now time.Time) ([]any, error) {
	var minAvailable string
	var maxUnavailable string
	if obj.Spec.MinAvailable != nil {
		minAvailable = obj.Spec.MinAvailable.String()
	} else {
		minAvailable = "N/A"
	}

	if obj.Spec.MaxUnavailable != nil {
		maxUnavailable = obj.Spec.MaxUnavailable.String()
	} else {
		maxUnavailable = "N/A"
	}

	return []any{obj.Name, minAvailable, maxUnavailable, int64(obj.Status.DisruptionsAllowed), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}
