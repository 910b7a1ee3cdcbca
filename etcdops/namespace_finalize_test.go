package etcdops_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// namespaceObject is a namespace as kube-apiserver stores it: the
// "kubernetes" spec finalizer it adds at creation and a metadata
// finalizer; Terminating, as its Delete leaves it, when deleting.
func namespaceObject(name string, deleting bool) *corev1.Namespace {
	ns := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(testNow.Add(-24 * 3600e9)), Finalizers: []string{"example.com/backup"}},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
	if deleting {
		at := metav1.NewTime(testNow.Add(-3600e9))
		ns.DeletionTimestamp, ns.Status.Phase = &at, corev1.NamespaceTerminating
	}
	return ns
}

// TestRemoveNamespaceFinalizers: finalizers remove on a namespace stuck
// Terminating clears metadata.finalizers and spec.finalizers, as
// kube-apiserver's /finalize lets the namespace controller clear them (and
// --finalizer only the one named, from both); a live namespace keeps its
// spec.finalizers (naming one is refused, with why); undo restores every
// byte.
func TestRemoveNamespaceFinalizers(t *testing.T) {
	type lists struct{ meta, spec []string }
	for _, tc := range []struct {
		name       string
		deleting   bool
		finalizers []string
		want       lists
		skip       string
		// deleted: no finalizer is left on a namespace being deleted, and
		// kube-apiserver deletes it then, as /finalize does.
		deleted bool
	}{
		{"terminating, every finalizer", true, nil, lists{}, "", true},
		{"terminating, kubernetes", true, []string{"kubernetes"}, lists{meta: []string{"example.com/backup"}}, "", false},
		{"terminating, the metadata one", true, []string{"example.com/backup"}, lists{spec: []string{"kubernetes"}}, "", false},
		{"live, every finalizer", false, nil, lists{spec: []string{"kubernetes"}}, "", false},
		{"live, kubernetes", false, []string{"kubernetes"}, lists{}, `the namespace is not being deleted: spec.finalizers "kubernetes" stays`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cli := etcdtest.Start(t)
			const key = "/registry/namespaces/shop"
			putObject(t, cli, key, namespaceObject("shop", tc.deleting))
			store := etcdops.NewStore(cli, "/registry", false)
			before := snapshot(t, cli)[key]
			op := etcdops.Operation{Action: etcdops.RemoveFinalizers, Finalizers: tc.finalizers,
				Query: etcdops.Query{Resource: resource(t, "namespaces"), Names: []string{"shop"}}}
			j := newJournal(t)
			plan, results := applyOp(t, store, op, j)
			if tc.skip != "" {
				if len(plan.Changes) != 1 || plan.Changes[0].Skip == nil || !strings.Contains(plan.Changes[0].Skip.Error(), tc.skip) {
					t.Fatalf("plan %+v, want a skip saying %q", plan.Changes, tc.skip)
				}
				if snapshot(t, cli)[key].ModRevision != before.ModRevision {
					t.Error("a skipped namespace was written")
				}
				return
			}
			if len(results) != 1 || results[0].Err != nil || !results[0].Changed {
				t.Fatalf("results %+v, want one write", results)
			}
			after, found := snapshot(t, cli)[key]
			if found == tc.deleted {
				t.Fatalf("the namespace's key there after the write: %v, want %v", found, !tc.deleted)
			}
			if tc.deleted {
				undoJournal(t, store, j.Path())
				if string(snapshot(t, cli)[key].Value) != string(before.Value) {
					t.Error("undo did not re-create the namespace byte for byte")
				}
				return
			}
			obj, _, err := apiserverDecoder.Decode(after.Value, nil, nil)
			if err != nil {
				t.Fatalf("kube-apiserver's serializer cannot read the namespace: %v", err)
			}
			ns := obj.(*corev1.Namespace)
			var spec []string
			for _, f := range ns.Spec.Finalizers {
				spec = append(spec, string(f))
			}
			if !slices.Equal(ns.Finalizers, tc.want.meta) || !slices.Equal(spec, tc.want.spec) {
				t.Errorf("finalizers: metadata %v, spec %v; want %v, %v", ns.Finalizers, spec, tc.want.meta, tc.want.spec)
			}
			if (ns.DeletionTimestamp != nil) != tc.deleting {
				t.Errorf("deletionTimestamp %v changed", ns.DeletionTimestamp)
			}
			undoJournal(t, store, j.Path())
			if string(snapshot(t, cli)[key].Value) != string(before.Value) {
				t.Error("undo did not restore the namespace byte for byte")
			}
		})
	}
}

// TestTheLastFinalizerDeletesAsTheAPIServerDoes: removing the last
// finalizer of an object being deleted deletes its key, as kube-apiserver's
// update does when no grace period is left; an object with finalizers left,
// or one that is not being deleted, or a pod deleted gracefully (its kubelet
// removes it), is written without the finalizer and stays.
func TestTheLastFinalizerDeletesAsTheAPIServerDoes(t *testing.T) {
	deleting := metav1.NewTime(time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC))
	cm := func(deletion *metav1.Time, finalizers ...string) runtime.Object {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "state", Namespace: "shop", DeletionTimestamp: deletion, Finalizers: finalizers}}
	}
	grace := int64(30)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", DeletionTimestamp: &deleting, DeletionGracePeriodSeconds: &grace, Finalizers: []string{"example.com/drain"}}}
	for _, tc := range []struct {
		name, resource, objName string
		obj                     runtime.Object
		remove                  []string
		deleted                 bool
	}{
		{"being deleted, its last finalizer", "configmaps", "state", cm(&deleting, "example.com/cleanup"), nil, true},
		{"being deleted, one of two", "configmaps", "state", cm(&deleting, "example.com/cleanup", "example.com/backup"), []string{"example.com/cleanup"}, false},
		{"not being deleted", "configmaps", "state", cm(nil, "example.com/cleanup"), nil, false},
		{"a pod deleted gracefully", "pods", "web", pod, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cli := etcdtest.Start(t)
			key := "/registry/" + tc.resource + "/shop/" + tc.objName
			putObject(t, cli, key, tc.obj)
			store := etcdops.NewStore(cli, "/registry", false)
			before := snapshot(t, cli)[key]
			j := newJournal(t)
			_, results := applyOp(t, store, etcdops.Operation{Action: etcdops.RemoveFinalizers, Finalizers: tc.remove,
				Query: etcdops.Query{Resource: resource(t, tc.resource), Namespace: "shop", Names: []string{tc.objName}}}, j)
			if len(results) != 1 || results[0].Err != nil || !results[0].Changed {
				t.Fatalf("results %+v, want one write", results)
			}
			if _, found := snapshot(t, cli)[key]; found == tc.deleted {
				t.Fatalf("key there after the write: %v, want %v", found, !tc.deleted)
			}
			undoJournal(t, store, j.Path())
			if string(snapshot(t, cli)[key].Value) != string(before.Value) {
				t.Error("undo did not put the object back byte for byte")
			}
		})
	}
}
