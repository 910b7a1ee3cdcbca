package tui

import (
	"context"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDescribeView: d shows what kubectl describe would, from etcd, as
// 'lifeboat describe' prints it (render.Describe): the events of the
// object, its owner, node, containers with their state and mounts, its
// volumes, conditions, the taints of its node, its tolerations and when it
// is evicted; for a node its taints, kubelet lease, capacity and pods.
// From the table or the YAML view.
func TestDescribeView(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 140, height: 50})
	// A pod on worker-1 (tainted unreachable:NoExecute) tolerating it for
	// an hour: evicted an hour after the taint.
	node := h.node("worker-1")
	var added time.Time
	for _, taint := range node.Spec.Taints {
		if taint.Effect == corev1.TaintEffectNoExecute {
			added = taint.TimeAdded.Time
		}
	}
	hour := int64(3600)
	patient := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "patient", UID: "patient-uid", CreationTimestamp: metav1.NewTime(testNow.Add(-time.Hour))},
		Spec: corev1.PodSpec{NodeName: "worker-1", Tolerations: []corev1.Toleration{
			{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &hour}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if err := demo.PutObject(context.Background(), h.cli, "/registry/pods/shop/patient", patient, 0); err != nil {
		t.Fatal(err)
	}
	left := added.Add(time.Hour).Sub(testNow).Round(time.Second)
	for _, tc := range []struct {
		name  string
		view  [2]string // view and name shown
		keys  []string
		want  []string
		avoid []string
	}{
		{name: "evicted pod, from the table", view: [2]string{"pods shop", "frontend-vcgpxj2xjx-fsfcm"}, keys: []string{"d"}, want: []string{
			"Owner:", "ReplicaSet/frontend-vcgpxj2xjx (controller)", "Node:", "worker-1/10.0.0.22 · Ready=Unknown · kubelet lease 20m ago STALE", "STALE",
			"Status:", "Terminating (lasts 4m)", "Containers:", "State:", "Running", "Restart Count:", "Mounts:", "/etc/frontend from config (ro)",
			"Volumes:", "ConfigMap (a volume populated by a ConfigMap)", "QoS Class:", "Burstable",
			"Deleting:", "Conditions:", "DisruptionTarget", "DeletionByTaintManager",
			"Taints of its node worker-1:", "node.kubernetes.io/unreachable:NoExecute", "Tolerations:", "node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
			"Events:", "NodeNotReady", "node-controller", "TaintManagerEviction", "Marking for deletion Pod shop/frontend-vcgpxj2xjx-fsfcm"}},
		{name: "pod still to be evicted, from its YAML", view: [2]string{"pods shop", "patient"}, keys: []string{"enter", "d"}, want: []string{
			"Eviction:", "in " + left.String(), "op=Exists for 3600s", "Events: <none in etcd>"}, avoid: []string{"Deleting:"}},
		{name: "node", view: [2]string{"nodes", "worker-1"}, keys: []string{"d"}, want: []string{
			"Taints:", "node.kubernetes.io/unreachable:NoExecute", "evicts pods", "Kubelet lease:", "STALE", "Unschedulable:", "Ready",
			"Addresses:", "Capacity:", "Non-terminated Pods: (10 in total)", "frontend-vcgpxj2xjx-fsfcm", "patient", "Terminating", "Allocated resources:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			h.m.backToList()
			h.showOnly(tc.view[0], tc.view[1])
			for _, k := range tc.keys {
				h.press(k)
				if k == "enter" {
					h.waitFor("the YAML", func() bool { return on[*detailScreen](h) })
				}
			}
			h.waitFor("the description", func() bool { return on[*describeScreen](h) })
			checkText(t, "describe", ansiStrip(topAs[*describeScreen](h).pager.content), tc.want, tc.avoid)
			h.checkSize()
			h.press("q")
			if on[*describeScreen](h) {
				t.Error("q did not leave the description")
			}
		})
	}
}
