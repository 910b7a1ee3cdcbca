package demo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// podEpoch is when RealisticPod's pods were created. Capsized and
// TerminatingPods move the pod's timestamps relative to their Now.
var podEpoch = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// app is one workload's look: everything in its pods that is not per pod.
type app struct {
	name      string
	tier      string
	image     string // without tag
	port      int32
	cpu, mem  string // requests; limits are twice as much
	configKey string // the app's main setting, in its ConfigMap
}

// apps are the workloads the seeded cluster runs, by namespace.
var apps = map[string][]app{
	"shop": {
		{name: "frontend", tier: "frontend", image: "registry.example.com/shop/frontend", port: 8080, cpu: "250m", mem: "256Mi", configKey: "UPSTREAM_CART_URL"},
		{name: "cart", tier: "backend", image: "registry.example.com/shop/cart", port: 8080, cpu: "200m", mem: "192Mi", configKey: "REDIS_ADDR"},
		{name: "checkout", tier: "backend", image: "registry.example.com/shop/checkout", port: 8080, cpu: "300m", mem: "384Mi", configKey: "PAYMENTS_URL"},
		{name: "catalog", tier: "backend", image: "registry.example.com/shop/catalog", port: 8080, cpu: "200m", mem: "512Mi", configKey: "SEARCH_INDEX"},
	},
	"payments": {
		{name: "payments-api", tier: "backend", image: "registry.example.com/payments/api", port: 8443, cpu: "500m", mem: "512Mi", configKey: "LEDGER_URL"},
		{name: "ledger", tier: "backend", image: "registry.example.com/payments/ledger", port: 8443, cpu: "500m", mem: "1Gi", configKey: "DB_POOL_SIZE"},
		{name: "fraud-check", tier: "backend", image: "registry.example.com/payments/fraud-check", port: 8080, cpu: "250m", mem: "768Mi", configKey: "MODEL_VERSION"},
	},
	"monitoring": {
		{name: "grafana", tier: "monitoring", image: "docker.io/grafana/grafana", port: 3000, cpu: "100m", mem: "256Mi", configKey: "GF_SERVER_ROOT_URL"},
		{name: "kube-state-metrics", tier: "monitoring", image: "registry.k8s.io/kube-state-metrics/kube-state-metrics", port: 8080, cpu: "100m", mem: "190Mi", configKey: "METRIC_LABELS_ALLOWLIST"},
		{name: "blackbox-exporter", tier: "monitoring", image: "quay.io/prometheus/blackbox-exporter", port: 9115, cpu: "50m", mem: "64Mi", configKey: "PROBE_TIMEOUT"},
	},
}

// appFor finds the workload a pod name belongs to: Deployment pods are named
// <deployment>-<pod-template-hash>-<suffix>. Names of another shape are their
// own app, with a hash derived from i.
func appFor(namespace, name string, i int) (a app, hash string) {
	base, hash := name, podTemplateHash(fmt.Sprintf("%s/%d", namespace, i))
	if parts := strings.Split(name, "-"); len(parts) >= 3 {
		base, hash = strings.Join(parts[:len(parts)-2], "-"), parts[len(parts)-2]
	}
	return appNamed(namespace, base), hash
}

// appNamed is the app called base in namespace: one of apps, or, in a
// namespace apps does not list (the benchmarks'), a backend of that name.
func appNamed(namespace, base string) app {
	for _, a := range apps[namespace] {
		if a.name == base {
			return a
		}
	}
	return app{name: base, tier: "backend", image: "registry.example.com/" + namespace + "/" + base,
		port: 8080, cpu: "100m", mem: "128Mi", configKey: "FEATURE_FLAGS"}
}

// RealisticPod returns a pod as a Deployment's pod looks in etcd once it runs:
// defaults filled in by the apiserver, scheduled to node, status posted by its
// kubelet. Stored with EncodeProtobuf it takes about 5 KiB, the size of a
// typical workload pod, so benchmarks move realistic amounts of data. The pod
// is the same for the same arguments.
//
// A name of the form <deployment>-<hash>-<suffix> (as Deployment pods are
// named) sets the app label, pod-template-hash and owning ReplicaSet.
func RealisticPod(namespace, name, node string, i int) *corev1.Pod {
	return realisticPod(namespace, name, node, i, podEpoch.Add(time.Duration(i)*time.Minute))
}

