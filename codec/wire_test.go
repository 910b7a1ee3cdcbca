package codec

import (
	"bytes"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// These helpers edit protobuf values with protowire directly, independently
// of the editor under test, so that tests can build expected values.

// step addresses the n-th occurrence of the length-delimited field num.
type step struct {
	num protowire.Number
	n   int
}

// Paths inside a protobuf value, starting at the envelope (runtime.Unknown).
var (
	pathEnvelope = []step{}
	pathObject   = []step{{2, 0}}
	pathMeta     = []step{{2, 0}, {1, 0}}
	pathSpec     = []step{{2, 0}, {2, 0}}
)

func pathTaint(n int) []step { return []step{{2, 0}, {2, 0}, {5, n}} }

// futureField is a field no Kubernetes release defines: it stands for data
// written by a newer apiserver than lifeboat knows.
func futureField(num protowire.Number, payload string) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), []byte(payload))
}

// inject adds a complete field (tag and value) to the message at path, at its
// front or at its end.
func inject(t testing.TB, value []byte, path []step, field []byte, front bool) []byte {
	t.Helper()
	body := rewriteAt(t, value[len(protobufMagic):], path, func(msg []byte) []byte {
		if front {
			return append(bytes.Clone(field), msg...)
		}
		return append(bytes.Clone(msg), field...)
	})
	return append(bytes.Clone(protobufMagic), body...)
}

func rewriteAt(t testing.TB, msg []byte, path []step, f func([]byte) []byte) []byte {
	t.Helper()
	if len(path) == 0 {
		return f(msg)
	}
	var out []byte
	seen, done := 0, false
	for b := msg; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			t.Fatalf("bad field %d: %v", num, protowire.ParseError(m))
		}
		if num == path[0].num && typ == protowire.BytesType && !done {
			if seen == path[0].n {
				payload, _ := protowire.ConsumeBytes(b[n:])
				out = protowire.AppendTag(out, num, typ)
				out = protowire.AppendBytes(out, rewriteAt(t, payload, path[1:], f))
				done = true
			} else {
				out = append(out, b[:n+m]...)
			}
			seen++
		} else {
			out = append(out, b[:n+m]...)
		}
		b = b[n+m:]
	}
	if !done {
		t.Fatalf("field %d occurrence %d not found", path[0].num, path[0].n)
	}
	return out
}

// messageAt returns the bytes of the message at path.
func messageAt(t testing.TB, value []byte, path []step) []byte {
	t.Helper()
	var got []byte
	rewriteAt(t, value[len(protobufMagic):], path, func(msg []byte) []byte {
		got = bytes.Clone(msg)
		return msg
	})
	return got
}

// varints returns the values of every varint field num in msg.
func varints(t testing.TB, msg []byte, num protowire.Number) []uint64 {
	t.Helper()
	var vs []uint64
	for b := msg; len(b) > 0; {
		n2, typ, n := protowire.ConsumeTag(b)
		m := protowire.ConsumeFieldValue(n2, typ, b[n:])
		if n < 0 || m < 0 {
			t.Fatalf("bad message")
		}
		if n2 == num && typ == protowire.VarintType {
			v, _ := protowire.ConsumeVarint(b[n:])
			vs = append(vs, v)
		}
		b = b[n+m:]
	}
	return vs
}

func TestParseWireKeepsBytes(t *testing.T) {
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, []byte("name"))
	msg = protowire.AppendTag(msg, 7, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 300)
	msg = protowire.AppendTag(msg, 3, protowire.Fixed32Type)
	msg = protowire.AppendFixed32(msg, 7)
	msg = protowire.AppendTag(msg, 4, protowire.Fixed64Type)
	msg = protowire.AppendFixed64(msg, 7)
	msg = protowire.AppendTag(msg, 5, protowire.StartGroupType)
	msg = protowire.AppendTag(msg, 1, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 1)
	msg = protowire.AppendTag(msg, 5, protowire.EndGroupType)
	// A non-minimal tag for field 2 (0x92 0x00): must survive as written.
	msg = append(msg, 0x92, 0x00, 0x01, 'x')

	m, err := parseWire(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.bytes(); !bytes.Equal(got, msg) {
		t.Fatalf("bytes() = %x, want %x", got, msg)
	}
	var nums []protowire.Number
	for _, f := range m.fields {
		nums = append(nums, f.num)
	}
	if want := []protowire.Number{1, 7, 3, 4, 5, 2}; !slices.Equal(nums, want) {
		t.Errorf("fields %v, want %v", nums, want)
	}
	if i := m.last(2); i < 0 || string(m.fields[i].payload()) != "x" || m.fields[i].tagLen != 2 {
		t.Errorf("non-minimal tag field parsed wrongly")
	}
	m.setPayload(m.last(2), []byte("yz"))
	if got, want := m.fields[m.last(2)].raw, []byte{0x92, 0x00, 0x02, 'y', 'z'}; !bytes.Equal(got, want) {
		t.Errorf("setPayload kept %x, want %x", got, want)
	}
}

