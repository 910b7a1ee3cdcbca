package codec

import (
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

// bytes re-serialises the value: magic, then the envelope with the object
// re-emitted in its raw field. Untouched fields are copied byte for byte.
func (e *envelope) bytes() []byte {
	e.unknown.setPayload(e.rawIdx, e.object.bytes())
	body := e.unknown.bytes()
	out := make([]byte, 0, len(protobufMagic)+len(body))
	return append(append(out, protobufMagic...), body...)
}
