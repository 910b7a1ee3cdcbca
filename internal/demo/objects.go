package demo

import (
	"fmt"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// apiserverIdentityLease is the identity lease kube-apiserver keeps in
// kube-system (k8s.io/kubernetes pkg/controlplane/apiserver/server.go):
// named after a hash of its host name, held by that name and a uuid per
// process start, lasting an hour and renewed every 10 s.
func apiserverIdentityLease(host string, started, renew time.Time) *coordinationv1.Lease {
	id := apiserverID(host)
	return &coordinationv1.Lease{
		ObjectMeta: meta("Lease", "kube-system", id, started, map[string]string{
			"apiserver.kubernetes.io/identity": "kube-apiserver",
			"kubernetes.io/hostname":           host,
		}),
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptrTo(id + "_" + string(uid("process", "kube-apiserver", started.Format(time.RFC3339)))),
			LeaseDurationSeconds: ptrTo[int32](3600),
			RenewTime:            ptrTo(metav1.NewMicroTime(renew)),
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
