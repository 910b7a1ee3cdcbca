package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

var crontabs = schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}

func (c *cluster) crontabCRD(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "crontabs.stable.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "stable.example.com",
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "crontabs", Singular: "crontab", Kind: "CronTab", ListKind: "CronTabList"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", XPreserveUnknownFields: ptr.To(true)},
					},
				}},
			}},
		},
	}
	if _, err := c.ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	eventually(t, "CRD crontabs.stable.example.com established and served", 60*time.Second, func() (bool, string) {
		got, err := c.ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				if _, err := c.dyn.Resource(crontabs).Namespace("default").List(ctx, metav1.ListOptions{}); err != nil {
					return false, "established, not yet served: " + err.Error()
				}
				return true, "established"
			}
		}
		return false, "not established"
	})
}

func crontab(ns, name string, finalizers ...string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stable.example.com/v1",
		"kind":       "CronTab",
		"metadata":   map[string]any{"name": name, "namespace": ns, "labels": map[string]any{"app": "backup"}},
		"spec": map[string]any{
			"cronSpec": "0 3 * * *", "image": "backup:1.2.3", "replicas": int64(2),
			"nested": map[string]any{"unknownToLifeboat": []any{"a", int64(1), true}},
		},
	}}
	u.SetFinalizers(finalizers)
	return u
}

