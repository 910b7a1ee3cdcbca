package codec

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
)

// Fuzz targets for the two entry points that take bytes from etcd: Decode and
// ApplyEdits. `make fuzz` runs each briefly; a failing input is written to
// testdata/fuzz/<FuzzName>/ and kept there as a regression.
//
// Every target is seeded with the same values (fuzzSeeds): the demo cluster's,
// the ones codec's tests build, and malformed ones.

// demoDir holds values of the demo cluster, one file per etcd key (slashes
// turned into underscores): a sample of what `lifeboat demo` seeds, written
// once by internal/demo.Capsized (Now 2026-03-14T15:09:26Z, Malformed: true)
// and read back from etcd. codec does not import etcdops, so they are files.
const demoDir = "testdata/demo"

// fuzzSeeds returns the seed values of every fuzz target.
func fuzzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	entries, err := os.ReadDir(demoDir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(demoDir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if len(seeds) < 20 {
		tb.Fatalf("only %d demo values in %s", len(seeds), demoDir)
	}

	// Values codec's tests build, some with fields from the future.
	pod := mustEncode(tb, testSmallPod())
	node := mustEncode(tb, testNode())
	widget := widgetValue(tb, widgetMeta())
	now := metav1.NewTime(testTime.Time)
	crd := &apiextensionsv1beta1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "crontabs.stable.example.com", DeletionTimestamp: &now, Finalizers: []string{"customresourcecleanup.apiextensions.k8s.io"}},
		Spec: apiextensionsv1beta1.CustomResourceDefinitionSpec{
			Group: "stable.example.com", Scope: apiextensionsv1beta1.NamespaceScoped,
			Names: apiextensionsv1beta1.CustomResourceDefinitionNames{Plural: "crontabs", Kind: "CronTab"},
		},
	}
	jsonNode, err := EncodeJSON(map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{"name": "worker-3", "finalizers": []any{"example.com/hold"}},
		"spec": map[string]any{
			"unschedulable": true,
			"taints": []any{
				map[string]any{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "2026-03-14T15:09:26Z"},
				map[string]any{"key": "dedicated", "effect": "NoSchedule", "future": int64(1)},
				map[string]any{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
			},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	cborNode, err := encodeCBOR(map[string]any{
		"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": "n"},
		"spec": map[string]any{"taints": []any{map[string]any{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	seeds = append(seeds,
		pod, node, widget,
		mustEncode(tb, realisticPod()), mustEncode(tb, testSecret()), mustEncode(tb, testConfigMap()), mustEncode(tb, testLease()), mustEncode(tb, crd),
		widgetJSON(tb), widgetCBOR(tb), jsonNode, cborNode,
		injectAll(tb, pod, []injection{
			{pathEnvelope, futureField(15, "future envelope"), false},
			{pathObject, futureField(999, "future object"), false},
			{pathMeta, futureField(999, "future metadata"), true},
		}),
		injectAll(tb, node, []injection{
			{pathSpec, futureField(100, "future nodespec"), true},
			{pathTaint(1), futureField(999, "future taint"), false},
		}),
		inject(tb, widget, pathMeta, futureField(999, "future"), false),
		// Protobuf merges repeated occurrences of a message field: the
		// edits must see (and keep) both halves, as the typed decoder does.
		splitField(tb, node, objectMetadata, metaDeletionGracePeriodSeconds), splitField(tb, node, objectSpec, nodeSpecTaints),
		splitField(tb, pod, objectMetadata, metaDeletionGracePeriodSeconds), splitField(tb, widget, objectMetadata, metaFinalizers),
		inject(tb, pod, pathObject, protowire.AppendBytes(protowire.AppendTag(nil, objectMetadata, protowire.BytesType),
			protowire.AppendBytes(protowire.AppendTag(nil, metaDeletionTimestamp, protowire.BytesType), []byte{0x08, 0x01})), false),
		// A bool varint that is neither 0 nor 1, and a non-minimal tag
		// (0x92 0x00 is field 2, bytes) for a Node's spec.
		withField(tb, node, pathSpec, nodeSpecUnschedulable, []byte{0x20, 0x02}),
		withField(tb, node, pathSpec, nodeSpecUnschedulable, []byte{0x20, 0x81, 0x00, 0x20, 0x00}),
		nonMinimalTag(tb, node, objectSpec),
	)

	// Malformed values.
	badTime := protowire.AppendBytes(protowire.AppendTag(nil, metaDeletionTimestamp, protowire.BytesType), []byte{0x08, 0xff})
	seeds = append(seeds,
		nil, []byte("not an object"), []byte("\x00"),
		// Envelopes: truncated, wrong magic, bad varints, missing parts.
		protobufMagic, pod[:5], pod[:len(pod)/2], pod[:len(pod)-1],
		append([]byte("k8s\x01"), pod[4:]...), append([]byte("k9s\x00"), pod[4:]...),
		[]byte("k8s\x00\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
		[]byte("k8s\x00\x12\x80"),
		[]byte("k8s\x00\x0a\x04\x0a\x02v1"),
		envelopeOf(tb, "v1", "Pod", []byte{0xff, 0xff}),
		envelopeOf(tb, "v1", "Node", nil),
		envelopeOf(tb, "example.com/v1", "Widget", []byte{0x0a, 0x03, 0x08, 0xff, 0xff}),
		envelopeOf(tb, "v1", "Node", []byte{0x12, 0x02, 0x20, 0x02}),
		// Kinds with a Go type whose field 1 is no ObjectMeta: a WatchEvent's
		// type "J\x00" parses as a message holding an empty field 9.
		envelopeOf(tb, "v1", "WatchEvent", []byte{0x0a, 0x02, 0x4a, 0x00, 0x12, 0x02, 0x0a, 0x00}),
		envelopeOf(tb, "v1", "DeleteOptions", []byte{0x08, 0x1e}),
		envelopeOf(tb, "v1", "PodList", []byte{0x0a, 0x04, 0x12, 0x02, 0x34, 0x32, 0x0a, 0x02, 0x4a, 0x00}),
		// Fields that do not parse where the edits look.
		withField(tb, widget, pathMeta, metaDeletionTimestamp, badTime),
		withField(tb, pod, pathMeta, metaDeletionTimestamp, badTime),
		withField(tb, node, pathTaint(0), 4, protowire.AppendBytes(protowire.AppendTag(nil, 4, protowire.BytesType), []byte{0x08, 0xff})),
		// JSON and CBOR garbage.
		[]byte("{"), []byte(`{"kind":`), []byte(`{"apiVersion":"v1"}`), []byte(` {"a":1e400}`),
		[]byte(`{"apiVersion":"v1","kind":"Pod","metadata":[]}`),
		[]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"deletionTimestamp":null,"finalizers":["a",null]}}`),
		[]byte(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{"taints":"x","unschedulable":"yes"}}`),
		[]byte(`{"apiVersion":"v1","kind":"Node","metadata":{"deletionTimestamp":"2026-03-14T15:09:26Z"},"spec":{"taints":[{"key":"node.kubernetes.io/unreachable","timeAdded":"bad"}]}}`),
		cborSelfDescribed, []byte("\xd9\xd9\xf7\xa1"), append(bytes.Clone(cborSelfDescribed), jsonNode...),
		[]byte("\xd9\xd9\xf7\xa2\x64kind\x63Pod\x64kind\x63Pod"),
		// Encryption prefixes.
		[]byte("k8s:enc:"), []byte("k8s:enc:aescbc"), []byte("k8s:enc:aescbc:v1:key1:\x01\x02"),
		[]byte("k8s:enc:kms:v2:vault:\x00"), []byte("k8s:enc:secretbox:v1:k:"),
	)
	return seeds
}

// splitField rewrites the message field num of the object in value as two
// occurrences, the second starting at its first field numbered at or more.
func splitField(tb testing.TB, value []byte, num, at protowire.Number) []byte {
	tb.Helper()
	return editObject(tb, value, func(f []byte) [][]byte {
		if fieldNum(f) != num {
			return [][]byte{f}
		}
		sub := wireFields(tb, payloadOf(f))
		i := slices.IndexFunc(sub, func(f []byte) bool { return fieldNum(f) >= at })
		if i < 0 {
			i = len(sub)
		}
		var halves [][]byte
		for _, h := range [][][]byte{sub[:i], sub[i:]} {
			halves = append(halves, protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), bytes.Join(h, nil)))
		}
		return halves
	})
}

// nonMinimalTag rewrites the tag of the message field num of the object in
// value with a redundant continuation byte.
func nonMinimalTag(tb testing.TB, value []byte, num protowire.Number) []byte {
	tb.Helper()
	return editObject(tb, value, func(f []byte) [][]byte {
		if fieldNum(f) != num {
			return [][]byte{f}
		}
		tag := protowire.EncodeTag(num, protowire.BytesType)
		_, _, n := protowire.ConsumeTag(f)
		return [][]byte{append([]byte{byte(tag) | 0x80, byte(tag >> 7)}, f[n:]...)}
	})
}

// editObject rewrites each field of the object in a protobuf value.
func editObject(tb testing.TB, value []byte, edit func(field []byte) [][]byte) []byte {
	tb.Helper()
	body := rewriteAt(tb, value[len(protobufMagic):], pathObject, func(obj []byte) []byte {
		var out []byte
		for _, f := range wireFields(tb, obj) {
			out = append(out, bytes.Join(edit(f), nil)...)
		}
		return out
	})
	return append(bytes.Clone(protobufMagic), body...)
}

// FuzzDecode: Decode never panics, refuses with ErrMalformed, never touches
// its input, and reads a value the same way every time. What it reads can be
// shown (Content, YAML) and written back: re-encoding it is a fixed point.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		in := bytes.Clone(value)
		o, err := Decode(value)
		if !bytes.Equal(value, in) {
			t.Fatal("Decode modified its input")
		}
		if err != nil {
			if o != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode = %v, %v; want nil and ErrMalformed", o, err)
			}
			return
		}
		if o.Format != DetectFormat(value) || o.Size != len(value) {
			t.Fatalf("format %s size %d, DetectFormat %s len %d", o.Format, o.Size, DetectFormat(value), len(value))
		}
		// Rendering may fail (a RawExtension that holds no JSON cannot be
		// shown as a map), but the same way every time.
		yaml, yamlErr := o.YAML(RenderOptions{ResourceVersion: 7})
		o.NestedString("metadata", "name")

		again, err := Decode(value)
		if err != nil {
			t.Fatalf("second Decode: %v", err)
		}
		if d := objectDiff(t, o, again); d != "" {
			t.Fatalf("second Decode differs: %s", d)
		}
		if y, err := again.YAML(RenderOptions{ResourceVersion: 7}); !bytes.Equal(y, yaml) || fmt.Sprint(err) != fmt.Sprint(yamlErr) {
			t.Fatalf("second Decode renders differently (%v, then %v):\n%s", yamlErr, err, UnifiedDiff("yaml", yaml, y))
		}

		// Re-encoding what Decode read gives a value that decodes to the
		// same object, and re-encodes to the same bytes.
		var encode func(o *Object) []byte
		switch {
		case o.Typed != nil && !hasObjectMeta(o.APIVersion, o.Kind):
			// Not a stored object (a list, WatchEvent): some of these
			// have no TypeMeta, so their encoding names no kind.
			return
		case o.Typed != nil:
			encode = func(o *Object) []byte { return canonical(t, o.Typed) }
		case o.Format == FormatJSON || o.Format == FormatCBOR:
			encode = func(o *Object) []byte {
				c, err := o.Content()
				if err != nil {
					t.Fatal(err)
				}
				var b []byte
				if o.Format == FormatJSON {
					b, err = encodeJSON(c)
				} else {
					b, err = encodeCBOR(c)
				}
				if err != nil {
					t.Fatalf("encode what Decode read: %v", err)
				}
				return b
			}
		default: // encrypted, or a protobuf kind without a Go type
			return
		}
		first := encode(o)
		re, err := Decode(first)
		if err != nil {
			t.Fatalf("Decode of the re-encoded value: %v\n%q", err, first)
		}
		if re.Format != o.Format || re.APIVersion != o.APIVersion || re.Kind != o.Kind {
			t.Fatalf("re-encoded value decodes as %s %s %s, want %s %s %s", re.Format, re.APIVersion, re.Kind, o.Format, o.APIVersion, o.Kind)
		}
		if d := objectDiff(t, o, re); d != "" && d != "size" {
			t.Fatalf("re-encoded value decodes to another object: %s\n%q", d, first)
		}
		// Typed objects re-encode to the same bytes. JSON numbers may
		// settle after one more round (-0.0 decodes as a float and
		// re-encodes as -0, which decodes as the integer 0).
		second := encode(re)
		if !bytes.Equal(second, first) && (o.Typed != nil || !bytes.Equal(encode(mustDecode(t, second)), second)) {
			t.Fatalf("re-encoding is not stable:\n%q\n%q", first, second)
		}
	})
}

