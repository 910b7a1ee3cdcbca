package etcdops

import (
	"fmt"
	"slices"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DecodeStored decodes a value stored under a key of res as kube-apiserver's
// storage decoder for res reads it, and fails exactly where that decoder
// would: it is the one judgement of "cannot decode" that get, ls, doctor,
// quarantine, the TUI and every skip share. The decoder (k8s.io/apiserver
// pkg/storage/etcd3, decode into res's internal type) fails on
//
//   - bytes that are not an object in any storage format (codec.Decode's
//     errors: a bad envelope, truncated protobuf, JSON without a kind);
//   - an object of another group or kind than res stores: it cannot be
//     converted into res's type (a ConfigMap's bytes under a Pod's key).
//
// It reads every version of those kinds its scheme knows (Resource.Reads,
// generated from kube-apiserver's scheme: an extensions/v1beta1 Deployment
// too), and a version lifeboat has never heard of was written by a newer
// kube-apiserver, which reads it: such a value is decoded by its own
// apiVersion and kind, never called broken. So
// is a value under a key whose resource lifeboat does not know. Errors wrap
// codec.ErrMalformed. An encrypted value is not judged here: the store
// decrypts what it can first (Store.open), and the apiserver decrypts with
// its own key.
func DecodeStored(res Resource, value []byte) (*codec.Object, error) {
	return decodeStored(res, value, nil)
}

// decodeStored is DecodeStored decoding into the Go type only what needs
// keeps (codec.DecodeMasked): the same judgement, a Partial object.
func decodeStored(res Resource, value []byte, needs *codec.Mask) (*codec.Object, error) {
	obj, err := codec.DecodeMasked(value, needs)
	if err != nil {
		return nil, err
	}
	if obj.Format == codec.FormatEncrypted {
		return obj, nil
	}
	if err := res.holds(obj.APIVersion, obj.Kind); err != nil {
		return nil, fmt.Errorf("%w: %w", codec.ErrMalformed, err)
	}
	return obj, nil
}

// holds says why an object of apiVersion and kind is not what kube-apiserver
// stores under res; nil when it is, or when lifeboat does not know what res
// stores (a resource of a newer Kubernetes, or a custom resource named
// without its CRD).
func (r Resource) holds(apiVersion, kind string) error {
	if r.Kind == "" {
		return nil
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return fmt.Errorf("stored apiVersion %q is not a group/version: %w", apiVersion, err)
	}
	for _, want := range r.storedKinds() {
		if gv.Group == want.Group && kind == want.Kind {
			return nil
		}
	}
	want := r.storedKinds()[0]
	return fmt.Errorf("stored object is %s %s, but kube-apiserver stores %s (group %q) under %s and cannot convert another kind into it",
		apiVersion, kind, want.Kind, want.Group, r.StoragePath)
}

// storedKinds are the group/kinds kube-apiserver reads under r's storage
// path: those of Reads (its scheme's, from the table), else r's own.
func (r Resource) storedKinds() []schema.GroupKind {
	own := schema.GroupKind{Group: r.Group, Kind: r.Kind}
	if r.Storage.Version != "" {
		own.Group = r.Storage.Group
	}
	kinds := []schema.GroupKind{own}
	for _, gvk := range r.Reads {
		if gk := gvk.GroupKind(); !slices.Contains(kinds, gk) {
			kinds = append(kinds, gk)
		}
	}
	return kinds
}
