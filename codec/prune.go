package codec

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Mask names the fields of an object that a reader uses, by their JSON
// paths: "metadata", "spec.containers.name" (through lists), and
// "!metadata.managedFields" to leave one out of what an earlier path kept.
// DecodeMasked decodes only those: a pod's table row reads a tenth of its
// bytes, and decoding the rest is most of what listing 150,000 pods costs.
type Mask struct {
	paths  []string
	byType sync.Map // reflect.Type -> *typeMask; nil when a path does not resolve
}

// judgeOnly keeps next to nothing: for whoever wants only Decode's
// judgement of a value, its apiVersion and kind.
var judgeOnly = NewMask("metadata.name")

// NewMask is the mask of paths.
func NewMask(paths ...string) *Mask { return &Mask{paths: paths} }

// With is a new mask of m's paths and more.
func (m *Mask) With(paths ...string) *Mask {
	return NewMask(append(slices.Clone(m.paths), paths...)...)
}

// Keeps says whether the mask keeps the field at path whole: a path that
// is it or holds it, with no exclusion of it or inside it after that. The
// paths apply in order, as DecodeMasked applies them. A nil mask keeps
// all.
func (m *Mask) Keeps(path string) bool {
	if m == nil {
		return true
	}
	kept := false
	for _, p := range m.paths {
		p, excluded := strings.CutPrefix(p, "!")
		within := p == path || strings.HasPrefix(path, p+".")
		inside := strings.HasPrefix(p, path+".")
		switch {
		case excluded && (within || inside):
			kept = false
		case !excluded && within:
			kept = true
		}
	}
	return kept
}

// typeMask is a mask resolved against one message type.
type typeMask struct {
	keep []bool      // by field number
	sub  []*typeMask // by field number; nil keeps the whole field
}

// forType resolves the mask against t once; nil when a path names no
// field of t.
func (m *Mask) forType(t reflect.Type) *typeMask {
	if tm, ok := m.byType.Load(t); ok {
		return tm.(*typeMask)
	}
	tm, err := resolveMask(schemaOf(t), m.paths)
	if err != nil {
		tm = nil
	}
	m.byType.Store(t, tm)
	return tm
}

// Check says whether every path of the mask names a field of obj's type.
func (m *Mask) Check(obj runtime.Object) error {
	_, err := resolveMask(schemaOf(reflect.TypeOf(obj).Elem()), m.paths)
	return err
}

func newTypeMask(s *msgSchema) *typeMask {
	return &typeMask{keep: make([]bool, len(s.byNum)), sub: make([]*typeMask, len(s.byNum))}
}

func resolveMask(s *msgSchema, paths []string) (*typeMask, error) {
	if !s.wireOK {
		return nil, fmt.Errorf("%s: not walked", s.typ)
	}
	root := newTypeMask(s)
	for _, p := range paths {
		exclude := strings.HasPrefix(p, "!")
		segs := strings.Split(strings.TrimPrefix(p, "!"), ".")
		tm, ms := root, s
		for i, seg := range segs {
			last := i == len(segs)-1
			f, inlineOf, ok := memberNamed(ms, seg)
			if !ok {
				return nil, fmt.Errorf("%s: %s has no field %q", p, ms.typ, seg)
			}
			if inlineOf != nil {
				// A promoted field: keep it inside its inline struct.
				tm = tm.child(inlineOf.num, inlineOf.val.msg, exclude)
				ms = inlineOf.val.msg
			}
			switch {
			case last && exclude:
				tm.keep[f.num], tm.sub[f.num] = false, nil
			case last:
				tm.keep[f.num], tm.sub[f.num] = true, nil
			case f.val.kind != kindMessage || f.isMap:
				return nil, fmt.Errorf("%s: %s is not an object", p, seg)
			default:
				tm = tm.child(f.num, f.val.msg, exclude)
				ms = f.val.msg
			}
		}
	}
	return root, nil
}

