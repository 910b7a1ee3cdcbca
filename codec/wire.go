package codec

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file is a minimal wire-level protobuf message editor. It is what lets
// lifeboat repair values written by a newer Kubernetes than it knows
// (docs/design.md, "Lossless edits"): a message is kept as the list of its fields, each
// with the exact bytes it was stored as, so that fields lifeboat does not know
// (or never touches) are copied back byte for byte, in their original order.

// wireField is one field of a message, exactly as stored.
type wireField struct {
	num protowire.Number
	typ protowire.Type
	// raw is the whole field: tag, then the value (for length-delimited
	// fields, its length prefix and payload).
	raw []byte
	// tagLen is the size of the tag at the start of raw; the original tag
	// bytes are kept even when the value is rewritten.
	tagLen int
}

// payload is the content of a length-delimited field (after its length).
func (f wireField) payload() []byte {
	v, _ := protowire.ConsumeBytes(f.raw[f.tagLen:])
	return v
}

// varint is the value of a varint field.
func (f wireField) varint() uint64 {
	v, _ := protowire.ConsumeVarint(f.raw[f.tagLen:])
	return v
}

// size is the size of the value: the payload of a length-delimited field,
// the encoded value otherwise.
func (f wireField) size() int {
	if f.typ == protowire.BytesType {
		return len(f.payload())
	}
	return len(f.raw) - f.tagLen
}

// wireTypeName names a wire type as protoc's documentation does.
func wireTypeName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "varint"
	case protowire.Fixed32Type:
		return "fixed32"
	case protowire.Fixed64Type:
		return "fixed64"
	case protowire.BytesType:
		return "bytes"
	case protowire.StartGroupType:
		return "group"
	default:
		return fmt.Sprintf("type%d", t)
	}
}

// wireMessage is a message as a list of fields. The concatenation of the
// fields' raw bytes is the message; edits replace or drop whole fields.
type wireMessage struct {
	fields []wireField
}

// parseWire splits b into its fields without interpreting them. It fails on
// anything that is not a well-formed protobuf message.
func parseWire(b []byte) (*wireMessage, error) {
	// Counted first: a message of dozens of fields grows its list once.
	n := 0
	eachField(b, func(protowire.Number, protowire.Type, []byte) bool { n++; return true })
	m := &wireMessage{fields: make([]wireField, 0, n)}
	for off := 0; off < len(b); {
		num, typ, tagLen := protowire.ConsumeTag(b[off:])
		if tagLen < 0 {
			return nil, fmt.Errorf("bad tag at offset %d: %w", off, protowire.ParseError(tagLen))
		}
		valLen := protowire.ConsumeFieldValue(num, typ, b[off+tagLen:])
		if valLen < 0 {
			err := protowire.ParseError(valLen)
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("truncated field %d (%s) at offset %d", num, wireTypeName(typ), off)
			}
			return nil, fmt.Errorf("field %d (%s) at offset %d: %w", num, wireTypeName(typ), off, err)
		}
		end := off + tagLen + valLen
		m.fields = append(m.fields, wireField{num: num, typ: typ, raw: b[off:end:end], tagLen: tagLen})
		off = end
	}
	return m, nil
}

// eachField calls fn with each field of msg: its number, wire type and
// value (for a length-delimited field, with its length prefix), until fn
// returns false. It reports false when msg is not a well-formed message.
// It allocates nothing, unlike parseWire: for walks that only look.
func eachField(msg []byte, fn func(num protowire.Number, typ protowire.Type, value []byte) bool) bool {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return false
		}
		m := protowire.ConsumeFieldValue(num, typ, msg[n:])
		if m < 0 {
			return false
		}
		if !fn(num, typ, msg[n:n+m]) {
			return true
		}
		msg = msg[n+m:]
	}
	return true
}

// bytes re-serialises the message: every field's raw bytes, in order.
func (m *wireMessage) bytes() []byte {
	return m.appendTo(make([]byte, 0, m.size()))
}

// size is the length of the message's encoding.
func (m *wireMessage) size() int {
	n := 0
	for _, f := range m.fields {
		n += len(f.raw)
	}
	return n
}

// appendTo appends the message's encoding to out.
func (m *wireMessage) appendTo(out []byte) []byte {
	for _, f := range m.fields {
		out = append(out, f.raw...)
	}
	return out
}

// last returns the index of the last field numbered num, or -1. Protobuf
// parsers keep the last occurrence of a non-repeated scalar field.
func (m *wireMessage) last(num protowire.Number) int {
	for i := len(m.fields) - 1; i >= 0; i-- {
		if m.fields[i].num == num {
			return i
		}
	}
	return -1
}

// lastString returns the payload of the last length-delimited field numbered
// num as a string, "" when there is none.
func (m *wireMessage) lastString(num protowire.Number) string {
	if i := m.last(num); i >= 0 && m.fields[i].typ == protowire.BytesType {
		return string(m.fields[i].payload())
	}
	return ""
}