func realisticPod(namespace, name, node string, i int, created time.Time) *corev1.Pod {
	a, hash := appFor(namespace, name, i)
	rs := a.name + "-" + hash
	// The image is part of the pod template: every replica runs the same.
	v := digest("version/"+namespace+"/"+rs, 2)
	version := fmt.Sprintf("v2.%d.%d", 10+int(v[0])%7, int(v[1])%5)
	image := a.image + ":" + version
	started := created.Add(4 * time.Second)
	ready := started.Add(9 * time.Second)
	at := func(t time.Time) metav1.Time { return metav1.NewTime(t) }
	kubeAPIAccess := "kube-api-access-" + randomSuffix(namespace+"/"+name)

	labels := map[string]string{
		"app":                       a.name,
		"app.kubernetes.io/name":    a.name,
		"app.kubernetes.io/part-of": namespace,
		"app.kubernetes.io/version": version,
		"pod-template-hash":         hash,
		"tier":                      a.tier,
	}
	annotations := map[string]string{
		"checksum/config":                         hexOf("config/"+namespace+"/"+a.name, 64),
		"kubectl.kubernetes.io/default-container": a.name,
		"prometheus.io/path":                      "/metrics",
		"prometheus.io/port":                      "9090",
		"prometheus.io/scrape":                    "true",
	}

	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              name,
			GenerateName:      rs + "-",
			Namespace:         namespace,
			UID:               uid("Pod", namespace, name),
			CreationTimestamp: at(created),
			Labels:            labels,
			Annotations:       annotations,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion:         "apps/v1",
				Kind:               "ReplicaSet",
				Name:               rs,
				UID:                uid("ReplicaSet", namespace, rs),
				Controller:         ptrTo(true),
				BlockOwnerDeletion: ptrTo(true),
			}},
		},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: a.name + "-config"},
					DefaultMode:          ptrTo[int32](420),
				}}},
				{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
					SecretName:  a.name + "-tls",
					DefaultMode: ptrTo[int32](420),
				}}},
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
					SizeLimit: ptrTo(resource.MustParse("256Mi")),
				}}},
				{Name: kubeAPIAccess, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
					Sources: []corev1.VolumeProjection{
						{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptrTo[int64](3607), Path: "token"}},
						{ConfigMap: &corev1.ConfigMapProjection{
							LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
							Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
						}},
						{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
							Path:     "namespace",
							FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
						}}}},
					},
					DefaultMode: ptrTo[int32](420),
				}}},
			},
			InitContainers: []corev1.Container{{
				Name:    "wait-for-deps",
				Image:   "docker.io/library/busybox:1.37",
				Command: []string{"sh", "-c", "until nc -z -w 2 $(DEP_HOST) $(DEP_PORT); do echo waiting for $(DEP_HOST); sleep 2; done"},
				Env: []corev1.EnvVar{
					{Name: "DEP_HOST", Value: a.name + "-db." + namespace + ".svc.cluster.local"},
					{Name: "DEP_PORT", Value: "5432"},
				},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
				},
				VolumeMounts:             []corev1.VolumeMount{{Name: kubeAPIAccess, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}},
				TerminationMessagePath:   corev1.TerminationMessagePathDefault,
				TerminationMessagePolicy: corev1.TerminationMessageReadFile,
				ImagePullPolicy:          corev1.PullIfNotPresent,
			}},
			Containers: []corev1.Container{
				{
					Name:  a.name,
					Image: image,
					Args:  []string{"--config=/etc/" + a.name + "/config.yaml", "--listen=:" + fmt.Sprint(a.port), "--metrics-listen=:9090"},
					Ports: []corev1.ContainerPort{
						{Name: "http", ContainerPort: a.port, Protocol: corev1.ProtocolTCP},
						{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
					},
					Env: []corev1.EnvVar{
						{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
						{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}},
						{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}},
						{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}},
						{Name: "GOMAXPROCS", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: a.name, Resource: "limits.cpu", Divisor: resource.MustParse("1")}}},
						{Name: "LOG_LEVEL", Value: "info"},
						{Name: "LOG_FORMAT", Value: "json"},
						{Name: "HTTP_PORT", Value: fmt.Sprint(a.port)},
						{Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: "http://otel-collector.monitoring.svc.cluster.local:4317"},
						{Name: "OTEL_SERVICE_NAME", Value: a.name},
						{Name: "DB_HOST", Value: a.name + "-db." + namespace + ".svc.cluster.local"},
						{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
							LocalObjectReference: corev1.LocalObjectReference{Name: a.name + "-db"}, Key: "password",
						}}},
						{Name: a.configKey, ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
							LocalObjectReference: corev1.LocalObjectReference{Name: a.name + "-config"}, Key: a.configKey,
						}}},
					},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(a.cpu), corev1.ResourceMemory: resource.MustParse(a.mem)},
						Limits:   corev1.ResourceList{corev1.ResourceCPU: double(a.cpu), corev1.ResourceMemory: double(a.mem)},
					},
					VolumeMounts: []corev1.VolumeMount{
						{Name: "config", ReadOnly: true, MountPath: "/etc/" + a.name},
						{Name: "tls", ReadOnly: true, MountPath: "/etc/tls"},
						{Name: "tmp", MountPath: "/tmp"},
						{Name: kubeAPIAccess, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"},
					},
					LivenessProbe:            httpProbe("/healthz", "http", 10, 3),
					ReadinessProbe:           httpProbe("/readyz", "http", 5, 3),
					StartupProbe:             httpProbe("/healthz", "http", 2, 30),
					TerminationMessagePath:   corev1.TerminationMessagePathDefault,
					TerminationMessagePolicy: corev1.TerminationMessageReadFile,
					ImagePullPolicy:          corev1.PullIfNotPresent,
					SecurityContext: &corev1.SecurityContext{
						Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						RunAsNonRoot:             ptrTo(true),
						ReadOnlyRootFilesystem:   ptrTo(true),
						AllowPrivilegeEscalation: ptrTo(false),
					},
				},
				{
					Name:  "log-shipper",
					Image: "cr.fluentbit.io/fluent/fluent-bit:4.0.3",
					Args:  []string{"--config=/fluent-bit/etc/fluent-bit.yaml"},
					Env: []corev1.EnvVar{
						{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}},
						{Name: "LOKI_URL", Value: "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push"},
					},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
					},
					VolumeMounts: []corev1.VolumeMount{
						{Name: "tmp", MountPath: "/tmp"},
						{Name: kubeAPIAccess, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"},
					},
					TerminationMessagePath:   corev1.TerminationMessagePathDefault,
					TerminationMessagePolicy: corev1.TerminationMessageReadFile,
					ImagePullPolicy:          corev1.PullIfNotPresent,
				},
			},
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptrTo[int64](30),
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            a.name,
			DeprecatedServiceAccount:      a.name,
			NodeName:                      node,
			SecurityContext: &corev1.PodSecurityContext{
				RunAsUser:      ptrTo[int64](10001),
				FSGroup:        ptrTo[int64](10001),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			SchedulerName: corev1.DefaultSchedulerName,
			// The DefaultTolerationSeconds admission plugin adds these two to
			// every pod: it is why the taint eviction controller evicts pods
			// 300 s after a node becomes unreachable.
			Tolerations: []corev1.Toleration{
				{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo[int64](300)},
				{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo[int64](300)},
			},
			Priority:           ptrTo[int32](0),
			EnableServiceLinks: ptrTo(true),
			PreemptionPolicy:   ptrTo(corev1.PreemptLowerPriority),
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: at(created.Add(2 * time.Second))},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: at(started)},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: at(ready)},
				{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: at(ready)},
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: at(created)},
			},
			HostIP:    nodeIP(node),
			HostIPs:   []corev1.HostIP{{IP: nodeIP(node)}},
			PodIP:     podIP(node, i),
			PodIPs:    []corev1.PodIP{{IP: podIP(node, i)}},
			StartTime: ptrTo(at(created)),
			InitContainerStatuses: []corev1.ContainerStatus{{
				Name: "wait-for-deps",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					Reason:      "Completed",
					StartedAt:   at(created.Add(time.Second)),
					FinishedAt:  at(started.Add(-time.Second)),
					ContainerID: containerID(namespace, name, "wait-for-deps"),
				}},
				Ready:       true,
				Image:       "docker.io/library/busybox:1.37",
				ImageID:     "docker.io/library/busybox@sha256:" + hexOf("busybox:1.37", 64),
				ContainerID: containerID(namespace, name, "wait-for-deps"),
				Started:     ptrTo(false),
			}},
			ContainerStatuses: []corev1.ContainerStatus{
				runningStatus(namespace, name, a.name, image, started, int32(i%3)),
				runningStatus(namespace, name, "log-shipper", "cr.fluentbit.io/fluent/fluent-bit:4.0.3", started, 0),
			},
			QOSClass: corev1.PodQOSBurstable,
		},
	}
	pod.ManagedFields = podManagedFields(pod, created, ready)
	return pod
}

