package codec

import (
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// storageScheme holds every kind kube-apiserver stores as protobuf that
// lifeboat has Go types for: the built-ins, and CustomResourceDefinitions,
// which the in-process apiextensions server stores as protobuf
// apiextensions.k8s.io/v1beta1 (kubernetes
// pkg/controlplane/apiserver/apiextensions.go: EncodeVersioner prefers
// v1beta1). It is lifeboat's own, so client-go's global scheme is untouched.
var storageScheme = newStorageScheme()

func newStorageScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(apiextensionsv1beta1.AddToScheme(s))
	return s
}

// CheckVersion reports an error when lifeboat knows the group and kind of
// apiVersion/kind but not that version: kube-apiserver, which knows the
// same versions, could not read the value ("v9", "apps/v0"). Kinds lifeboat
// has no Go type for pass: their versions are not known here.
func CheckVersion(apiVersion, kind string) error {
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	if storageScheme.Recognizes(gvk) {
		return nil
	}
	var known []string
	for _, gv := range storageScheme.PrioritizedVersionsForGroup(gvk.Group) {
		if storageScheme.Recognizes(gv.WithKind(kind)) {
			known = append(known, gv.String())
		}
	}
	if len(known) == 0 {
		return nil
	}
	return fmt.Errorf("%s %s is not a version kube-apiserver stores (known: %s)", apiVersion, kind, strings.Join(known, ", "))
}