// removeIf drops the fields numbered num for which drop returns true and
// reports how many it dropped.
func (m *wireMessage) removeIf(num protowire.Number, drop func(wireField) (bool, error)) (int, error) {
	var err error
	before := len(m.fields)
	m.fields = slices.DeleteFunc(m.fields, func(f wireField) bool {
		if f.num != num || err != nil {
			return false
		}
		var d bool
		d, err = drop(f)
		return d
	})
	if err != nil {
		return 0, err
	}
	return before - len(m.fields), nil
}

// remove drops every field numbered num.
func (m *wireMessage) remove(num protowire.Number) int {
	n, _ := m.removeIf(num, func(wireField) (bool, error) { return true, nil })
	return n
}

// setVarint rewrites the value of varint field i, keeping its tag bytes.
// It reports whether the value changed.
func (m *wireMessage) setVarint(i int, v uint64) bool {
	f := &m.fields[i]
	if f.varint() == v {
		return false
	}
	raw := make([]byte, f.tagLen, f.tagLen+protowire.SizeVarint(v))
	copy(raw, f.raw[:f.tagLen])
	f.raw = protowire.AppendVarint(raw, v)
	return true
}

// setPayload rewrites length-delimited field i with a new payload, keeping
// its tag bytes and recomputing its length.
func (m *wireMessage) setPayload(i int, payload []byte) {
	m.setMessage(i, &wireMessage{fields: []wireField{{raw: payload}}})
}

// setMessage replaces the payload of field i with sub's encoding, written
// once, in place.
func (m *wireMessage) setMessage(i int, sub *wireMessage) {
	f := &m.fields[i]
	raw := make([]byte, 0, f.tagLen+protowire.SizeBytes(sub.size()))
	f.raw = f.appendMessage(raw, sub)
}

// sizeWith is the size of m with field i's payload replaced by sub.
func (m *wireMessage) sizeWith(i int, sub *wireMessage) int {
	return m.size() - len(m.fields[i].raw) + m.fields[i].tagLen + protowire.SizeBytes(sub.size())
}

// appendWith appends m's encoding with field i's payload replaced by sub,
// as setMessage and then appendTo would, without copying sub twice: the
// object in an envelope is most of a value's bytes.
func (m *wireMessage) appendWith(out []byte, i int, sub *wireMessage) []byte {
	for j, f := range m.fields {
		if j == i {
			out = f.appendMessage(out, sub)
			continue
		}
		out = append(out, f.raw...)
	}
	return out
}

// appendMessage appends f's tag, as it was written, and sub as its payload.
func (f *wireField) appendMessage(out []byte, sub *wireMessage) []byte {
	out = append(out, f.raw[:f.tagLen]...)
	out = protowire.AppendVarint(out, uint64(sub.size()))
	return sub.appendTo(out)
}

// insertOrdered adds a field before the first field with a higher number, so
// that a message written in field order (as gogo-generated marshalers do)
// stays in field order.
func (m *wireMessage) insertOrdered(f wireField) {
	i := slices.IndexFunc(m.fields, func(g wireField) bool { return g.num > f.num })
	if i < 0 {
		i = len(m.fields)
	}
	m.fields = slices.Insert(m.fields, i, f)
}

// newVarintField builds a varint field with a minimal tag.
func newVarintField(num protowire.Number, v uint64) wireField {
	raw := protowire.AppendTag(nil, num, protowire.VarintType)
	tagLen := len(raw)
	return wireField{num: num, typ: protowire.VarintType, raw: protowire.AppendVarint(raw, v), tagLen: tagLen}
}

// newBytesField builds a length-delimited field with a minimal tag.
func newBytesField(num protowire.Number, payload []byte) wireField {
	raw := protowire.AppendTag(nil, num, protowire.BytesType)
	tagLen := len(raw)
	return wireField{num: num, typ: protowire.BytesType, raw: protowire.AppendBytes(raw, payload), tagLen: tagLen}
}

// editSub applies edit to every embedded message numbered num (protobuf
// merges repeated occurrences of a message field, so all of them count) and
// re-emits those that changed with their original tag and a new length.
// It reports whether any changed.
func (m *wireMessage) editSub(num protowire.Number, edit func(*wireMessage) (bool, error)) (bool, error) {
	changed := false
	for i := range m.fields {
		f := m.fields[i]
		if f.num != num {
			continue
		}
		if f.typ != protowire.BytesType {
			return false, fmt.Errorf("field %d is %s, want an embedded message", num, wireTypeName(f.typ))
		}
		sub, err := parseWire(f.payload())
		if err != nil {
			return false, fmt.Errorf("field %d: %w", num, err)
		}
		c, err := edit(sub)
		if err != nil {
			return false, err
		}
		if c {
			m.setMessage(i, sub)
			changed = true
		}
	}
	return changed, nil
}
