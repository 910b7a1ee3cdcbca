package demo

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The builders below fill in what the apiserver's defaulting and the
// controllers would have: a seeded object should look like one read from a
// real cluster's etcd.

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

func meta(kind, namespace, name string, created time.Time, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:              name,
		Namespace:         namespace,
		UID:               uid(kind, namespace, name),
		CreationTimestamp: metav1.NewTime(created),
		Labels:            labels,
	}
}

func namespace(name string, created time.Time) *corev1.Namespace {
	return &corev1.Namespace{
		ObjectMeta: meta("Namespace", "", name, created, map[string]string{"kubernetes.io/metadata.name": name}),
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
}

// newNode is a kubeadm-installed node as its kubelet registered it.
func newNode(name string, created time.Time, controlPlane bool) *corev1.Node {
	labels := map[string]string{
		"beta.kubernetes.io/arch":       "amd64",
		"beta.kubernetes.io/os":         "linux",
		"kubernetes.io/arch":            "amd64",
		"kubernetes.io/hostname":        name,
		"kubernetes.io/os":              "linux",
		"topology.kubernetes.io/region": "dc1",
		"topology.kubernetes.io/zone":   "dc1-a",
	}
	cpu, memory, allocatableMemory := "16", "65841272Ki", "65738872Ki"
	if controlPlane {
		labels["node-role.kubernetes.io/control-plane"] = ""
		labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
		cpu, memory, allocatableMemory = "4", "16376328Ki", "16273928Ki"
	}
	n := &corev1.Node{
		ObjectMeta: meta("Node", "", name, created, labels),
		Spec: corev1.NodeSpec{
			PodCIDR:  podCIDR(name),
			PodCIDRs: []string{podCIDR(name)},
		},
		Status: corev1.NodeStatus{
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU:              mustQuantity(cpu),
				corev1.ResourceEphemeralStorage: mustQuantity("203056560Ki"),
				"hugepages-1Gi":                 mustQuantity("0"),
				"hugepages-2Mi":                 mustQuantity("0"),
				corev1.ResourceMemory:           mustQuantity(memory),
				corev1.ResourcePods:             mustQuantity("110"),
			},
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU:              mustQuantity(cpu),
				corev1.ResourceEphemeralStorage: mustQuantity("187136925387"),
				"hugepages-1Gi":                 mustQuantity("0"),
				"hugepages-2Mi":                 mustQuantity("0"),
				corev1.ResourceMemory:           mustQuantity(allocatableMemory),
				corev1.ResourcePods:             mustQuantity("110"),
			},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: nodeIP(name)},
				{Type: corev1.NodeHostName, Address: name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID:               hexOf("machine/"+name, 32),
				SystemUUID:              strings.ToUpper(string(uid("system", "", name))),
				BootID:                  string(uid("boot", "", name)),
				KernelVersion:           "6.8.0-79-generic",
				OSImage:                 "Ubuntu 24.04.3 LTS",
				ContainerRuntimeVersion: "containerd://2.1.4",
				KubeletVersion:          kubernetesVersion,
				OperatingSystem:         "linux",
				Architecture:            "amd64",
			},
		},
	}
	n.Annotations = map[string]string{
		"kubeadm.alpha.kubernetes.io/cri-socket":                 "unix:///var/run/containerd/containerd.sock",
		"node.alpha.kubernetes.io/ttl":                           "0",
		"volumes.kubernetes.io/controller-managed-attach-detach": "true",
	}
	return n
}

// setReady gives n the conditions its kubelet posts while all is well.
func setReady(n *corev1.Node, heartbeat, since time.Time) {
	hb, tr := metav1.NewTime(heartbeat), metav1.NewTime(since)
	n.Status.Conditions = []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: hb, LastTransitionTime: tr, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: hb, LastTransitionTime: tr, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: hb, LastTransitionTime: tr, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: hb, LastTransitionTime: tr, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
	}
}