// The edit fuzz targets. Each checks, with checkEdits, that an edit:
//   - never panics, never writes into its input;
//   - returns bytes only for a value that Decode reads (never encrypted),
//     and only for a Node when the edit is Node-only;
//   - returns a value that decodes, with Decode and with the serializer
//     kube-apiserver would read it with, into the same format, apiVersion
//     and kind;
//   - changes only the fields it edits (checked on the decoded objects
//     against an independent model of the edit, and on the protobuf wire:
//     every other field keeps its bytes);
//   - when it reports no change, returns nil and the model agrees that
//     nothing was to change; and applied again to its own result, changes
//     nothing.

func FuzzClearDeletion(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		checkEdits(t, value, clearDeletionModel())
	})
}

// FuzzRemoveFinalizers takes the names as a comma-separated list; "" removes
// every finalizer.
func FuzzRemoveFinalizers(f *testing.F) {
	names := []string{"", "example.com/hold", "shop.example.com/drain-connections",
		"payments.example.com/settle-transactions,audit.example.com/record-termination",
		"stable.example.com/cleanup", "customresourcecleanup.apiextensions.k8s.io", "example.com/cleanup,"}
	for i, s := range fuzzSeeds(f) {
		f.Add(s, names[i%len(names)])
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, value []byte, names string) {
		var list []string
		if names != "" {
			list = strings.Split(names, ",")
		}
		checkEdits(t, value, removeFinalizersModel(list))
	})
}

