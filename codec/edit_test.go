package codec

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// injection is a field from the future placed somewhere in a value.
type injection struct {
	path  []step
	field []byte
	front bool
}

func injectAll(t testing.TB, value []byte, injections []injection) []byte {
	t.Helper()
	for _, in := range injections {
		value = inject(t, value, in.path, in.field, in.front)
	}
	return value
}

// TestLossless is the proof of docs/design.md, "Lossless edits": values carrying fields
// lifeboat has never heard of (in the envelope, the object, ObjectMeta, the
// spec and a Taint) are edited so that only the removed or changed field's
// bytes differ. The expected value is built independently: the same fields
// injected into an object that never had the removed field.
func TestLossless(t *testing.T) {
	future := func(num protowire.Number, where string) []byte { return futureField(num, "future "+where) }
	futureVarint := protowire.AppendVarint(protowire.AppendTag(nil, 998, protowire.VarintType), 42)

	podNoDeletion := testSmallPod()
	podNoDeletion.DeletionTimestamp, podNoDeletion.DeletionGracePeriodSeconds = nil, nil

	bigPodNoDeletion := realisticPod()
	bigPodNoDeletion.DeletionTimestamp, bigPodNoDeletion.DeletionGracePeriodSeconds = nil, nil

	podNoFinalizers := testSmallPod()
	podNoFinalizers.Finalizers = nil

	nodeWithout := func(drop ...int) *corev1.Node {
		n := testNode()
		var kept []corev1.Taint
		for i, taint := range n.Spec.Taints {
			if !slices.Contains(drop, i) {
				kept = append(kept, taint)
			}
		}
		n.Spec.Taints = kept
		return n
	}
	uncordoned := testNode()
	uncordoned.Spec.Unschedulable = false

	podInjections := []injection{
		{pathEnvelope, future(15, "envelope"), false},
		{pathObject, future(999, "object"), false},
		{pathMeta, future(999, "metadata"), true}, // before every known field
		{pathMeta, futureVarint, false},
		{pathSpec, future(999, "podspec"), false},
	}
	// Node injections: the taint kept in every case is "dedicated", index 1
	// of the original node. taintIdx is its index in the expected node.
	nodeInjections := func(taintIdx int) []injection {
		return []injection{
			{pathEnvelope, future(15, "envelope"), false},
			{pathMeta, future(999, "metadata"), false},
			{pathSpec, future(999, "nodespec"), false},
			{pathSpec, future(100, "nodespec front"), true},
			{pathTaint(taintIdx), future(999, "taint"), false},
		}
	}

	tests := []struct {
		name           string
		before         runtime.Object
		beforeInject   []injection
		edits          []Edit
		expected       runtime.Object
		expectedInject []injection
	}{
		{"clear deletion", testSmallPod(), podInjections, []Edit{ClearDeletion()}, podNoDeletion, podInjections},
		{"clear deletion realistic pod", realisticPod(), podInjections, []Edit{ClearDeletion()}, bigPodNoDeletion, podInjections},
		{"remove finalizers", testSmallPod(), podInjections, []Edit{RemoveFinalizers("example.com/hold")}, podNoFinalizers, podInjections},
		{"remove all finalizers", testSmallPod(), podInjections, []Edit{RemoveFinalizers()}, podNoFinalizers, podInjections},
		{"remove taints any effect", testNode(), nodeInjections(1), []Edit{RemoveTaints([]string{"node.kubernetes.io/unreachable"}, "")}, nodeWithout(0, 2), nodeInjections(0)},
		{"remove taints one effect", testNode(), nodeInjections(1), []Edit{RemoveTaints([]string{"node.kubernetes.io/unreachable"}, "NoExecute")}, nodeWithout(2), nodeInjections(1)},
		{"uncordon", testNode(), nodeInjections(1), []Edit{SetUnschedulable(false)}, uncordoned, nodeInjections(1)},
		{"untaint and uncordon", testNode(), nodeInjections(1), []Edit{RemoveTaints([]string{"node.kubernetes.io/unreachable"}, ""), SetUnschedulable(false)},
			func() runtime.Object { n := nodeWithout(0, 2); n.Spec.Unschedulable = false; return n }(), nodeInjections(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := injectAll(t, mustEncode(t, tt.before), tt.beforeInject)
			want := injectAll(t, mustEncode(t, tt.expected), tt.expectedInject)

			got, changed, err := ApplyEdits(before, tt.edits...)
			if err != nil {
				t.Fatal(err)
			}
			if !changed {
				t.Fatal("changed = false")
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("edited value differs from the expected one\n got %x\nwant %x", got, want)
			}
			// apimachinery's serializer reads the result (and skips the
			// future fields).
			o := mustDecode(t, got)
			if o.Typed == nil {
				t.Fatal("no typed object")
			}
			for _, f := range [][]byte{[]byte("future metadata"), []byte("future envelope")} {
				if !bytes.Contains(got, f) {
					t.Errorf("%q lost", f)
				}
			}
		})
	}
}