// setUnknown gives n the conditions the node lifecycle controller writes when
// the kubelet's last heartbeat is older than node-monitor-grace-period: every
// condition Unknown, heartbeat left at the kubelet's last post.
func setUnknown(n *corev1.Node, lastHeartbeat, since time.Time) {
	hb, tr := metav1.NewTime(lastHeartbeat), metav1.NewTime(since)
	const reason, message = "NodeStatusUnknown", "Kubelet stopped posting node status."
	n.Status.Conditions = nil
	for _, t := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure, corev1.NodeReady} {
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{
			Type: t, Status: corev1.ConditionUnknown, LastHeartbeatTime: hb, LastTransitionTime: tr, Reason: reason, Message: message,
		})
	}
}

// kubeletLease is the heartbeat the kubelet renews every 10 s; the node
// lifecycle controller judges a node by it.
func kubeletLease(n *corev1.Node, renew time.Time) *coordinationv1.Lease {
	l := &coordinationv1.Lease{
		ObjectMeta: meta("Lease", corev1.NamespaceNodeLease, n.Name, n.CreationTimestamp.Time, nil),
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptrTo(n.Name),
			LeaseDurationSeconds: ptrTo[int32](kubeletLeaseSecs),
			RenewTime:            ptrTo(metav1.NewMicroTime(renew)),
		},
	}
	l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}}
	return l
}

// leaderLease is a control plane component's leader election lock; the
// holder identity is "<host>_<uuid>", a new uuid per process start.
func leaderLease(component string, acquired, renew time.Time, transitions int32) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: meta("Lease", "kube-system", component, acquired.Add(-35*24*time.Hour), nil),
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptrTo("control-plane-1_" + string(uid("process", component, acquired.Format(time.RFC3339)))),
			LeaseDurationSeconds: ptrTo[int32](leaderLeaseSecs),
			AcquireTime:          ptrTo(metav1.NewMicroTime(acquired)),
			RenewTime:            ptrTo(metav1.NewMicroTime(renew)),
			LeaseTransitions:     ptrTo(transitions),
		},
	}
}

// workloadPod is replica i of a Deployment's pod.
func workloadPod(namespace, app, node string, i int, created time.Time) *corev1.Pod {
	name := app + "-" + podTemplateHash(namespace+"/"+app) + "-" + randomSuffix(fmt.Sprintf("%s/%s/%d", namespace, app, i))
	return realisticPod(namespace, name, node, i, created)
}

// finalizersFor gives most evicted pods their team's finalizer, a few a
// second one, and two none: the pods stay Terminating either way, because
// no kubelet confirms they stopped.
func finalizersFor(namespace string, i int) []string {
	if i%20 == 19 {
		return nil
	}
	f := []string{map[string]string{
		"shop":       "shop.example.com/drain-connections",
		"payments":   "payments.example.com/settle-transactions",
		"monitoring": "monitoring.example.com/flush-remote-write",
	}[namespace]}
	if i%8 == 3 {
		f = append(f, "audit.example.com/record-termination")
	}
	return f
}

// markNotReady is what the node lifecycle controller does to the pods of a
// node it cannot reach (MarkPodsNotReady): Ready becomes False; everything
// else is the kubelet's last word.
func markNotReady(p *corev1.Pod, at time.Time) {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			p.Status.Conditions[i].Status = corev1.ConditionFalse
			p.Status.Conditions[i].LastTransitionTime = metav1.NewTime(at)
		}
	}
}

// evict is the taint eviction controller's delete: a DisruptionTarget
// condition, then a graceful delete whose deletionTimestamp is the deletion
// time plus the grace period (k8s.io/apiserver pkg/registry/rest/delete.go).
func evict(p *corev1.Pod, evicted, deletionTimestamp time.Time, finalizers []string) {
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
		Type:               corev1.DisruptionTarget,
		Status:             corev1.ConditionTrue,
		LastTransitionTime: metav1.NewTime(evicted),
		Reason:             "DeletionByTaintManager",
		Message:            "Taint manager: deleting due to NoExecute taint",
	})
	p.DeletionTimestamp = ptrTo(metav1.NewTime(deletionTimestamp))
	p.DeletionGracePeriodSeconds = ptrTo[int64](30)
	p.Finalizers = finalizers
}

