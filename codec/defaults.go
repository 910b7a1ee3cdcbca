package codec

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ReadDefaults applies the defaults kube-apiserver applies to an object it
// reads from etcd before printing it, where they change a column: its
// storage codec runs the scheme's defaulters after every decode
// (k8s.io/apimachinery runtime/serializer/versioning), so a status a
// strategy cleared on create reads back defaulted. Ported from
// k8s.io/kubernetes pkg/apis/core/v1/defaults.go (v1.36.3):
// SetDefaults_PersistentVolume, SetDefaults_PersistentVolumeClaim,
// SetDefaults_PersistentVolumeClaimSpec and SetDefaults_NamespaceStatus.
// e2e's tables and internal/kubefixtures' show that no other default
// changes what kubectl prints. obj is not modified: a default needs a copy.
// render/printers' Cells print what they are given, as upstream's printers
// do: callers that print what etcd holds apply ReadDefaults first; so does
// Render and AppendJSON with RenderOptions.Served.
func ReadDefaults(obj runtime.Object) runtime.Object {
	switch o := obj.(type) {
	case *corev1.PersistentVolume:
		if o.Status.Phase != "" && o.Spec.PersistentVolumeReclaimPolicy != "" && o.Spec.VolumeMode != nil {
			return obj
		}
		o = o.DeepCopy()
		if o.Status.Phase == "" {
			o.Status.Phase = corev1.VolumePending
		}
		if o.Spec.PersistentVolumeReclaimPolicy == "" {
			o.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		}
		if o.Spec.VolumeMode == nil {
			mode := corev1.PersistentVolumeFilesystem
			o.Spec.VolumeMode = &mode
		}
		return o
	case *corev1.PersistentVolumeClaim:
		if o.Status.Phase != "" && o.Spec.VolumeMode != nil {
			return obj
		}
		o = o.DeepCopy()
		if o.Status.Phase == "" {
			o.Status.Phase = corev1.ClaimPending
		}
		if o.Spec.VolumeMode == nil {
			mode := corev1.PersistentVolumeFilesystem
			o.Spec.VolumeMode = &mode
		}
		return o
	case *corev1.Namespace:
		if o.Status.Phase != "" {
			return obj
		}
		o = o.DeepCopy()
		o.Status.Phase = corev1.NamespaceActive
		return o
	}
	return obj
}
