package codec

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A schema is what a k8s.io/api Go type says about its protobuf bytes and
// its JSON: each field's number and wire type (its `protobuf:"..."` tag),
// its JSON name and omitempty (its `json:"..."` tag), and how its Go type
// decodes (generated code's Unmarshal) and encodes (encoding/json). It is
// read from the types by reflection once per type, so that lifeboat can
// check, prune and print stored bytes without decoding them into the type
// (wirecheck.go, prune.go, wirejson.go) and agree with the generated code
// and encoding/json on every byte. Whatever a schema cannot say exactly
// (floats, packed numbers, a type of its own JSON rules, a name two
// embedded structs share) makes the walkers give up, and their callers
// decode the object with the generated code as before.

// valueKind is how a value is stored and printed.
type valueKind uint8

const (
	kindUnsupported valueKind = iota
	kindString
	kindBool
	kindInt32
	kindInt64
	kindUint32
	kindUint64
	kindBytes   // []byte: base64 in JSON
	kindMessage // a struct of protobuf-tagged fields
	kindTime    // metav1.Time: a Timestamp, RFC 3339 in JSON
	kindCustom  // its own Unmarshal and MarshalJSON (Quantity, IntOrString, FieldsV1...)
)

// valueSchema is one value: a field's, a list element's or a map entry's.
type valueSchema struct {
	kind   valueKind
	ptr    bool // a Go pointer: absent is nil, present is never empty
	wire   protowire.Type
	msg    *msgSchema   // kindMessage
	custom reflect.Type // kindCustom: the value type; *custom unmarshals
}

// fieldSchema is one field of a message. What every walk reads of each
// field comes first, in one cache line; the JSON writer's after.
type fieldSchema struct {
	wire     protowire.Type // of each occurrence (bytes for a map's entries)
	repeated bool           // a list (not []byte)
	// checked: its values need more than their wire type checked (a
	// message, a time, a custom value, a map's entries).
	checked bool
	isMap   bool
	num     protowire.Number // 0: not stored (TypeMeta's fields)
	val     valueSchema      // the field's, a list's element, or a map's value
	mapKey  valueSchema
	goIndex int

	name      string // the JSON name
	key       []byte // the name as a JSON key: `"name": `
	omitEmpty bool
	omitZero  bool // omitzero: only for kinds with an IsZero (metav1.Time)
	noJSON    bool // json:"-"
	// inline: an embedded struct whose fields JSON promotes into the
	// message's (a Volume's VolumeSource).
	inline     bool
	inlineSlot int // among the message's inline fields
}

// maxInline is how many inline structs a message the JSON writer prints
// may embed (k8s.io/api's embed one at most).
const maxInline = 4

// jsonMember is one JSON member of a message, in name order: a field of its
// own (path of one) or of an inline struct (path of two).
type jsonMember struct {
	name string
	path []int // indices into fields: [field] or [inline field, its field]
}

// msgSchema is one message type.
type msgSchema struct {
	typ     reflect.Type
	fields  []fieldSchema
	byNum   []int16 // field number -> index in fields, -1 for none
	members []jsonMember
	// jsonOK: the JSON writer can print it exactly; checks and pruning
	// need only wireOK.
	jsonOK, wireOK bool
}

// field is the index in s.fields of the field numbered num, -1 if the
// type does not declare it (a newer Kubernetes' field: skipped, as the
// generated code skips it).
func (s *msgSchema) field(num protowire.Number) int {
	if int(num) < len(s.byNum) {
		return int(s.byNum[num])
	}
	return -1
}

var (
	// schemas are the schemas built whole, read without a lock; building
	// (schemaCache, which holds those being built too) takes schemaMu.
	schemas     sync.Map
	schemaMu    sync.Mutex
	schemaCache = map[reflect.Type]*msgSchema{}

	timeType       = reflect.TypeFor[metav1.Time]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
	textMarshaler  = reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()
	protoUnmarshal = reflect.TypeFor[interface{ Unmarshal([]byte) error }]()
)

// schemaOf is the schema of a struct type, built once. Recursive types
// (a JSONSchemaProps holds JSONSchemaProps) share the one being built.
func schemaOf(t reflect.Type) *msgSchema {
	if s, ok := schemas.Load(t); ok {
		return s.(*msgSchema)
	}
	schemaMu.Lock()
	defer schemaMu.Unlock()
	s := buildSchema(t)
	schemas.Store(t, s)
	return s
}

