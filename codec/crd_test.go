package codec

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestCRDAsStored: kube-apiserver stores CRDs as protobuf v1beta1; lifeboat
// decodes them typed and can remove a finalizer that blocks their deletion.
func TestCRDAsStored(t *testing.T) {
	now := metav1.Now()
	crd := &apiextensionsv1beta1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{
			Name: "crontabs.stable.example.com", UID: "u1", DeletionTimestamp: &now,
			Finalizers: []string{"customresourcecleanup.apiextensions.k8s.io"},
		},
		Spec: apiextensionsv1beta1.CustomResourceDefinitionSpec{
			Group: "stable.example.com", Scope: apiextensionsv1beta1.NamespaceScoped,
			Names: apiextensionsv1beta1.CustomResourceDefinitionNames{Plural: "crontabs", Kind: "CronTab"},
		},
	}
	value, err := EncodeProtobuf(crd)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := Decode(value)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := obj.Typed.(*apiextensionsv1beta1.CustomResourceDefinition); !ok || obj.APIVersion != "apiextensions.k8s.io/v1beta1" {
		t.Fatalf("decoded %T %s, want a typed v1beta1 CRD", obj.Typed, obj.APIVersion)
	}
	if got := obj.NestedString("spec", "group"); got != "stable.example.com" {
		t.Errorf("spec.group = %q", got)
	}
	after, changed, err := ApplyEdits(value, RemoveFinalizers())
	if err != nil || !changed {
		t.Fatalf("RemoveFinalizers: changed=%v err=%v", changed, err)
	}
	edited, err := Decode(after)
	if err != nil {
		t.Fatal(err)
	}
	if len(edited.Meta.Finalizers) != 0 || edited.Meta.DeletionTimestamp == nil {
		t.Errorf("after edit: finalizers %v, deletionTimestamp %v; want none, kept", edited.Meta.Finalizers, edited.Meta.DeletionTimestamp)
	}
}

// TestEncodeForStorageVersions: a CRD as `kubectl get -o yaml` shows it
// (v1) is stored as kube-apiserver stores it (JSON v1beta1), converted by
// apiextensions' own conversions; a version no conversion is linked in for
// is refused, naming the storage version.
func TestEncodeForStorageVersions(t *testing.T) {
	crdV1 := map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com"},
		"spec": map[string]any{
			"group": "example.com", "scope": "Namespaced",
			"names": map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}},
		},
	}
	for _, tc := range []struct {
		name    string
		obj     map[string]any
		storage string
		want    string // stored apiVersion; "" for a refusal
		format  Format
	}{
		{"v1 CRD stored as v1beta1", crdV1, "apiextensions.k8s.io/v1beta1", "apiextensions.k8s.io/v1beta1", FormatJSON},
		{"CRD in its own version", crdV1, "", "apiextensions.k8s.io/v1", FormatJSON},
		{"ConfigMap", map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}}, "v1", "v1", FormatProtobuf},
		{"Deployment in a version of the same shape", map[string]any{"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": map[string]any{"name": "x"}}, "apps/v1", "apps/v1", FormatProtobuf},
		{"a field the stored version lacks", map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": map[string]any{"name": "x"},
			"spec": map[string]any{"ingressClassName": "nginx", "defaultBackend": map[string]any{"service": map[string]any{"name": "web", "port": map[string]any{"number": int64(80)}}}}}, "networking.k8s.io/v1beta1", "", ""},
		{"Pod into another group", map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "x"}}, "apps/v1", "", ""},
		{"custom resource in another version", map[string]any{"apiVersion": "example.com/v2", "kind": "Widget", "metadata": map[string]any{"name": "x"}}, "example.com/v1", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := Storage{Format: tc.format}
			if tc.storage != "" {
				gv, err := schema.ParseGroupVersion(tc.storage)
				if err != nil {
					t.Fatal(err)
				}
				st.Version = gv
			}
			if tc.format == "" {
				st.Format = FormatProtobuf
			}
			value, err := EncodeForStorage(tc.obj, st)
			if tc.want == "" {
				var verr *VersionError
				if !errors.As(err, &verr) || !strings.Contains(err.Error(), tc.storage) {
					t.Fatalf("EncodeForStorage: %v, want a VersionError naming %s", err, tc.storage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			obj, err := Decode(value)
			if err != nil {
				t.Fatal(err)
			}
			if obj.APIVersion != tc.want || obj.Format != tc.format {
				t.Errorf("stored %s as %s, want %s as %s", obj.APIVersion, obj.Format, tc.want, tc.format)
			}
		})
	}
}
