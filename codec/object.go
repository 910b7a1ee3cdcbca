package codec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Object is a decoded etcd value. Its fields are read-only views: Meta and
// Typed may share memory with each other.
type Object struct {
	Format     Format
	APIVersion string
	Kind       string
	// Meta is filled for every protobuf, JSON and CBOR value, including
	// protobuf kinds lifeboat has no Go type for (ObjectMeta is field 1 of
	// every top-level object).
	Meta metav1.ObjectMeta
	// Encryption is set only for FormatEncrypted.
	Encryption *Encryption
	// Typed is the object decoded by apimachinery's protobuf serializer when
	// its kind is in client-go's scheme; nil otherwise.
	Typed runtime.Object
	// UnknownFields lists, for protobuf kinds not in the scheme, every
	// top-level field other than metadata: lifeboat can show their size but
	// not their meaning.
	UnknownFields []FieldInfo
	// Size is the size of the stored value in bytes.
	Size int
	// Partial: Typed (and Meta, but for what the mask kept of it) holds
	// only the fields of the Mask it was decoded with (DecodeMasked), for
	// a reader that needs no more. Content and AppendJSON read the whole
	// object from the stored bytes.
	Partial bool

	// raw is a protobuf object's bytes (the envelope's raw field) and
	// goType its Go type, for a kind in the scheme: what the JSON writer
	// prints from (wirejson.go).
	raw    []byte
	goType reflect.Type
	// newer: a walk of the bytes skipped fields the Go types do not
	// declare (Partial objects only).
	newer bool

	content *lazyContent
	// fromMap converts a JSON or CBOR value of a kind in the scheme to its
	// Go type, on first use (AsTyped); nil for other values.
	fromMap func() runtime.Object
}

// FieldInfo describes a protobuf field lifeboat cannot interpret.
type FieldInfo struct {
	Number   int
	WireType string // varint, fixed64, bytes, group, fixed32
	Bytes    int    // size of the value (for bytes: of its payload)
}

// lazyContent is the generic map of an object, built on first use: most
// callers (listing keys, checking a phase) never need it for most objects.
// It sits behind a pointer so that Object stays copyable.
type lazyContent struct {
	once  sync.Once
	build func() (map[string]any, error)
	m     map[string]any
	err   error
}

func (l *lazyContent) get() (map[string]any, error) {
	l.once.Do(func() { l.m, l.err = l.build() })
	return l.m, l.err
}

// Decode reads a value as stored by kube-apiserver. A malformed value is an
// error wrapping ErrMalformed that says what is wrong; an encrypted value is
// not an error: the Object names its provider and key.
func Decode(value []byte) (*Object, error) {
	o, _, err := decode(value)
	return o, err
}

// decode is Decode, and for a protobuf value also returns its envelope, so
// that ApplyEdits edits exactly what Decode read (and refuses what Decode
// refuses) without parsing the value twice.
func decode(value []byte) (*Object, *envelope, error) {
	o := &Object{Format: DetectFormat(value), Size: len(value)}
	var env *envelope
	var err error
	switch o.Format {
	case FormatEncrypted:
		err = o.decodeEncrypted(value)
	case FormatProtobuf:
		env, err = o.decodeProtobuf(value)
	case FormatJSON:
		var m map[string]any
		// util/json keeps integers as int64 instead of float64, as the
		// apiserver does for unstructured objects.
		if jerr := utiljson.Unmarshal(value, &m); jerr != nil {
			err = labelled(FormatJSON, jerr)
		} else {
			err = o.setMap(m)
		}
	case FormatCBOR:
		var m map[string]any
		// direct decodes exactly as the apiserver's CBOR serializer and
		// skips the self-described tag.
		if cerr := direct.Unmarshal(value, &m); cerr != nil {
			err = labelled(FormatCBOR, cerr)
		} else {
			err = o.setMap(m)
		}
	default:
		err = fmt.Errorf("not protobuf, JSON or CBOR: %s", describeStart(value))
	}
	if err != nil {
		return nil, nil, malformed(err)
	}
	return o, env, nil
}

// malformed marks err as being about a malformed value, once: some of the
// errors decode gets (ParseEncryption's) already say so.
func malformed(err error) error {
	if errors.Is(err, ErrMalformed) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}

