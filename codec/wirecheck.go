package codec

import (
	"encoding/json"
	"reflect"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// walker walks stored protobuf beside a schema (schema.go). It is strict
// where the generated Unmarshal is lenient: a duplicated singular field, a
// packed list, a map entry with a field of its own, an end-group that
// does not match make it give up (false), and its caller decodes the
// object with the generated code, which has the last word. So when a walk
// succeeds, the generated code would have decoded the bytes, into the
// values the walk read.
type walker struct {
	occ []occurrence // the indexes of the messages being walked, a stack
	// unknown: a field the Go types do not declare was skipped (a newer
	// Kubernetes' field: NewerFields names it).
	unknown bool
	entries []mapEntry // a map being printed, a stack
	customs map[reflect.Type]interface{ Unmarshal([]byte) error }
	// customOK are the short custom values already found good, per type
	// and printable: the same few quantities ("100m", "128Mi") and ports
	// recur in every pod, and their Unmarshal parses and allocates.
	customOK []customGood
	lists    []listCount // what prune counted, for presize
	// printable: a check also requires custom values to print as JSON
	// (their MarshalJSON succeeds with valid JSON), as encoding/json does.
	printable bool
}

// occurrence is where a message's field is: for a singular field, its
// value (a length-delimited field's payload); for a list or map, the span
// from its first occurrence's tag to its last's end.
type occurrence struct {
	n          int32
	start, end int32
}

// index records where each field of s is in msg, pushed on w.occ at base.
// It checks every field's wire type, and that the ones s does not declare
// are well formed (the generated code skips them).
func (w *walker) index(msg []byte, s *msgSchema) (base int, ok bool) {
	base = len(w.occ)
	w.occ = slices.Grow(w.occ, len(s.fields))[:base+len(s.fields)]
	clear(w.occ[base:])
	var once onceSeen
	for off := 0; off < len(msg); {
		f, v, size, ok := w.next(msg[off:], s, &once)
		if !ok {
			return base, false
		}
		if f != nil {
			o := &w.occ[base+s.field(f.num)]
			if f.repeated || f.isMap {
				if o.n == 0 {
					o.start = int32(off)
				}
				o.end = int32(off + size)
			} else {
				o.start, o.end = int32(off+size-len(v)), int32(off+size)
			}
			o.n++
		}
		off += size
	}
	return base, len(msg) < 1<<31
}

// check says whether the generated code decodes msg as s's type. One
// pass in wire order: it is what every masked decode spends most on.
func (w *walker) check(msg []byte, s *msgSchema) bool {
	var once onceSeen
	for off := 0; off < len(msg); {
		f, v, n, ok := w.next(msg[off:], s, &once)
		if !ok {
			return false
		}
		off += n
		if f != nil && f.checked && !w.checkOne(v, f) {
			return false
		}
	}
	return true
}

// onceSeen are the singular fields a message has had so far (numbers
// below 256: k8s.io/api's go to about 40).
type onceSeen [4]uint64

// next reads the field at the start of msg: its schema (nil for one s does
// not declare, which is well formed and skipped), its value (a length-
// delimited field's payload) and its size; false where the generated code
// would fail, or the walk is not sure: a wire type not the field's, a
// singular field twice.
func (w *walker) next(msg []byte, s *msgSchema, once *onceSeen) (f *fieldSchema, v []byte, size int, ok bool) {
	num, typ, _, v, size := consumeField(msg)
	if size < 0 {
		return nil, nil, 0, false
	}
	fi := s.field(num)
	if fi < 0 {
		w.unknown = true
		return nil, nil, size, true
	}
	f = &s.fields[fi]
	if typ != f.wire {
		return nil, nil, 0, false
	}
	if !f.repeated && !f.isMap {
		if num >= 256 {
			return nil, nil, 0, false
		}
		bit := uint64(1) << (num & 63)
		if once[num>>6]&bit != 0 {
			return nil, nil, 0, false
		}
		once[num>>6] |= bit
	}
	return f, v, size, true
}

// consumeField reads the field at the start of msg: its number, wire type,
// tag size, value (a length-delimited field's payload) and size, -1 when
// it is not well formed. protowire's, with the one-byte tags and lengths
// of most fields read inline: a walk reads every field of every object.
func consumeField(msg []byte) (num protowire.Number, typ protowire.Type, tagLen int, v []byte, size int) {
	if len(msg) > 0 && msg[0] < 0x80 {
		num, typ, tagLen = protowire.Number(msg[0]>>3), protowire.Type(msg[0]&7), 1
	} else {
		num, typ, tagLen = protowire.ConsumeTag(msg)
		if tagLen < 0 {
			return 0, 0, 0, nil, -1
		}
	}
	if num == 0 {
		return 0, 0, 0, nil, -1 // ConsumeTag refuses field 0
	}
	rest := msg[tagLen:]
	if typ == protowire.BytesType {
		var l uint64
		var k int
		if len(rest) > 0 && rest[0] < 0x80 {
			l, k = uint64(rest[0]), 1
		} else if l, k = protowire.ConsumeVarint(rest); k < 0 {
			return 0, 0, 0, nil, -1
		}
		if l > uint64(len(rest)-k) {
			return 0, 0, 0, nil, -1
		}
		return num, typ, tagLen, rest[k : k+int(l)], tagLen + k + int(l)
	}
	m := protowire.ConsumeFieldValue(num, typ, rest)
	if m < 0 {
		return 0, 0, 0, nil, -1
	}
	return num, typ, tagLen, rest[:m], tagLen + m
}

// checkOne checks one occurrence of a field: a map entry, or a value.
func (w *walker) checkOne(v []byte, f *fieldSchema) bool {
	if f.isMap {
		_, _, _, ok := w.entry(v, f)
		return ok
	}
	return w.checkValue(v, f.val)
}

// checkField checks every occurrence of one indexed field.
func (w *walker) checkField(msg []byte, f *fieldSchema, o occurrence) bool {
	if !f.checked {
		return true
	}
	if !f.repeated && !f.isMap {
		return w.checkValue(msg[o.start:o.end], f.val)
	}
	ok := true
	eachOccurrence(msg[o.start:o.end], f.num, func(v []byte) bool {
		ok = w.checkOne(v, f)
		return ok
	})
	return ok
}

// checkValue checks one value (a payload for length-delimited ones).
func (w *walker) checkValue(v []byte, vs valueSchema) bool {
	switch vs.kind {
	case kindMessage:
		return w.check(v, vs.msg)
	case kindTime:
		_, ok := timestamp(v)
		return ok
	case kindCustom:
		return w.checkCustom(vs.custom, v)
	case kindUnsupported:
		return false
	}
	return true
}

// checkCustom says whether a custom value's own Unmarshal takes v. It
// decodes into a value kept per type: a check keeps nothing.
func (w *walker) checkCustom(t reflect.Type, v []byte) bool {
	if t == fieldsV1Type && !w.printable {
		if good, sure := fieldsV1Wire(v); sure {
			return good
		}
	}
	var good *customGood
	for i := range w.customOK {
		if g := &w.customOK[i]; g.t == t && g.printable == w.printable {
			good = g
			break
		}
	}
	if good != nil {
		if _, ok := good.values[string(v)]; ok {
			return true
		}
	}
	if !w.unmarshalCustom(t, v) {
		return false
	}
	if len(v) <= maxCachedCustom {
		if good == nil {
			w.customOK = append(w.customOK, customGood{t: t, printable: w.printable})
			good = &w.customOK[len(w.customOK)-1]
		}
		if good.values == nil || len(good.values) >= maxCachedCustoms {
			good.values = map[string]struct{}{}
		}
		good.values[string(v)] = struct{}{}
	}
	return true
}

var fieldsV1Type = reflect.TypeFor[metav1.FieldsV1]()

// fieldsV1Wire judges a FieldsV1 (managedFields' sets: a few hundred
// bytes in every entry of every object) without its Unmarshal, which
// copies it: it takes any well-formed fields but a raw (1) that is not
// length-delimited. sure is false for what this does not follow (groups),
// which Unmarshal then judges. Printing it is MarshalJSON's, not this.
func fieldsV1Wire(v []byte) (good, sure bool) {
	for len(v) > 0 {
		num, typ, _, _, size := consumeField(v)
		switch {
		case size < 0 || typ == protowire.StartGroupType || typ == protowire.EndGroupType:
			return false, false
		case num == 1 && typ != protowire.BytesType:
			return false, true
		}
		v = v[size:]
	}
	return true, true
}

// customGood are the values of one custom type found good (with
// printable as the check had it: a value good without printing may not
// print).
type customGood struct {
	t         reflect.Type
	printable bool
	values    map[string]struct{}
}

// The custom values checkCustom remembers: short ones (a quantity, a
// port), a bounded number per type — an object's long ones (FieldsV1)
// are its own and never recur.
const (
	maxCachedCustom  = 64
	maxCachedCustoms = 4096
)

// unmarshalCustom is checkCustom without remembering.
func (w *walker) unmarshalCustom(t reflect.Type, v []byte) bool {
	p, ok := w.customs[t]
	if !ok {
		if w.customs == nil {
			w.customs = map[reflect.Type]interface{ Unmarshal([]byte) error }{}
		}
		p = reflect.New(t).Interface().(interface{ Unmarshal([]byte) error })
		w.customs[t] = p
	}
	// Generated Unmarshal methods merge into what is there: start from zero.
	reflect.ValueOf(p).Elem().SetZero()
	if p.Unmarshal(v) != nil {
		return false
	}
	if !w.printable {
		return true
	}
	b, err := reflect.ValueOf(p).Elem().Interface().(json.Marshaler).MarshalJSON()
	return err == nil && json.Valid(b)
}

// eachOccurrence calls fn with the value of each field numbered num in a
// span index recorded (a payload for length-delimited fields), until fn
// returns false.
func eachOccurrence(span []byte, num protowire.Number, fn func(v []byte) bool) {
	for len(span) > 0 {
		fnum, _, _, v, size := consumeField(span)
		if size < 0 || (fnum == num && !fn(v)) {
			return // a span index checked is well formed
		}
		span = span[size:]
	}
}

// mapEntry is one entry of a map field.
type mapEntry struct {
	key      []byte
	value    []byte
	hasValue bool
}

// entry reads a map entry (key 1, value 2) and checks its value; an
// entry with anything else, or either twice, is not done (false).
func (w *walker) entry(e []byte, f *fieldSchema) (key, value []byte, hasValue, ok bool) {
	var seen [3]bool
	for len(e) > 0 {
		num, typ, _, v, size := consumeField(e)
		if size < 0 || (num != 1 && num != 2) || seen[num] {
			return nil, nil, false, false
		}
		seen[num] = true
		want := f.mapKey.wire
		if num == 2 {
			want = f.val.wire
		}
		if typ != want {
			return nil, nil, false, false
		}
		if num == 1 {
			key = v
		} else {
			value, hasValue = v, true
		}
		e = e[size:]
	}
	if hasValue && !w.checkValue(value, f.val) {
		return nil, nil, false, false
	}
	return key, value, hasValue, true
}
