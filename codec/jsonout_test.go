package codec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAppendJSONIsMarshalIndentOfRender: the fast road prints exactly the
// bytes json.MarshalIndent prints for Render's map, for every value the
// demo stores and for objects with awkward strings.
func TestAppendJSONIsMarshalIndentOfRender(t *testing.T) {
	values := map[string][]byte{"realistic pod": mustEncode(t, realisticPod())}
	odd := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "odd", Namespace: "x", Labels: map[string]string{"a<b": "c&d", "é": "\u2028", "z": "", "A": "1"}},
		Data:       map[string]string{"quote\"key": "line\nbreak\t\x01", "html": "<script>&</script>"},
		BinaryData: map[string][]byte{"bin": {0, 1, 2, 255}},
	}
	values["odd configmap"] = mustEncode(t, odd)
	values["empty node"] = mustEncode(t, &corev1.Node{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: metav1.ObjectMeta{Name: "n"}})
	files, _ := filepath.Glob("testdata/demo/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		values[filepath.Base(f)] = b
	}
	for name, value := range values {
		obj, err := Decode(value)
		if err != nil {
			continue // malformed demo values
		}
		for _, opts := range []RenderOptions{{}, {ResourceVersion: 4242}, {ResourceVersion: 7, ShowSecrets: true}, {HideManagedFields: true}, {ResourceVersion: 9, HideManagedFields: true}} {
			m, err := obj.Render(opts)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, err := json.MarshalIndent(m, "        ", "    ")
			if err != nil {
				t.Fatal(err)
			}
			got, err := obj.AppendJSON([]byte("x"), opts, "        ", "    ")
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if opts.HideManagedFields && bytes.Contains(got, []byte(`"managedFields"`)) {
				t.Errorf("%s %+v: managedFields shown", name, opts)
			}
			if !bytes.Equal(got[1:], want) {
				t.Errorf("%s %+v: AppendJSON differs from MarshalIndent of Render\n got %s\nwant %s", name, opts, got[1:], want)
			}
		}
	}
}

func BenchmarkJSONRealisticPod(b *testing.B) {
	obj, err := Decode(mustEncode(b, realisticPod()))
	if err != nil {
		b.Fatal(err)
	}
	opts := RenderOptions{ResourceVersion: 12345}
	b.Run("MarshalIndent(Render)", func(b *testing.B) {
		for b.Loop() {
			m, _ := obj.Render(opts)
			if _, err := json.MarshalIndent(m, "        ", "    "); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = obj.AppendJSON(buf[:0], opts, "        ", "    "); err != nil {
				b.Fatal(err)
			}
		}
	})
}
