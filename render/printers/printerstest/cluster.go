package printerstest

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(now time.Time, name string, labels map[string]string, conditions ...corev1.NodeCondition) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, CreationTimestamp: metav1.NewTime(now.Add(-50 * time.Hour))},
		Status: corev1.NodeStatus{
			Conditions: conditions,
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeHostName, Address: name},
				{Type: corev1.NodeInternalIP, Address: "192.168.1.10"},
				{Type: corev1.NodeExternalIP, Address: "203.0.113.10"},
			},
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion:          "v1.36.3",
				OSImage:                 "Debian GNU/Linux 13 (trixie)",
				KernelVersion:           "6.12.48",
				Architecture:            "amd64",
				ContainerRuntimeVersion: "containerd://2.1.4",
			},
		},
	}
}

func nodeReady(status corev1.ConditionStatus) corev1.NodeCondition {
	return corev1.NodeCondition{Type: corev1.NodeReady, Status: status}
}

func nodeCases(now time.Time) []Case {
	controlPlane := node(now, "cp-1", map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/etcd": ""},
		corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, nodeReady(corev1.ConditionTrue))

	cordoned := node(now, "worker-1", map[string]string{"kubernetes.io/role": "worker"}, nodeReady(corev1.ConditionFalse))
	cordoned.Spec.Unschedulable = true

	silent := node(now, "worker-2", map[string]string{"kubernetes.io/role": "", "node-role.kubernetes.io/worker": ""}, nodeReady(corev1.ConditionUnknown))

	registering := node(now, "worker-3", map[string]string{"node-role.kubernetes.io/": ""})
	registering.Status.Addresses = nil
	registering.Status.NodeInfo = corev1.NodeSystemInfo{}

	return []Case{
		{"node Ready, two roles", controlPlane, []any{"cp-1", "Ready", "control-plane,etcd", "2d2h", "v1.36.3",
			"192.168.1.10", "203.0.113.10", "Debian GNU/Linux 13 (trixie)", "6.12.48 (amd64)", "containerd://2.1.4"}},
		{"node NotReady and cordoned", cordoned, []any{"worker-1", "NotReady,SchedulingDisabled", "worker", "2d2h", "v1.36.3",
			"192.168.1.10", "203.0.113.10", "Debian GNU/Linux 13 (trixie)", "6.12.48 (amd64)", "containerd://2.1.4"}},
		{"node whose kubelet stopped posting: Ready Unknown is NotReady; an empty role is none", silent, []any{"worker-2", "NotReady", "worker", "2d2h", "v1.36.3",
			"192.168.1.10", "203.0.113.10", "Debian GNU/Linux 13 (trixie)", "6.12.48 (amd64)", "containerd://2.1.4"}},
		{"node without a Ready condition: Unknown", registering, []any{"worker-3", "Unknown", "<none>", "2d2h", "",
			"<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
	}
}

func namespaceCases(now time.Time) []Case {
	namespace := func(name string, phase corev1.NamespacePhase) *corev1.Namespace {
		return &corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(now.Add(-400 * 24 * time.Hour))},
			Status:     corev1.NamespaceStatus{Phase: phase},
		}
	}
	return []Case{
		{"namespace Active", namespace("shop", corev1.NamespaceActive), []any{"shop", "Active", "400d"}},
		{"namespace Terminating", namespace("old-shop", corev1.NamespaceTerminating), []any{"old-shop", "Terminating", "400d"}},
	}
}

func deployment(now time.Time, name string, replicas *int32, ready, updated, available int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: metav1.NewTime(now.Add(-90 * time.Second))},
		Spec: appsv1.DeploymentSpec{
			Replicas: replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "web", Image: "shop/web:2.4"},
				{Name: "proxy", Image: "envoyproxy/envoy:v1.35"},
			}}},
		},
		Status: appsv1.DeploymentStatus{ReadyReplicas: ready, UpdatedReplicas: updated, AvailableReplicas: available},
	}
}

func deploymentCases(now time.Time) []Case {
	unset := deployment(now, "api", nil, 0, 0, 0)
	unset.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
	return []Case{
		{"deployment all ready", deployment(now, "web", new(int32(3)), 3, 3, 3),
			[]any{"web", "3/3", int64(3), int64(3), "90s", "web,proxy", "shop/web:2.4,envoyproxy/envoy:v1.35", "app=web"}},
		{"deployment rolling out", deployment(now, "cart", new(int32(3)), 1, 2, 1),
			[]any{"cart", "1/3", int64(2), int64(1), "90s", "web,proxy", "shop/web:2.4,envoyproxy/envoy:v1.35", "app=cart"}},
		{"deployment without replicas, invalid selector", unset,
			[]any{"api", "0/0", int64(0), int64(0), "90s", "web,proxy", "shop/web:2.4,envoyproxy/envoy:v1.35", "<invalid>"}},
	}
}

func leaseCases(now time.Time) []Case {
	lease := func(name string, holder *string) *coordinationv1.Lease {
		return &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kube-system", CreationTimestamp: metav1.NewTime(now.Add(-3 * time.Hour))},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: holder},
		}
	}
	return []Case{
		{"lease held", lease("kube-controller-manager", new("cp-1_4f1c")), []any{"kube-controller-manager", "cp-1_4f1c", "3h"}},
		{"lease without a holder", lease("kube-scheduler", nil), []any{"kube-scheduler", "", "3h"}},
	}
}
