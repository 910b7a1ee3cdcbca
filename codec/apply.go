package codec

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cborserializer "k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
)

// cborSerializer is apimachinery's CBOR serializer, used to check edited
// CBOR values exactly as the apiserver will read them.
var cborSerializer = cborserializer.NewSerializer(storageScheme, storageScheme)

// ApplyEdits applies edits to a stored value and returns the new value.
//
// Protobuf values are edited at the wire level: every byte that does not
// belong to a changed field survives, including fields lifeboat does not
// know (DESIGN.md section 5). JSON and CBOR values are edited as generic maps.
// When nothing changes, after is nil and changed false: there is nothing to
// write. The result is checked by decoding it with apimachinery's serializer
// into the same kind; a value that fails is an error, never returned.
//
// Encrypted values are an error wrapping ErrEncrypted, malformed ones an error
// wrapping ErrMalformed.
func ApplyEdits(value []byte, edits ...Edit) (after []byte, changed bool, err error) {
	switch f := DetectFormat(value); f {
	case FormatEncrypted:
		enc, err := ParseEncryption(value)
		if err != nil {
			// Wraps both: it is encrypted (so never to be overwritten
			// with plaintext) and its header is unreadable.
			return nil, false, fmt.Errorf("%w: %w", ErrEncrypted, err)
		}
		return nil, false, fmt.Errorf("%w: %s: lifeboat cannot edit it without the encryption keys", ErrEncrypted, enc)
	case FormatProtobuf:
		return applyProtobuf(value, edits)
	case FormatJSON, FormatCBOR:
		return applyGeneric(f, value, edits)
	default:
		_, err := Decode(value)
		if err == nil {
			err = fmt.Errorf("%w: %s", ErrMalformed, describeStart(value))
		}
		return nil, false, err
	}
}

func applyProtobuf(value []byte, edits []Edit) ([]byte, bool, error) {
	env, err := parseEnvelope(value)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	t := typeInfo{apiVersion: env.apiVersion, kind: env.kind}
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

func applyGeneric(f Format, value []byte, edits []Edit) ([]byte, bool, error) {
	o, err := Decode(value)
	if err != nil {
		return nil, false, err
	}
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
	if f == FormatJSON {
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
// serializer into the same kind (DESIGN.md section 4 step 4): the apiserver
// must be able to read everything lifeboat writes.
func verify(after []byte, want typeInfo) error {
	fail := func(err error) error {
		return fmt.Errorf("edited %s %s failed verification, nothing written: %w", want.apiVersion, want.kind, err)
	}
	// Decode uses the protobuf serializer for kinds in the scheme, and for
	// the others parses the envelope and ObjectMeta.
	o, err := Decode(after)
	if err != nil {
		return fail(err)
	}
	got := typeInfo{apiVersion: o.APIVersion, kind: o.Kind}
	if got != want {
		return fail(fmt.Errorf("decodes as %s %s", got.apiVersion, got.kind))
	}
	var gvk *schema.GroupVersionKind
	switch o.Format {
	case FormatJSON:
		_, gvk, err = unstructured.UnstructuredJSONScheme.Decode(after, nil, &unstructured.Unstructured{})
	case FormatCBOR:
		_, gvk, err = cborSerializer.Decode(after, nil, &unstructured.Unstructured{})
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
