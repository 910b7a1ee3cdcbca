package printerstest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func storageCases(now time.Time) []Case {
	meta := func(name string, annotations map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Annotations: annotations, CreationTimestamp: metav1.NewTime(now.Add(-72 * time.Hour))}
	}
	betaClass := map[string]string{"volume.beta.kubernetes.io/storage-class": "legacy"}

	volume := &corev1.PersistentVolume{
		ObjectMeta: meta("pv-1", betaClass),
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadWriteOnce, corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			ClaimRef:                      &corev1.ObjectReference{Namespace: "shop", Name: "data-db-0"},
			StorageClassName:              "fast",
			VolumeMode:                    new(corev1.PersistentVolumeFilesystem),
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
	}
	releasing := volume.DeepCopy()
	releasing.Name = "pv-2"
	releasing.Annotations = nil
	releasing.DeletionTimestamp = new(metav1.NewTime(now))
	releasing.Spec.VolumeAttributesClassName = new("gold")
	releasing.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased, Reason: "claim deleted"}

	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: meta("data-db-0", betaClass),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}},
			VolumeName:       "pv-1",
			StorageClassName: new("fast"),
		},
		Status: corev1.PersistentVolumeClaimStatus{
			Phase:       corev1.ClaimBound,
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany, corev1.ReadWriteOnce},
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
		},
	}
	pending := &corev1.PersistentVolumeClaim{
		ObjectMeta: meta("data-db-1", nil),
		Spec: corev1.PersistentVolumeClaimSpec{
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}},
			StorageClassName: new("fast"),
			VolumeMode:       new(corev1.PersistentVolumeBlock),
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}

	betaDefault := &storagev1.StorageClass{
		ObjectMeta:  meta("standard", map[string]string{"storageclass.beta.kubernetes.io/is-default-class": "true"}),
		Provisioner: "ebs.csi.aws.com",
	}
	waitForConsumer := storagev1.VolumeBindingWaitForFirstConsumer
	retain := corev1.PersistentVolumeReclaimRetain
	fast := &storagev1.StorageClass{
		ObjectMeta:           meta("fast", map[string]string{"storageclass.kubernetes.io/is-default-class": "false"}),
		Provisioner:          "ebs.csi.aws.com",
		ReclaimPolicy:        &retain,
		VolumeBindingMode:    &waitForConsumer,
		AllowVolumeExpansion: new(true),
	}

	return []Case{
		{"persistentvolume bound, class from the beta annotation", volume, []any{"pv-1", "10Gi", "RWO,RWOP", "Retain", "Bound", "shop/data-db-0", "legacy", "<unset>", "", "3d", "Filesystem"}},
		{"persistentvolume being deleted: Terminating", releasing, []any{"pv-2", "10Gi", "RWO,RWOP", "Retain", "Terminating", "shop/data-db-0", "fast", "gold", "claim deleted", "3d", "Filesystem"}},
		{"persistentvolumeclaim bound, class from the beta annotation", claim, []any{"data-db-0", "Bound", "pv-1", "10Gi", "RWO,ROX", "legacy", "<unset>", "3d", "<unset>"}},
		{"persistentvolumeclaim pending", pending, []any{"data-db-1", "Pending", "", "", "", "fast", "<unset>", "3d", "Block"}},
		{"storageclass default by the beta annotation", betaDefault, []any{"standard (default)", "ebs.csi.aws.com", "Delete", "Immediate", false, "3d"}},
		{"storageclass not default", fast, []any{"fast", "ebs.csi.aws.com", "Retain", "WaitForFirstConsumer", true, "3d"}},
	}
}