// systemPod is a kube-system pod with one container on the host network.
func systemPod(name, node string, created time.Time, labels map[string]string, c corev1.Container, priorityClass string, priority int32) *corev1.Pod {
	c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	c.ImagePullPolicy = corev1.PullIfNotPresent
	at := metav1.NewTime(created)
	started := metav1.NewTime(created.Add(3 * time.Second))
	ip := nodeIP(node)
	return &corev1.Pod{
		ObjectMeta: meta("Pod", "kube-system", name, created, labels),
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{c},
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptrTo[int64](30),
			DNSPolicy:                     corev1.DNSClusterFirst,
			NodeName:                      node,
			HostNetwork:                   true,
			SecurityContext:               &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			SchedulerName:                 corev1.DefaultSchedulerName,
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
			PriorityClassName:             priorityClass,
			Priority:                      ptrTo(priority),
			EnableServiceLinks:            ptrTo(true),
			PreemptionPolicy:              ptrTo(corev1.PreemptLowerPriority),
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: at},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: at},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: started},
				{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: started},
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: at},
			},
			HostIP:            ip,
			HostIPs:           []corev1.HostIP{{IP: ip}},
			PodIP:             ip,
			PodIPs:            []corev1.PodIP{{IP: ip}},
			StartTime:         &at,
			ContainerStatuses: []corev1.ContainerStatus{runningStatus("kube-system", name, c.Name, c.Image, started.Time, 0)},
			QOSClass:          corev1.PodQOSBurstable,
		},
	}
}

// staticPod is the mirror pod of a kubeadm control plane component, which
// the kubelet runs from /etc/kubernetes/manifests.
func staticPod(component, node string, created time.Time) *corev1.Pod {
	ip := nodeIP(node)
	image := "registry.k8s.io/" + component + ":" + kubernetesVersion
	var command []string
	annotations := map[string]string{}
	switch component {
	case "etcd":
		image = "registry.k8s.io/etcd:3.6.6-0"
		command = []string{"etcd", "--advertise-client-urls=https://" + ip + ":2379", "--data-dir=/var/lib/etcd",
			"--listen-client-urls=https://127.0.0.1:2379,https://" + ip + ":2379", "--name=" + node,
			"--cert-file=/etc/kubernetes/pki/etcd/server.crt", "--key-file=/etc/kubernetes/pki/etcd/server.key",
			"--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt", "--client-cert-auth=true", "--snapshot-count=10000"}
		annotations["kubeadm.kubernetes.io/etcd.advertise-client-urls"] = "https://" + ip + ":2379"
	case "kube-apiserver":
		command = []string{"kube-apiserver", "--advertise-address=" + ip, "--etcd-servers=https://127.0.0.1:2379",
			"--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt", "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
			"--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key", "--service-cluster-ip-range=10.96.0.0/12",
			"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction", "--secure-port=6443"}
		annotations["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] = ip + ":6443"
	case "kube-controller-manager":
		command = []string{"kube-controller-manager", "--allocate-node-cidrs=true", "--cluster-cidr=10.244.0.0/16",
			"--kubeconfig=/etc/kubernetes/controller-manager.conf", "--leader-elect=true",
			"--service-cluster-ip-range=10.96.0.0/12", "--use-service-account-credentials=true"}
	case "kube-scheduler":
		command = []string{"kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"}
	}
	hash := hexOf("manifest/"+component, 32)
	annotations["kubernetes.io/config.hash"] = hash
	annotations["kubernetes.io/config.mirror"] = hash
	annotations["kubernetes.io/config.seen"] = created.Add(-time.Minute).Format(time.RFC3339Nano)
	annotations["kubernetes.io/config.source"] = "file"
	p := systemPod(component+"-"+node, node, created, map[string]string{"component": component, "tier": "control-plane"}, corev1.Container{
		Name:      component,
		Image:     image,
		Command:   command,
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: mustQuantity("100m")}},
	}, "system-node-critical", 2000001000)
	p.Annotations = annotations
	// Mirror pods are owned by their node, so they go when it goes.
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node, UID: uid("Node", "", node), Controller: ptrTo(true)}}
	return p
}