func buildSchema(t reflect.Type) *msgSchema {
	if s, ok := schemaCache[t]; ok {
		return s
	}
	s := &msgSchema{typ: t, jsonOK: true, wireOK: true}
	schemaCache[t] = s
	maxNum, inlines := 0, 0
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		jsonTag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(jsonTag, ",")
		// json:"-": stored, never printed (runtime.Unknown's raw).
		f := fieldSchema{goIndex: i, noJSON: jsonTag == "-"}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "omitempty":
				f.omitEmpty = true
			case "omitzero":
				f.omitZero = true
			case "", "inline":
			default:
				s.jsonOK = false // ",string" and the like
			}
		}
		tag := sf.Tag.Get("protobuf")
		if tag == "" {
			// Not stored: TypeMeta, whose fields are empty in a decoded
			// object and left out of its JSON (omitempty). Anything else
			// would need its zero value's JSON: not done.
			if sf.Anonymous && sf.Type == reflect.TypeFor[metav1.TypeMeta]() {
				s.fields = append(s.fields,
					fieldSchema{name: "apiVersion", key: jsonKey("apiVersion"), omitEmpty: true, val: valueSchema{kind: kindString}, goIndex: -1},
					fieldSchema{name: "kind", key: jsonKey("kind"), omitEmpty: true, val: valueSchema{kind: kindString}, goIndex: -1})
				continue
			}
			s.jsonOK, s.wireOK = false, false
			continue
		}
		parts := strings.Split(tag, ",")
		if len(parts) < 2 {
			s.jsonOK, s.wireOK = false, false
			continue
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil || n <= 0 {
			s.jsonOK, s.wireOK = false, false
			continue
		}
		f.num = protowire.Number(n)
		maxNum = max(maxNum, n)
		// The tags' wire types are not always the generated code's (an
		// int32 tagged "bytes"): the Go type says how it is stored.
		ft := sf.Type
		wire := naturalWireType(elemType(ft))
		f.wire = wire
		f.inline = sf.Anonymous && name == "" && ft.Kind() == reflect.Struct && !hasOwnJSON(ft)
		if name == "" {
			name = sf.Name
		}
		f.name, f.key = name, jsonKey(name)
		switch {
		case ft.Kind() == reflect.Map:
			// The Go types' tags say nothing of a map's entries: key 1
			// and value 2, of wire types their Go types have (the
			// generated code's).
			f.isMap = true
			f.mapKey = valueOf(ft.Key(), protowire.BytesType)
			f.val = valueOf(ft.Elem(), naturalWireType(ft.Elem()))
			if f.mapKey.kind != kindString || f.mapKey.ptr || f.val.ptr {
				f.val.kind = kindUnsupported
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
			f.repeated = true
			f.val = valueOf(ft.Elem(), wire)
			if f.val.ptr {
				f.val.kind = kindUnsupported
			}
		default:
			f.val = valueOf(ft, wire)
		}
		if f.val.kind == kindUnsupported {
			s.jsonOK, s.wireOK = false, false
		}
		switch f.val.kind {
		case kindString, kindBool, kindInt32, kindInt64, kindUint32, kindUint64, kindBytes:
			f.checked = f.isMap
		default:
			f.checked = true
		}
		if f.omitZero && f.val.kind != kindTime {
			s.jsonOK = false
		}
		if f.inline {
			if f.val.msg == nil || f.val.ptr || f.repeated || inlines == maxInline {
				s.jsonOK = false
			}
			f.inlineSlot = inlines
			inlines++
		}
		s.fields = append(s.fields, f)
	}
	s.byNum = make([]int16, maxNum+1)
	for i := range s.byNum {
		s.byNum[i] = -1
	}
	for i, f := range s.fields {
		if f.num == 0 {
			continue
		}
		if s.byNum[f.num] >= 0 {
			s.jsonOK, s.wireOK = false, false
		}
		s.byNum[f.num] = int16(i)
	}
	s.members = membersOf(s)
	return s
}

