package main

import (
	"context"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// withLoadNodes gives the pods of demo's benchmark load their Node objects:
// 'pods undelete -A' leaves alone the pods of nodes that do not exist.
func (c *cluster) withLoadNodes() {
	c.t.Helper()
	if err := demo.PodNodes(context.Background(), c.cli, "/registry"); err != nil {
		c.t.Fatal(err)
	}
}

// withPodsOn adds Terminating pods ("namespace/name") bound to node, which
// has no Node object: a spot instance the cloud took back.
func (c *cluster) withPodsOn(node string, pods ...string) {
	c.t.Helper()
	for _, ref := range pods {
		ns, name, _ := strings.Cut(ref, "/")
		at, grace := metav1.NewTime(testNow.Add(-60e9)), int64(30)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name), CreationTimestamp: metav1.NewTime(testNow.Add(-3600e9)),
				DeletionTimestamp: &at, DeletionGracePeriodSeconds: &grace},
			Spec:   corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning},
		}
		if err := demo.PutObject(context.Background(), c.cli, "/registry/pods/"+ns+"/"+name, pod, 0); err != nil {
			c.t.Fatal(err)
		}
	}
}

// TestUndeleteLeavesPodsOfMissingNodes: 'pods undelete -A' skips the pods
// bound to a node that is not in etcd, saying why and what deletes them,
// and undeletes the rest; named, such a pod is undeleted as asked.
func TestUndeleteLeavesPodsOfMissingNodes(t *testing.T) {
	c := newCluster(t, demo.Options{})
	c.withPodsOn("spot-1", "shop/spot-a")
	r := c.run("pods", "undelete", "-A", "--yes")
	wantCode(t, r, exitPartial)
	const reason = "skip: pods/shop/spot-a: not undeleted: node spot-1 does not exist: its pods cannot run; delete them with 'lifeboat delete pods -A --node spot-1'"
	if !strings.Contains(r.errOut, reason) || !strings.Contains(r.errOut, "not done: 1 skipped") {
		t.Errorf("stderr does not say %q:\n%s", reason, r)
	}
	if left := c.terminatingPods("/registry/pods/"); len(left) != 1 || left[0] != "/registry/pods/shop/spot-a" {
		t.Errorf("terminating after undelete -A: %v, want spot-a alone", left)
	}
	wantCode(t, c.run("pods", "undelete", "spot-a", "-n", "shop", "--yes"), exitOK)
	if c.pod("/registry/pods/shop/spot-a").DeletionTimestamp != nil {
		t.Error("spot-a, named, was not undeleted")
	}
}

// TestFinalizersRemoveNamespace: on a namespace stuck Terminating,
// finalizers remove clears spec.finalizers ("kubernetes") with
// metadata.finalizers, and with both empty deletes the namespace, as
// /finalize does; --finalizer removes the one named from both lists.
func TestFinalizersRemoveNamespace(t *testing.T) {
	c := capsized(t)
	at := metav1.NewTime(testNow.Add(-3600e9))
	for _, name := range []string{"retired", "parked"} {
		ns := &corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: name, DeletionTimestamp: &at, Finalizers: []string{"example.com/backup"}},
			Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
		}
		if err := demo.PutObject(context.Background(), c.cli, "/registry/namespaces/"+name, ns, 0); err != nil {
			t.Fatal(err)
		}
	}
	r := c.run("finalizers", "remove", "namespaces", "retired", "--dry-run")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.out, "-  - kubernetes") || !strings.Contains(r.out, "-  - example.com/backup") {
		t.Errorf("the dry run does not show both finalizers going:\n%s", r)
	}
	if !strings.Contains(r.out, "its last finalizer gone") {
		t.Errorf("the dry run does not say that retired is deleted:\n%s", r)
	}
	wantCode(t, c.run("finalizers", "remove", "namespaces", "retired", "--yes"), exitOK)
	wantCode(t, c.run("finalizers", "remove", "namespaces", "parked", "--finalizer", "kubernetes", "--yes"), exitOK)
	if c.exists("/registry/namespaces/retired") {
		t.Errorf("retired, with no finalizer left, is still in etcd")
	}
	key := "/registry/namespaces/parked"
	ns, ok := decodeObject(t, key, c.get(key).Value).(*corev1.Namespace)
	if !ok {
		t.Fatalf("%s: not a Namespace", key)
	}
	if len(ns.Finalizers) != 1 || len(ns.Spec.Finalizers) != 0 || ns.DeletionTimestamp == nil {
		t.Errorf("%s: metadata finalizers %v, spec finalizers %v, deletion %v; want example.com/backup alone, still being deleted",
			key, ns.Finalizers, ns.Spec.Finalizers, ns.DeletionTimestamp)
	}
}