func corednsPod(name, node string, created time.Time) *corev1.Pod {
	p := systemPod(name, node, created, map[string]string{"k8s-app": "kube-dns", "pod-template-hash": podTemplateHash("kube-system/coredns")}, corev1.Container{
		Name:  "coredns",
		Image: "registry.k8s.io/coredns/coredns:v1.12.1",
		Args:  []string{"-conf", "/etc/coredns/Corefile"},
		Ports: []corev1.ContainerPort{
			{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: mustQuantity("100m"), corev1.ResourceMemory: mustQuantity("70Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: mustQuantity("170Mi")},
		},
	}, "system-cluster-critical", 2000000000)
	// CoreDNS runs in the pod network, not the host's.
	p.Spec.HostNetwork = false
	p.Spec.DNSPolicy = corev1.DNSDefault
	p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "coredns", "coredns"
	p.Spec.Tolerations = []corev1.Toleration{
		{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
		{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo[int64](300)},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptrTo[int64](300)},
	}
	ip := podIP(node, 2)
	p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	rs := "coredns-" + podTemplateHash("kube-system/coredns")
	p.GenerateName = rs + "-"
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs,
		UID: uid("ReplicaSet", "kube-system", rs), Controller: ptrTo(true), BlockOwnerDeletion: ptrTo(true)}}
	return p
}

func kubeProxyPod(node string, created time.Time) *corev1.Pod {
	name := "kube-proxy-" + randomSuffix("kube-proxy/"+node)
	p := systemPod(name, node, created, map[string]string{"k8s-app": "kube-proxy", "controller-revision-hash": "7c9bd5f8d4", "pod-template-generation": "1"}, corev1.Container{
		Name:    "kube-proxy",
		Image:   "registry.k8s.io/kube-proxy:" + kubernetesVersion,
		Command: []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"},
		Env: []corev1.EnvVar{{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}}},
		SecurityContext: &corev1.SecurityContext{Privileged: ptrTo(true)},
	}, "system-node-critical", 2000001000)
	p.GenerateName = "kube-proxy-"
	p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "kube-proxy", "kube-proxy"
	// The DaemonSet controller adds these: its pods tolerate an unreachable
	// node for ever, so they are never evicted.
	p.Spec.Tolerations = []corev1.Toleration{
		{Operator: corev1.TolerationOpExists},
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	}
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "kube-proxy",
		UID: uid("DaemonSet", "kube-system", "kube-proxy"), Controller: ptrTo(true), BlockOwnerDeletion: ptrTo(true)}}
	return p
}

// rootCAConfigMap is what the root CA cert publisher puts in every namespace.
func rootCAConfigMap(ns string, created time.Time) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		ObjectMeta: meta("ConfigMap", ns, "kube-root-ca.crt", created, nil),
		Data:       map[string]string{"ca.crt": fakePEM("kubernetes-ca")},
	}
	cm.Annotations = map[string]string{
		"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
	}
	return cm
}

// appConfigMap is a workload's configuration: the key its container reads
// into the environment, and its config file.
func appConfigMap(ns string, a app, created time.Time) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: meta("ConfigMap", ns, a.name+"-config", created, map[string]string{"app": a.name}),
		Data: map[string]string{
			a.configKey:   "from-" + a.name + "-config",
			"config.yaml": fmt.Sprintf("listen: :%d\nmetrics: :9090\nlogLevel: info\n", a.port),
		},
	}
}

// appTLSSecret is a workload's serving certificate (cert-manager's shape).
func appTLSSecret(ns string, a app, created time.Time) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: meta("Secret", ns, a.name+"-tls", created, map[string]string{"app": a.name}),
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			corev1.TLSCertKey:       []byte(fakePEM(ns + "/" + a.name + "-tls")),
			corev1.TLSPrivateKeyKey: []byte(fakePEM(ns + "/" + a.name + "-tls-key")),
		},
	}
}

