package etcdops_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// TestDescribe: what `kubectl describe` shows, from etcd alone. A pod on a
// node tainted unreachable 100 s ago, tolerating it for 300 s, is evicted
// in 200 s; one tolerating it for ever is not; the events about an object
// are found by its name and uid (a kubelet names a node by its uid), not
// those of an older object of the same name nor of another namespace.
func TestDescribe(t *testing.T) {
	_, cli := etcdtest.Start(t)
	added := metav1.NewTime(testNow.Add(-100 * time.Second))
	renewed := metav1.NewMicroTime(testNow.Add(-10 * time.Minute))
	holder, secs := "worker-1", int32(40)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", UID: "node-uid"},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &added},
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added},
		}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown,
			Reason: "NodeStatusUnknown", Message: "Kubelet stopped posting node status.", LastTransitionTime: added}}}}
	pod := func(name, uid string, tolerations []corev1.Toleration) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", UID: types.UID(uid)},
			Spec: corev1.PodSpec{NodeName: "worker-1", Tolerations: tolerations},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: added}}}}
	}
	event := func(ns, name string, ref corev1.ObjectReference, reason string, at time.Duration) *corev1.Event {
		return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, InvolvedObject: ref, Reason: reason,
			LastTimestamp: metav1.NewTime(testNow.Add(-at)), Type: corev1.EventTypeWarning}
	}
	webRef := corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web", UID: "web-uid"}
	oldWeb := webRef
	oldWeb.UID = "an-older-web"
	put(t, cli, map[string]runtime.Object{
		"/registry/minions/worker-1":                node,
		"/registry/leases/kube-node-lease/worker-1": &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", Namespace: "kube-node-lease"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &renewed}},
		"/registry/pods/shop/web":                   pod("web", "web-uid", tolerate(300)),
		"/registry/pods/shop/agent":                 pod("agent", "agent-uid", []corev1.Toleration{{Operator: corev1.TolerationOpExists}}),
		"/registry/events/shop/web.2":               event("shop", "web.2", webRef, "TaintManagerEviction", 10*time.Second),
		"/registry/events/shop/web.1":               event("shop", "web.1", webRef, "NodeNotReady", 100*time.Second),
		"/registry/events/shop/web.old":             event("shop", "web.old", oldWeb, "Scheduled", time.Hour),
		"/registry/events/other/web.1":              event("other", "web.1", corev1.ObjectReference{Kind: "Pod", Namespace: "other", Name: "web"}, "Elsewhere", time.Minute),
		"/registry/events/default/worker-1.1":       event("default", "worker-1.1", corev1.ObjectReference{Kind: "Node", Name: "worker-1", UID: "worker-1"}, "NodeNotReady", time.Minute),
	})
	store := etcdops.NewStore(cli, "/registry", true)
	pods, nodes := etcdops.MustResolveResource("pods"), etcdops.MustResolveResource("nodes")
	for _, tc := range []struct {
		name       string
		info       etcdops.KeyInfo
		evictionIn time.Duration // -1: none
		events     []string
		condition  string
	}{
		{"pod tolerating 300 s", etcdops.KeyInfo{Resource: pods, Namespace: "shop", Name: "web"}, 200 * time.Second, []string{"NodeNotReady", "TaintManagerEviction"}, "Ready=False"},
		{"pod tolerating for ever", etcdops.KeyInfo{Resource: pods, Namespace: "shop", Name: "agent"}, -1, nil, "Ready=False"},
		{"node", etcdops.KeyInfo{Resource: nodes, Name: "worker-1"}, -1, []string{"NodeNotReady"}, "Ready=Unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := store.Describe(context.Background(), tc.info, testNow)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.evictionIn < 0 && d.Eviction != nil:
				t.Errorf("evicted in %s, want never", d.Eviction.In)
			case tc.evictionIn >= 0 && (d.Eviction == nil || d.Eviction.In != tc.evictionIn):
				t.Errorf("eviction %+v, want in %s", d.Eviction, tc.evictionIn)
			}
			var reasons []string
			for _, e := range d.Events {
				reasons = append(reasons, e.Reason)
			}
			if !slices.Equal(reasons, tc.events) {
				t.Errorf("events %v, want %v (oldest first)", reasons, tc.events)
			}
			if len(d.Conditions) != 1 || d.Conditions[0].Type+"="+d.Conditions[0].Status != tc.condition || !d.Conditions[0].LastTransition.Equal(added.Time) {
				t.Errorf("conditions %+v, want %s since %s", d.Conditions, tc.condition, added)
			}
			if d.Node == nil || d.Node.Name != "worker-1" || !d.NodeLease.Found || d.NodeLease.Alive(testNow) {
				t.Errorf("node %v, lease %+v: want worker-1 with its stale lease", d.Node, d.NodeLease)
			}
		})
	}
	if _, err := store.Describe(context.Background(), etcdops.KeyInfo{Resource: pods, Namespace: "shop", Name: "gone"}, testNow); err == nil {
		t.Error("describe of a missing pod: no error")
	}
}