// testCustomResource: a custom resource, stored as JSON, edited by
// `lifeboat finalizers remove`, round-trips through the apiserver.
func testCustomResource(t *testing.T, c *cluster) {
	ctx := context.Background()
	c.crontabCRD(t)
	c.namespace(t, "e2e-crd")
	cr := c.dyn.Resource(crontabs).Namespace("e2e-crd")
	nightly, err := cr.Create(ctx, crontab("e2e-crd", "nightly", "stable.example.com/cleanup", "stable.example.com/keep"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key := c.prefix + "/stable.example.com/crontabs/e2e-crd/nightly"
	raw, err := c.api.EtcdClient.Get(ctx, key)
	if err != nil || len(raw.Kvs) != 1 {
		t.Fatalf("etcd get %s: %v", key, err)
	}
	if !strings.HasPrefix(string(raw.Kvs[0].Value), "{") {
		t.Fatalf("%s is not stored as JSON: %q", key, raw.Kvs[0].Value[:16])
	}
	t.Logf("custom resource %s stored as JSON at mod_revision %d (resourceVersion %s)", key, raw.Kvs[0].ModRevision, nightly.GetResourceVersion())

	list, err := cr.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cr.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
	if err != nil {
		t.Fatal(err)
	}
	events := c.watch(t, "crontabs", w)

	r := c.lifeboat(t, "finalizers", "remove", "crontabs.stable.example.com", "nightly", "-n", "e2e-crd", "--finalizer", "stable.example.com/cleanup", "--yes", "-o", "json")
	res := mustChange(t, r, 1)["e2e-crd/nightly"]
	evs := events.waitFor(0, 30*time.Second, func(evs []watch.Event) bool { _, ok := modifiedAt(evs, "e2e-crd/nightly", res.NewRevision); return ok })
	obj, _ := modifiedAt(evs, "e2e-crd/nightly", res.NewRevision)
	ev := obj.(*unstructured.Unstructured)
	t.Logf("crontab e2e-crd/nightly: resourceVersion %d -> %d; MODIFIED event finalizers=%v", res.OldRevision, res.NewRevision, ev.GetFinalizers())
	if f := ev.GetFinalizers(); len(f) != 1 || f[0] != "stable.example.com/keep" {
		t.Errorf("finalizers after removal: %v, want [stable.example.com/keep]", f)
	}
	cached, err := cr.Get(ctx, "nightly", metav1.GetOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := cr.Get(ctx, "nightly", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for what, o := range map[string]*unstructured.Unstructured{"event": ev, "GET rv=0": cached, "GET": fresh} {
		if o.GetResourceVersion() != fresh.GetResourceVersion() || rv(o) != res.NewRevision {
			t.Errorf("%s: resourceVersion %s, want %d", what, o.GetResourceVersion(), res.NewRevision)
		}
		if d := sameExcept(nightly, o, "metadata.finalizers"); d != "" {
			t.Errorf("%s: fields other than finalizers changed:\n%s", what, d)
		}
	}
	raw, err = c.api.EtcdClient.Get(ctx, key)
	if err != nil || !strings.HasPrefix(string(raw.Kvs[0].Value), "{") {
		t.Fatalf("after lifeboat: %s no longer JSON (%v)", key, err)
	}
	// The object keeps working through the API.
	patched, err := cr.Patch(ctx, "nightly", types.MergePatchType, []byte(`{"spec":{"image":"backup:1.2.4"}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch after lifeboat: %v", err)
	}
	t.Logf("crontab e2e-crd/nightly: spec patch through the API after lifeboat -> resourceVersion %s", patched.GetResourceVersion())

	// A custom resource stuck Terminating on a finalizer whose controller is
	// gone: lifeboat removes the finalizer and, as it was the last one and
	// no grace period is left, deletes the object, as kube-apiserver's own
	// update does then (store.go ShouldDeleteDuringUpdate): the watch cache
	// sees DELETED and a GET is NotFound, with no API write in between.
	if _, err := cr.Create(ctx, crontab("e2e-crd", "stuck", "stable.example.com/cleanup"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cr.Delete(ctx, "stuck", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	stuck, err := cr.Get(ctx, "stuck", metav1.GetOptions{})
	if err != nil || stuck.GetDeletionTimestamp() == nil {
		t.Fatalf("crontab stuck should be Terminating: %v", err)
	}
	t.Logf("crontab e2e-crd/stuck Terminating at resourceVersion %s, finalizers %v", stuck.GetResourceVersion(), stuck.GetFinalizers())
	mark := events.count()
	mustChange(t, c.lifeboat(t, "finalizers", "remove", "crontabs.stable.example.com", "stuck", "-n", "e2e-crd", "--yes", "-o", "json"), 1)
	events.waitFor(mark, 30*time.Second, func(evs []watch.Event) bool {
		for _, ev := range evs {
			if ev.Type == watch.Deleted && ev.Object.(*unstructured.Unstructured).GetName() == "stuck" {
				return true
			}
		}
		return false
	})
	if _, err := cr.Get(ctx, "stuck", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("stuck after lifeboat removed its last finalizer: %v, want NotFound", err)
	}
	t.Logf("crontab e2e-crd/stuck: its last finalizer removed, deleted as the apiserver deletes it (DELETED event)")
}

// testAllReadable: every key lifeboat wrote in this run (that still exists)
// is readable by GET, and every resource type LISTs, from etcd and from the
// watch cache.
func testAllReadable(t *testing.T, c *cluster) {
	ctx := context.Background()
	for _, rv := range []string{"", "0"} {
		pods, err := c.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			t.Errorf("LIST pods -A (resourceVersion=%q): %v", rv, err)
			continue
		}
		nodes, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			t.Errorf("LIST nodes (resourceVersion=%q): %v", rv, err)
			continue
		}
		crs, err := c.dyn.Resource(crontabs).List(ctx, metav1.ListOptions{ResourceVersion: rv})
		if err != nil {
			t.Errorf("LIST crontabs -A (resourceVersion=%q): %v", rv, err)
			continue
		}
		t.Logf("LIST resourceVersion=%q: %d pods, %d nodes, %d crontabs", rv, len(pods.Items), len(nodes.Items), len(crs.Items))
	}
	keys := c.writtenKeys()
	read := 0
	for _, key := range keys {
		parts := strings.Split(strings.TrimPrefix(key, c.prefix+"/"), "/")
		var err error
		switch {
		case parts[0] == "pods" && len(parts) == 3:
			_, err = c.cs.CoreV1().Pods(parts[1]).Get(ctx, parts[2], metav1.GetOptions{})
		case parts[0] == "minions" && len(parts) == 2:
			_, err = c.cs.CoreV1().Nodes().Get(ctx, parts[1], metav1.GetOptions{})
		case parts[0] == "stable.example.com" && len(parts) == 4:
			_, err = c.dyn.Resource(crontabs).Namespace(parts[2]).Get(ctx, parts[3], metav1.GetOptions{})
		default:
			t.Errorf("lifeboat wrote a key this test does not map to the API: %s", key)
			continue
		}
		if apierrors.IsNotFound(err) {
			continue // deleted since (the crontab whose deletion finished)
		}
		if err != nil {
			t.Errorf("GET %s through the apiserver: %v", key, err)
			continue
		}
		read++
	}
	t.Logf("%d keys written by lifeboat in this run; %d still exist and GET through the apiserver", len(keys), read)
	if len(keys) == 0 {
		t.Errorf("no writes recorded")
	}
}
