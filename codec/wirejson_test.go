package codec

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
)

// apiFixtures are k8s.io/api's serialization fixtures (testdata/*/*.pb):
// one object of every kind and version, every field set, as each release
// of Kubernetes encodes it. Read from the module cache, where go test
// finds k8s.io/api's source.
func apiFixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	dir := moduleDir(tb, "k8s.io/api")
	files, err := filepath.Glob(filepath.Join(dir, "testdata", "*", "*.pb"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no k8s.io/api fixtures under %s: %v", dir, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "testdata"), f)
		out[rel] = b
	}
	return out
}

// jsonCases are every value the wire JSON writer is held to: the demo's,
// k8s.io/api's fixtures, and codec's own awkward ones.
func jsonCases(tb testing.TB) map[string][]byte {
	values := apiFixtures(tb)
	for i, v := range fuzzSeeds(tb) {
		values["seed "+strconv.Itoa(i)] = v
	}
	return values
}

var jsonOptionSets = []RenderOptions{{}, {ResourceVersion: 4242}, {ResourceVersion: 7, ShowSecrets: true}, {HideManagedFields: true}, {ResourceVersion: 9, HideManagedFields: true}}

// TestWireJSONIsTheTypedJSON: for every value, the JSON printed from the
// stored bytes is byte for byte the JSON encoding/json prints for the
// decoded object (which TestAppendJSONIsMarshalIndentOfRender holds to
// kubectl's map), or the writer says it cannot; and it can for every
// core/v1 object, which is what lifeboat lists most.
func TestWireJSONIsTheTypedJSON(t *testing.T) {
	var written, gaveUp int
	var notWritten []string
	for name, value := range jsonCases(t) {
		obj, err := Decode(value)
		if err != nil || obj.Typed == nil {
			continue
		}
		for _, opts := range jsonOptionSets {
			want, werr := obj.appendTypedJSON([]byte("x"), obj.Typed, opts, "        ", "    ")
			ov := jsonOverrides{apiVersion: quoteJSON(obj.APIVersion), kind: quoteJSON(obj.Kind), dropManagedFields: opts.HideManagedFields}
			if opts.ResourceVersion > 0 {
				ov.resourceVersion = quoteJSON(strconv.FormatInt(opts.ResourceVersion, 10))
			}
			got, ok := appendWireJSON([]byte("x"), obj.raw, obj.goType, ov, "        ", "    ")
			if werr != nil {
				// encoding/json cannot print it (a RawExtension of an
				// unknown content type): neither may the wire.
				if ok {
					t.Errorf("%s: encoding/json fails (%v), the wire writer printed it", name, werr)
				}
				continue
			}
			if !ok {
				gaveUp++
				if opts.ResourceVersion == 0 && !opts.HideManagedFields {
					notWritten = append(notWritten, name)
				}
				if !bytes.Equal(got, []byte("x")) {
					t.Errorf("%s: a writer that gave up left %d bytes behind", name, len(got)-1)
				}
				continue
			}
			written++
			if !bytes.Equal(got, want) {
				t.Errorf("%s %+v: wire JSON differs from encoding/json's\n%s", name, opts, firstDifference(got, want))
			}
		}
	}
	sort.Strings(notWritten)
	t.Logf("written from the wire: %d, left to encoding/json: %d (%s)", written, gaveUp, strings.Join(notWritten, ", "))
	for _, name := range notWritten {
		if strings.Contains(name, "/core.v1.") || strings.Contains(name, "Pod") {
			t.Errorf("%s: the wire writer cannot print it", name)
		}
	}
	if written < 1000 {
		t.Errorf("only %d values written from the wire", written)
	}
}

// firstDifference shows where two outputs part, with some context.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-200)
	return "got:  ..." + string(got[from:min(len(got), i+200)]) + "\nwant: ..." + string(want[from:min(len(want), i+200)])
}

// TestDecodeMaskedWholeIsDecode: a mask that keeps every field decodes what
// Decode decodes, and every mask judges every value as Decode does.
func TestDecodeMaskedWholeIsDecode(t *testing.T) {
	masks := map[reflect.Type]*Mask{}
	maskOf := func(v []byte) *Mask {
		obj, err := Decode(v)
		if err != nil || obj.goType == nil {
			return NewMask("metadata.name")
		}
		if m, ok := masks[obj.goType]; ok {
			return m
		}
		var paths []string
		for _, mb := range schemaOf(obj.goType).members {
			if f, _, ok := memberNamed(schemaOf(obj.goType), mb.name); ok && f.num != 0 {
				paths = append(paths, mb.name)
			}
		}
		masks[obj.goType] = NewMask(paths...)
		return masks[obj.goType]
	}
	thin := NewMask("metadata.name", "!metadata.managedFields")
	masked := 0
	for name, value := range jsonCases(t) {
		full, ferr := Decode(value)
		for _, m := range []*Mask{maskOf(value), thin} {
			part, perr := DecodeMasked(value, m)
			if (ferr == nil) != (perr == nil) {
				t.Fatalf("%s: Decode says %v, DecodeMasked %v", name, ferr, perr)
			}
			if ferr != nil {
				if ferr.Error() != perr.Error() {
					t.Errorf("%s: Decode says %v, DecodeMasked %v", name, ferr, perr)
				}
				continue
			}
			if !part.Partial {
				continue
			}
			masked++
			if m != thin && !equality.Semantic.DeepEqual(full.Typed, part.Typed) {
				t.Errorf("%s: DecodeMasked with every field differs from Decode", name)
			}
			if !reflect.DeepEqual(NewerFields(value, full), NewerFields(value, part)) {
				t.Errorf("%s: newer fields %v, masked %v", name, NewerFields(value, full), NewerFields(value, part))
			}
		}
	}
	if masked == 0 {
		t.Fatal("nothing decoded masked")
	}
}

