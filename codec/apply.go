package codec

import (
	"bytes"
	"fmt"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cborserializer "k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
)

// cborSerializer and jsonSerializer are apimachinery's CBOR and (non-strict)
// JSON serializers, used to check edited values exactly as the apiserver will
// read them.
var (
	cborSerializer = cborserializer.NewSerializer(storageScheme, storageScheme)
	jsonSerializer = jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, storageScheme, storageScheme, jsonserializer.SerializerOptions{})
)

// ApplyEdits applies edits to a stored value and returns the new value.
//
// Protobuf values are edited at the wire level: every byte that does not
// belong to a changed field survives, including fields lifeboat does not
// know (docs/design.md, "Lossless edits"). JSON and CBOR values are edited as generic maps.
// When nothing changes, after is nil and changed false: there is nothing to
// write. The result is checked by decoding it with apimachinery's serializer
// into the same kind; a value that fails is an error, never returned.
//
// Only values that Decode reads are edited: the value is first decoded
// exactly as Decode does, and what Decode refuses is refused, even when the
// edit would remove the very bytes that make it unreadable (a malformed
// deletionTimestamp that ClearDeletion drops). lifeboat repairs objects; it
// does not rewrite values it cannot read. Nor does it edit kinds that carry
// no ObjectMeta (lists, options, WatchEvent), whose field 1 is another thing.
//
// Encrypted values are an error wrapping ErrEncrypted, malformed ones an error
// wrapping ErrMalformed.
func ApplyEdits(value []byte, edits ...Edit) (after []byte, changed bool, err error) {
	if DetectFormat(value) == FormatEncrypted {
		enc, err := ParseEncryption(value)
		if err != nil {
			// Wraps both: it is encrypted (so never to be overwritten
			// with plaintext) and its header is unreadable.
			return nil, false, fmt.Errorf("%w: %w", ErrEncrypted, err)
		}
		return nil, false, fmt.Errorf("%w: %s: lifeboat cannot edit it without the encryption keys", ErrEncrypted, enc)
	}
	o, env, err := decode(value)
	if err != nil {
		return nil, false, err
	}
	if !hasObjectMeta(o.APIVersion, o.Kind) {
		return nil, false, fmt.Errorf("%s %s has no ObjectMeta (a list, an option or an event, not a stored object): lifeboat does not edit it", o.APIVersion, o.Kind)
	}
	switch o.Format {
	case FormatProtobuf:
		return applyProtobuf(value, o, env, edits)
	case FormatJSON, FormatCBOR:
		return applyGeneric(o, edits)
	default:
		// Cannot happen: decode refuses every other format.
		return nil, false, fmt.Errorf("%w: %s value", ErrMalformed, o.Format)
	}
}

// ApplyEditsDecoded is ApplyEdits of a value o was decoded from by Decode:
// it saves the decode a scan has already made. The result is verified all
// the same.
func ApplyEditsDecoded(o *Object, value []byte, edits ...Edit) (after []byte, changed bool, err error) {
	if o.Format != FormatProtobuf || !hasObjectMeta(o.APIVersion, o.Kind) {
		return ApplyEdits(value, edits...)
	}
	env, err := parseEnvelope(value)
	if err != nil {
		return nil, false, malformed(err)
	}
	return applyProtobuf(value, o, env, edits)
}

// hasObjectMeta says whether objects of a kind carry ObjectMeta: the edits
// rely on it, at field 1 of a protobuf object and under "metadata" of a map.
// Every stored object does (docs/design.md, "Lossless edits"), including those of kinds
// lifeboat has no Go type for; but the scheme also knows kinds that are never
// stored, such as lists, options and WatchEvent, whose field 1 is something
// else.
func hasObjectMeta(apiVersion, kind string) bool {
	// The type, not a new object: a scan asks for every value it skims.
	t, ok := storageScheme.AllKnownTypes()[schema.FromAPIVersionAndKind(apiVersion, kind)]
	if !ok {
		return true // no Go type
	}
	return reflect.PointerTo(t).Implements(objectMetaAccessor)
}

var objectMetaAccessor = reflect.TypeFor[metav1.ObjectMetaAccessor]()

