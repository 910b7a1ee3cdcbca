package codec

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

// A Kubernetes newer than lifeboat stores fields lifeboat's Go types do not
// have (a 1.37 Pod's new container fields, say). The typed decoder skips
// them without a word, so an object shows without them. NewerFields finds
// them by walking the stored bytes beside the Go type: every protobuf field
// number the type's `protobuf:"..."` tags do not declare is one.

// NewerField is a field in a stored protobuf object that lifeboat's Go type
// does not declare.
type NewerField struct {
	Path     string // the enclosing message, as in YAML: "spec.containers[0]"; "" for the object
	Number   int
	WireType string
	Bytes    int
}

func (f NewerField) String() string {
	where := f.Path
	if where == "" {
		where = "the object"
	}
	return fmt.Sprintf("%s: field %d (%s, %d bytes)", where, f.Number, f.WireType, f.Bytes)
}

// NewerFields lists the fields of a typed protobuf object that its Go type
// does not declare, nil when there are none (and for JSON, CBOR, unknown
// kinds, whose fields UnknownFields lists, and values that do not decode).
// Edits keep such fields byte for byte (docs/design.md, "Lossless edits");
// this says that a view of the object does not show them.
func NewerFields(value []byte, o *Object) []NewerField {
	if o == nil || o.Typed == nil || o.Format != FormatProtobuf {
		return nil
	}
	if o.Partial {
		if !o.newer {
			return nil // its walk met none
		}
		w := newerWalker{}
		w.message(o.raw, o.goType)
		return w.out
	}
	env, err := parseEnvelope(value)
	if err != nil {
		return nil
	}
	raw := env.unknown.fields[env.rawIdx].payload()
	// The fast answer: the generated code's Size is what the Go type would
	// write; stored bytes of that same size hold nothing it dropped. Only a
	// value of another size (a newer field, or bytes encoded another way)
	// is walked.
	if sized, ok := o.Typed.(interface{ Size() int }); ok && sized.Size() == len(raw) {
		return nil
	}
	w := newerWalker{}
	w.message(raw, reflect.TypeOf(o.Typed).Elem())
	return w.out
}

// newerWalker walks a message beside its Go type. The path is a stack of
// segments turned into a string only for a field it records: a walk of a
// pod that has none allocates next to nothing.
type newerWalker struct {
	path []pathSegment
	out  []NewerField
}

type pathSegment struct {
	name  string
	index int // -1: not a list element; -2: a map value
}

func (w *newerWalker) pathString() string {
	var b strings.Builder
	for i, s := range w.path {
		if s.name != "" {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
		switch {
		case s.index >= 0:
			fmt.Fprintf(&b, "[%d]", s.index)
		case s.index == -2:
			b.WriteString("[]")
		}
	}
	return b.String()
}

// protoField is what a struct field's protobuf tag says.
type protoField struct {
	name  string // the JSON name
	typ   reflect.Type
	index int
}

var protoFieldsCache sync.Map // reflect.Type -> map[protowire.Number]protoField

// protoFields reads a Go type's protobuf field numbers from its tags
// (`protobuf:"bytes,2,opt,name=spec"`), once per type.
func protoFields(t reflect.Type) map[protowire.Number]protoField {
	if m, ok := protoFieldsCache.Load(t); ok {
		return m.(map[protowire.Number]protoField)
	}
	m := map[protowire.Number]protoField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("protobuf")
		if tag == "" {
			continue
		}
		parts := strings.Split(tag, ",")
		if len(parts) < 2 {
			continue
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil {
			continue
		}
		// As YAML names it: the json name; nothing for an embedded
		// (inline) struct such as a volume's VolumeSource.
		name := f.Name
		if j, _, _ := strings.Cut(f.Tag.Get("json"), ","); j != "" && j != "-" {
			name = j
		} else if f.Anonymous || strings.Contains(f.Tag.Get("json"), "inline") {
			name = ""
		}
		m[protowire.Number(n)] = protoField{name: name, typ: f.Type, index: i}
	}
	protoFieldsCache.Store(t, m)
	return m
}

// message walks a message's fields beside t, records those t does not
// declare, and goes into the fields that are messages.
func (w *newerWalker) message(msg []byte, t reflect.Type) {
	if t.Kind() != reflect.Struct {
		return
	}
	fields := protoFields(t)
	if len(fields) == 0 {
		// Marshalled by hand (metav1.Time as a Timestamp, resource.Quantity
		// as a string): its fields are not the Go struct's.
		return
	}
	// Occurrences so far of each repeated field, for list indexes.
	var seen []struct {
		num protowire.Number
		n   int
	}
	eachField(msg, func(num protowire.Number, typ protowire.Type, value []byte) bool {
		f, known := fields[num]
		if !known {
			size := len(value)
			if typ == protowire.BytesType {
				payload, _ := protowire.ConsumeBytes(value)
				size = len(payload)
			}
			w.out = append(w.out, NewerField{Path: w.pathString(), Number: int(num), WireType: wireTypeName(typ), Bytes: size})
			return true
		}
		if typ != protowire.BytesType {
			return true
		}
		i := -1
		for k := range seen {
			if seen[k].num == num {
				seen[k].n++
				i = seen[k].n
			}
		}
		if i < 0 {
			seen = append(seen, struct {
				num protowire.Number
				n   int
			}{num, 0})
			i = 0
		}
		payload, _ := protowire.ConsumeBytes(value)
		w.into(payload, f, i)
		return true
	})
}

// into follows one occurrence of a length-delimited field into the message
// it holds, if its Go type is one: a struct, a pointer to one, an element
// of a slice of them, or a map entry's value (entry field 2).
func (w *newerWalker) into(payload []byte, f protoField, i int) {
	t := deref(f.typ)
	switch t.Kind() {
	case reflect.Struct:
		w.push(f.name, -1)
		w.message(payload, t)
	case reflect.Slice:
		elem := deref(t.Elem())
		if elem.Kind() != reflect.Struct {
			return
		}
		w.push(f.name, i)
		w.message(payload, elem)
	case reflect.Map:
		elem := deref(t.Elem())
		if elem.Kind() != reflect.Struct {
			return
		}
		w.push(f.name, -2)
		eachField(payload, func(num protowire.Number, typ protowire.Type, value []byte) bool {
			if num == 2 && typ == protowire.BytesType {
				v, _ := protowire.ConsumeBytes(value)
				w.message(v, elem)
			}
			return true
		})
	default:
		return
	}
	w.path = w.path[:len(w.path)-1]
}

func (w *newerWalker) push(name string, index int) {
	w.path = append(w.path, pathSegment{name: name, index: index})
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