// moduleDir is where the module cache holds the version of module path
// this module builds with.
func moduleDir(tb testing.TB, path string) string {
	tb.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		tb.Fatalf("go list -m %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

// FuzzWireJSON: on any bytes, the walks judge as the generated code
// judges (DecodeMasked fails exactly where Decode fails), and the JSON
// printed from the wire is encoding/json's for the decoded object.
func FuzzWireJSON(f *testing.F) {
	for _, v := range fuzzSeeds(f) {
		f.Add(v)
	}
	for name, v := range apiFixtures(f) {
		if strings.Contains(name, "HEAD/core.v1.") {
			f.Add(v)
		}
	}
	masks := []*Mask{
		NewMask("metadata.name"),
		NewMask("metadata", "!metadata.managedFields", "spec.nodeName", "spec.containers.name", "status.containerStatuses.state", "status.conditions"),
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		full, ferr := Decode(value)
		for _, m := range masks {
			part, perr := DecodeMasked(value, m)
			if (ferr == nil) != (perr == nil) || (ferr != nil && ferr.Error() != perr.Error()) {
				t.Fatalf("Decode says %v, DecodeMasked %v", ferr, perr)
			}
			if perr == nil && part.Partial && part.Meta.Name != full.Meta.Name {
				t.Fatalf("masked name %q, decoded %q", part.Meta.Name, full.Meta.Name)
			}
		}
		if ferr != nil || full.raw == nil {
			return
		}
		for _, opts := range jsonOptionSets {
			want, werr := full.appendTypedJSON(nil, full.Typed, opts, "", "  ")
			ov := jsonOverrides{apiVersion: quoteJSON(full.APIVersion), kind: quoteJSON(full.Kind), dropManagedFields: opts.HideManagedFields}
			if opts.ResourceVersion > 0 {
				ov.resourceVersion = quoteJSON(strconv.FormatInt(opts.ResourceVersion, 10))
			}
			got, ok := appendWireJSON(nil, full.raw, full.goType, ov, "", "  ")
			switch {
			case ok && werr != nil:
				t.Fatalf("encoding/json fails (%v), the wire writer printed it", werr)
			case ok && !bytes.Equal(got, want):
				t.Fatalf("%+v: wire JSON differs from encoding/json's\n%s", opts, firstDifference(got, want))
			}
		}
	})
}

func BenchmarkDecodeMasked(b *testing.B) {
	value := mustEncode(b, realisticPod())
	row := NewMask("metadata.name", "metadata.namespace", "metadata.labels", "metadata.creationTimestamp",
		"spec.nodeName", "spec.containers.name", "status.phase", "status.conditions", "status.containerStatuses.state")
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(value); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("row", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeMasked(value, row); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("judge", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeMasked(value, judgeOnly); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMaskKeeps: Keeps applies a mask's paths in order, as DecodeMasked
// does: a later path brings back what an earlier exclusion left out.
func TestMaskKeeps(t *testing.T) {
	value := mustEncode(t, realisticPod())
	for _, tt := range []struct {
		mask *Mask
		want bool
	}{
		{NewMask("metadata.name"), false},
		{NewMask("metadata"), true},
		{NewMask("metadata.labels"), true},
		{NewMask("metadata", "!metadata.labels"), false},
		{NewMask("metadata", "!metadata.labels").With("metadata.labels"), true},
		{NewMask("!metadata.labels", "metadata"), true},
		{NewMask("metadata.labels", "metadata.name").With("!metadata.labels"), false},
	} {
		if got := tt.mask.Keeps("metadata.labels"); got != tt.want {
			t.Errorf("%v: Keeps(metadata.labels) = %v, want %v", tt.mask.paths, got, tt.want)
		}
		o, err := DecodeMasked(value, tt.mask)
		if err != nil {
			t.Fatal(err)
		}
		if decoded := len(o.Meta.Labels) > 0; decoded != tt.want {
			t.Errorf("%v: DecodeMasked decoded labels: %v, want %v", tt.mask.paths, decoded, tt.want)
		}
	}
}