// applyProtobuf edits the envelope of a value that decode read.
func applyProtobuf(value []byte, o *Object, env *envelope, edits []Edit) ([]byte, bool, error) {
	t := typeInfo{apiVersion: o.APIVersion, kind: o.Kind}
	changed := false
	for _, e := range edits {
		c, err := e.editProtobuf(t, env.object)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", e, err)
		}
		changed = changed || c
	}
	if !changed {
		return nil, false, nil
	}
	after := env.bytes()
	if bytes.Equal(after, value) {
		return nil, false, nil
	}
	if err := verify(after, t); err != nil {
		return nil, false, err
	}
	return after, true, nil
}

// applyGeneric edits the map of a JSON or CBOR object that decode read.
func applyGeneric(o *Object, edits []Edit) ([]byte, bool, error) {
	// Decode's map is the cache of o, which nobody else holds: edit it.
	obj, err := o.Content()
	if err != nil {
		return nil, false, err
	}
	t := typeInfo{apiVersion: o.APIVersion, kind: o.Kind}
	changed := false
	for _, e := range edits {
		c, err := e.editMap(t, obj)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", e, err)
		}
		changed = changed || c
	}
	if !changed {
		return nil, false, nil
	}
	var after []byte
	if o.Format == FormatJSON {
		after, err = encodeJSON(obj)
	} else {
		after, err = encodeCBOR(obj)
	}
	if err != nil {
		return nil, false, err
	}
	if err := verify(after, t); err != nil {
		return nil, false, err
	}
	return after, true, nil
}

// verify checks that an edited value decodes with apimachinery's own
// serializer into the same kind (docs/design.md, "Lossless edits"): the apiserver
// must be able to read everything lifeboat writes.
func verify(after []byte, want typeInfo) error {
	fail := func(err error) error {
		return fmt.Errorf("edited %s %s failed verification, nothing written: %w", want.apiVersion, want.kind, err)
	}
	// Decode uses the protobuf serializer for kinds in the scheme, and for
	// the others parses the envelope and ObjectMeta; its judgement is all
	// that is wanted here, which a mask of next to nothing gets for a
	// fraction of the decoding.
	o, err := DecodeMasked(after, judgeOnly)
	if err != nil {
		return fail(err)
	}
	got := typeInfo{apiVersion: o.APIVersion, kind: o.Kind}
	if got != want {
		return fail(fmt.Errorf("decodes as %s %s", got.apiVersion, got.kind))
	}
	// Decode reads JSON and CBOR as generic maps. kube-apiserver reads a
	// kind it has a Go type for into that type (the storage decoder falls
	// back to its universal deserializer: k8s.io/apiserver
	// pkg/server/storage/storage_codec.go, NewStorageCodec), which fails on a
	// field of the wrong type; so do the same for the kinds lifeboat knows.
	var into runtime.Object = &unstructured.Unstructured{}
	if storageScheme.Recognizes(schema.FromAPIVersionAndKind(want.apiVersion, want.kind)) {
		into = nil
	}
	var gvk *schema.GroupVersionKind
	switch o.Format {
	case FormatJSON:
		if into == nil {
			_, gvk, err = jsonSerializer.Decode(after, nil, nil)
		} else {
			_, gvk, err = unstructured.UnstructuredJSONScheme.Decode(after, nil, into)
		}
	case FormatCBOR:
		_, gvk, err = cborSerializer.Decode(after, nil, into)
	default:
		return nil
	}
	if err != nil {
		return fail(err)
	}
	if gvk.GroupVersion().String() != want.apiVersion || gvk.Kind != want.kind {
		return fail(fmt.Errorf("apimachinery decodes it as %s", gvk))
	}
	return nil
}

// encodeCBOR writes a generic object as the apiserver's CBOR serializer
// does: the self-described tag, then the map in its canonical encoding.
func encodeCBOR(obj map[string]any) ([]byte, error) {
	body, err := direct.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode cbor: %w", err)
	}
	return append(append(make([]byte, 0, len(cborSelfDescribed)+len(body)), cborSelfDescribed...), body...), nil
}
