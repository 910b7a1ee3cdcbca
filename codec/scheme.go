package codec

import (
	"fmt"
	"strings"

	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	apiregistrationinstall "k8s.io/kube-aggregator/pkg/apis/apiregistration/install"
)

// storageScheme holds every kind kube-apiserver stores that lifeboat has
// Go types for: the built-ins; CustomResourceDefinitions, which a real
// kube-apiserver 1.36 stores as JSON apiextensions.k8s.io/v1beta1, with
// apiextensions' internal types and conversions so that a v1 CRD from
// `kubectl get` can be stored as v1beta1; and the aggregator's APIServices
// (stored as JSON too: etcdops/resources_generated.go says how each
// resource is stored).
// It is lifeboat's own, so client-go's global scheme is untouched.
var storageScheme = newStorageScheme()

func newStorageScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	apiextensionsinstall.Install(s)
	apiregistrationinstall.Install(s)
	return s
}

// ConvertToInternal converts a versioned object of a kind whose internal
// type lifeboat links in (CustomResourceDefinitions) into out.
func ConvertToInternal(in runtime.Object, out runtime.Object) error {
	return storageScheme.Convert(in, out, nil)
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