// podManagedFields records, as server-side apply does, that the ReplicaSet
// controller created the pod and its kubelet owns the status. The field sets
// are abridged to the fields an SRE looks at; real ones list every field.
func podManagedFields(pod *corev1.Pod, created, ready time.Time) []metav1.ManagedFieldsEntry {
	set := func() map[string]any { return map[string]any{".": map[string]any{}} }
	fields := func(names ...string) map[string]any {
		m := map[string]any{}
		for _, n := range names {
			m["f:"+n] = map[string]any{}
		}
		return m
	}
	labels := set()
	for k := range pod.Labels {
		labels["f:"+k] = map[string]any{}
	}
	spec := fields("containers", "dnsPolicy", "enableServiceLinks", "initContainers", "restartPolicy", "schedulerName",
		"securityContext", "serviceAccount", "serviceAccountName", "terminationGracePeriodSeconds", "tolerations", "volumes")
	ownerRefs := set()
	ownerRefs[`k:{"uid":"`+string(pod.OwnerReferences[0].UID)+`"}`] = map[string]any{}
	controller := map[string]any{
		"f:metadata": map[string]any{
			"f:generateName":    map[string]any{},
			"f:labels":          labels,
			"f:ownerReferences": ownerRefs,
		},
		"f:spec": spec,
	}
	status := fields("conditions", "containerStatuses", "hostIP", "hostIPs", "initContainerStatuses", "phase", "podIP", "podIPs", "startTime")
	kubelet := map[string]any{"f:status": status}

	return []metav1.ManagedFieldsEntry{
		{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
			Time: ptrTo(metav1.NewTime(created)), FieldsType: "FieldsV1", FieldsV1: fieldsV1(controller)},
		{Manager: "kubelet", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
			Time: ptrTo(metav1.NewTime(ready)), FieldsType: "FieldsV1", FieldsV1: fieldsV1(kubelet), Subresource: "status"},
	}
}