// labelled names the format whose parser refused a value, unless the
// parser's message already starts with it: fxamacker/cbor's errors say
// "cbor: ...", encoding/json's type errors "json: ...".
func labelled(f Format, err error) error {
	if strings.HasPrefix(err.Error(), string(f)+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", f, err)
}

func (o *Object) decodeEncrypted(value []byte) error {
	enc, err := ParseEncryption(value)
	if err != nil {
		return err
	}
	o.Encryption = &enc
	o.content = &lazyContent{build: func() (map[string]any, error) {
		return map[string]any{
			"apiVersion": "",
			"kind":       "",
			"encrypted": map[string]any{
				"provider": enc.Provider,
				"version":  enc.Version,
				"keyName":  enc.KeyName,
			},
		}, nil
	}}
	return nil
}

func (o *Object) decodeProtobuf(value []byte) (*envelope, error) {
	env, err := parseEnvelope(value)
	if err != nil {
		return nil, err
	}
	o.APIVersion, o.Kind = env.apiVersion, env.kind
	gvk := schema.FromAPIVersionAndKind(env.apiVersion, env.kind)
	if storageScheme.Recognizes(gvk) {
		obj, got, err := protobufSerializer.Decode(value, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("protobuf %s %s: %w", env.apiVersion, env.kind, err)
		}
		if *got != gvk {
			return nil, fmt.Errorf("protobuf %s %s: serializer decoded it as %s", env.apiVersion, env.kind, got)
		}
		o.Typed = obj
		o.raw, o.goType = env.unknown.fields[env.rawIdx].payload(), reflect.TypeOf(obj).Elem()
		if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
			if m, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
				o.Meta = *m
			}
		}
		o.content = &lazyContent{build: o.typedContent}
		return env, nil
	}

	// A kind lifeboat has no Go type for: metadata is still readable, the
	// rest is listed by field number.
	var metaBytes []byte
	for _, f := range env.object.fields {
		if f.num == objectMetadata {
			if f.typ != protowire.BytesType {
				return nil, fmt.Errorf("protobuf %s %s: metadata (field 1) is %s, want bytes", env.apiVersion, env.kind, wireTypeName(f.typ))
			}
			// Concatenated occurrences merge, as protobuf parsers do.
			metaBytes = append(metaBytes, f.payload()...)
			continue
		}
		o.UnknownFields = append(o.UnknownFields, FieldInfo{Number: int(f.num), WireType: wireTypeName(f.typ), Bytes: f.size()})
	}
	if err := o.Meta.Unmarshal(metaBytes); err != nil {
		return nil, fmt.Errorf("protobuf %s %s: metadata: %w", env.apiVersion, env.kind, err)
	}
	o.content = &lazyContent{build: o.unknownKindContent}
	return env, nil
}

// setMap fills the object from a JSON or CBOR document.
func (o *Object) setMap(m map[string]any) error {
	u := unstructured.Unstructured{Object: m}
	o.APIVersion, o.Kind = u.GetAPIVersion(), u.GetKind()
	// The apiserver cannot decode an object without them either
	// (runtime.NewMissingKindErr, unstructuredJSONScheme).
	switch {
	case o.Kind == "":
		return fmt.Errorf("%s: no kind", o.Format)
	case o.APIVersion == "":
		return fmt.Errorf("%s: kind %s has no apiVersion", o.Format, o.Kind)
	}
	if md, ok := m["metadata"]; ok && md != nil {
		mdm, ok := md.(map[string]any)
		if !ok {
			return fmt.Errorf("%s %s %s: metadata is %T, want an object", o.Format, o.APIVersion, o.Kind, md)
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(mdm, &o.Meta); err != nil {
			return fmt.Errorf("%s %s %s: metadata: %w", o.Format, o.APIVersion, o.Kind, err)
		}
	}
	o.content = &lazyContent{build: func() (map[string]any, error) { return m, nil }}
	if gvk := schema.FromAPIVersionAndKind(o.APIVersion, o.Kind); storageScheme.Recognizes(gvk) {
		o.fromMap = sync.OnceValue(func() runtime.Object {
			typed, err := storageScheme.New(gvk)
			if err != nil || runtime.DefaultUnstructuredConverter.FromUnstructured(m, typed) != nil {
				return nil
			}
			return typed
		})
	}
	return nil
}

// AsTyped is the object as its Go type, to read its fields, whatever the
// format it is stored in: Typed for protobuf; for JSON and CBOR (a Node
// written by a kube-apiserver with another storage media type, or by hand)
// the map converted to the type, once. nil for kinds lifeboat has no Go
// type for, for encrypted values, and for a map that does not fit its type.
// Typed stays nil for JSON and CBOR: their map, not a Go type, is what
// lifeboat shows and edits, losslessly.
func (o *Object) AsTyped() runtime.Object {
	if o.fromMap != nil {
		return o.fromMap()
	}
	return o.Typed
}

func (o *Object) typedContent() (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.APIVersion, o.Kind, err)
	}
	// The protobuf object carries no TypeMeta: the envelope does.
	m["apiVersion"], m["kind"] = o.APIVersion, o.Kind
	return m, nil
}

func (o *Object) unknownKindContent() (map[string]any, error) {
	md, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&o.Meta)
	if err != nil {
		return nil, fmt.Errorf("%s %s: metadata: %w", o.APIVersion, o.Kind, err)
	}
	fields := make([]any, 0, len(o.UnknownFields))
	for _, f := range o.UnknownFields {
		fields = append(fields, map[string]any{
			"field":    int64(f.Number),
			"wireType": f.WireType,
			"bytes":    int64(f.Bytes),
		})
	}
	return map[string]any{
		"apiVersion":     o.APIVersion,
		"kind":           o.Kind,
		"metadata":       md,
		"protobufFields": fields,
	}, nil
}

// Content is the object as a generic map, the shape kubectl shows: built on
// first use and cached. Callers must not modify it; Render returns a copy.
//
//   - kinds in client-go's scheme: the typed object converted to a map;
//   - JSON and CBOR: the stored document;
//   - protobuf kinds lifeboat does not know: apiVersion, kind, metadata and
//     protobufFields, a list of {field, wireType, bytes} for the rest;
//   - encrypted values: {"encrypted": {provider, version, keyName}} with
//     empty apiVersion and kind.
func (o *Object) Content() (map[string]any, error) {
	if o.content == nil {
		return nil, fmt.Errorf("codec: %s object was not built by Decode", o.Format)
	}
	return o.content.get()
}

// NestedString returns the string at the path (e.g. "spec", "nodeName"), or
// "" when it is absent or not a string.
func (o *Object) NestedString(fields ...string) string {
	m, err := o.Content()
	if err != nil {
		return ""
	}
	s, _, _ := unstructured.NestedString(m, fields...)
	return s
}
