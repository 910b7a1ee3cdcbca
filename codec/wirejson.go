package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// wireJSON prints a stored protobuf object as kubectl get -o json prints
// it (json.MarshalIndent of the object decoded into maps: keys sorted at
// every level), straight from the bytes: no Go value, no reflection but
// for the few values with JSON rules of their own (a Quantity's canonical
// form, an IntOrString), which their own code prints. It prints what
// encoding/json prints for the value the generated code decodes, and gives
// up (false) wherever it could differ; AppendJSON then takes the long way.
type wireJSON struct {
	walker
	out            []byte
	prefix, indent string
	ov             jsonOverrides
	custom         sortedIndenter // re-indents a custom value's JSON (FieldsV1)
	scratch        bytes.Buffer
	lineBreak      []byte // "\n", the prefix, then indents (newline)
}

// jsonOverrides are what AppendJSON sets that the stored object does not
// say: apiVersion and kind (the envelope's), metadata.resourceVersion
// (the key's mod_revision), and managedFields left out.
type jsonOverrides struct {
	apiVersion, kind  []byte // quoted
	resourceVersion   []byte // quoted; nil: as stored
	dropManagedFields bool
}

// where a message is printed: the object, its metadata, or anywhere else.
type place uint8

const (
	placeInner place = iota
	placeTop
	placeMeta
)

// message prints msg, of type s, as a JSON object at depth.
func (w *wireJSON) message(msg []byte, s *msgSchema, depth int, at place) bool {
	if !s.jsonOK {
		return false
	}
	base, ok := w.index(msg, s)
	defer func() { w.occ = w.occ[:base] }()
	if !ok {
		return false
	}
	// The inline structs' fields are indexed too: their members mix with
	// the message's own in name order.
	var inlineBase [maxInline]int
	var inlineMsg [maxInline][]byte
	for i := range s.fields {
		f := &s.fields[i]
		if !f.inline {
			continue
		}
		o := w.occ[base+i]
		inner := msg[o.start:o.end]
		b, ok := w.index(inner, f.val.msg)
		if !ok {
			return false
		}
		inlineBase[f.inlineSlot], inlineMsg[f.inlineSlot] = b, inner
	}
	w.out = append(w.out, '{')
	wrote := false
	for _, mb := range s.members {
		f, o, src := &s.fields[mb.path[0]], w.occ[base+mb.path[0]], msg
		if len(mb.path) == 2 {
			slot := f.inlineSlot
			f = &f.val.msg.fields[mb.path[1]]
			o, src = w.occ[inlineBase[slot]+mb.path[1]], inlineMsg[slot]
		}
		var set []byte // an override's value
		switch {
		case at == placeTop && f.name == "apiVersion":
			set = w.ov.apiVersion
		case at == placeTop && f.name == "kind":
			set = w.ov.kind
		case at == placeMeta && f.name == "resourceVersion":
			set = w.ov.resourceVersion
		case at == placeMeta && f.name == "managedFields" && w.ov.dropManagedFields:
			// Left out, but checked as encoding/json's road checks them: it
			// marshals them before dropping them, and fails where a value
			// does not print (a FieldsV1 that is not JSON).
			w.printable = true
			ok := o.n == 0 || w.checkField(src, f, o)
			w.printable = false
			if !ok {
				return false
			}
			continue
		}
		if set == nil && w.omitted(src, f, o) {
			continue
		}
		if wrote {
			w.out = append(w.out, ',')
		}
		wrote = true
		w.newline(depth + 1)
		w.out = append(w.out, f.key...)
		if set != nil {
			w.out = append(w.out, set...)
			continue
		}
		inner := placeInner
		if at == placeTop && f.name == "metadata" {
			inner = placeMeta
		}
		if !w.field(src, f, o, depth+1, inner) {
			return false
		}
	}
	if wrote {
		w.newline(depth)
	}
	w.out = append(w.out, '}')
	// Stored but never printed (json:"-"): still decoded, so checked.
	for i := range s.fields {
		if o := w.occ[base+i]; s.fields[i].noJSON && o.n > 0 && !w.checkField(msg, &s.fields[i], o) {
			return false
		}
	}
	return true
}

// omitted says whether encoding/json leaves the field out: omitempty on
// an empty value (a struct is never empty), omitzero on a zero Time.
func (w *wireJSON) omitted(msg []byte, f *fieldSchema, o occurrence) bool {
	if o.n == 0 {
		switch {
		case f.repeated || f.isMap || f.val.ptr || f.val.kind == kindBytes:
			return f.omitEmpty // nil
		case f.val.kind == kindTime:
			return f.omitZero
		case f.val.kind == kindMessage || f.val.kind == kindCustom:
			return false
		}
		return f.omitEmpty // "", false, 0
	}
	if f.repeated || f.isMap || f.val.ptr {
		return false
	}
	v := msg[o.start:o.end]
	switch f.val.kind {
	case kindString, kindBytes:
		return f.omitEmpty && len(v) == 0
	case kindBool, kindInt32, kindInt64, kindUint32, kindUint64:
		return f.omitEmpty && w.scalarIsZero(v, f.val.kind)
	case kindTime:
		if !f.omitZero {
			return false
		}
		t, ok := timestamp(v)
		return ok && t.IsZero()
	}
	return false
}