// fieldsV1 encodes a field set; encoding/json sorts map keys, so the bytes
// are the same every time.
func fieldsV1(set map[string]any) *metav1.FieldsV1 {
	raw, err := json.Marshal(set)
	if err != nil {
		panic(err) // maps of strings cannot fail to marshal
	}
	return &metav1.FieldsV1{Raw: raw}
}

func httpProbe(path, port string, period, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path:   path,
			Port:   intstr.FromString(port),
			Scheme: corev1.URISchemeHTTP,
		}},
		TimeoutSeconds:   1,
		PeriodSeconds:    period,
		SuccessThreshold: 1,
		FailureThreshold: failures,
	}
}

func runningStatus(namespace, pod, container, image string, started time.Time, restarts int32) corev1.ContainerStatus {
	repo, _, _ := strings.Cut(image, ":")
	return corev1.ContainerStatus{
		Name:         container,
		State:        corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}},
		Ready:        true,
		RestartCount: restarts,
		Image:        image,
		ImageID:      repo + "@sha256:" + hexOf(image, 64),
		ContainerID:  containerID(namespace, pod, container),
		Started:      ptrTo(true),
	}
}

func containerID(namespace, pod, container string) string {
	return "containerd://" + hexOf(namespace+"/"+pod+"/"+container, 64)
}

// double is a limit of twice the request, as the seeded workloads set them.
func double(q string) resource.Quantity {
	v := resource.MustParse(q)
	v.Add(v)
	return v
}
