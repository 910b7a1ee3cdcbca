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

func BenchmarkSummarizeUndelete(b *testing.B) {
	pod := mustEncode(b, realisticPod())
	after := mustApply(b, pod, ClearDeletion())
	for b.Loop() {
		if _, err := Summarize(pod, after); err != nil {
			b.Fatal(err)
		}
	}
}