// membersOf lists a message's JSON members in name order, promoting the
// fields of inline structs one level down (deeper nesting, or a name two
// of them share, is left to encoding/json: jsonOK false).
func membersOf(s *msgSchema) []jsonMember {
	var ms []jsonMember
	for i, f := range s.fields {
		if f.noJSON {
			continue
		}
		if !f.inline || f.val.msg == nil {
			ms = append(ms, jsonMember{name: f.name, path: []int{i}})
			continue
		}
		inner := f.val.msg
		for j, g := range inner.fields {
			if g.noJSON {
				continue
			}
			if g.inline {
				s.jsonOK = false
			}
			ms = append(ms, jsonMember{name: g.name, path: []int{i, j}})
		}
	}
	slices.SortStableFunc(ms, func(a, b jsonMember) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(ms); i++ {
		if ms[i].name == ms[i-1].name {
			s.jsonOK = false
		}
	}
	return ms
}

// valueOf is the schema of a value of Go type t stored with wire type w.
func valueOf(t reflect.Type, w protowire.Type) valueSchema {
	v := valueSchema{wire: w}
	if t.Kind() == reflect.Pointer {
		v.ptr = true
		t = t.Elem()
	}
	want := protowire.BytesType
	switch {
	case t == timeType:
		v.kind = kindTime
	case hasOwnJSON(t):
		// encoding/json calls a value receiver's MarshalJSON everywhere,
		// a pointer receiver's not in map values: only the first is done.
		if !t.Implements(marshalerType) || !reflect.PointerTo(t).Implements(protoUnmarshal) || t.Kind() != reflect.Struct {
			return valueSchema{}
		}
		v.kind, v.custom = kindCustom, t
	case t.Kind() == reflect.String:
		v.kind = kindString
	case t.Kind() == reflect.Bool:
		v.kind, want = kindBool, protowire.VarintType
	case t.Kind() == reflect.Int32:
		v.kind, want = kindInt32, protowire.VarintType
	case t.Kind() == reflect.Int64:
		v.kind, want = kindInt64, protowire.VarintType
	case t.Kind() == reflect.Uint32:
		v.kind, want = kindUint32, protowire.VarintType
	case t.Kind() == reflect.Uint64:
		v.kind, want = kindUint64, protowire.VarintType
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !v.ptr:
		v.kind = kindBytes
	case t.Kind() == reflect.Struct:
		v.kind, v.msg = kindMessage, buildSchema(t)
		if !v.msg.wireOK {
			return valueSchema{}
		}
	default:
		return valueSchema{}
	}
	if w != want {
		return valueSchema{}
	}
	return v
}

// hasOwnJSON says whether encoding/json prints t by its own method.
func hasOwnJSON(t reflect.Type) bool {
	for _, i := range []reflect.Type{marshalerType, textMarshaler} {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return true
		}
	}
	return false
}

// naturalWireType is the wire type the generated code stores a value of
// Go type t with: varint for numbers and bools, bytes for the rest.
func naturalWireType(t reflect.Type) protowire.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		return protowire.VarintType
	}
	return protowire.BytesType
}

// elemType is the type of each occurrence of a field of Go type t: a
// list's element; a map's entry, a message.
func elemType(t reflect.Type) reflect.Type {
	switch {
	case t.Kind() == reflect.Map:
		return t
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		return t.Elem()
	}
	return t
}

func jsonKey(name string) []byte {
	return append(appendJSONString(nil, name), ':', ' ')
}

// customValue decodes a value of a custom kind as the generated code does.
func customValue(t reflect.Type, b []byte) (reflect.Value, bool) {
	p := reflect.New(t)
	if err := p.Interface().(interface{ Unmarshal([]byte) error }).Unmarshal(b); err != nil {
		return reflect.Value{}, false
	}
	return p, true
}

// timestamp reads a metav1.Time as its Unmarshal does (a Timestamp:
// seconds 1, nanos 2; no bytes is the zero time), strictly: anything else
// is false.
func timestamp(b []byte) (time.Time, bool) {
	if len(b) == 0 {
		return time.Time{}, true
	}
	var secs int64
	var nanos int32
	var seen [3]bool
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.VarintType || (num != 1 && num != 2) || seen[num] {
			return time.Time{}, false
		}
		seen[num] = true
		v, m := protowire.ConsumeVarint(b[n:])
		if m < 0 {
			return time.Time{}, false
		}
		if num == 1 {
			secs = int64(v)
		} else {
			nanos = int32(v)
		}
		b = b[n+m:]
	}
	_ = nanos // checked, then dropped: metav1.Time keeps whole seconds
	return time.Unix(secs, 0).Local(), true
}
