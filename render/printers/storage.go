package printers

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	storagev1beta1 "k8s.io/api/storage/v1beta1"
)

const (
	// isDefaultStorageClassAnnotation marks the default storage class, and
	// so does its beta form (k8s.io/kubernetes pkg/apis/storage/util).
	isDefaultStorageClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaIsDefaultStorageClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

func printCSINode(obj *storagev1.CSINode, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Spec.Drivers)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printCSIDriver(obj *storagev1.CSIDriver, now time.Time) ([]any, error) {
	attachRequired := true
	if obj.Spec.AttachRequired != nil {
		attachRequired = *obj.Spec.AttachRequired
	}
	podInfoOnMount := false
	if obj.Spec.PodInfoOnMount != nil {
		podInfoOnMount = *obj.Spec.PodInfoOnMount
	}
	allModes := []string{}
	for _, mode := range obj.Spec.VolumeLifecycleModes {
		allModes = append(allModes, string(mode))
	}
	modes := strings.Join(allModes, ",")
	if len(modes) == 0 {
		modes = "<none>"
	}

	cells := []any{obj.Name, attachRequired, podInfoOnMount}
	storageCapacity := false
	if obj.Spec.StorageCapacity != nil {
		storageCapacity = *obj.Spec.StorageCapacity
	}
	cells = append(cells, storageCapacity)

	tokenRequests := "<unset>"
	if obj.Spec.TokenRequests != nil {
		audiences := []string{}
		for _, t := range obj.Spec.TokenRequests {
			audiences = append(audiences, t.Audience)
		}
		tokenRequests = strings.Join(audiences, ",")
	}
	requiresRepublish := false
	if obj.Spec.RequiresRepublish != nil {
		requiresRepublish = *obj.Spec.RequiresRepublish
	}
	cells = append(cells, tokenRequests, requiresRepublish)

	return append(cells, modes, translateTimestampSince(obj.CreationTimestamp, now)), nil
}

func printCSIStorageCapacity(obj *storagev1.CSIStorageCapacity, now time.Time) ([]any, error) {
	capacity := "<unset>"
	if obj.Capacity != nil {
		capacity = obj.Capacity.String()
	}

	return []any{obj.Name, obj.StorageClassName, capacity}, nil
}

func printStorageClass(obj *storagev1.StorageClass, now time.Time) ([]any, error) {
	name := obj.Name
	if obj.Annotations[isDefaultStorageClassAnnotation] == "true" || obj.Annotations[betaIsDefaultStorageClassAnnotation] == "true" {
		name += " (default)"
	}
	provtype := obj.Provisioner
	reclaimPolicy := string(corev1.PersistentVolumeReclaimDelete)
	if obj.ReclaimPolicy != nil {
		reclaimPolicy = string(*obj.ReclaimPolicy)
	}

	volumeBindingMode := string(storagev1.VolumeBindingImmediate)
	if obj.VolumeBindingMode != nil {
		volumeBindingMode = string(*obj.VolumeBindingMode)
	}

	allowVolumeExpansion := false
	if obj.AllowVolumeExpansion != nil {
		allowVolumeExpansion = *obj.AllowVolumeExpansion
	}

	return []any{name, provtype, reclaimPolicy, volumeBindingMode, allowVolumeExpansion,
		translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printVolumeAttributesClass(obj *storagev1.VolumeAttributesClass, now time.Time) ([]any, error) {
	return []any{obj.Name, obj.DriverName, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printVolumeAttributesClassV1beta1(obj *storagev1beta1.VolumeAttributesClass, now time.Time) ([]any, error) {
	return []any{obj.Name, obj.DriverName, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printVolumeAttachment(obj *storagev1.VolumeAttachment, now time.Time) ([]any, error) {
	name := obj.Name
	pvName := ""
	if obj.Spec.Source.PersistentVolumeName != nil {
		pvName = *obj.Spec.Source.PersistentVolumeName
	}
	return []any{name, obj.Spec.Attacher, pvName, obj.Spec.NodeName, obj.Status.Attached, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}