func (w *wireJSON) scalarIsZero(v []byte, k valueKind) bool {
	x, _ := protowire.ConsumeVarint(v)
	switch k {
	case kindInt32:
		return int32(x) == 0
	case kindUint32:
		return uint32(x) == 0
	}
	return x == 0
}

// field prints a field that is not omitted.
func (w *wireJSON) field(msg []byte, f *fieldSchema, o occurrence, depth int, at place) bool {
	switch {
	case o.n == 0:
		return w.absent(f, depth, at)
	case f.isMap:
		return w.mapValue(msg[o.start:o.end], f, depth)
	case f.repeated:
		w.out = append(w.out, '[')
		ok := true
		first := true
		eachOccurrence(msg[o.start:o.end], f.num, func(v []byte) bool {
			if !first {
				w.out = append(w.out, ',')
			}
			first = false
			w.newline(depth + 1)
			ok = w.value(v, f.val, depth+1, placeInner)
			return ok
		})
		w.newline(depth)
		w.out = append(w.out, ']')
		return ok
	}
	return w.value(msg[o.start:o.end], f.val, depth, at)
}

// absent prints the field's zero value, as its Go type's is printed.
func (w *wireJSON) absent(f *fieldSchema, depth int, at place) bool {
	switch {
	case f.repeated || f.isMap || f.val.ptr || f.val.kind == kindBytes:
		w.out = append(w.out, "null"...)
		return true
	case f.val.kind == kindMessage:
		return w.message(nil, f.val.msg, depth, at) // the object's metadata, say
	}
	return w.zero(f.val, depth)
}

// zero prints the zero value of a value schema that is not a pointer.
func (w *wireJSON) zero(vs valueSchema, depth int) bool {
	switch vs.kind {
	case kindString:
		w.out = append(w.out, `""`...)
	case kindBool:
		w.out = append(w.out, "false"...)
	case kindInt32, kindInt64, kindUint32, kindUint64:
		w.out = append(w.out, '0')
	case kindBytes:
		w.out = append(w.out, `""`...) // a map's []byte{}: not nil
	case kindTime:
		w.out = append(w.out, "null"...)
	case kindMessage:
		return w.message(nil, vs.msg, depth, placeInner)
	case kindCustom:
		return w.customJSON(reflect.New(vs.custom), depth)
	default:
		return false
	}
	return true
}

// value prints one present value: a field's, a list element's or a map
// entry's.
func (w *wireJSON) value(v []byte, vs valueSchema, depth int, at place) bool {
	switch vs.kind {
	case kindString:
		w.out = appendJSONString(w.out, v)
	case kindBytes:
		w.out = append(w.out, '"')
		w.out = base64.StdEncoding.AppendEncode(w.out, v)
		w.out = append(w.out, '"')
	case kindBool:
		x, _ := protowire.ConsumeVarint(v)
		w.out = strconv.AppendBool(w.out, x != 0)
	case kindInt32:
		x, _ := protowire.ConsumeVarint(v)
		w.out = strconv.AppendInt(w.out, int64(int32(x)), 10)
	case kindInt64:
		x, _ := protowire.ConsumeVarint(v)
		w.out = strconv.AppendInt(w.out, int64(x), 10)
	case kindUint32:
		x, _ := protowire.ConsumeVarint(v)
		w.out = strconv.AppendUint(w.out, uint64(uint32(x)), 10)
	case kindUint64:
		x, _ := protowire.ConsumeVarint(v)
		w.out = strconv.AppendUint(w.out, x, 10)
	case kindTime:
		t, ok := timestamp(v)
		if !ok {
			return false
		}
		w.out = appendTimeJSON(w.out, t)
	case kindMessage:
		return w.message(v, vs.msg, depth, at)
	case kindCustom:
		p, ok := customValue(vs.custom, v)
		return ok && w.customJSON(p, depth)
	default:
		return false
	}
	return true
}

// appendTimeJSON is metav1.Time's MarshalJSON.
func appendTimeJSON(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339)
	return append(dst, '"')
}

