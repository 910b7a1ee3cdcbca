package printers

import (
	"time"

	schedulingv1 "k8s.io/api/scheduling/v1"
	schedulingv1alpha2 "k8s.io/api/scheduling/v1alpha2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func printPriorityClass(obj *schedulingv1.PriorityClass, now time.Time) ([]any, error) {
	name := obj.Name
	value := obj.Value
	globalDefault := obj.GlobalDefault
	var preemptionPolicy string
	if obj.PreemptionPolicy != nil {
		preemptionPolicy = string(*obj.PreemptionPolicy)
	}
	return []any{name, int64(value), globalDefault, translateTimestampSince(obj.CreationTimestamp, now), preemptionPolicy}, nil
}

func printWorkload(obj *schedulingv1alpha2.Workload, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printPodGroup(obj *schedulingv1alpha2.PodGroup, now time.Time) ([]any, error) {
	policy := "Basic"
	if obj.Spec.SchedulingPolicy.Gang != nil {
		policy = "Gang"
	}

	status := "Pending"
	conditionMap := make(map[string]*metav1.Condition)
	for i := range obj.Status.Conditions {
		cond := obj.Status.Conditions[i]
		conditionMap[cond.Type] = &cond
	}
	if cond, ok := conditionMap[schedulingv1alpha2.PodGroupScheduled]; ok {
		status = "Unschedulable"
		if cond.Status == metav1.ConditionTrue {
			status = "Scheduled"
		}
	}
	if cond, ok := conditionMap[schedulingv1alpha2.DisruptionTarget]; ok {
		status = cond.Reason
	}

	workload := "<none>"
	if ref := obj.Spec.PodGroupTemplateRef; ref != nil {
		workload = ref.Workload.WorkloadName
	}

	return []any{obj.Name, policy, workload, status, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}
