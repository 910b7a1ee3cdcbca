package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

const holdFinalizer = "e2e.lifeboat.dev/hold"

func (c *cluster) namespace(t *testing.T, name string) {
	t.Helper()
	_, err := c.cs.CoreV1().Namespaces().Create(context.Background(), &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

type podSpec struct {
	ns, name, node string
	finalizers     []string
	labels         map[string]string
	// delete: nil keeps the pod; otherwise the grace period for DELETE
	// (-1: the pod's default).
	deleteGrace *int64
}

// pod creates a pod through the API and, if asked, deletes it so that it is
// left Terminating by its finalizers (or by the absent kubelet).
func (c *cluster) pod(t *testing.T, s podSpec) *v1.Pod {
	t.Helper()
	ctx := context.Background()
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.ns, Labels: s.labels, Finalizers: s.finalizers,
			Annotations: map[string]string{"e2e.lifeboat.dev/note": "every field but the deletion fields must survive"}},
		Spec: v1.PodSpec{
			NodeName:                      s.node,
			TerminationGracePeriodSeconds: ptr.To[int64](30),
			Containers: []v1.Container{{
				Name: "app", Image: "registry.k8s.io/pause:3.10",
				Env: []v1.EnvVar{{Name: "GREETING", Value: "hello"}},
			}},
		},
	}
	if s.node != "" {
		c.nodeOf(t, s.node)
	}
	created, err := c.cs.CoreV1().Pods(s.ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", s.ns, s.name, err)
	}
	if s.deleteGrace == nil {
		return created
	}
	opts := metav1.DeleteOptions{}
	if *s.deleteGrace >= 0 {
		opts.GracePeriodSeconds = s.deleteGrace
	}
	if err := c.cs.CoreV1().Pods(s.ns).Delete(ctx, s.name, opts); err != nil {
		t.Fatalf("delete pod %s/%s: %v", s.ns, s.name, err)
	}
	got, err := c.cs.CoreV1().Pods(s.ns).Get(ctx, s.name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("pod %s/%s should be Terminating, not gone: %v", s.ns, s.name, err)
	}
	if got.DeletionTimestamp == nil {
		t.Fatalf("pod %s/%s has no deletionTimestamp after DELETE", s.ns, s.name)
	}
	t.Logf("pod %s/%s Terminating through the API: resourceVersion=%s node=%q deletionTimestamp=%s deletionGracePeriodSeconds=%d finalizers=%v",
		s.ns, s.name, got.ResourceVersion, got.Spec.NodeName, got.DeletionTimestamp.UTC().Format(time.RFC3339), ptr.Deref(got.DeletionGracePeriodSeconds, -1), got.Finalizers)
	return got
}

// nodeOf creates, through the API, the Node a pod is bound to, where it
// does not exist: in a cluster a bound pod's node has an object (lifeboat's
// undelete of a selection leaves alone the pods of nodes that do not).
func (c *cluster) nodeOf(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	n, err := c.cs.CoreV1().Nodes().Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return
	}
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	// The TaintNodesByCondition admission plugin gives a new node
	// not-ready:NoSchedule, which its node lifecycle controller removes
	// once the kubelet reports Ready: a healthy node has none.
	if len(n.Spec.Taints) > 0 {
		n.Spec.Taints = nil
		if _, err := c.cs.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("node %s: remove the taints admission added: %v", name, err)
		}
	}
}

var unreachableTaints = []v1.Taint{
	{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute, TimeAdded: &metav1.Time{Time: time.Now().Add(-time.Hour).Truncate(time.Second)}},
	{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoSchedule},
}

var keepTaint = v1.Taint{Key: "dedicated", Value: "infra", Effect: v1.TaintEffectNoSchedule}

// brokenNode creates a cordoned node with the unreachable taints the node
// lifecycle controller sets, plus one taint lifeboat must keep.
func (c *cluster) brokenNode(t *testing.T, name string) *v1.Node {
	t.Helper()
	n := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"e2e.lifeboat.dev/case": "nodes"}},
		Spec: v1.NodeSpec{
			Unschedulable: true,
			PodCIDR:       "10.244.1.0/24",
			Taints:        append(append([]v1.Taint{}, unreachableTaints...), keepTaint),
		},
	}
	got, err := c.cs.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	t.Logf("node %s created through the API: resourceVersion=%s %s", name, got.ResourceVersion, nodeSummary(got))
	return got
}