// customJSON prints a value by its own MarshalJSON, as encoding/json does:
// compacted, HTML escaped, and (decoded into maps by kubectl) re-indented
// with its keys sorted.
func (w *wireJSON) customJSON(p reflect.Value, depth int) bool {
	b, err := p.Elem().Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return false
	}
	if plainScalar(b) {
		w.out = append(w.out, b...)
		return true
	}
	w.scratch.Reset()
	if json.Compact(&w.scratch, b) != nil {
		return false
	}
	var escaped bytes.Buffer
	json.HTMLEscape(&escaped, w.scratch.Bytes())
	w.custom.out, w.custom.prefix, w.custom.indent, w.custom.depth = w.out, w.prefix, w.indent, depth
	rest, err := w.custom.value(escaped.Bytes(), 0, nil)
	w.out = w.custom.out
	return err == nil && len(rest) == 0
}

// plainScalar: a number, true, false, null, or a string of printable ASCII
// that encoding/json would copy as it is.
func plainScalar(b []byte) bool {
	if len(b) == 0 || b[0] == '{' || b[0] == '[' {
		return false
	}
	for i, c := range b {
		if c <= ' ' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' || (c == '\\') || (c == '"' && i != 0 && i != len(b)-1) {
			return false
		}
	}
	return true
}

// mapValue prints a map field: its entries sorted by key, as encoding/json
// prints a Go map. Two entries with one key (the last wins in Go) and keys
// that are not UTF-8 (encoding/json's replacement changes their order) are
// not done.
func (w *wireJSON) mapValue(span []byte, f *fieldSchema, depth int) bool {
	start := len(w.entries)
	defer func() { w.entries = w.entries[:start] }()
	ok := true
	eachOccurrence(span, f.num, func(e []byte) bool {
		var me mapEntry
		me.key, me.value, me.hasValue, ok = w.entry(e, f)
		if ok && !utf8.Valid(me.key) {
			ok = false
		}
		w.entries = append(w.entries, me)
		return ok
	})
	if !ok {
		return false
	}
	entries := w.entries[start:]
	slices.SortFunc(entries, func(a, b mapEntry) int { return bytes.Compare(a.key, b.key) })
	w.out = append(w.out, '{')
	for i, e := range entries {
		if i > 0 {
			if bytes.Equal(e.key, entries[i-1].key) {
				return false
			}
			w.out = append(w.out, ',')
		}
		w.newline(depth + 1)
		w.out = appendJSONString(w.out, e.key)
		w.out = append(w.out, ':', ' ')
		var ok bool
		if e.hasValue {
			ok = w.value(e.value, f.val, depth+1, placeInner)
		} else {
			ok = w.zero(f.val, depth+1)
		}
		if !ok {
			return false
		}
	}
	w.newline(depth)
	w.out = append(w.out, '}')
	return true
}

// newline starts a line at depth: one copy from a line break indented
// deep enough, built once per writer.
func (w *wireJSON) newline(depth int) {
	n := 1 + len(w.prefix) + depth*len(w.indent)
	if n > len(w.lineBreak) {
		w.lineBreak = append(append(w.lineBreak[:0], '\n'), w.prefix...)
		for range 2*depth + 16 {
			w.lineBreak = append(w.lineBreak, w.indent...)
		}
	}
	w.out = append(w.out, w.lineBreak[:n]...)
}

var wireJSONPool = sync.Pool{New: func() any { return new(wireJSON) }}

// appendWireJSON appends the object stored as raw (the envelope's raw
// field), of Go type t, as AppendJSON prints it; false when it cannot
// print it exactly, dst then as it was.
func appendWireJSON(dst, raw []byte, t reflect.Type, ov jsonOverrides, prefix, indent string) ([]byte, bool) {
	s := schemaOf(t)
	has := func(name string) bool {
		return slices.ContainsFunc(s.members, func(m jsonMember) bool { return m.name == name })
	}
	// encoding/json's road adds the members it sets where the type has
	// none (a metadata for resourceVersion; apiVersion and kind for a
	// kind without TypeMeta, as a stored WatchEvent): not done here.
	if (ov.resourceVersion != nil && !has("metadata")) || (ov.apiVersion != nil && !has("apiVersion")) || (ov.kind != nil && !has("kind")) {
		return dst, false
	}
	w := wireJSONPool.Get().(*wireJSON)
	defer wireJSONPool.Put(w)
	if w.prefix != prefix || w.indent != indent {
		w.lineBreak = w.lineBreak[:0]
	}
	w.out, w.prefix, w.indent, w.ov = dst, prefix, indent, ov
	w.occ, w.entries = w.occ[:0], w.entries[:0]
	ok := w.message(raw, s, 0, placeTop)
	out := w.out
	w.out = nil
	if !ok {
		return dst[:len(dst):len(dst)], false
	}
	return out, true
}

// appendJSONString is encoding/json's string encoder, HTML escaping on.
func appendJSONString[B []byte | string](dst []byte, src B) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(src); {
		if b := src[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(src)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(src[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	return append(dst, '"')
}