// fakePEM looks like a certificate; it is not one (nothing in lifeboat
// parses it).
func fakePEM(seed string) string {
	body := base64.StdEncoding.EncodeToString(digest("pem/"+seed, 789))
	var sb strings.Builder
	sb.WriteString("-----BEGIN CERTIFICATE-----\n")
	for len(body) > 64 {
		sb.WriteString(body[:64] + "\n")
		body = body[64:]
	}
	sb.WriteString(body + "\n-----END CERTIFICATE-----\n")
	return sb.String()
}

func frontendService(created time.Time) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: meta("Service", "shop", "frontend", created, map[string]string{"app": "frontend"}),
		Spec: corev1.ServiceSpec{
			Ports:                 []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http")}},
			Selector:              map[string]string{"app": "frontend"},
			ClusterIP:             "10.104.87.213",
			ClusterIPs:            []string{"10.104.87.213"},
			Type:                  corev1.ServiceTypeClusterIP,
			SessionAffinity:       corev1.ServiceAffinityNone,
			IPFamilies:            []corev1.IPFamily{corev1.IPv4Protocol},
			IPFamilyPolicy:        ptrTo(corev1.IPFamilyPolicySingleStack),
			InternalTrafficPolicy: ptrTo(corev1.ServiceInternalTrafficPolicyCluster),
		},
	}
}

func frontendEndpoints(ready []*corev1.Pod, created, changed time.Time) *corev1.Endpoints {
	ep := &corev1.Endpoints{ObjectMeta: meta("Endpoints", "shop", "frontend", created, map[string]string{"app": "frontend"})}
	ep.Annotations = map[string]string{"endpoints.kubernetes.io/last-change-trigger-time": changed.Format(time.RFC3339)}
	subset := corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}}}
	for _, p := range ready {
		subset.Addresses = append(subset.Addresses, corev1.EndpointAddress{
			IP:        p.Status.PodIP,
			NodeName:  ptrTo(p.Spec.NodeName),
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
		})
	}
	ep.Subsets = []corev1.EndpointSubset{subset}
	return ep
}

// podEvents are the events a pod on a lost node collects, named as
// client-go's recorder names them: "<object>.<unix nanoseconds in hex>".
func podEvents(p *corev1.Pod, notReady, evicted time.Time) []*corev1.Event {
	ref := corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, APIVersion: "v1"}
	event := func(at time.Time, typ, reason, message, component string) *corev1.Event {
		name := fmt.Sprintf("%s.%x", p.Name, at.UnixNano())
		return &corev1.Event{
			ObjectMeta:          meta("Event", p.Namespace, name, at, nil),
			InvolvedObject:      ref,
			Reason:              reason,
			Message:             message,
			Source:              corev1.EventSource{Component: component},
			FirstTimestamp:      metav1.NewTime(at),
			LastTimestamp:       metav1.NewTime(at),
			Count:               1,
			Type:                typ,
			ReportingController: component,
		}
	}
	return []*corev1.Event{
		event(notReady, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready", "node-controller"),
		event(evicted, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod "+p.Namespace+"/"+p.Name, "taint-eviction-controller"),
	}
}

// cronTabCRD is the CustomResourceDefinition of the Kubernetes docs'
// example, as kube-apiserver stores it once established: JSON (the seed
// encodes it with codec.EncodeStorageJSON), apiextensions.k8s.io/v1beta1,
// whatever version it was created with (kubernetes
// pkg/controlplane/apiserver/apiextensions.go prefers v1beta1 for storage,
// issue 82292; e2e/storage_test.go checks both against a real apiserver).
func cronTabCRD(created time.Time) *apiextensionsv1beta1.CustomResourceDefinition {
	const name = "crontabs.stable.example.com"
	names := apiextensionsv1beta1.CustomResourceDefinitionNames{
		Kind: "CronTab", ListKind: "CronTabList", Plural: "crontabs", Singular: "crontab", ShortNames: []string{"ct"},
	}
	at := metav1.NewTime(created)
	return &apiextensionsv1beta1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1beta1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              name,
			UID:               uid("CustomResourceDefinition", "", name),
			Generation:        1,
			CreationTimestamp: at,
		},
		Spec: apiextensionsv1beta1.CustomResourceDefinitionSpec{
			Group:                 "stable.example.com",
			Names:                 names,
			Scope:                 apiextensionsv1beta1.NamespaceScoped,
			Conversion:            &apiextensionsv1beta1.CustomResourceConversion{Strategy: apiextensionsv1beta1.NoneConverter},
			PreserveUnknownFields: ptrTo(false),
			Versions: []apiextensionsv1beta1.CustomResourceDefinitionVersion{{
				Name:    "v1",
				Served:  true,
				Storage: true,
				Schema: &apiextensionsv1beta1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1beta1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1beta1.JSONSchemaProps{
						"spec": {
							Type: "object",
							Properties: map[string]apiextensionsv1beta1.JSONSchemaProps{
								"cronSpec": {Type: "string"},
								"image":    {Type: "string"},
								"replicas": {Type: "integer"},
							},
						},
					},
				}},
			}},
		},
		Status: apiextensionsv1beta1.CustomResourceDefinitionStatus{
			AcceptedNames: names,
			Conditions: []apiextensionsv1beta1.CustomResourceDefinitionCondition{
				{Type: apiextensionsv1beta1.NamesAccepted, Status: apiextensionsv1beta1.ConditionTrue, LastTransitionTime: at, Reason: "NoConflicts", Message: "no conflicts found"},
				{Type: apiextensionsv1beta1.Established, Status: apiextensionsv1beta1.ConditionTrue, LastTransitionTime: at, Reason: "InitialNamesAccepted", Message: "the initial names have been accepted"},
			},
			StoredVersions: []string{"v1"},
		},
	}
}