func nodeSummary(o runtime.Object) string {
	n, ok := o.(*v1.Node)
	if !ok {
		return ""
	}
	var taints []string
	for _, t := range n.Spec.Taints {
		taints = append(taints, t.ToString())
	}
	return fmt.Sprintf(" unschedulable=%v taints=[%s]", n.Spec.Unschedulable, strings.Join(taints, " "))
}

// sameExcept compares two objects as JSON after clearing resourceVersion and
// the given fields (dotted paths) in both: it returns "" if equal, else a diff.
func sameExcept(a, b runtime.Object, fields ...string) string {
	norm := func(o runtime.Object) string {
		raw, err := json.Marshal(o)
		if err != nil {
			panic(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			panic(err)
		}
		unstructured.RemoveNestedField(m, "metadata", "resourceVersion")
		for _, f := range fields {
			unstructured.RemoveNestedField(m, strings.Split(f, ".")...)
		}
		out, _ := json.MarshalIndent(m, "", "  ")
		return string(out)
	}
	return cmp.Diff(norm(a), norm(b))
}

func (c *cluster) patchLabel(t *testing.T, ns, name, key, value string) *v1.Pod {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, key, value)
	p, err := c.cs.CoreV1().Pods(ns).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("label patch %s/%s through the API: %v", ns, name, err)
	}
	return p
}

// checkPodReads checks that GET from the watch cache (resourceVersion=0),
// GET from etcd and LIST all return the pod at resourceVersion want.
func (c *cluster) checkPodReads(t *testing.T, ns, name string, want int64) *v1.Pod {
	t.Helper()
	ctx := context.Background()
	cached, err := c.cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatalf("GET %s/%s resourceVersion=0: %v", ns, name, err)
	}
	fresh, err := c.cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("GET %s/%s: %v", ns, name, err)
	}
	list, err := c.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("LIST %s/%s: %v (%d items)", ns, name, err, len(list.Items))
	}
	for what, p := range map[string]*v1.Pod{"GET rv=0 (watch cache)": cached, "GET": fresh, "LIST": &list.Items[0]} {
		if rv(p) != want {
			t.Errorf("%s %s/%s: resourceVersion %s, want %d (lifeboat's newRevision)", what, ns, name, p.ResourceVersion, want)
		}
		if d := sameExcept(fresh, p); d != "" {
			t.Errorf("%s %s/%s differs from GET:\n%s", what, ns, name, d)
		}
	}
	t.Logf("pod %s/%s: GET rv=0, GET and LIST agree at resourceVersion %d", ns, name, want)
	return fresh
}

func (c *cluster) checkNodeReads(t *testing.T, name string, want int64) *v1.Node {
	t.Helper()
	ctx := context.Background()
	cached, err := c.cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatalf("GET node %s resourceVersion=0: %v", name, err)
	}
	fresh, err := c.cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("GET node %s: %v", name, err)
	}
	list, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("LIST node %s: %v", name, err)
	}
	for what, n := range map[string]*v1.Node{"GET rv=0 (watch cache)": cached, "GET": fresh, "LIST": &list.Items[0]} {
		if rv(n) != want {
			t.Errorf("%s node %s: resourceVersion %s, want %d (lifeboat's newRevision)", what, name, n.ResourceVersion, want)
		}
		if d := sameExcept(fresh, n); d != "" {
			t.Errorf("%s node %s differs from GET:\n%s", what, name, d)
		}
	}
	t.Logf("node %s: GET rv=0, GET and LIST agree at resourceVersion %d:%s", name, want, nodeSummary(fresh))
	return fresh
}

func hasUnreachable(n *v1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == v1.TaintNodeUnreachable || t.Key == v1.TaintNodeNotReady {
			return true
		}
	}
	return false
}