// TestAppendWithIsSetMessage: writing a message with one field's payload
// replaced is setMessage then appendTo, tags written as they were.
func TestAppendWithIsSetMessage(t *testing.T) {
	var sub []byte
	sub = protowire.AppendTag(sub, 9, protowire.BytesType)
	sub = protowire.AppendBytes(sub, bytes.Repeat([]byte("ts"), 100)) // a length over one varint byte
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, []byte("first"))
	msg = append(msg, 0x92, 0x00, 0x01, 'x') // field 2, non-minimal tag
	msg = protowire.AppendTag(msg, 3, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 5)
	for i := range 3 {
		m, err := parseWire(msg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := parseWire(sub)
		if err != nil {
			t.Fatal(err)
		}
		got := m.appendWith([]byte("k8s"), i, s)
		if size := m.sizeWith(i, s); size != len(got)-3 {
			t.Errorf("field %d: sizeWith %d, wrote %d bytes", i, size, len(got)-3)
		}
		m.setMessage(i, s)
		if want := m.appendTo([]byte("k8s")); !bytes.Equal(got, want) {
			t.Errorf("field %d: appendWith wrote\n%x\nsetMessage and appendTo\n%x", i, got, want)
		}
	}
}

func TestParseWireErrors(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
		want string
	}{
		{"truncated bytes", []byte{0x12, 0x05, 'a'}, "truncated field 2 (bytes) at offset 0"},
		{"truncated varint", []byte{0x0a, 0x00, 0x08, 0xff}, "truncated field 1 (varint) at offset 2"},
		{"field zero", []byte{0x00, 0x01}, "bad tag at offset 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWire(tt.msg)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Errorf("parseWire(%x) error = %v, want %q", tt.msg, err, tt.want)
			}
		})
	}
}

// fieldsV1Cases are FieldsV1 encodings fieldsV1Wire must judge as their
// Unmarshal does, or leave to it.
func fieldsV1Cases() [][]byte {
	tag := func(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }
	raw := protowire.AppendBytes(tag(1, protowire.BytesType), []byte(`{"f:metadata":{}}`))
	return [][]byte{
		nil,
		raw,
		append(slices.Clone(raw), raw...), // raw twice: the last wins
		protowire.AppendVarint(tag(1, protowire.VarintType), 7),                 // raw not length-delimited
		append(protowire.AppendVarint(tag(9, protowire.VarintType), 7), raw...), // an unknown field first
		protowire.AppendFixed32(tag(2, protowire.Fixed32Type), 1),
		raw[:len(raw)-1], // truncated
		{0x08},           // a tag without its value
		{0x00, 0x01},     // field 0
		append(tag(3, protowire.StartGroupType), tag(3, protowire.EndGroupType)...),
		tag(3, protowire.EndGroupType),
		append(tag(4, protowire.VarintType), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), // a varint over 64 bits
	}
}

func checkFieldsV1Wire(t *testing.T, v []byte) {
	good, sure := fieldsV1Wire(v)
	if !sure {
		return
	}
	err := new(metav1.FieldsV1).Unmarshal(v)
	if good != (err == nil) {
		t.Fatalf("fieldsV1Wire(%x) = %v, FieldsV1.Unmarshal: %v", v, good, err)
	}
}

func TestFieldsV1WireIsUnmarshal(t *testing.T) {
	sure := 0
	for _, v := range fieldsV1Cases() {
		checkFieldsV1Wire(t, v)
		if _, ok := fieldsV1Wire(v); ok {
			sure++
		}
	}
	if sure < 6 {
		t.Fatalf("fieldsV1Wire was sure of %d cases, want the well-formed ones", sure)
	}
}

func FuzzFieldsV1Wire(f *testing.F) {
	for _, v := range fieldsV1Cases() {
		f.Add(v)
	}
	f.Fuzz(checkFieldsV1Wire)
}
