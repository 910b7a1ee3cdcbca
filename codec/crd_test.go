package codec

import (
	"testing"

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