// FuzzRemoveTaints takes the keys as a comma-separated list; "" gives no
// keys, which RemoveTaints refuses.
func FuzzRemoveTaints(f *testing.F) {
	args := [][2]string{
		{"node.kubernetes.io/unreachable,node.kubernetes.io/not-ready", ""},
		{"node.kubernetes.io/unreachable", "NoExecute"},
		{"node.kubernetes.io/unschedulable", "NoSchedule"},
		{"dedicated", ""},
		{"", ""},
	}
	for i, s := range fuzzSeeds(f) {
		a := args[i%len(args)]
		f.Add(s, a[0], a[1])
		f.Add(s, args[0][0], args[0][1])
	}
	f.Fuzz(func(t *testing.T, value []byte, keys, effect string) {
		var list []string
		if keys != "" {
			list = strings.Split(keys, ",")
		}
		checkEdits(t, value, removeTaintsModel(list, effect))
	})
}

// FuzzSetUnschedulable also fuzzes uncordon as etcdops does it:
// SetUnschedulable(false) with the removal of the unschedulable taint.
func FuzzSetUnschedulable(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, true, false)
		f.Add(s, false, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, value []byte, v, untaint bool) {
		models := []editModel{setUnschedulableModel(v)}
		if untaint {
			models = append(models, removeTaintsModel([]string{corev1.TaintNodeUnschedulable}, string(corev1.TaintEffectNoSchedule)))
		}
		checkEdits(t, value, models...)
	})
}

