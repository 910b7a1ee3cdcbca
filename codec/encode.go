package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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

// Storage is how kube-apiserver stores a resource: the apiVersion its
// objects carry in etcd, and the media type.
type Storage struct {
	Version schema.GroupVersion
	Format  Format // FormatProtobuf or FormatJSON
}

// EncodeForStorage encodes an object given as a map (a file a user wrote,
// a backup from `kubectl get -o yaml`) as kube-apiserver stores it: a kind
// lifeboat has a Go type for is decoded strictly into it (a field the type
// does not have is an error, as kubectl create says) and encoded in the
// media type st names; any other kind (a custom resource) is stored as
// JSON. resourceVersion and selfLink are cleared, as the apiserver does.
//
// An object in another version than st.Version is converted: a
// CustomResourceDefinition through apiextensions' own conversions (kubectl
// shows v1, kube-apiserver stores v1beta1), any other kind only where the
// two versions have the same shape, proven by decoding it strictly into
// the stored version's type and getting back exactly the same fields (a
// resource promoted from v1beta1 to v1 unchanged). Anything else is a
// VersionError. A zero st.Version keeps the object's own version.
func EncodeForStorage(obj map[string]any, st Storage) ([]byte, error) {
	u := &unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" {
		return nil, fmt.Errorf("the object has no apiVersion or kind")
	}
	target := st.Version
	if target.Version == "" {
		target = gvk.GroupVersion()
	}
	if !storageScheme.Recognizes(gvk) {
		if target != gvk.GroupVersion() {
			return nil, &VersionError{Have: gvk.GroupVersion(), Stored: target}
		}
		return EncodeJSON(obj)
	}
	typed, err := decodeStrict(obj, gvk)
	if err != nil {
		return nil, err
	}
	if target != gvk.GroupVersion() {
		if typed, err = convert(typed, obj, gvk, target); err != nil {
			return nil, err
		}
	}
	if st.Format == FormatJSON {
		return EncodeStorageJSON(typed)
	}
	return EncodeProtobuf(typed)
}

// decodeStrict decodes obj into gvk's Go type, refusing fields it does not
// have.
func decodeStrict(obj map[string]any, gvk schema.GroupVersionKind) (runtime.Object, error) {
	typed, err := storageScheme.New(gvk)
	if err != nil {
		return nil, err
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj, typed, true); err != nil {
		return nil, fmt.Errorf("%s %s: %w", gvk.GroupVersion(), gvk.Kind, err)
	}
	typed.GetObjectKind().SetGroupVersionKind(gvk)
	return typed, nil
}

// convert turns typed (obj as gvk) into target's version of its kind.
func convert(typed runtime.Object, obj map[string]any, gvk schema.GroupVersionKind, target schema.GroupVersion) (runtime.Object, error) {
	to := target.WithKind(gvk.Kind)
	if target.Group != gvk.Group || !storageScheme.Recognizes(to) {
		return nil, &VersionError{Have: gvk.GroupVersion(), Stored: target}
	}
	if gvk.Group == apiextensionsinternal.GroupName {
		// Through the internal version, as the apiserver's codecs convert.
		internal, err := storageScheme.ConvertToVersion(typed, schema.GroupVersion{Group: gvk.Group, Version: runtime.APIVersionInternal})
		if err == nil {
			typed, err = storageScheme.ConvertToVersion(internal, target)
		}
		if err != nil {
			return nil, fmt.Errorf("convert %s %s to %s: %w", gvk.GroupVersion(), gvk.Kind, target, err)
		}
		return typed, nil
	}
	// Other groups' conversions live in kube-apiserver, not in lifeboat:
	// convert only what both versions spell the same way.
	moved := maps.Clone(obj)
	moved["apiVersion"] = target.String()
	converted, err := decodeStrict(moved, to)
	if err != nil {
		return nil, &VersionError{Have: gvk.GroupVersion(), Stored: target, Reason: err.Error()}
	}
	from, err1 := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	back, err2 := runtime.DefaultUnstructuredConverter.ToUnstructured(converted)
	if err1 != nil || err2 != nil {
		return nil, &VersionError{Have: gvk.GroupVersion(), Stored: target, Reason: fmt.Sprint(errors.Join(err1, err2))}
	}
	delete(from, "apiVersion")
	delete(back, "apiVersion")
	if !equality.Semantic.DeepEqual(from, back) {
		return nil, &VersionError{Have: gvk.GroupVersion(), Stored: target, Reason: "the two versions do not hold the same fields"}
	}
	return converted, nil
}

// VersionError says an object is not in the version kube-apiserver stores
// its resource in, and lifeboat cannot convert it.
type VersionError struct {
	Have, Stored schema.GroupVersion
	Reason       string // why lifeboat cannot convert it, when it tried
}

func (e *VersionError) Error() string {
	msg := fmt.Sprintf("kube-apiserver stores it as %s, not %s", e.Stored, e.Have)
	if e.Reason != "" {
		msg += " (lifeboat cannot convert it: " + e.Reason + ")"
	}
	return msg + ": convert it first (kubectl convert, or get it in that version)"
}
