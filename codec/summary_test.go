package codec

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSummarize(t *testing.T) {
	pod := mustEncode(t, realisticPod())
	node := mustEncode(t, &corev1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: "worker-3"},
		Spec: corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &testTime},
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule},
			{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule},
		}},
	})
	for _, tt := range []struct {
		name  string
		value []byte
		edits []Edit
		want  []string
	}{
		{"undelete pod", pod, []Edit{ClearDeletion()}, []string{"- metadata.deletionTimestamp", "- metadata.deletionGracePeriodSeconds"}},
		{"finalizers", pod, []Edit{RemoveFinalizers()}, []string{"- metadata.finalizers shop.example.com/drain"}},
		{"untaint", node, []Edit{RemoveTaints([]string{corev1.TaintNodeUnreachable}, "")}, []string{
			"- spec.taints node.kubernetes.io/unreachable:NoExecute", "- spec.taints node.kubernetes.io/unreachable:NoSchedule"}},
		{"uncordon", node, []Edit{SetUnschedulable(false)}, []string{"~ spec.unschedulable"}},
		{"json", widgetJSON(t), []Edit{ClearDeletion(), RemoveFinalizers("example.com/cleanup")}, []string{
			"- metadata.deletionGracePeriodSeconds", "- metadata.deletionTimestamp", "- metadata.finalizers example.com/cleanup"}},
		{"cbor", widgetCBOR(t), []Edit{ClearDeletion()}, []string{"- metadata.deletionGracePeriodSeconds", "- metadata.deletionTimestamp"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			after := mustApply(t, tt.value, tt.edits...)
			got, err := Summarize(tt.value, after)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Summarize = %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Objects written by anyone (a restore, an edit): repeated fields that
// change in place, grow, appear, and elements named.
func TestSummarizeAnyChange(t *testing.T) {
	pod := func(edit func(*corev1.Pod)) []byte {
		p := realisticPod()
		p.Labels = map[string]string{"app": "shop", "tier": "web"}
		p.Annotations = nil
		edit(p)
		return mustEncode(t, p)
	}
	before := pod(func(*corev1.Pod) {})
	for _, tt := range []struct {
		name  string
		after []byte
		want  []string
	}{
		{"label value", pod(func(p *corev1.Pod) { p.Labels["tier"] = "db" }), []string{"~ metadata.labels"}},
		{"label added", pod(func(p *corev1.Pod) { p.Labels["zone"] = "a" }), []string{"~ metadata.labels"}},
		{"annotations appear", pod(func(p *corev1.Pod) { p.Annotations = map[string]string{"a": "b"} }), []string{"+ metadata.annotations"}},
		{"finalizer added", pod(func(p *corev1.Pod) { p.Finalizers = append(p.Finalizers, "x.example.com/y") }), []string{"+ metadata.finalizers x.example.com/y"}},
		{"labels and spec", pod(func(p *corev1.Pod) { delete(p.Labels, "app"); p.Spec.NodeName = "worker-9" }), []string{"~ metadata.labels", "~ spec"}},
		{"nothing", pod(func(*corev1.Pod) {}), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Summarize(before, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Summarize = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func BenchmarkSummarizeUndelete(b *testing.B) {
	pod := mustEncode(b, realisticPod())
	after := mustApply(b, pod, ClearDeletion())
	for b.Loop() {
		if _, err := Summarize(pod, after); err != nil {
			b.Fatal(err)
		}
	}
}