// editModel is an edit with an independent model of what it does, to check
// its results against.
type editModel struct {
	edit Edit
	// nodeOnly edits must fail on every other kind; failing says whether
	// the edit must fail whatever the value.
	nodeOnly, failing bool
	// metaFields and specFields are the ObjectMeta and NodeSpec fields the
	// edit may change on the wire; every other field keeps its bytes.
	metaFields, specFields []protowire.Number
	// meta and spec apply the edit to a decoded object; generic to the map
	// of a JSON or CBOR value.
	meta    func(*metav1.ObjectMeta)
	spec    func(*corev1.NodeSpec)
	generic func(map[string]any)
}

func clearDeletionModel() editModel {
	return editModel{
		edit:       ClearDeletion(),
		metaFields: []protowire.Number{metaDeletionTimestamp, metaDeletionGracePeriodSeconds},
		meta: func(m *metav1.ObjectMeta) {
			m.DeletionTimestamp, m.DeletionGracePeriodSeconds = nil, nil
		},
		generic: func(obj map[string]any) {
			if md, ok := obj["metadata"].(map[string]any); ok {
				delete(md, "deletionTimestamp")
				delete(md, "deletionGracePeriodSeconds")
			}
		},
	}
}

func removeFinalizersModel(names []string) editModel {
	drop := func(s string) bool { return len(names) == 0 || slices.Contains(names, s) }
	return editModel{
		edit:       RemoveFinalizers(names...),
		metaFields: []protowire.Number{metaFinalizers},
		meta: func(m *metav1.ObjectMeta) {
			m.Finalizers = slices.DeleteFunc(m.Finalizers, drop)
		},
		generic: func(obj map[string]any) {
			if md, ok := obj["metadata"].(map[string]any); ok {
				filterModel(md, "finalizers", func(v any) bool { s, _ := v.(string); return drop(s) })
			}
		},
	}
}