func tolerate(seconds int64) []corev1.Toleration {
	var out []corev1.Toleration
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		out = append(out, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds})
	}
	return out
}

func put(t *testing.T, cli *clientv3.Client, objects map[string]runtime.Object) {
	t.Helper()
	for key, obj := range objects {
		if err := demo.PutObject(context.Background(), cli, key, obj, clientv3.NoLease); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDescribeNodePodsAndRefs: describing a node lists its pods that have
// not terminated, Terminating ones included, as kubectl describe node; a
// pod's description says which of the ConfigMaps, Secrets and claims it
// uses are in etcd; a missing object is a NotFoundError, as get's.
func TestDescribeNodePodsAndRefs(t *testing.T) {
	store, cli, _ := capsized(t, demo.Options{})
	ctx := context.Background()
	done := demo.RealisticPod("shop", "batch-done", "worker-1", 1)
	done.Status.Phase = corev1.PodSucceeded
	put(t, cli, map[string]runtime.Object{"/registry/pods/shop/batch-done": done})

	d, err := store.Describe(ctx, etcdops.KeyInfo{Resource: resource(t, "nodes"), Name: "worker-1"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	terminating := 0
	for _, p := range d.NodePods {
		names = append(names, p.Namespace+"/"+p.Name)
		if p.Spec.NodeName != "worker-1" {
			t.Errorf("%s/%s is on %s", p.Namespace, p.Name, p.Spec.NodeName)
		}
		if p.DeletionTimestamp != nil {
			terminating++
		}
	}
	if len(names) != 9 || terminating != 8 || slices.Contains(names, "shop/batch-done") || !slices.Contains(names, "shop/frontend-vcgpxj2xjx-fsfcm") {
		t.Errorf("worker-1's pods: %v (%d terminating); want the 9 not terminated (8 Terminating), not shop/batch-done", names, terminating)
	}

	var cart string
	pods, err := store.Names(ctx, etcdops.Query{Resource: resource(t, "pods"), Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range pods {
		if strings.HasPrefix(n, "cart-") {
			cart = n
			break
		}
	}
	d, err = store.Describe(ctx, etcdops.KeyInfo{Resource: resource(t, "pods"), Namespace: "shop", Name: cart}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []etcdops.Ref{
		{Resource: "configmaps", Name: "cart-config", Found: false}, // deleted by the demo
		{Resource: "secrets", Name: "cart-tls", Found: true},
		{Resource: "secrets", Name: "cart-db", Found: true},
		{Resource: "configmaps", Name: "kube-root-ca.crt", Found: true},
	} {
		if found, known := d.Found(want.Resource, want.Name); !known || found != want.Found {
			t.Errorf("%s/%s: found %v (looked up %v), want %v; refs %+v", want.Resource, want.Name, found, known, want.Found, d.Refs)
		}
	}
	if len(d.NodePods) != 0 {
		t.Errorf("a pod's description lists %d node pods", len(d.NodePods))
	}

	_, err = store.Describe(ctx, etcdops.KeyInfo{Resource: resource(t, "pods"), Namespace: "shop", Name: "gone"}, testNow)
	var nf *etcdops.NotFoundError
	if !errors.As(err, &nf) || nf.Key != "/registry/pods/shop/gone" {
		t.Errorf("describe of a missing pod: %v, want a NotFoundError naming its key", err)
	}
}