// child is the mask of the message field num: a new one that keeps
// nothing yet, or for an exclusion from a field kept whole, one that
// keeps every field.
func (tm *typeMask) child(num protowire.Number, s *msgSchema, exclude bool) *typeMask {
	switch {
	case tm.keep[num] && tm.sub[num] != nil:
	case tm.keep[num] && !exclude:
		return newTypeMask(s) // whole already: a narrower path changes nothing
	case tm.keep[num]:
		c := newTypeMask(s)
		for _, f := range s.fields {
			if f.num != 0 {
				c.keep[f.num] = true
			}
		}
		tm.sub[num] = c
	default:
		tm.keep[num], tm.sub[num] = true, newTypeMask(s)
	}
	return tm.sub[num]
}

// memberNamed finds the field a JSON name names in s, and the inline
// field it is promoted from (nil for s's own).
func memberNamed(s *msgSchema, name string) (f, inlineOf *fieldSchema, ok bool) {
	for _, mb := range s.members {
		if mb.name != name {
			continue
		}
		f = &s.fields[mb.path[0]]
		if len(mb.path) == 2 {
			return &f.val.msg.fields[mb.path[1]], f, f.num != 0
		}
		return f, nil, f.num != 0
	}
	return nil, nil, false
}

// prune appends to dst the fields of msg that tm keeps (a message field
// with a mask of its own, pruned in turn), and checks the rest as the
// generated code would decode it: false when any of it would not decode.
// In the object's own message fields (outer: its spec, its status), it
// counts the elements kept of each list of messages (w.lists), for
// presize.
func (w *walker) prune(dst, msg []byte, s *msgSchema, tm *typeMask, depth int, outer *fieldSchema) ([]byte, bool) {
	var once onceSeen
	for off := 0; off < len(msg); {
		f, v, size, ok := w.next(msg[off:], s, &once)
		if !ok {
			return dst, false
		}
		field := msg[off : off+size]
		off += size
		if f == nil {
			continue
		}
		num := f.num
		_, _, n := protowire.ConsumeTag(field)
		var sub *typeMask
		if tm != nil && int(num) < len(tm.keep) && tm.keep[num] {
			sub = tm.sub[num]
			if sub == nil {
				sub = keepWhole
			}
		}
		if depth == 1 && sub != nil && f.repeated && f.val.kind == kindMessage && !f.isMap {
			w.countList(outer, f)
		}
		if sub != keepWhole && sub != nil && f.val.kind == kindMessage && !f.isMap {
			dst = append(dst, field[:n]...)
			at := len(dst)
			dst = append(dst, 0, 0, 0, 0)
			if dst, ok = w.prune(dst, v, f.val.msg, sub, depth+1, f); !ok {
				return dst, false
			}
			l := len(dst) - at - 4
			if l >= 1<<28 {
				return dst, false
			}
			// A length in four bytes, padded: the generated code reads a
			// varint of any length, so the pruned message is written once.
			dst[at], dst[at+1], dst[at+2], dst[at+3] = byte(l)|0x80, byte(l>>7)|0x80, byte(l>>14)|0x80, byte(l>>21)
			continue
		}
		if f.checked && !w.checkOne(v, f) {
			return dst, false
		}
		if sub != nil {
			dst = append(dst, field...)
		}
	}
	return dst, true
}

// listCount is how many elements prune kept of one list of messages in
// one of the object's message fields.
type listCount struct {
	outer, list *fieldSchema
	n           int
}

func (w *walker) countList(outer, list *fieldSchema) {
	for i := range w.lists {
		if l := &w.lists[i]; l.outer == outer && l.list == list {
			l.n++
			return
		}
	}
	w.lists = append(w.lists, listCount{outer: outer, list: list, n: 1})
}