func removeTaintsModel(keys []string, effect string) editModel {
	drop := func(key, eff string) bool { return slices.Contains(keys, key) && (effect == "" || effect == eff) }
	return editModel{
		edit:       RemoveTaints(keys, effect),
		nodeOnly:   true,
		failing:    len(keys) == 0,
		specFields: []protowire.Number{nodeSpecTaints},
		spec: func(s *corev1.NodeSpec) {
			s.Taints = slices.DeleteFunc(s.Taints, func(t corev1.Taint) bool { return drop(t.Key, string(t.Effect)) })
		},
		generic: func(obj map[string]any) {
			if spec, ok := obj["spec"].(map[string]any); ok {
				filterModel(spec, "taints", func(v any) bool {
					t, _ := v.(map[string]any)
					key, _ := t["key"].(string)
					eff, _ := t["effect"].(string)
					return drop(key, eff)
				})
			}
		},
	}
}

func setUnschedulableModel(v bool) editModel {
	return editModel{
		edit:       SetUnschedulable(v),
		nodeOnly:   true,
		specFields: []protowire.Number{nodeSpecUnschedulable},
		spec:       func(s *corev1.NodeSpec) { s.Unschedulable = v },
		generic: func(obj map[string]any) {
			spec, _ := obj["spec"].(map[string]any)
			cur, _ := spec["unschedulable"].(bool)
			switch {
			case cur == v:
			case spec == nil:
				obj["spec"] = map[string]any{"unschedulable": true}
			case v:
				spec["unschedulable"] = true
			default:
				delete(spec, "unschedulable") // omitempty
			}
		},
	}
}

// filterModel drops the elements of the list m[key] for which drop is true,
// and the key when none is left (omitempty).
func filterModel(m map[string]any, key string, drop func(any) bool) {
	list, ok := m[key].([]any)
	if !ok {
		return
	}
	kept := slices.DeleteFunc(slices.Clone(list), drop)
	switch {
	case len(kept) == len(list):
	case len(kept) == 0:
		delete(m, key)
	default:
		m[key] = kept
	}
}

// checkEdits applies the edits of models to value and checks the result
// against the models (see the comment above FuzzClearDeletion).
func checkEdits(t *testing.T, value []byte, models ...editModel) {
	t.Helper()
	edits := make([]Edit, len(models))
	for i, m := range models {
		edits[i] = m.edit
	}
	in := bytes.Clone(value)
	before, decodeErr := Decode(value)
	after, changed, err := ApplyEdits(value, edits...)
	if !bytes.Equal(value, in) {
		t.Fatal("ApplyEdits modified its input")
	}
	// Untouched is the shortcut a scan takes instead of ApplyEdits: it
	// must never say so of a value the edits change, nor misname its type.
	if apiVersion, kind, ok := Untouched(value, edits...); ok {
		if err == nil && changed {
			t.Fatalf("Untouched says %v leave the value as it is, but ApplyEdits changed it", edits)
		}
		if decodeErr == nil && (before.APIVersion != apiVersion || before.Kind != kind) {
			t.Fatalf("Untouched names the value %s %s, Decode %s %s", apiVersion, kind, before.APIVersion, before.Kind)
		}
	}
	if err != nil {
		if after != nil || changed {
			t.Fatalf("ApplyEdits returned %d bytes, changed %v with error %v", len(after), changed, err)
		}
		if decodeErr != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrEncrypted) {
			t.Fatalf("a value Decode refuses (%v) is refused with %v, which wraps neither ErrMalformed nor ErrEncrypted", decodeErr, err)
		}
		return
	}
	if decodeErr != nil {
		t.Fatalf("ApplyEdits accepted a value Decode refuses: %v", decodeErr)
	}
	if before.Format == FormatEncrypted {
		t.Fatal("ApplyEdits accepted an encrypted value")
	}
	if before.Typed != nil {
		if _, ok := before.Typed.(metav1.ObjectMetaAccessor); !ok {
			t.Fatalf("ApplyEdits edited a %T, which has no ObjectMeta", before.Typed)
		}
	}
	isNode := before.APIVersion == "v1" && before.Kind == "Node"
	for _, m := range models {
		if m.failing || (m.nodeOnly && !isNode) {
			t.Fatalf("%s accepted on %s %s", m.edit, before.APIVersion, before.Kind)
		}
	}
	if !changed {
		if after != nil {
			t.Fatalf("no change, but %d bytes returned", len(after))
		}
		// The model must agree that there was nothing to change: the
		// value is its own expected result.
		if _, err := apiserverDecode(value, before); err == nil {
			checkResult(t, value, before, value, models)
		}
		return
	}
	if after == nil || bytes.Equal(after, value) {
		t.Fatalf("changed, but returned %d bytes equal to the input", len(after))
	}
	checkResult(t, value, before, after, models)

	again, changed, err := ApplyEdits(after, edits...)
	if err != nil || changed || again != nil {
		t.Fatalf("the edits applied again to their result: %d bytes, changed %v, %v; want no change", len(again), changed, err)
	}
}

