package render

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// JSON and YAML are for programs, so what etcd holds must come out whole;
// but they are printed on terminals too. encoding/json escapes the C0
// controls, not DEL, the C1 controls or the bidirectional overrides; YAML
// escapes the controls (and refuses DEL and C1 altogether) but not the
// bidi characters. The helpers here escape the rest in each format's own
// syntax: the documents mean exactly what they meant.

// SafeJSON rewrites every character of b that Safe would escape and
// encoding/json leaves as it is (DEL, C1 controls, bidi overrides and
// isolates) as a \uXXXX escape. Outside its strings JSON has only ASCII
// punctuation and white space, so each such character is in a string,
// where the escape means the same character. b must hold whole UTF-8
// sequences (a whole document does).
func SafeJSON(b []byte) []byte {
	i := unsafeAbove7e(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i >= 0 {
		r, size := utf8.DecodeRune(b[i:])
		out = append(out, b[:i]...)
		out = fmt.Appendf(out, `\u%04x`, r)
		b = b[i+size:]
		i = unsafeAbove7e(b)
	}
	return append(out, b...)
}

// unsafeAbove7e is the index of the first unsafe character at or above
// DEL in b, -1 when none: the loop tests eight ASCII bytes at a time (a
// JSON List of 150,000 pods is gigabytes of them).
func unsafeAbove7e(b []byte) int {
	const high, ones, del = 0x8080808080808080, 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	for i := 0; i < len(b); i++ {
		if i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			d := w ^ del // a zero byte where b has DEL
			if w&high == 0 && (d-ones)&^d&high == 0 {
				i += 7
				continue
			}
		}
		if b[i] < 0x7f {
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && unsafeRune(r) {
			return i
		}
		i += size - 1
	}
	return -1
}

// JSONWriter writes through SafeJSON. Each Write must hold whole UTF-8
// sequences: json.Encoder writes each value with one Write.
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(SafeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// YAML is sigs.k8s.io/yaml.Marshal(doc), kubectl's -o yaml, except for
// the strings holding a character Safe escapes: those are written as YAML
// double-quoted scalars with escapes (\e, \x7f, \u202e), which YAML
// parsers read back to the same string. (yaml.Marshal refuses DEL and the
// C1 controls outright, and writes the bidi characters raw.) A map key
// written so sorts where its escaped form does.
func YAML(doc any) ([]byte, error) {
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return YAMLFromJSON(j)
}

// YAMLFromJSON is YAML of the document j holds (any JSON spelling of it:
// YAML reads the values, not the layout): for a document already printed
// as JSON, such as codec's AppendJSON of a stored object.
func YAMLFromJSON(j []byte) ([]byte, error) {
	var err error
	if unsafeAbove7e(j) < 0 {
		return yaml.JSONToYAML(j)
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	// Each such string becomes a token, a plain scalar that occurs nowhere
	// else; in the YAML the token becomes the quoted string.
	base := "lifeboatescaped"
	for bytes.Contains(j, []byte(base)) {
		base += "x"
	}
	var quoted []string
	token := func(s string) string {
		if !needsEscape(s) {
			return s
		}
		quoted = append(quoted, yamlQuote(s))
		return base + strconv.Itoa(len(quoted)-1) + "z"
	}
	if j, err = json.Marshal(replaceStrings(generic, token)); err != nil {
		return nil, err
	}
	out, err := yaml.JSONToYAML(j)
	if err != nil {
		return nil, err
	}
	pairs := make([]string, 0, 2*len(quoted))
	for i, q := range quoted {
		pairs = append(pairs, base+strconv.Itoa(i)+"z", q)
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(out))), nil
}

// replaceStrings returns v with every string, map keys included, replaced
// by f's result.
func replaceStrings(v any, f func(string) string) any {
	switch v := v.(type) {
	case string:
		return f(v)
	case []any:
		for i := range v {
			v[i] = replaceStrings(v[i], f)
		}
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[f(k)] = replaceStrings(x, f)
		}
		return m
	}
	return v
}

// yamlQuote is s as a YAML double-quoted scalar in which every character
// Safe escapes is an escape.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r <= 0xff && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