// presize makes the lists prune counted in obj (a pointer to the
// object's struct) at their length, empty: the generated Unmarshal
// appends one element at a time, and a pod's conditions and container
// statuses, large structs, were copied at each growth — a third of a
// table row's decode.
func presize(obj reflect.Value, lists []listCount) {
	for _, l := range lists {
		if l.n < 2 || l.outer.goIndex < 0 || l.list.goIndex < 0 || l.outer.inline || l.list.inline {
			continue
		}
		o := obj.Elem().Field(l.outer.goIndex)
		if o.Kind() != reflect.Struct {
			continue
		}
		f := o.Field(l.list.goIndex)
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct {
			f.Set(reflect.MakeSlice(f.Type(), 0, l.n))
		}
	}
}

// keepWhole marks, in prune, a field kept as it is.
var keepWhole = &typeMask{}

var walkerPool = sync.Pool{New: func() any { return &prunedWalker{} }}

type prunedWalker struct {
	walker
	buf []byte
}

var (
	goTypes sync.Map // schema.GroupVersionKind -> reflect.Type, nil for none
	// unknownType is the envelope's.
	unknownType = reflect.TypeFor[runtime.Unknown]()
)

// goTypeOf is the Go type of a kind in the storage scheme, nil if none.
func goTypeOf(gvk schema.GroupVersionKind) reflect.Type {
	if t, ok := goTypes.Load(gvk); ok {
		t, _ := t.(reflect.Type)
		return t
	}
	t := storageScheme.AllKnownTypes()[gvk]
	goTypes.Store(gvk, t)
	return t
}

// DecodeMasked is Decode that, for a protobuf value of a kind in the
// scheme, decodes into Typed only the fields m keeps (Object.Partial) —
// and judges the whole value as Decode does: a value that does not decode
// is the same error. Every other value, and any the walk cannot judge for
// certain, is decoded whole by Decode. A nil mask is Decode.
func DecodeMasked(value []byte, m *Mask) (*Object, error) {
	if m != nil && DetectFormat(value) == FormatProtobuf {
		if o := decodeMasked(value, m); o != nil {
			return o, nil
		}
	}
	return Decode(value)
}

func decodeMasked(value []byte, m *Mask) *Object {
	w := walkerPool.Get().(*prunedWalker)
	defer walkerPool.Put(w)
	w.occ, w.unknown = w.occ[:0], false
	body := value[len(protobufMagic):]
	if !w.check(body, schemaOf(unknownType)) {
		return nil
	}
	w.unknown = false // the envelope's: not the object's
	apiVersion, kind, raw, ok := envelopeFields(value)
	if !ok {
		return nil
	}
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	t := goTypeOf(gvk)
	if t == nil {
		return nil
	}
	tm := m.forType(t)
	if tm == nil {
		return nil
	}
	w.lists = w.lists[:0]
	w.buf, ok = w.prune(w.buf[:0], raw, schemaOf(t), tm, 0, nil)
	if !ok {
		return nil
	}
	v := reflect.New(t)
	presize(v, w.lists)
	obj, ok := v.Interface().(runtime.Object)
	if !ok || obj.(interface{ Unmarshal([]byte) error }).Unmarshal(w.buf) != nil {
		return nil
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	o := &Object{Format: FormatProtobuf, APIVersion: apiVersion, Kind: kind, Typed: obj, Size: len(value),
		Partial: true, raw: raw, goType: t, newer: w.unknown}
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if meta, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
			o.Meta = *meta
		}
	}
	o.content = &lazyContent{build: func() (map[string]any, error) {
		full, err := Decode(value)
		if err != nil {
			return nil, err
		}
		return full.Content()
	}}
	return o
}

// whole is the object's Go value with every field: Typed, or for a
// Partial object, decoded again from the stored bytes.
func (o *Object) whole() (runtime.Object, error) {
	if !o.Partial {
		return o.Typed, nil
	}
	obj := reflect.New(o.goType).Interface().(runtime.Object)
	if err := obj.(interface{ Unmarshal([]byte) error }).Unmarshal(o.raw); err != nil {
		return nil, fmt.Errorf("protobuf %s %s: %w", o.APIVersion, o.Kind, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(o.Typed.GetObjectKind().GroupVersionKind())
	return obj, nil
}
