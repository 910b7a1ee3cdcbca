package printerstest

import (
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	resourcev1alpha3 "k8s.io/api/resource/v1alpha3"
	resourcev1beta1 "k8s.io/api/resource/v1beta1"
	resourcev1beta2 "k8s.io/api/resource/v1beta2"
	schedulingv1alpha2 "k8s.io/api/scheduling/v1alpha2"
	storagemigrationv1beta1 "k8s.io/api/storagemigration/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// newerAPICases are kinds whose printers read conditions, or fields that
// differ between the versions kube-apiserver serves: dynamic resource
// allocation, gang scheduling and storage version migration.
func newerAPICases(now time.Time) []Case {
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: metav1.NewTime(now.Add(-4 * time.Minute))}
	}
	condition := func(kind string, status metav1.ConditionStatus, reason string) metav1.Condition {
		return metav1.Condition{Type: kind, Status: status, Reason: reason, LastTransitionTime: metav1.NewTime(now.Add(-3 * time.Minute))}
	}

	reserved := &resourcev1.ResourceClaim{
		ObjectMeta: meta("gpu-0"),
		Status: resourcev1.ResourceClaimStatus{
			Allocation:  &resourcev1.AllocationResult{},
			ReservedFor: []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: "train-0"}},
		},
	}
	deletedPending := &resourcev1beta1.ResourceClaim{ObjectMeta: meta("gpu-1")}
	deletedPending.DeletionTimestamp = new(metav1.NewTime(now))

	sliceV1beta1 := &resourcev1beta1.ResourceSlice{
		ObjectMeta: meta("node-1-gpu"),
		Spec: resourcev1beta1.ResourceSliceSpec{
			Driver: "gpu.example.com", NodeName: "node-1",
			Pool: resourcev1beta1.ResourcePool{Name: "node-1", ResourceSliceCount: 1},
		},
	}
	sliceAllNodes := &resourcev1.ResourceSlice{
		ObjectMeta: meta("fabric"),
		Spec: resourcev1.ResourceSliceSpec{
			Driver: "fabric.example.com", AllNodes: new(true),
			Pool: resourcev1.ResourcePool{Name: "fabric", ResourceSliceCount: 1},
		},
	}

	taint := &resourcev1beta2.DeviceTaintRule{
		ObjectMeta: meta("gpu-maintenance"),
		Spec: resourcev1beta2.DeviceTaintRuleSpec{Taint: resourcev1beta2.DeviceTaint{
			Key: "example.com/maintenance", Value: "planned", Effect: resourcev1beta2.DeviceTaintEffectNoSchedule,
			TimeAdded: new(metav1.NewTime(now.Add(-90 * time.Second))),
		}},
	}

	truncated := &resourcev1alpha3.ResourcePoolStatusRequest{
		ObjectMeta: meta("gpu-pools"),
		Spec:       resourcev1alpha3.ResourcePoolStatusRequestSpec{Driver: "gpu.example.com"},
		Status: &resourcev1alpha3.ResourcePoolStatusRequestStatus{
			PoolCount: new(int32(3)),
			Pools: []resourcev1alpha3.PoolStatus{
				{PoolName: "node-1", TotalDevices: new(int32(8)), AvailableDevices: new(int32(2)), AllocatedDevices: new(int32(6))},
				{PoolName: "node-2", TotalDevices: new(int32(8)), UnavailableDevices: new(int32(8)), ValidationError: new("duplicate device")},
			},
			Conditions: []metav1.Condition{condition(resourcev1alpha3.ResourcePoolStatusRequestConditionComplete, metav1.ConditionTrue, "Done")},
		},
	}
	complete := truncated.DeepCopy()
	complete.Name = "gpu-pools-node-1"
	complete.Status.PoolCount = new(int32(1))
	complete.Status.Pools = complete.Status.Pools[:1]
	failed := &resourcev1alpha3.ResourcePoolStatusRequest{
		ObjectMeta: meta("nic-pools"),
		Spec:       resourcev1alpha3.ResourcePoolStatusRequestSpec{Driver: "nic.example.com"},
		Status: &resourcev1alpha3.ResourcePoolStatusRequestStatus{
			Pools:      []resourcev1alpha3.PoolStatus{{PoolName: "node-1", TotalDevices: new(int32(2))}},
			Conditions: []metav1.Condition{condition(resourcev1alpha3.ResourcePoolStatusRequestConditionFailed, metav1.ConditionTrue, "DriverGone")},
		},
	}

	preempted := &schedulingv1alpha2.PodGroup{
		ObjectMeta: meta("train"),
		Spec: schedulingv1alpha2.PodGroupSpec{
			PodGroupTemplateRef: &schedulingv1alpha2.PodGroupTemplateReference{Workload: &schedulingv1alpha2.WorkloadPodGroupTemplateReference{WorkloadName: "train"}},
			SchedulingPolicy:    schedulingv1alpha2.PodGroupSchedulingPolicy{Gang: &schedulingv1alpha2.GangSchedulingPolicy{MinCount: 4}},
		},
		Status: schedulingv1alpha2.PodGroupStatus{Conditions: []metav1.Condition{
			condition(schedulingv1alpha2.PodGroupScheduled, metav1.ConditionTrue, "Scheduled"),
			condition(schedulingv1alpha2.DisruptionTarget, metav1.ConditionTrue, "PreemptionByScheduler"),
		}},
	}
	unschedulable := &schedulingv1alpha2.PodGroup{
		ObjectMeta: meta("serve"),
		Status: schedulingv1alpha2.PodGroupStatus{Conditions: []metav1.Condition{
			condition(schedulingv1alpha2.PodGroupScheduled, metav1.ConditionFalse, "Unschedulable"),
		}},
	}

	migration := &storagemigrationv1beta1.StorageVersionMigration{
		ObjectMeta: meta("secrets"),
		Spec:       storagemigrationv1beta1.StorageVersionMigrationSpec{Resource: metav1.GroupResource{Resource: "secrets"}},
		Status: storagemigrationv1beta1.StorageVersionMigrationStatus{Conditions: []metav1.Condition{
			condition(string(storagemigrationv1beta1.MigrationRunning), metav1.ConditionFalse, ""),
			condition(string(storagemigrationv1beta1.MigrationSucceeded), metav1.ConditionTrue, ""),
		}},
	}

	return []Case{
		{"resourceclaim allocated and reserved", reserved, []any{"gpu-0", "allocated,reserved", "4m"}},
		{"resource.k8s.io/v1beta1 resourceclaim deleted before allocation", deletedPending, []any{"gpu-1", "deleted", "4m"}},
		{"resource.k8s.io/v1beta1 resourceslice, nodeName a string", sliceV1beta1, []any{"node-1-gpu", "node-1", "gpu.example.com", "node-1", "4m"}},
		{"resourceslice for all nodes", sliceAllNodes, []any{"fabric", "", "fabric.example.com", "fabric", "4m"}},
		{"resource.k8s.io/v1beta2 devicetaintrule", taint, []any{"gpu-maintenance", "example.com/maintenance", "planned", "NoSchedule", "90s", "4m"}},
		{"resourcepoolstatusrequest complete, pools truncated", truncated, []any{"gpu-pools", "gpu.example.com", "16", "2", "6", "8", "1", int32(3), "Complete (2/3 pools)", "3m"}},
		{"resourcepoolstatusrequest complete", complete, []any{"gpu-pools-node-1", "gpu.example.com", "8", "2", "6", "0", "0", int32(1), "Complete", "3m"}},
		{"resourcepoolstatusrequest failed", failed, []any{"nic-pools", "nic.example.com", "-", "-", "-", "-", "-", int32(0), "Failed", "<none>"}},
		{"podgroup scheduled then preempted", preempted, []any{"train", "Gang", "train", "PreemptionByScheduler", "4m"}},
		{"podgroup unschedulable", unschedulable, []any{"serve", "Basic", "<none>", "Unschedulable", "4m"}},
		{"storageversionmigration succeeded", migration, []any{"secrets", "secrets", "Succeeded"}},
	}
}