// checkResult checks that after decodes as before did, and differs from
// before only as the models say.
func checkResult(t *testing.T, value []byte, before *Object, after []byte, models []editModel) {
	t.Helper()
	o, err := Decode(after)
	if err != nil {
		t.Fatalf("the edited value does not decode: %v", err)
	}
	if o.Format != before.Format || o.APIVersion != before.APIVersion || o.Kind != before.Kind {
		t.Fatalf("edited value decodes as %s %s %s, want %s %s %s", o.Format, o.APIVersion, o.Kind, before.Format, before.APIVersion, before.Kind)
	}
	if _, err := apiserverDecode(after, o); err != nil {
		t.Fatalf("kube-apiserver could not read the edited value: %v\n%q", err, after)
	}

	switch o.Format {
	case FormatProtobuf:
		checkWire(t, value, after, models)
		if before.Typed == nil {
			want := before.Meta.DeepCopy()
			for _, m := range models {
				if m.meta != nil {
					m.meta(want)
				}
			}
			if !reflect.DeepEqual(o.UnknownFields, before.UnknownFields) {
				t.Fatalf("unknown fields %v, want %v", o.UnknownFields, before.UnknownFields)
			}
			if !bytes.Equal(marshalMeta(t, &o.Meta), marshalMeta(t, want)) {
				t.Fatalf("edited metadata differs from the model's:\n got %+v\nwant %+v", o.Meta, *want)
			}
			return
		}
		want := before.Typed.DeepCopyObject()
		for _, m := range models {
			if m.meta != nil {
				m.meta(want.(metav1.ObjectMetaAccessor).GetObjectMeta().(*metav1.ObjectMeta))
			}
			if n, ok := want.(*corev1.Node); ok && m.spec != nil {
				m.spec(&n.Spec)
			}
		}
		if !bytes.Equal(canonical(t, o.Typed), canonical(t, want)) {
			t.Fatalf("edited object differs from the model's:\n%s", UnifiedDiff("object", yamlOf(t, want), yamlOf(t, o.Typed)))
		}
	case FormatJSON, FormatCBOR:
		c, err := before.Content()
		if err != nil {
			t.Fatal(err)
		}
		want := deepCopyMap(c)
		for _, m := range models {
			m.generic(want)
		}
		got, err := o.Content()
		if err != nil {
			t.Fatal(err)
		}
		if !equalGeneric(got, want) {
			t.Fatalf("edited object differs from the model's:\n got %#v\nwant %#v", got, want)
		}
		if bytes.Equal(after, value) {
			return
		}
		// Written exactly as the apiserver writes the model's map.
		var wantBytes []byte
		if o.Format == FormatJSON {
			wantBytes, err = encodeJSON(want)
		} else {
			wantBytes, err = encodeCBOR(want)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(after, wantBytes) {
			t.Fatalf("edited value\n%q\nwant\n%q", after, wantBytes)
		}
	default:
		t.Fatalf("edited a %s value", o.Format)
	}
}

// checkWire checks, with protowire alone, that an edit of a protobuf value
// kept every byte outside the fields the models may change: the envelope
// apart from the object, the object apart from metadata (and a Node's spec),
// metadata and spec apart from the edited fields. Finalizers and taints that
// stay keep their bytes and order.
func checkWire(t *testing.T, before, after []byte, models []editModel) {
	t.Helper()
	var metaNums, specNums []protowire.Number
	for _, m := range models {
		metaNums = append(metaNums, m.metaFields...)
		specNums = append(specNums, m.specFields...)
	}
	objNums := []protowire.Number{objectMetadata}
	if len(specNums) > 0 {
		objNums = append(objNums, objectSpec)
	}

	envB, envA := wireFields(t, before[len(protobufMagic):]), wireFields(t, after[len(protobufMagic):])
	rawB, rawA := lastOf(envB, unknownRaw), lastOf(envA, unknownRaw)
	if rawB < 0 || rawA < 0 {
		t.Fatal("no raw field in the envelope")
	}
	if !slices.EqualFunc(slices.Delete(slices.Clone(envB), rawB, rawB+1), slices.Delete(slices.Clone(envA), rawA, rawA+1), bytes.Equal) {
		t.Fatal("envelope fields other than the object changed")
	}
	objB, objA := wireFields(t, payloadOf(envB[rawB])), wireFields(t, payloadOf(envA[rawA]))
	if !slices.EqualFunc(without(objB, objNums), without(objA, objNums), bytes.Equal) {
		t.Fatal("object fields other than the edited ones changed")
	}
	for _, sub := range []struct {
		num  protowire.Number
		nums []protowire.Number
		name string
	}{{objectMetadata, metaNums, "metadata"}, {objectSpec, specNums, "spec"}} {
		if sub.num == objectSpec && len(specNums) == 0 {
			continue
		}
		b, a := merged(t, objB, sub.num), merged(t, objA, sub.num)
		if !slices.EqualFunc(without(b, sub.nums), without(a, sub.nums), bytes.Equal) {
			t.Fatalf("%s fields other than %v changed", sub.name, sub.nums)
		}
		for _, n := range []protowire.Number{metaFinalizers, nodeSpecTaints} {
			if slices.Contains(sub.nums, n) && !isSubsequence(only(a, n), only(b, n)) {
				t.Fatalf("%s field %d: what is left is not what was there", sub.name, n)
			}
		}
	}
}

// wireFields splits a message into its fields, tag and value, as stored.
func wireFields(t testing.TB, msg []byte) [][]byte {
	t.Helper()
	var fields [][]byte
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, msg[n:])
		if m < 0 {
			t.Fatalf("bad field %d: %v", num, protowire.ParseError(m))
		}
		fields = append(fields, msg[:n+m])
		msg = msg[n+m:]
	}
	return fields
}

