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

// TestLossless is the proof of DESIGN.md section 5: values carrying fields
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
		!strings.Contains(err.Error(), "kind Widget has no spec.taints (only Node)") {
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
		{"taints on a pod", pod, []Edit{RemoveTaints([]string{"a"}, "")}, nil, "remove taints a: kind Pod has no spec.taints (only Node)"},
		{"uncordon a pod", pod, []Edit{SetUnschedulable(false)}, nil, "kind Pod has no spec.unschedulable (only Node)"},
		{"taints without keys", mustEncode(t, testNode()), []Edit{RemoveTaints(nil, "")}, nil, "no taint keys given"},
		{"taints on a json widget", widgetJSON(t), []Edit{RemoveTaints([]string{"a"}, "")}, nil, "kind Widget has no spec.taints"},
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
