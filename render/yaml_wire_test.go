package render

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
)

// TestYAMLFromJSONIsYAML: a List item's YAML made from the object's JSON
// as codec prints it (from the stored bytes) is the YAML of its rendered
// map, for every k8s.io/api fixture and demo value, with every option get
// uses.
func TestYAMLFromJSONIsYAML(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/api").Output()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "testdata", "HEAD", "*.pb"))
	demo, _ := filepath.Glob(filepath.Join("..", "codec", "testdata", "demo", "*"))
	compared := 0
	for _, f := range append(files, demo...) {
		value, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := codec.Decode(value)
		if err != nil || obj.Format == codec.FormatEncrypted {
			continue
		}
		for _, opts := range []codec.RenderOptions{{ResourceVersion: 42, HideManagedFields: true, Served: true}, {ResourceVersion: 7, ShowSecrets: true, Served: true}} {
			m, err := obj.Render(opts)
			if err != nil {
				continue
			}
			want, werr := YAML([]any{m})
			j, jerr := obj.AppendJSON([]byte{'['}, opts, "", "")
			if werr != nil || jerr != nil {
				if (werr == nil) != (jerr == nil) {
					t.Errorf("%s: YAML says %v, AppendJSON %v", f, werr, jerr)
				}
				continue
			}
			got, err := YAMLFromJSON(append(j, ']'))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %+v: YAML from JSON differs\n got %s\nwant %s", f, opts, got, want)
			}
			compared++
		}
	}
	if compared < 300 {
		t.Errorf("compared %d", compared)
	}
}

func BenchmarkYAMLItem(b *testing.B) {
	value, err := os.ReadFile(filepath.Join("..", "codec", "testdata", "k8s-1.36-core.v1.Pod.pb"))
	if err != nil {
		b.Fatal(err)
	}
	opts := codec.RenderOptions{ResourceVersion: 42, HideManagedFields: true, Served: true}
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			obj, _ := codec.Decode(value)
			m, _ := obj.Render(opts)
			if _, err := YAML([]any{m}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wire", func(b *testing.B) {
		for b.Loop() {
			obj, _ := codec.DecodeMasked(value, codec.NewMask("metadata.labels"))
			j, _ := obj.AppendJSON([]byte{'['}, opts, "", "")
			if _, err := YAMLFromJSON(append(j, ']')); err != nil {
				b.Fatal(err)
			}
		}
	})
}
