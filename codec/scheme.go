package codec

import (
	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	"k8s.io/apimachinery/pkg/runtime"
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
