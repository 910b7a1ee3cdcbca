package printers

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// betaStorageClassAnnotation names a volume's or a claim's class before
// storageClassName did, and still wins over it (k8s.io/kubernetes
// pkg/apis/core.BetaStorageClassAnnotation).
const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

func printPersistentVolume(obj *corev1.PersistentVolume, now time.Time) ([]any, error) {
	claimRefUID := ""
	if obj.Spec.ClaimRef != nil {
		claimRefUID += obj.Spec.ClaimRef.Namespace
		claimRefUID += "/"
		claimRefUID += obj.Spec.ClaimRef.Name
	}

	modesStr := getAccessModesAsString(obj.Spec.AccessModes)
	reclaimPolicyStr := string(obj.Spec.PersistentVolumeReclaimPolicy)

	aQty := obj.Spec.Capacity[corev1.ResourceStorage]
	aSize := aQty.String()

	phase := obj.Status.Phase
	if obj.ObjectMeta.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	volumeMode := "<unset>"
	if obj.Spec.VolumeMode != nil {
		volumeMode = string(*obj.Spec.VolumeMode)
	}

	volumeAttributeClass := "<unset>"
	if obj.Spec.VolumeAttributesClassName != nil {
		volumeAttributeClass = *obj.Spec.VolumeAttributesClassName
	}

	return []any{obj.Name, aSize, modesStr, reclaimPolicyStr,
		string(phase), claimRefUID, getPersistentVolumeClass(obj), volumeAttributeClass,
		obj.Status.Reason, translateTimestampSince(obj.CreationTimestamp, now), volumeMode}, nil
}

func printPersistentVolumeClaim(obj *corev1.PersistentVolumeClaim, now time.Time) ([]any, error) {
	phase := obj.Status.Phase
	if obj.ObjectMeta.DeletionTimestamp != nil {
		phase = "Terminating"
	}

	volumeAttributeClass := "<unset>"
	capacity := ""
	accessModes := ""
	volumeMode := "<unset>"

	if obj.Spec.VolumeAttributesClassName != nil {
		volumeAttributeClass = *obj.Spec.VolumeAttributesClassName
	}

	if obj.Spec.VolumeName != "" {
		accessModes = getAccessModesAsString(obj.Status.AccessModes)
		storage := obj.Status.Capacity[corev1.ResourceStorage]
		capacity = storage.String()
	}

	if obj.Spec.VolumeMode != nil {
		volumeMode = string(*obj.Spec.VolumeMode)
	}

	return []any{obj.Name, string(phase), obj.Spec.VolumeName, capacity, accessModes,
		getPersistentVolumeClaimClass(obj), volumeAttributeClass, translateTimestampSince(obj.CreationTimestamp, now), volumeMode}, nil
}

// getAccessModesAsString is k8s.io/kubernetes pkg/apis/core/helper's: the
// modes, each once, in this order whatever the order of the list.
func getAccessModesAsString(modes []corev1.PersistentVolumeAccessMode) string {
	modesStr := []string{}
	for _, mode := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{
		{corev1.ReadWriteOnce, "RWO"},
		{corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"},
		{corev1.ReadWriteOncePod, "RWOP"},
	} {
		for _, m := range modes {
			if m == mode.mode {
				modesStr = append(modesStr, mode.short)
				break
			}
		}
	}
	return strings.Join(modesStr, ",")
}

// getPersistentVolumeClass is k8s.io/kubernetes pkg/apis/core/helper's:
// the beta annotation wins over storageClassName.
func getPersistentVolumeClass(volume *corev1.PersistentVolume) string {
	if class, found := volume.Annotations[betaStorageClassAnnotation]; found {
		return class
	}

	return volume.Spec.StorageClassName
}

// getPersistentVolumeClaimClass is k8s.io/kubernetes pkg/apis/core/helper's:
// the beta annotation wins over storageClassName.
func getPersistentVolumeClaimClass(claim *corev1.PersistentVolumeClaim) string {
	if class, found := claim.Annotations[betaStorageClassAnnotation]; found {
		return class
	}

	if claim.Spec.StorageClassName != nil {
		return *claim.Spec.StorageClassName
	}

	return ""
}
