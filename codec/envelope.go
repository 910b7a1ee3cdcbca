package codec

import (
	"bytes"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the envelope: message Unknown and message TypeMeta in
// k8s.io/apimachinery pkg/runtime/generated.proto.
const (
	unknownTypeMeta        protowire.Number = 1
	unknownRaw             protowire.Number = 2
	unknownContentEncoding protowire.Number = 3
	unknownContentType     protowire.Number = 4

	typeMetaAPIVersion protowire.Number = 1
	typeMetaKind       protowire.Number = 2
)

// Every top-level object stores its ObjectMeta at field 1, and built-in kinds
// their spec and status at 2 and 3 (k8s.io/api */generated.proto).
const (
	objectMetadata protowire.Number = 1
	objectSpec     protowire.Number = 2
)

// envelope is a protobuf value split into the runtime.Unknown envelope and
// the object it carries, each kept at the wire level so that it can be
// written back without losing a byte.
type envelope struct {
	unknown    *wireMessage // fields of runtime.Unknown, after the magic bytes
	rawIdx     int          // index in unknown of the raw field in use (the last one)
	apiVersion string
	kind       string
	object     *wireMessage // top-level fields of the object in raw
}

// parseEnvelope splits a protobuf value. Errors say which part is broken and
// do not wrap ErrMalformed; callers add it.
func parseEnvelope(value []byte) (*envelope, error) {
	if len(value) < len(protobufMagic) || string(value[:len(protobufMagic)]) != string(protobufMagic) {
		return nil, fmt.Errorf("protobuf envelope: no %q prefix", protobufMagic)
	}
	if len(value) == len(protobufMagic) {
		// The apiserver's serializer fails the same way ("empty body").
		return nil, errors.New("protobuf envelope: empty body after the magic bytes")
	}
	unknown, err := parseWire(value[len(protobufMagic):])
	if err != nil {
		return nil, fmt.Errorf("protobuf envelope: %w", err)
	}
	env := &envelope{unknown: unknown, rawIdx: -1}
	for i, f := range unknown.fields {
		switch f.num {
		case unknownTypeMeta:
			if f.typ != protowire.BytesType {
				return nil, fmt.Errorf("protobuf envelope: typeMeta (field 1) is %s, want bytes", wireTypeName(f.typ))
			}
			tm, err := parseWire(f.payload())
			if err != nil {
				return nil, fmt.Errorf("protobuf envelope: typeMeta: %w", err)
			}
			// Repeated occurrences of a message field merge: the last
			// apiVersion and kind seen win.
			if i := tm.last(typeMetaAPIVersion); i >= 0 {
				env.apiVersion = string(tm.fields[i].payload())
			}
			if i := tm.last(typeMetaKind); i >= 0 {
				env.kind = string(tm.fields[i].payload())
			}
		case unknownRaw:
			if f.typ != protowire.BytesType {
				return nil, fmt.Errorf("protobuf envelope: raw (field 2) is %s, want bytes", wireTypeName(f.typ))
			}
			env.rawIdx = i
		}
	}
	switch {
	case env.kind == "":
		return nil, errors.New("protobuf envelope: no kind in typeMeta")
	case env.apiVersion == "":
		return nil, fmt.Errorf("protobuf envelope: kind %s has no apiVersion in typeMeta", env.kind)
	case env.rawIdx < 0:
		return nil, fmt.Errorf("protobuf envelope: %s has no object (field 2)", env.kind)
	}
	env.object, err = parseWire(unknown.fields[env.rawIdx].payload())
	if err != nil {
		return nil, fmt.Errorf("protobuf %s %s: %w", env.apiVersion, env.kind, err)
	}
	return env, nil
}

// envelopeFields reads a protobuf value's envelope as parseEnvelope does,
// the last apiVersion, kind and object winning, without allocating its
// lists of fields: for the walks that look at every value of a large
// cluster (Untouched, DecodeMasked). It is stricter (a typeMeta field of
// another wire type is not ok): whatever it refuses, parseEnvelope judges.
func envelopeFields(value []byte) (apiVersion, kind string, raw []byte, ok bool) {
	if !bytes.HasPrefix(value, protobufMagic) || len(value) == len(protobufMagic) {
		return "", "", nil, false
	}
	var apiVersionB, kindB []byte
	hasRaw, typeMetaOK := false, true
	ok = eachPayload(value[len(protobufMagic):], unknownTypeMeta, unknownRaw, func(num protowire.Number, payload []byte) {
		if num == unknownRaw {
			raw, hasRaw = payload, true
			return
		}
		typeMetaOK = typeMetaOK && eachPayload(payload, typeMetaAPIVersion, typeMetaKind, func(num protowire.Number, s []byte) {
			if num == typeMetaAPIVersion {
				apiVersionB = s
			} else {
				kindB = s
			}
		})
	})
	if !ok || !typeMetaOK || !hasRaw || len(apiVersionB) == 0 || len(kindB) == 0 || !eachField(raw, func(protowire.Number, protowire.Type, []byte) bool { return true }) {
		return "", "", nil, false
	}
	return string(apiVersionB), string(kindB), raw, true
}

// eachPayload calls fn with the payload of each field of msg numbered a
// or b; false when msg is not well formed or either is not
// length-delimited.
func eachPayload(msg []byte, a, b protowire.Number, fn func(num protowire.Number, payload []byte)) bool {
	typesOK := true
	wellFormed := eachField(msg, func(num protowire.Number, typ protowire.Type, v []byte) bool {
		if num != a && num != b {
			return true
		}
		if typ != protowire.BytesType {
			typesOK = false
			return false
		}
		payload, _ := protowire.ConsumeBytes(v)
		fn(num, payload)
		return true
	})
	return wellFormed && typesOK
}

// bytes re-serialises the value: magic, then the envelope with the object
// re-emitted in its raw field. Untouched fields are copied byte for byte.
func (e *envelope) bytes() []byte {
	out := make([]byte, 0, len(protobufMagic)+e.unknown.sizeWith(e.rawIdx, e.object))
	return e.unknown.appendWith(append(out, protobufMagic...), e.rawIdx, e.object)
}
