package codec

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
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