func fieldNum(f []byte) protowire.Number {
	num, _, _ := protowire.ConsumeTag(f)
	return num
}

func payloadOf(f []byte) []byte {
	_, typ, n := protowire.ConsumeTag(f)
	if typ != protowire.BytesType {
		return nil
	}
	v, _ := protowire.ConsumeBytes(f[n:])
	return v
}

func lastOf(fields [][]byte, num protowire.Number) int {
	for i := len(fields) - 1; i >= 0; i-- {
		if fieldNum(fields[i]) == num {
			return i
		}
	}
	return -1
}

func without(fields [][]byte, nums []protowire.Number) [][]byte {
	return slices.DeleteFunc(slices.Clone(fields), func(f []byte) bool { return slices.Contains(nums, fieldNum(f)) })
}

func only(fields [][]byte, num protowire.Number) [][]byte {
	return slices.DeleteFunc(slices.Clone(fields), func(f []byte) bool { return fieldNum(f) != num })
}

// merged returns the fields of every occurrence of the message field num, in
// order: protobuf merges them into one message.
func merged(t *testing.T, fields [][]byte, num protowire.Number) [][]byte {
	t.Helper()
	var out [][]byte
	for _, f := range only(fields, num) {
		out = append(out, wireFields(t, payloadOf(f))...)
	}
	return out
}

func isSubsequence(sub, of [][]byte) bool {
	i := 0
	for _, f := range of {
		if i < len(sub) && bytes.Equal(sub[i], f) {
			i++
		}
	}
	return i == len(sub)
}

// apimachinery's JSON serializer, as kube-apiserver's storage decoder reads a
// JSON value of a kind with a Go type (non-strict). Not apply.go's: the check
// must not share what it checks.
var fuzzJSONSerializer = jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, storageScheme, storageScheme, jsonserializer.SerializerOptions{})