// nightlyBackup is a CronTab custom resource with a finalizer its (absent)
// operator would remove.
func nightlyBackup(created time.Time) map[string]any {
	return map[string]any{
		"apiVersion": "stable.example.com/v1",
		"kind":       "CronTab",
		"metadata": map[string]any{
			"name":              "nightly-backup",
			"namespace":         "default",
			"uid":               string(uid("CronTab", "default", "nightly-backup")),
			"generation":        3,
			"creationTimestamp": created.Format(time.RFC3339),
			"finalizers":        []any{"stable.example.com/cleanup"},
			"labels":            map[string]any{"app.kubernetes.io/managed-by": "backup-operator"},
		},
		"spec": map[string]any{
			"cronSpec": "0 3 * * *",
			"image":    "backup:1.4",
			"replicas": 2,
		},
	}
}

// deployment is the Deployment whose ReplicaSet owns pod: its template is
// the pod's, without what the scheduler and the admission plugins added.
func deployment(pod *corev1.Pod, replicas int32, created time.Time) *appsv1.Deployment {
	app := pod.Labels["app"]
	labels := map[string]string{}
	for k, v := range pod.Labels {
		if k != "pod-template-hash" {
			labels[k] = v
		}
	}
	spec := *pod.Spec.DeepCopy()
	spec.NodeName = ""
	spec.Volumes = slices.DeleteFunc(spec.Volumes, func(v corev1.Volume) bool { return strings.HasPrefix(v.Name, "kube-api-access-") })
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			cs[i].VolumeMounts = slices.DeleteFunc(cs[i].VolumeMounts, func(m corev1.VolumeMount) bool { return strings.HasPrefix(m.Name, "kube-api-access-") })
		}
	}
	quarter := intstr.FromString("25%")
	d := &appsv1.Deployment{
		ObjectMeta: meta("Deployment", pod.Namespace, app, created, map[string]string{"app": app}),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: pod.Annotations}, Spec: spec},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &quarter, MaxSurge: &quarter}},
			RevisionHistoryLimit:    ptrTo[int32](10),
			ProgressDeadlineSeconds: ptrTo[int32](600),
		},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: replicas, UpdatedReplicas: replicas},
	}
	d.Generation = 1
	d.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1"}
	return d
}