// TestLosslessUnknownKind edits metadata of a kind lifeboat has no type for.
func TestLosslessUnknownKind(t *testing.T) {
	md := widgetMeta()
	before := inject(t, widgetValue(t, md), pathMeta, futureField(999, "future"), false)
	md.DeletionTimestamp, md.DeletionGracePeriodSeconds = nil, nil
	want := inject(t, widgetValue(t, md), pathMeta, futureField(999, "future"), false)

	got, changed, err := ApplyEdits(before, ClearDeletion())
	if err != nil || !changed {
		t.Fatalf("ApplyEdits = changed %v, %v", changed, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
	o := mustDecode(t, got)
	if o.Meta.DeletionTimestamp != nil || len(o.UnknownFields) != 2 {
		t.Errorf("decoded %+v", o)
	}
	if _, _, err := ApplyEdits(got, RemoveTaints([]string{"x"}, "")); err == nil ||
		!strings.Contains(err.Error(), "example.com/v1 Widget has no spec.taints (only v1 Node)") {
		t.Errorf("RemoveTaints on a Widget: %v", err)
	}
}

func TestNoOpEdits(t *testing.T) {
	pod := testSmallPod()
	pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = nil, nil
	cordoned := testNode()
	schedulable := testNode()
	schedulable.Spec.Unschedulable = false
	tests := []struct {
		name  string
		value []byte
		edits []Edit
	}{
		{"no edits", mustEncode(t, testSmallPod()), nil},
		{"clear deletion on a live pod", mustEncode(t, pod), []Edit{ClearDeletion()}},
		{"remove an absent finalizer", mustEncode(t, pod), []Edit{RemoveFinalizers("not/there")}},
		{"remove an absent taint", mustEncode(t, cordoned), []Edit{RemoveTaints([]string{"not-there"}, "")}},
		{"remove a taint with another effect", mustEncode(t, cordoned), []Edit{RemoveTaints([]string{"dedicated"}, "NoExecute")}},
		{"uncordon a schedulable node", mustEncode(t, schedulable), []Edit{SetUnschedulable(false)}},
		{"cordon a cordoned node", mustEncode(t, cordoned), []Edit{SetUnschedulable(true)}},
		{"clear deletion on json", mustApply(t, widgetJSON(t), ClearDeletion()), []Edit{ClearDeletion()}},
		{"clear deletion on cbor", mustApply(t, widgetCBOR(t), ClearDeletion()), []Edit{ClearDeletion()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after, changed, err := ApplyEdits(tt.value, tt.edits...)
			if err != nil || changed || after != nil {
				t.Errorf("ApplyEdits = %d bytes, changed %v, %v; want nil, false, nil", len(after), changed, err)
			}
		})
	}
	// A second application of an edit changes nothing.
	first := mustApply(t, mustEncode(t, testSmallPod()), ClearDeletion())
	if after, changed, err := ApplyEdits(first, ClearDeletion()); err != nil || changed || after != nil {
		t.Errorf("second ClearDeletion: changed %v, %v", changed, err)
	}
}

func mustApply(t testing.TB, value []byte, edits ...Edit) []byte {
	t.Helper()
	after, changed, err := ApplyEdits(value, edits...)
	if err != nil || !changed {
		t.Fatalf("ApplyEdits: changed %v, %v", changed, err)
	}
	return after
}

func TestUncordonInPlace(t *testing.T) {
	after := mustApply(t, mustEncode(t, testNode()), SetUnschedulable(false))
	if got := varints(t, messageAt(t, after, pathSpec), nodeSpecUnschedulable); !reflect.DeepEqual(got, []uint64{0}) {
		t.Errorf("spec field 4 = %v, want present once with 0", got)
	}
	if mustDecode(t, after).Typed.(*corev1.Node).Spec.Unschedulable {
		t.Error("typed decode says unschedulable")
	}
	// Cordon again: back to the original bytes.
	if again := mustApply(t, after, SetUnschedulable(true)); !bytes.Equal(again, mustEncode(t, testNode())) {
		t.Error("cordon after uncordon does not restore the original value")
	}
}

func TestCordonAddsMissingField(t *testing.T) {
	// A value written by something other than the generated marshaler may
	// omit the false bool: cordoning adds it in field order.
	node := testNode()
	node.Spec.Unschedulable = false
	value := mustEncode(t, node)
	spec := messageAt(t, value, pathSpec)
	var withoutField4, want []byte
	for b := spec; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if num == 4 {
			want = append(want, 0x20, 0x01)
		} else {
			withoutField4 = append(withoutField4, b[:n+m]...)
			want = append(want, b[:n+m]...)
		}
		b = b[n+m:]
	}
	replaceSpec := func(payload []byte) []byte {
		return append(bytes.Clone(protobufMagic), rewriteAt(t, value[len(protobufMagic):], pathSpec, func([]byte) []byte { return payload })...)
	}
	before, expected := replaceSpec(withoutField4), replaceSpec(want)
	if _, changed, err := ApplyEdits(before, SetUnschedulable(false)); changed || err != nil {
		t.Errorf("uncordon without field 4: changed %v, %v", changed, err)
	}
	if got := mustApply(t, before, SetUnschedulable(true)); !bytes.Equal(got, expected) {
		t.Errorf("cordon: got %x\nwant %x", got, expected)
	}
}

func TestEditErrors(t *testing.T) {
	pod := mustEncode(t, testSmallPod())
	tests := []struct {
		name   string
		value  []byte
		edits  []Edit
		target error
		want   string
	}{
		{"encrypted", []byte("k8s:enc:aescbc:v1:key1:\x01\x02"), []Edit{ClearDeletion()}, ErrEncrypted, "aescbc key key1: lifeboat cannot edit it without the encryption keys"},
		{"encrypted kms", []byte("k8s:enc:kms:v2:vault:\x01"), []Edit{ClearDeletion()}, ErrEncrypted, "kms v2 plugin vault"},
		{"encrypted bad header", []byte("k8s:enc:aescbc"), []Edit{ClearDeletion()}, ErrEncrypted, "encryption header"},
		{"garbage", []byte("JUNK"), []Edit{ClearDeletion()}, ErrMalformed, "not protobuf, JSON or CBOR"},
		{"truncated protobuf", pod[:len(pod)-10], []Edit{ClearDeletion()}, ErrMalformed, "truncated field 2"},
		{"bad json", []byte("{"), []Edit{ClearDeletion()}, ErrMalformed, "json"},
		{"taints on a pod", pod, []Edit{RemoveTaints([]string{"a"}, "")}, nil, "remove taints a: v1 Pod has no spec.taints (only v1 Node)"},
		{"uncordon a pod", pod, []Edit{SetUnschedulable(false)}, nil, "v1 Pod has no spec.unschedulable (only v1 Node)"},
		{"taints without keys", mustEncode(t, testNode()), []Edit{RemoveTaints(nil, "")}, nil, "no taint keys given"},
		{"taints on a json widget", widgetJSON(t), []Edit{RemoveTaints([]string{"a"}, "")}, nil, "example.com/v1 Widget has no spec.taints (only v1 Node)"},
		// A Node of another version is no Node the edits know.
		{"taints on a v2 node", []byte(`{"apiVersion":"v2","kind":"Node","metadata":{"name":"n"},"spec":{"taints":[{"key":"a","effect":"NoExecute"}]}}`),
			[]Edit{RemoveTaints([]string{"a"}, "")}, nil, "v2 Node has no spec.taints (only v1 Node)"},
		{"uncordon a v2 node", []byte(`{"apiVersion":"v2","kind":"Node","metadata":{"name":"n"}}`), []Edit{SetUnschedulable(false)}, nil, "v2 Node has no spec.unschedulable (only v1 Node)"},
		// Field 1 of a WatchEvent is its type: "J\x00" would parse as a
		// message with an empty field 9 that ClearDeletion removes.
		{"watch event", envelopeOf(t, "v1", "WatchEvent", []byte{0x0a, 0x02, 0x4a, 0x00, 0x12, 0x02, 0x0a, 0x00}), []Edit{ClearDeletion()}, nil, "v1 WatchEvent has no ObjectMeta"},
		{"pod list", envelopeOf(t, "v1", "PodList", []byte{0x0a, 0x02, 0x4a, 0x00}), []Edit{RemoveFinalizers()}, nil, "v1 PodList has no ObjectMeta"},
		{"json pod list", []byte(`{"apiVersion":"v1","kind":"PodList","metadata":{"deletionTimestamp":"2026-03-14T15:09:26Z"}}`), []Edit{ClearDeletion()}, nil, "v1 PodList has no ObjectMeta"},
		// kube-apiserver reads a JSON Node into its Go type, and cannot
		// with a taint's timeAdded that is no time: neither edited nor
		// written.
		{"json node apiserver cannot read", []byte(`{"apiVersion":"v1","kind":"Node","metadata":{"deletionTimestamp":"2026-03-14T15:09:26Z"},"spec":{"taints":[{"key":"a","timeAdded":"bad"}]}}`),
			[]Edit{ClearDeletion()}, nil, `edited v1 Node failed verification, nothing written: parsing time "bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after, changed, err := ApplyEdits(tt.value, tt.edits...)
			if err == nil || after != nil || changed {
				t.Fatalf("ApplyEdits = %d bytes, changed %v, %v; want an error", len(after), changed, err)
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("error %v does not wrap %v", err, tt.target)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestGenericEdits(t *testing.T) {
	for _, tt := range []struct {
		format Format
		value  []byte
	}{
		{FormatJSON, widgetJSON(t)},
		{FormatCBOR, widgetCBOR(t)},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			after := mustApply(t, tt.value, ClearDeletion(), RemoveFinalizers("example.com/cleanup"))
			if DetectFormat(after) != tt.format {
				t.Fatalf("format changed to %s", DetectFormat(after))
			}
			if tt.format == FormatCBOR && !bytes.HasPrefix(after, cborSelfDescribed) {
				t.Error("self-described CBOR tag lost")
			}
			want := widgetMap()
			md := want["metadata"].(map[string]any)
			delete(md, "deletionTimestamp")
			delete(md, "deletionGracePeriodSeconds")
			md["finalizers"] = []any{"example.com/keep"}
			got, err := mustDecode(t, after).Content()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("edited = %#v\nwant %#v", got, want)
			}
			// Byte for byte what the apiserver would write for that map:
			// only the edited keys changed.
			var wantBytes []byte
			if tt.format == FormatJSON {
				wantBytes, err = EncodeJSON(want)
			} else {
				wantBytes, err = encodeCBOR(want)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, wantBytes) {
				t.Errorf("edited bytes %q\nwant %q", after, wantBytes)
			}
			// Removing the last finalizer drops the list, as omitempty does.
			again := mustApply(t, after, RemoveFinalizers())
			if bytes.Contains(again, []byte("finalizers")) {
				t.Errorf("empty finalizers written: %q", again)
			}
		})
	}
}

func TestGenericNodeEdits(t *testing.T) {
	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{"name": "worker-3"},
		"spec": map[string]any{
			"unschedulable": true,
			"taints": []any{
				map[string]any{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
				map[string]any{"key": "dedicated", "effect": "NoSchedule", "future": int64(1)},
			},
		},
	}
	value, err := EncodeJSON(node)
	if err != nil {
		t.Fatal(err)
	}
	after := mustApply(t, value, RemoveTaints([]string{"node.kubernetes.io/unreachable"}, ""), SetUnschedulable(false))
	want := `{"apiVersion":"v1","kind":"Node","metadata":{"name":"worker-3"},"spec":{"taints":[{"effect":"NoSchedule","future":1,"key":"dedicated"}]}}` + "\n"
	if string(after) != want {
		t.Errorf("got %s\nwant %s", after, want)
	}
}

func BenchmarkClearDeletionPod(b *testing.B) {
	value := mustEncode(b, realisticPod())
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	for b.Loop() {
		if _, changed, err := ApplyEdits(value, ClearDeletion()); err != nil || !changed {
			b.Fatal(changed, err)
		}
	}
}

// envelopeOf wraps a raw object in the protobuf envelope.
func envelopeOf(tb testing.TB, apiVersion, kind string, raw []byte) []byte {
	tb.Helper()
	b, err := (&runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: apiVersion, Kind: kind}, Raw: raw}).Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return append(bytes.Clone(protobufMagic), b...)
}

// withField replaces every field num of the message at path with field (a
// whole field: tag and value), appended at the end of that message.
func withField(t testing.TB, value []byte, path []step, num protowire.Number, field []byte) []byte {
	t.Helper()
	body := rewriteAt(t, value[len(protobufMagic):], path, func(msg []byte) []byte {
		var out []byte
		for b := msg; len(b) > 0; {
			n2, typ, n := protowire.ConsumeTag(b)
			m := protowire.ConsumeFieldValue(n2, typ, b[n:])
			if n < 0 || m < 0 {
				t.Fatalf("bad message at %v", path)
			}
			if n2 != num {
				out = append(out, b[:n+m]...)
			}
			b = b[n+m:]
		}
		return append(out, field...)
	})
	return append(bytes.Clone(protobufMagic), body...)
}

// TestEditRefusesWhatDecodeRefuses: an edit starts from what Decode reads, so
// a value Decode rejects is never edited, even when the edit would drop the
// very bytes that make it unreadable (issue #7: ClearDeletion used to drop a
// malformed deletionTimestamp of a kind lifeboat has no Go type for, and
// return a value). Every value here is well formed at the wire level where
// the edits look, so only decoding it first refuses it.
func TestEditRefusesWhatDecodeRefuses(t *testing.T) {
	// A Time message whose seconds varint stops after its first byte.
	badTime := func(num protowire.Number) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), []byte{0x08, 0xff})
	}
	// deletionGracePeriodSeconds as bytes instead of a varint.
	badGrace := protowire.AppendBytes(protowire.AppendTag(nil, metaDeletionGracePeriodSeconds, protowire.BytesType), []byte("30"))
	widget := widgetValue(t, widgetMeta())
	pod := mustEncode(t, testSmallPod())
	node := mustEncode(t, testNode())
	badJSON := widgetMap()
	badJSON["metadata"].(map[string]any)["deletionTimestamp"] = "yesterday"
	badJSONValue, err := EncodeJSON(badJSON)
	if err != nil {
		t.Fatal(err)
	}
	badCBORValue, err := encodeCBOR(badJSON)
	if err != nil {
		t.Fatal(err)
	}

	values := []struct {
		name  string
		value []byte
	}{
		{"unknown kind, deletionTimestamp Time truncated", withField(t, widget, pathMeta, metaDeletionTimestamp, badTime(metaDeletionTimestamp))},
		{"unknown kind, deletionGracePeriodSeconds not a varint", withField(t, widget, pathMeta, metaDeletionGracePeriodSeconds, badGrace)},
		{"pod, deletionTimestamp Time truncated", withField(t, pod, pathMeta, metaDeletionTimestamp, badTime(metaDeletionTimestamp))},
		{"pod, deletionGracePeriodSeconds not a varint", withField(t, pod, pathMeta, metaDeletionGracePeriodSeconds, badGrace)},
		{"node, deletionTimestamp Time truncated", withField(t, node, pathMeta, metaDeletionTimestamp, badTime(metaDeletionTimestamp))},
		{"node, unreachable taint timeAdded truncated", withField(t, node, pathTaint(0), 4, badTime(4))},
		{"json, deletionTimestamp not a time", badJSONValue},
		{"cbor, deletionTimestamp not a time", badCBORValue},
		{"truncated protobuf", pod[:len(pod)-10]},
		{"garbage", []byte("not an object")},
	}
	edits := [][]Edit{
		{ClearDeletion()},
		{RemoveFinalizers()},
		{RemoveFinalizers("example.com/hold", "example.com/cleanup")},
		{RemoveTaints([]string{"node.kubernetes.io/unreachable"}, "")},
		{SetUnschedulable(false)},
		{SetUnschedulable(true)},
		{SetUnschedulable(false), RemoveTaints([]string{"node.kubernetes.io/unschedulable"}, "NoSchedule")},
		{ClearDeletion(), RemoveFinalizers()},
	}
	for _, v := range values {
		_, decodeErr := Decode(v.value)
		if decodeErr == nil {
			t.Fatalf("%s: Decode accepts it; the test needs a value it refuses", v.name)
		}
		for _, es := range edits {
			t.Run(v.name+"/"+editNames(es), func(t *testing.T) {
				after, changed, err := ApplyEdits(bytes.Clone(v.value), es...)
				if err == nil || after != nil || changed {
					t.Fatalf("ApplyEdits = %d bytes, changed %v, %v; want Decode's error %q", len(after), changed, err, decodeErr)
				}
				if !errors.Is(err, ErrMalformed) || err.Error() != decodeErr.Error() {
					t.Errorf("error %q, want Decode's %q", err, decodeErr)
				}
			})
		}
	}
}

func editNames(edits []Edit) string {
	names := make([]string, len(edits))
	for i, e := range edits {
		names[i] = e.String()
	}
	return strings.Join(names, " + ")
}

// TestApplyEditsDecodedIsApplyEdits: the road that reuses a scan's decode
// gives the same bytes and refusals as ApplyEdits.
func TestApplyEditsDecodedIsApplyEdits(t *testing.T) {
	for name, value := range map[string][]byte{
		"pod":   mustEncode(t, realisticPod()),
		"json":  widgetJSON(t),
		"cbor":  widgetCBOR(t),
		"fixed": mustApply(t, mustEncode(t, realisticPod()), ClearDeletion()),
	} {
		o, err := Decode(value)
		if err != nil {
			t.Fatal(err)
		}
		for _, edits := range [][]Edit{{ClearDeletion()}, {RemoveFinalizers()}, {SetUnschedulable(false)}} {
			want, wantChanged, wantErr := ApplyEdits(value, edits...)
			got, gotChanged, gotErr := ApplyEditsDecoded(o, value, edits...)
			if !bytes.Equal(got, want) || gotChanged != wantChanged || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s %s: ApplyEditsDecoded = %d bytes, %v, %v; ApplyEdits = %d bytes, %v, %v",
					name, editNames(edits), len(got), gotChanged, gotErr, len(want), wantChanged, wantErr)
			}
		}
	}
}