// apiserverDecode decodes value with the serializer kube-apiserver would read
// it from storage with: its protobuf serializer; for JSON and CBOR, the Go
// type when lifeboat has one (as kube-apiserver has for the same kinds), the
// unstructured serializers otherwise. A protobuf kind without a Go type has
// no serializer here: nil, nil (Decode checked its envelope and metadata).
func apiserverDecode(value []byte, o *Object) (runtime.Object, error) {
	gvk := schema.FromAPIVersionAndKind(o.APIVersion, o.Kind)
	typed := storageScheme.Recognizes(gvk)
	var obj runtime.Object
	var got *schema.GroupVersionKind
	var err error
	switch o.Format {
	case FormatProtobuf:
		if !typed {
			return nil, nil
		}
		obj, got, err = protobufSerializer.Decode(value, nil, nil)
	case FormatJSON:
		if typed {
			obj, got, err = fuzzJSONSerializer.Decode(value, nil, nil)
		} else {
			obj, got, err = unstructured.UnstructuredJSONScheme.Decode(value, nil, &unstructured.Unstructured{})
		}
	case FormatCBOR:
		var into runtime.Object
		if !typed {
			into = &unstructured.Unstructured{}
		}
		obj, got, err = cborSerializer.Decode(value, nil, into)
	default:
		return nil, fmt.Errorf("%s value", o.Format)
	}
	if err != nil {
		return nil, err
	}
	if *got != gvk {
		return nil, fmt.Errorf("decoded as %s, want %s", got, gvk)
	}
	return obj, nil
}

// canonical is a typed object's protobuf encoding: gogo's marshalers write
// fields in order and map keys sorted, so equal objects encode equally (even
// with NaN floats, which reflect.DeepEqual calls unequal).
func canonical(t *testing.T, obj runtime.Object) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := protobufSerializer.Encode(obj, &b); err != nil {
		t.Fatalf("encode %T: %v", obj, err)
	}
	return b.Bytes()
}

func marshalMeta(t *testing.T, m *metav1.ObjectMeta) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// yamlOf renders a typed object for a failure message.
func yamlOf(t *testing.T, obj runtime.Object) []byte {
	t.Helper()
	o, err := Decode(canonical(t, obj))
	if err != nil {
		return []byte(err.Error())
	}
	y, err := o.YAML(RenderOptions{})
	if err != nil {
		return []byte(err.Error())
	}
	return y
}

// objectDiff compares two decodes of the same value.
func objectDiff(t *testing.T, a, b *Object) string {
	t.Helper()
	switch {
	case a.Format != b.Format || a.APIVersion != b.APIVersion || a.Kind != b.Kind:
		return fmt.Sprintf("%s %s %s vs %s %s %s", a.Format, a.APIVersion, a.Kind, b.Format, b.APIVersion, b.Kind)
	case !reflect.DeepEqual(a.Encryption, b.Encryption):
		return "encryption"
	case !reflect.DeepEqual(a.UnknownFields, b.UnknownFields):
		return "unknown fields"
	case !bytes.Equal(marshalMeta(t, &a.Meta), marshalMeta(t, &b.Meta)):
		return "metadata"
	case (a.Typed == nil) != (b.Typed == nil):
		return "typed"
	case a.Typed != nil && !bytes.Equal(canonical(t, a.Typed), canonical(t, b.Typed)):
		return "typed object"
	}
	ca, errA := a.Content()
	cb, errB := b.Content()
	if (errA == nil) != (errB == nil) || !equalGeneric(ca, cb) {
		return "content"
	}
	if a.Size != b.Size {
		return "size"
	}
	return ""
}

// equalGeneric compares generic objects as JSON does: numbers by value,
// whether they decoded as int64 or float64.
func equalGeneric(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !equalGeneric(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, equalGeneric)
	case int64, float64:
		switch b := b.(type) {
		case int64:
			if a, ok := a.(int64); ok {
				return a == b
			}
			return a.(float64) == float64(b)
		case float64:
			if a, ok := a.(int64); ok {
				return float64(a) == b
			}
			fa := a.(float64)
			return fa == b || (math.IsNaN(fa) && math.IsNaN(b))
		}
		return false
	default:
		return reflect.DeepEqual(a, b)
	}
}
