package codec

import (
	"os"
	"slices"
	"testing"
)

// TestNewerFields: fields a newer Kubernetes wrote are found where they
// are, and a realistic pod or node of today's types has none (times,
// quantities and maps are not mistaken for them).
func TestNewerFields(t *testing.T) {
	pod := mustEncode(t, realisticPod())
	tests := []struct {
		name  string
		value []byte
		want  []string
	}{
		{"a realistic pod", pod, nil},
		{"a node", mustEncode(t, testNode()), nil},
		{"in the object", inject(t, pod, pathObject, futureField(99, "future"), false), []string{"the object: field 99 (bytes, 6 bytes)"}},
		{"in metadata", inject(t, pod, pathMeta, futureField(200, "ab"), false), []string{"metadata: field 200 (bytes, 2 bytes)"}},
		{"in the spec", inject(t, pod, pathSpec, futureField(1000, "abc"), true), []string{"spec: field 1000 (bytes, 3 bytes)"}},
		{"in the second container", inject(t, pod, []step{{2, 0}, {2, 0}, {2, 1}}, futureField(60, "x"), false), []string{"spec.containers[1]: field 60 (bytes, 1 bytes)"}},
		{"in a taint", inject(t, mustEncode(t, testNode()), pathTaint(1), futureField(999, "t"), false), []string{"spec.taints[1]: field 999 (bytes, 1 bytes)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Decode(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range NewerFields(tt.value, o) {
				got = append(got, f.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("NewerFields = %q, want %q", got, tt.want)
			}
		})
	}
	json, err := Decode([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"future":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := NewerFields(nil, json); got != nil {
		t.Errorf("JSON: %v, want nil", got)
	}
}

func BenchmarkNewerFieldsPod(b *testing.B) {
	value := mustEncode(b, realisticPod())
	o, err := Decode(value)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	for b.Loop() {
		if f := NewerFields(value, o); f != nil {
			b.Fatal(f)
		}
	}
}

// TestNewerFieldsOfKubernetes137: k8s.io/api's own round-trip fixture of a
// Pod with every field set, as Kubernetes 1.37 writes it (k8s.io/api
// v0.37.2 testdata/HEAD/core.v1.Pod.pb), carries fields lifeboat's 1.36
// types do not have; 1.36's own fixture carries none.
func TestNewerFieldsOfKubernetes137(t *testing.T) {
	for _, tt := range []struct {
		file  string
		newer bool
	}{
		{"testdata/k8s-1.37-core.v1.Pod.pb", true},
		{"testdata/k8s-1.36-core.v1.Pod.pb", false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			value, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			o, err := Decode(value)
			if err != nil {
				t.Fatal(err)
			}
			newer := NewerFields(value, o)
			for _, f := range newer {
				t.Logf("%s", f)
			}
			if (len(newer) > 0) != tt.newer {
				t.Errorf("%d newer fields, want some: %v", len(newer), tt.newer)
			}
			// One of them, where a 1.37 VolumeMount has a field 1.36's lacks.
			mount := slices.ContainsFunc(newer, func(f NewerField) bool {
				return f.Path == "spec.containers[0].volumeMounts[0]" && f.Number == 8
			})
			if mount != tt.newer {
				t.Errorf("the volume mount's field 8 found: %v, want %v", mount, tt.newer)
			}
		})
	}
}
