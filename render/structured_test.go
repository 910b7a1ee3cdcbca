package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// hostile are strings an etcd value can hold that would drive a terminal.
var hostile = []string{"a\x1b]0;pwned\x07b", "x\x1b[2Jy", "nul\x00", "rtl\u202etxt.exe", "del\x7f", "c1\u009b31m", "iso\u2066x\u2069", "two\nlines\u202e", `quote"back\slash` + "\u200f"}

// printable reports whether out holds nothing Safe would escape but the
// newlines and indentation of a document.
func printable(out []byte) bool {
	return Safe(string(bytes.ReplaceAll(out, []byte("\n"), nil))) == string(bytes.ReplaceAll(out, []byte("\n"), nil))
}

func TestSafeJSON(t *testing.T) {
	for _, s := range append(hostile, "plain", "é ü ✓") {
		doc := map[string]any{"name": s, s: []any{s, 1}}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		out := SafeJSON(b)
		if !printable(out) {
			t.Errorf("%q: SafeJSON left something raw: %q", s, out)
		}
		var back map[string]any
		if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, map[string]any{"name": s, s: []any{s, 1.0}}) {
			t.Errorf("%q: SafeJSON output reads back as %q, %v", s, back, err)
		}
		if !needsEscape(s) && !bytes.Equal(out, b) {
			t.Errorf("%q: SafeJSON changed a safe document", s)
		}
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(JSONWriter(&buf)).Encode(map[string]string{"key": "/registry/pods/x\u202ey"}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), `{"key":"/registry/pods/x\u202ey"}`+"\n"; got != want {
		t.Errorf("JSONWriter wrote %q, want %q", got, want)
	}
}

func TestYAML(t *testing.T) {
	t.Run("kubectl's bytes when nothing needs escaping", func(t *testing.T) {
		doc := map[string]any{"metadata": map[string]any{"name": "cart-1", "labels": map[string]any{"app": "é"}}, "spec": []any{"a\x1bb", int64(9007199254740993), 0.5, true, nil, "multi\nline"}}
		want, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := YAML(doc)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("YAML = %q, %v\nwant %q", got, err, want)
		}
	})
	for _, s := range hostile {
		doc := map[string]any{"metadata": map[string]any{"name": s, "annotations": map[string]any{s: s}}, "n": int64(9007199254740993), "list": []any{s, "plain"}}
		out, err := YAML(doc)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if !printable(out) {
			t.Errorf("%q: YAML left something raw:\n%s", s, out)
		}
		var back map[string]any
		if err := yaml.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q: not YAML: %v\n%s", s, err, out)
		}
		want := map[string]any{"metadata": map[string]any{"name": s, "annotations": map[string]any{s: s}}, "n": float64(9007199254740993), "list": []any{s, "plain"}}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("%q: YAML reads back as %#v\n%s", s, back, out)
		}
	}
	if out, err := YAML(map[string]any{"name": "rtl\u202etxt"}); err != nil || string(out) != "name: \"rtl\\u202etxt\"\n" {
		t.Errorf("YAML = %q, %v", out, err)
	}
}

// TestUnsafeAbove7eEightAtATime: the word-at-a-time scan finds the first
// unsafe character wherever it is in a run of ASCII, as a byte-by-byte
// scan does.
func TestUnsafeAbove7eEightAtATime(t *testing.T) {
	naive := func(b []byte) int {
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if b[i] >= 0x7f && r != utf8.RuneError && unsafeRune(r) {
				return i
			}
			i += size
		}
		return -1
	}
	ascii := []byte(`{"a": "0123456789abcdefghij~ ok"}`)
	for _, bad := range []string{"\x7f", "\u0085", "\u202e", "\u2066", "é", "\u00a0"} {
		for at := 0; at <= len(ascii); at++ {
			b := append(append(append([]byte{}, ascii[:at]...), bad...), ascii[at:]...)
			if got, want := unsafeAbove7e(b), naive(b); got != want {
				t.Errorf("%q at %d: %d, want %d", bad, at, got, want)
			}
		}
	}
}
