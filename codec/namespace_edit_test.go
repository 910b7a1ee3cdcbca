package codec

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testNamespace is a namespace with the "kubernetes" spec finalizer every
// namespace gets at creation (k8s.io/kubernetes pkg/registry/core/namespace
// strategy.go, PrepareForCreate), another one, and a metadata finalizer;
// being deleted when deleting is set.
func testNamespace(deleting bool, specFinalizers ...corev1.FinalizerName) *corev1.Namespace {
	ns := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", UID: "ns-uid", CreationTimestamp: testTime, Finalizers: []string{"example.com/audit"}},
		Spec:       corev1.NamespaceSpec{Finalizers: specFinalizers},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
	if deleting {
		ns.DeletionTimestamp = &testTime
		ns.Status.Phase = corev1.NamespaceTerminating
	}
	return ns
}

// TestRemoveNamespaceFinalizers: spec.finalizers of a namespace being
// deleted lose what is asked (all, or the named ones) and every other byte
// stays, fields from a newer Kubernetes included; a live namespace keeps
// them (naming one it holds is refused, saying why); metadata.finalizers
// are RemoveFinalizers' and stay; other kinds are refused.
func TestRemoveNamespaceFinalizers(t *testing.T) {
	kube, other := corev1.FinalizerKubernetes, corev1.FinalizerName("example.com/storage")
	injections := []injection{
		{pathEnvelope, futureField(15, "future envelope"), false},
		{pathMeta, futureField(999, "future metadata"), false},
		{pathSpec, futureField(999, "future spec"), false},
	}
	asJSON := func(ns *corev1.Namespace) []byte {
		b, err := EncodeStorageJSON(ns)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		before []byte
		edit   Edit
		want   []byte // nil: unchanged
		err    string
	}{
		{"deleting, every finalizer", injectAll(t, mustEncode(t, testNamespace(true, kube, other)), injections), RemoveNamespaceFinalizers(),
			injectAll(t, mustEncode(t, testNamespace(true)), injections), ""},
		{"deleting, kubernetes only", injectAll(t, mustEncode(t, testNamespace(true, kube, other)), injections), RemoveNamespaceFinalizers("kubernetes"),
			injectAll(t, mustEncode(t, testNamespace(true, other)), injections), ""},
		{"deleting, none there", mustEncode(t, testNamespace(true)), RemoveNamespaceFinalizers(), nil, ""},
		{"deleting, json", asJSON(testNamespace(true, kube)), RemoveNamespaceFinalizers(), asJSON(testNamespace(true)), ""},
		{"live, every finalizer", mustEncode(t, testNamespace(false, kube)), RemoveNamespaceFinalizers(), nil, ""},
		{"live, another finalizer", mustEncode(t, testNamespace(false, kube)), RemoveNamespaceFinalizers("example.com/audit"), nil, ""},
		{"live, kubernetes named", mustEncode(t, testNamespace(false, kube)), RemoveNamespaceFinalizers("kubernetes"), nil, `the namespace is not being deleted: spec.finalizers "kubernetes" stays`},
		{"live json, kubernetes named", asJSON(testNamespace(false, kube)), RemoveNamespaceFinalizers("kubernetes"), nil, `the namespace is not being deleted`},
		{"a pod", mustEncode(t, testSmallPod()), RemoveNamespaceFinalizers(), nil, "v1 Pod has no spec.finalizers (only v1 Namespace)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after, changed, err := ApplyEdits(tc.before, tc.edit)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ApplyEdits = %v, want an error saying %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case tc.want == nil && (changed || after != nil):
				t.Fatalf("changed a namespace that needs nothing:\n%x", after)
			case tc.want != nil && !sameValue(t, after, tc.want):
				t.Fatalf("edited value differs from the expected one\n got %q\nwant %q", after, tc.want)
			}
		})
	}
}

