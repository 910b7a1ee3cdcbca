package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// TestSeedStoresWhatTheAPIServerStores: for every resource the demo seeds,
// the value it writes has the media type (protobuf, JSON) and the
// apiVersion a real kube-apiserver writes for an object of that resource.
// The apiserver's side comes from objects created through its API; the
// seed's from demo.Capsized under another prefix of the same etcd.
func TestSeedStoresWhatTheAPIServerStores(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, "/registry")
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.etcd.Endpoint()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := demo.Capsized(ctx, cli, demo.Options{Prefix: "/seeded"}); err != nil {
		t.Fatal(err)
	}

	c.namespace(t, "media")
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("create %s: %v", what, err)
		}
	}
	cs := c.cs
	_, err = cs.CoreV1().Nodes().Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "media-node"}}, metav1.CreateOptions{})
	must("node", err)
	c.pod(t, podSpec{ns: "media", name: "media-pod"})
	_, err = cs.CoreV1().ConfigMaps("media").Create(ctx, &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}, Data: map[string]string{"a": "b"}}, metav1.CreateOptions{})
	must("configmap", err)
	_, err = cs.CoreV1().Secrets("media").Create(ctx, &v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Data: map[string][]byte{"a": []byte("b")}}, metav1.CreateOptions{})
	must("secret", err)
	_, err = cs.CoreV1().Services("media").Create(ctx, &v1.Service{ObjectMeta: metav1.ObjectMeta{Name: "svc"}, Spec: v1.ServiceSpec{Ports: []v1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
	must("service", err)
	_, err = cs.CoreV1().Endpoints("media").Create(ctx, &v1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "ep"}}, metav1.CreateOptions{})
	must("endpoints", err)
	_, err = cs.CoreV1().Events("media").Create(ctx, &v1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev"}, InvolvedObject: v1.ObjectReference{Kind: "Pod", Namespace: "media", Name: "media-pod"}, Reason: "Test"}, metav1.CreateOptions{})
	must("event", err)
	_, err = cs.CoordinationV1().Leases("media").Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "lease"}}, metav1.CreateOptions{})
	must("lease", err)
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "gadgets.media.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "media.example.com", Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "gadgets", Singular: "gadget", Kind: "Gadget"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}}}},
		},
	}
	_, err = c.ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{})
	must("crd", err)
	gvr := schema.GroupVersionResource{Group: "media.example.com", Version: "v1", Resource: "gadgets"}
	eventually(t, "the gadget CRD is served", 30*time.Second, func() (bool, string) {
		_, err := c.dyn.Resource(gvr).Namespace("media").Create(ctx, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "media.example.com/v1", "kind": "Gadget", "metadata": map[string]any{"name": "g"}}}, metav1.CreateOptions{})
		return err == nil, fmt.Sprint(err)
	})

	// One value per resource path (the part after the prefix, less the
	// namespace and name), read raw from etcd.
	stored := func(prefix string) map[string]string {
		resp, err := cli.Get(ctx, prefix+"/", clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, kv := range resp.Kvs {
			res := resourceOf(strings.TrimPrefix(string(kv.Key), prefix+"/"))
			if _, seen := out[res]; seen || res == "" {
				continue
			}
			obj, err := codec.Decode(kv.Value)
			if err != nil {
				continue // the seed's poison value
			}
			out[res] = fmt.Sprintf("%s %s", codec.DetectFormat(kv.Value), obj.APIVersion)
		}
		return out
	}
	real, seeded := stored("/registry"), stored("/seeded")
	compared := 0
	for res, want := range real {
		got, ok := seeded[res]
		if !ok {
			continue
		}
		compared++
		t.Logf("%-55s apiserver: %-40s seed: %s", res, want, got)
		if res == "custom resources" {
			// Different CRDs: the media type must agree, not the group.
			got, want = strings.Fields(got)[0], strings.Fields(want)[0]
		}
		if got != want {
			t.Errorf("%s: the seed stores %s, kube-apiserver %s", res, got, want)
		}
	}
	if compared < 9 {
		t.Errorf("compared %d resources, want at least 9: the seed and the apiserver share too few", compared)
	}
}

// resourceOf is the resource of a key below the prefix, by lifeboat's
// layout (read from the apiserver: etcdops/resources_generated.go); custom
// resources count as one.
func resourceOf(rest string) string {
	info, ok := etcdops.Layout{Prefix: "/"}.Parse("/" + rest)
	switch {
	case !ok:
		return ""
	case info.Resource.Custom:
		return "custom resources"
	}
	return info.Resource.StoragePath
}
