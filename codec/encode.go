package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"maps"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// protobufSerializer is apimachinery's own storage serializer for built-in
// kinds; it writes the "k8s\x00" + runtime.Unknown envelope.
var protobufSerializer = protobuf.NewSerializer(storageScheme, storageScheme)

// EncodeProtobuf encodes a built-in object exactly as kube-apiserver stores it:
// protobuf in the runtime.Unknown envelope, with metadata.resourceVersion and
// selfLink cleared (APIObjectVersioner.PrepareObjectForStorage, k8s.io/apiserver
// pkg/storage/api_object_versioner.go). The object's TypeMeta is filled from
// the scheme when empty. The caller's object is not modified.
func EncodeProtobuf(obj runtime.Object) ([]byte, error) {
	return encodeForStorage(obj, protobufSerializer)
}

// EncodeStorageJSON encodes a built-in object as kube-apiserver stores the
// kinds it keeps as JSON: CustomResourceDefinitions (apiextensions-apiserver
// stores JSON; e2e/storage_test.go compares every seeded resource's media
// type with a real apiserver's). apimachinery's JSON serializer, compact,
// with resourceVersion and selfLink cleared as for protobuf.
func EncodeStorageJSON(obj runtime.Object) ([]byte, error) {
	return encodeForStorage(obj, jsonSerializer)
}

func encodeForStorage(obj runtime.Object, enc runtime.Encoder) ([]byte, error) {
	obj = obj.DeepCopyObject()
	if err := setKind(obj); err != nil {
		return nil, err
	}
	accessor, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	accessor.SetResourceVersion("")
	accessor.SetSelfLink("")
	var buf bytes.Buffer
	if err := enc.Encode(obj, &buf); err != nil {
		return nil, fmt.Errorf("encode %T %s/%s: %w", obj, accessor.GetNamespace(), accessor.GetName(), err)
	}
	return buf.Bytes(), nil
}

// setKind fills an empty TypeMeta from the scheme, as the apiserver's codec
// does before it writes.
func setKind(obj runtime.Object) error {
	if !obj.GetObjectKind().GroupVersionKind().Empty() {
		return nil
	}
	gvks, _, err := storageScheme.ObjectKinds(obj)
	if err != nil {
		return fmt.Errorf("encode %T: %w", obj, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	return nil
}

// EncodeJSON encodes a generic object as kube-apiserver stores a custom
// resource: metadata.resourceVersion and selfLink removed
// (PrepareObjectForStorage), then encoding/json's Encoder with its trailing
// newline, as unstructuredJSONScheme does (k8s.io/apimachinery
// pkg/apis/meta/v1/unstructured/helpers.go). The caller's map is not modified.
func EncodeJSON(obj map[string]any) ([]byte, error) {
	if md, ok := obj["metadata"].(map[string]any); ok {
		_, rv := md["resourceVersion"]
		_, sl := md["selfLink"]
		if rv || sl {
			md = maps.Clone(md)
			delete(md, "resourceVersion")
			delete(md, "selfLink")
			obj = maps.Clone(obj)
			obj["metadata"] = md
		}
	}
	return encodeJSON(obj)
}

// encodeJSON encodes a generic object with encoding/json exactly as
// unstructuredJSONScheme does: sorted keys, HTML escaping, trailing newline.
func encodeJSON(obj map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(obj); err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return buf.Bytes(), nil
}

// EncodeForStorage encodes an object given as a map (a file a user wrote,
// a backup from `kubectl get -o yaml`) as kube-apiserver stores it: a kind
// lifeboat has a Go type for is decoded strictly into it (a field the type
// does not have is an error, as kubectl create says) and stored as
// protobuf, or as JSON for CustomResourceDefinitions; any other kind (a
// custom resource) is stored as JSON. resourceVersion and selfLink are
// cleared, as the apiserver does. storageVersion is the apiVersion the
// apiserver stores the resource in ("": the object's own); an object in
// another version is converted where kube-apiserver's own conversions are
// linked in (CustomResourceDefinitions, which `kubectl get` shows as v1 and
// the apiserver stores as v1beta1), and refused otherwise.
func EncodeForStorage(obj map[string]any, storageVersion string) ([]byte, error) {
	u := &unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" {
		return nil, fmt.Errorf("the object has no apiVersion or kind")
	}
	if storageVersion == "" {
		storageVersion = u.GetAPIVersion()
	}
	target, err := schema.ParseGroupVersion(storageVersion)
	if err != nil {
		return nil, err
	}
	if !storageScheme.Recognizes(gvk) {
		if target != gvk.GroupVersion() {
			return nil, &VersionError{Have: gvk.GroupVersion(), Stored: target}
		}
		return EncodeJSON(obj)
	}
	typed, err := storageScheme.New(gvk)
	if err != nil {
		return nil, err
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj, typed, true); err != nil {
		return nil, fmt.Errorf("%s %s: %w", gvk.GroupVersion(), gvk.Kind, err)
	}
	typed.GetObjectKind().SetGroupVersionKind(gvk)
	if target != gvk.GroupVersion() {
		// Only apiextensions' internal types are linked in: other groups'
		// versions do not convert here.
		if gvk.Group != apiextensionsinternal.GroupName || !storageScheme.Recognizes(target.WithKind(gvk.Kind)) {
			return nil, &VersionError{Have: gvk.GroupVersion(), Stored: target}
		}
		// Through the internal version, as the apiserver's codecs convert.
		internal, err := storageScheme.ConvertToVersion(typed, schema.GroupVersion{Group: gvk.Group, Version: runtime.APIVersionInternal})
		if err == nil {
			typed, err = storageScheme.ConvertToVersion(internal, target)
		}
		if err != nil {
			return nil, fmt.Errorf("convert %s %s to %s: %w", gvk.GroupVersion(), gvk.Kind, target, err)
		}
	}
	if gvk.Group == apiextensionsinternal.GroupName {
		return EncodeStorageJSON(typed)
	}
	return EncodeProtobuf(typed)
}

// VersionError says an object is not in the version kube-apiserver stores
// its resource in, and lifeboat cannot convert it.
type VersionError struct {
	Have, Stored schema.GroupVersion
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("kube-apiserver stores it as %s, not %s: convert it first (kubectl convert, or get it in that version)", e.Stored, e.Have)
}