// TestNamespaceFinalizeAsTheAPIServerReads: what finalizers remove does
// to a namespace stuck Terminating, both edits at once, read back with
// kube-apiserver's own serializer: no finalizer left in spec or metadata,
// the deletion and everything else as they were.
func TestNamespaceFinalizeAsTheAPIServerReads(t *testing.T) {
	before := testNamespace(true, corev1.FinalizerKubernetes)
	after := mustApply(t, mustEncode(t, before), RemoveFinalizers(), RemoveNamespaceFinalizers())
	obj, _, err := apiserverProtobuf.Decode(after, nil, nil)
	if err != nil {
		t.Fatalf("kube-apiserver's serializer cannot read the edited value: %v", err)
	}
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		t.Fatalf("decoded %T, want a v1 Namespace", obj)
	}
	if len(ns.Spec.Finalizers) != 0 || len(ns.Finalizers) != 0 {
		t.Errorf("finalizers left: spec %v, metadata %v", ns.Spec.Finalizers, ns.Finalizers)
	}
	want := before.DeepCopy()
	want.Finalizers, want.Spec.Finalizers = nil, nil
	ns.TypeMeta = metav1.TypeMeta{}
	if !jsonEqual(t, ns, want) {
		t.Errorf("the edit changed more than the finalizers:\n got %+v\nwant %+v", ns, want)
	}
	if ns.DeletionTimestamp == nil || ns.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("deletion lost: %v, phase %s", ns.DeletionTimestamp, ns.Status.Phase)
	}

	// Untouched must not count a namespace whose only finalizer is in its
	// spec as fine: a plan would skip it undecoded.
	specOnly := testNamespace(true, corev1.FinalizerKubernetes)
	specOnly.Finalizers = nil
	if _, _, untouched := Untouched(mustEncode(t, specOnly), RemoveFinalizers(), RemoveNamespaceFinalizers()); untouched {
		t.Error("Untouched: a namespace with spec.finalizers only is left alone by the namespace finalizer edit")
	}
}

// sameValue compares protobuf values byte for byte, JSON ones as
// documents: a map re-encoded keeps no key order.
func sameValue(t *testing.T, got, want []byte) bool {
	t.Helper()
	if DetectFormat(want) != FormatJSON {
		return bytes.Equal(got, want)
	}
	var g, w map[string]any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	return jsonEqual(t, g, w)
}

// FuzzRemoveNamespaceFinalizers takes the names as a comma-separated list;
// "" removes every finalizer. On any value the edit never panics and never
// writes into its input; what it returns decodes (with kube-apiserver's
// serializer for protobuf) into the same kind, with exactly the named
// spec.finalizers gone, and only from a namespace being deleted; and it
// changes nothing the second time.
func FuzzRemoveNamespaceFinalizers(f *testing.F) {
	kube := corev1.FinalizerKubernetes
	for i, ns := range []*corev1.Namespace{testNamespace(true, kube, "example.com/storage"), testNamespace(false, kube), testNamespace(true)} {
		f.Add(mustEncode(f, ns), []string{"", "kubernetes", "example.com/storage,kubernetes"}[i])
		if b, err := EncodeStorageJSON(ns); err == nil {
			f.Add(b, "")
		}
	}
	f.Add(mustEncode(f, testSmallPod()), "")
	f.Fuzz(func(t *testing.T, value []byte, names string) {
		var list []string
		if names != "" {
			list = strings.Split(names, ",")
		}
		checkContentEdit(t, value, RemoveNamespaceFinalizers(list...), func(before *Object, want map[string]any) {
			if before.APIVersion != "v1" || before.Kind != "Namespace" {
				t.Fatalf("spec.finalizers removed from a %s %s", before.APIVersion, before.Kind)
			}
			if before.Meta.DeletionTimestamp == nil {
				t.Fatal("spec.finalizers removed from a namespace that is not being deleted")
			}
			spec, ok := want["spec"].(map[string]any)
			if !ok {
				return
			}
			kept := []any{}
			fins, _ := spec["finalizers"].([]any)
			for _, f := range fins {
				if s, _ := f.(string); len(list) > 0 && !slices.Contains(list, s) {
					kept = append(kept, f)
				}
			}
			if len(kept) == 0 {
				delete(spec, "finalizers")
			} else {
				spec["finalizers"] = kept
			}
		})
	})
}
