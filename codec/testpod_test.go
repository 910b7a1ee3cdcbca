package codec

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// testTime is a fixed instant so that encoded values and golden files are
// reproducible.
var testTime = metav1.NewTime(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))

// realisticPod builds a pod the size of a typical production pod (~5 KiB in
// protobuf): several containers with env, ports, probes and mounts, volumes,
// labels, annotations, owner references, and a status with conditions and
// container statuses. It is marked for deletion, as a pod stuck Terminating.
func realisticPod() *corev1.Pod {
	grace := int64(30)
	deleted := metav1.NewTime(testTime.Add(time.Hour))
	ctrl := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:                       "checkout-7d9f8b6c5d-x2k4p",
			GenerateName:               "checkout-7d9f8b6c5d-",
			Namespace:                  "shop",
			UID:                        types.UID("5f0c1a9e-3b2d-4c7e-9a61-2f8e4d1b7c30"),
			CreationTimestamp:          testTime,
			DeletionTimestamp:          &deleted,
			DeletionGracePeriodSeconds: &grace,
			Labels: map[string]string{
				"app.kubernetes.io/name":      "checkout",
				"app.kubernetes.io/component": "api",
				"app.kubernetes.io/part-of":   "shop",
				"pod-template-hash":           "7d9f8b6c5d",
				"version":                     "v2.14.3",
			},
			Annotations: map[string]string{
				"prometheus.io/scrape":                           "true",
				"prometheus.io/port":                             "9090",
				"kubectl.kubernetes.io/restartedAt":              "2026-03-14T15:00:00Z",
				"cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "checkout-7d9f8b6c5d",
				UID: types.UID("0b6e2c84-1f3a-4d59-8e27-6c4a9d0f1b52"), Controller: &ctrl, BlockOwnerDeletion: &ctrl,
			}},
			Finalizers: []string{"shop.example.com/drain"},
		},
		Spec: corev1.PodSpec{
			NodeName:                      "worker-3",
			ServiceAccountName:            "checkout",
			RestartPolicy:                 corev1.RestartPolicyAlways,
			DNSPolicy:                     corev1.DNSClusterFirst,
			SchedulerName:                 "default-scheduler",
			TerminationGracePeriodSeconds: &grace,
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
			},
		},
		Status: corev1.PodStatus{
			Phase:     corev1.PodRunning,
			HostIP:    "10.0.3.17",
			PodIP:     "10.244.3.41",
			PodIPs:    []corev1.PodIP{{IP: "10.244.3.41"}},
			StartTime: &testTime,
			QOSClass:  corev1.PodQOSBurstable,
		},
	}
	for i, name := range []string{"api", "sidecar-proxy", "log-shipper"} {
		c := corev1.Container{
			Name:            name,
			Image:           fmt.Sprintf("registry.example.com/shop/%s:v2.14.%d", name, i),
			ImagePullPolicy: corev1.PullIfNotPresent,
			Args:            []string{"--config=/etc/" + name + "/config.yaml", "--log-level=info"},
			Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: int32(8080 + i), Protocol: corev1.ProtocolTCP}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
			},
			ReadinessProbe: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(int32(8080 + i))}},
				PeriodSeconds: 10,
			},
			VolumeMounts: []corev1.VolumeMount{
				{Name: "config", MountPath: "/etc/" + name},
				{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true},
			},
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		}
		for j := range 14 {
			c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("SHOP_SETTING_%d", j), Value: fmt.Sprintf("value-%d-for-%s", j, name)})
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}})
		pod.Spec.Containers = append(pod.Spec.Containers, c)
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name:        name,
			Ready:       true,
			Image:       c.Image,
			ImageID:     "registry.example.com/shop/" + name + "@sha256:4c1e0d8f3a2b9c7e6d5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
			ContainerID: "containerd://9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
			Started:     &ctrl,
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: testTime}},
		})
	}
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "checkout-config"}}}},
		{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr(int64(3607))}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
		}}}},
	}
	for _, t := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled} {
		pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: testTime})
	}
	return pod
}

func ptr[T any](v T) *T { return &v }
