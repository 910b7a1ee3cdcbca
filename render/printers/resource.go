package printers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	resourceapi "k8s.io/api/resource/v1"
	resourcev1alpha3 "k8s.io/api/resource/v1alpha3"
	resourcev1beta1 "k8s.io/api/resource/v1beta1"
	resourcev1beta2 "k8s.io/api/resource/v1beta2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// resource.k8s.io is served in v1, v1beta2 and v1beta1 (DeviceTaintRule in
// v1beta2 and v1alpha3): each version's printer reads its own fields and
// shares the formatting.

func printDeviceClass(obj *resourceapi.DeviceClass, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printDeviceClassV1beta2(obj *resourcev1beta2.DeviceClass, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printDeviceClassV1beta1(obj *resourcev1beta1.DeviceClass, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceClaim(obj *resourceapi.ResourceClaim, now time.Time) ([]any, error) {
	state := resourceClaimState(obj.DeletionTimestamp, obj.Status.Allocation != nil, len(obj.Status.ReservedFor))
	return []any{obj.Name, state, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceClaimV1beta2(obj *resourcev1beta2.ResourceClaim, now time.Time) ([]any, error) {
	state := resourceClaimState(obj.DeletionTimestamp, obj.Status.Allocation != nil, len(obj.Status.ReservedFor))
	return []any{obj.Name, state, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceClaimV1beta1(obj *resourcev1beta1.ResourceClaim, now time.Time) ([]any, error) {
	state := resourceClaimState(obj.DeletionTimestamp, obj.Status.Allocation != nil, len(obj.Status.ReservedFor))
	return []any{obj.Name, state, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

// resourceClaimState is upstream's over what it reads of a claim: whether
// it is being deleted, is allocated, and how many consumers reserve it.
func resourceClaimState(deletionTimestamp *metav1.Time, allocated bool, reservedFor int) string {
	var states []string
	if deletionTimestamp != nil {
		states = append(states, "deleted")
	}
	if !allocated {
		if deletionTimestamp == nil {
			states = append(states, "pending")
		}
	} else {
		states = append(states, "allocated")
		if reservedFor > 0 {
			states = append(states, "reserved")
		}
	}
	return strings.Join(states, ",")
}

func printResourceClaimTemplate(obj *resourceapi.ResourceClaimTemplate, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceClaimTemplateV1beta2(obj *resourcev1beta2.ResourceClaimTemplate, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceClaimTemplateV1beta1(obj *resourcev1beta1.ResourceClaimTemplate, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceSlice(obj *resourceapi.ResourceSlice, now time.Time) ([]any, error) {
	nodeName := ""
	if obj.Spec.NodeName != nil {
		nodeName = *obj.Spec.NodeName
	}
	return []any{obj.Name, nodeName, obj.Spec.Driver, obj.Spec.Pool.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceSliceV1beta2(obj *resourcev1beta2.ResourceSlice, now time.Time) ([]any, error) {
	nodeName := ""
	if obj.Spec.NodeName != nil {
		nodeName = *obj.Spec.NodeName
	}
	return []any{obj.Name, nodeName, obj.Spec.Driver, obj.Spec.Pool.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

// printResourceSliceV1beta1 reads v1beta1's nodeName, a string where later
// versions have a pointer: converting makes "" nil, which prints as "".
func printResourceSliceV1beta1(obj *resourcev1beta1.ResourceSlice, now time.Time) ([]any, error) {
	return []any{obj.Name, obj.Spec.NodeName, obj.Spec.Driver, obj.Spec.Pool.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourcePoolStatusRequest(obj *resourcev1alpha3.ResourcePoolStatusRequest, now time.Time) ([]any, error) {
	status := "Pending"
	var poolCount int32
	var totalDevices, availableDevices, allocatedDevices, unavailableDevices, validationErrors string
	totalDevices = "-"
	availableDevices = "-"
	allocatedDevices = "-"
	unavailableDevices = "-"
	validationErrors = "-"

	var completedTime *metav1.Time
	if obj.Status != nil {
		isFailed := false
		for _, cond := range obj.Status.Conditions {
			if cond.Type == resourcev1alpha3.ResourcePoolStatusRequestConditionComplete && cond.Status == metav1.ConditionTrue {
				status = "Complete"
				completedTime = &cond.LastTransitionTime
				break
			}
			if cond.Type == resourcev1alpha3.ResourcePoolStatusRequestConditionFailed && cond.Status == metav1.ConditionTrue {
				status = "Failed"
				isFailed = true
				break
			}
		}
		if obj.Status.PoolCount != nil {
			poolCount = *obj.Status.PoolCount
		}
		// Show truncation info in status
		if status == "Complete" && poolCount > int32(len(obj.Status.Pools)) {
			status = fmt.Sprintf("Complete (%d/%d pools)", len(obj.Status.Pools), poolCount)
		}
		// Aggregate device counts if not failed
		if !isFailed {
			var sumTotal, sumAvail, sumAlloc, sumUnavail int32
			var errorCount int32
			for _, p := range obj.Status.Pools {
				if p.ValidationError != nil {
					errorCount++
				}
				if p.TotalDevices != nil {
					sumTotal += *p.TotalDevices
				}
				if p.AvailableDevices != nil {
					sumAvail += *p.AvailableDevices
				}
				if p.AllocatedDevices != nil {
					sumAlloc += *p.AllocatedDevices
				}
				if p.UnavailableDevices != nil {
					sumUnavail += *p.UnavailableDevices
				}
			}
			totalDevices = strconv.Itoa(int(sumTotal))
			availableDevices = strconv.Itoa(int(sumAvail))
			allocatedDevices = strconv.Itoa(int(sumAlloc))
			unavailableDevices = strconv.Itoa(int(sumUnavail))
			validationErrors = strconv.Itoa(int(errorCount))
		}
	}
	completed := "<none>"
	if completedTime != nil {
		completed = translateTimestampSince(*completedTime, now)
	}
	return []any{obj.Name, obj.Spec.Driver, totalDevices, availableDevices, allocatedDevices, unavailableDevices, validationErrors, poolCount, status, completed}, nil
}

func printDeviceTaint(obj *resourcev1beta2.DeviceTaintRule, now time.Time) ([]any, error) {
	taint := obj.Spec.Taint
	return []any{obj.Name, taint.Key, taint.Value, string(taint.Effect), formatTimeAdded(taint.TimeAdded, now), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printDeviceTaintV1alpha3(obj *resourcev1alpha3.DeviceTaintRule, now time.Time) ([]any, error) {
	taint := obj.Spec.Taint
	return []any{obj.Name, taint.Key, taint.Value, string(taint.Effect), formatTimeAdded(taint.TimeAdded, now), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

// formatTimeAdded is the TimeAdded column of a DeviceTaintRule: how long
// ago, or nothing.
func formatTimeAdded(added *metav1.Time, now time.Time) string {
	if added == nil {
		return ""
	}
	return translateTimestampSince(*added, now)
}
