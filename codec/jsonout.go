package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// AppendJSON appends the object as json.MarshalIndent(prefix, indent) would
// print Render's map: what kubectl get -o json prints, keys sorted at every
// level. For typed objects it takes faster roads to the same bytes: from
// the stored protobuf, without a Go value (wirejson.go); where that cannot
// be exact, the typed object goes through encoding/json (whose strings and
// numbers are those of the map), and the compact result is re-indented
// with its keys sorted, without building the map.
func (o *Object) AppendJSON(dst []byte, opts RenderOptions, prefix, indent string) ([]byte, error) {
	if o.Typed == nil || (o.isSecret() && !opts.ShowSecrets) {
		m, err := o.Render(opts)
		if err != nil {
			return dst, err
		}
		b, err := json.MarshalIndent(m, prefix, indent)
		if err != nil {
			return dst, fmt.Errorf("json %s %s: %w", o.APIVersion, o.Kind, err)
		}
		return append(dst, b...), nil
	}
	if d := o.served(opts); d != nil {
		return o.appendTypedJSON(dst, d, opts, prefix, indent)
	}
	if o.raw != nil && o.goType != nil {
		ov := jsonOverrides{apiVersion: quoteJSON(o.APIVersion), kind: quoteJSON(o.Kind), dropManagedFields: opts.HideManagedFields}
		if opts.ResourceVersion > 0 {
			ov.resourceVersion = quoteJSON(strconv.FormatInt(opts.ResourceVersion, 10))
		}
		// Indented JSON is about three times the protobuf: grow once.
		dst = slices.Grow(dst, 3*len(o.raw)+64*len(prefix))
		if out, ok := appendWireJSON(dst, o.raw, o.goType, ov, prefix, indent); ok {
			return out, nil
		}
	}
	typed, err := o.whole()
	if err != nil {
		return dst, err
	}
	return o.appendTypedJSON(dst, typed, opts, prefix, indent)
}

// appendTypedJSON is AppendJSON's road through encoding/json.
func (o *Object) appendTypedJSON(dst []byte, typed runtime.Object, opts RenderOptions, prefix, indent string) ([]byte, error) {
	compact, err := json.Marshal(typed)
	if err != nil {
		return dst, fmt.Errorf("json %s %s: %w", o.APIVersion, o.Kind, err)
	}
	if cap(dst)-len(dst) < 2*len(compact) {
		// Indented output is about twice the compact size: grow once.
		dst = slices.Grow(dst, 2*len(compact)+len(prefix)*64)
	}
	f := sortedIndenter{out: dst, prefix: prefix, indent: indent}
	// The protobuf object carries no TypeMeta: the envelope does. The
	// apiserver sets resourceVersion from the key's mod_revision.
	top := []member{{key: "apiVersion", value: quoteJSON(o.APIVersion)}, {key: "kind", value: quoteJSON(o.Kind)}}
	var meta []member
	if opts.ResourceVersion > 0 {
		meta = append(meta, member{key: "resourceVersion", value: quoteJSON(strconv.FormatInt(opts.ResourceVersion, 10))})
	}
	if opts.HideManagedFields {
		meta = append(meta, member{key: "managedFields", drop: true})
	}
	if meta != nil {
		top = append(top, member{key: "metadata", value: []byte(`{}`), merge: meta})
	}
	rest, err := f.value(compact, 0, top)
	if err != nil {
		return dst, fmt.Errorf("json %s %s: %w", o.APIVersion, o.Kind, err)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return dst, fmt.Errorf("json %s %s: trailing bytes after the object", o.APIVersion, o.Kind)
	}
	return f.out, nil
}

// sets says whether an override sets anything: a value, or a member
// inside it that does.
func sets(o member) bool {
	if o.merge == nil {
		return !o.drop
	}
	return slices.ContainsFunc(o.merge, sets)
}

func quoteJSON(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// member is one key of a JSON object: its raw value, or for an override,
// the value to put in its place (merge: the members to set inside it;
// drop: none, the key goes).
type member struct {
	key   string
	raw   []byte // the quoted key as it appeared
	value []byte
	merge []member
	drop  bool
}

// sortedIndenter re-indents compact JSON as json.MarshalIndent would print
// the same document decoded into maps: object keys sorted, empty objects
// and arrays as {} and [].
type sortedIndenter struct {
	out            []byte
	prefix, indent string
	depth          int
	scratch        [][]member // per depth, reused: objects are many and small
	order          [][]int    // per depth: members' indices in key order
}

var errBadJSON = errors.New("malformed JSON from encoding/json")

// value formats the value at the start of in and returns what follows it.
// overrides, for an object, replace or add members (merging into objects).
func (f *sortedIndenter) value(in []byte, _ int, overrides []member) ([]byte, error) {
	if len(in) == 0 {
		return nil, errBadJSON
	}
	switch in[0] {
	case '{':
		return f.object(in[1:], overrides)
	case '[':
		return f.array(in[1:])
	case '"':
		end, err := stringEnd(in)
		if err != nil {
			return nil, err
		}
		f.out = append(f.out, in[:end]...)
		return in[end:], nil
	default:
		end := 0
		for end < len(in) && in[end] != ',' && in[end] != '}' && in[end] != ']' {
			end++
		}
		if end == 0 {
			return nil, errBadJSON
		}
		f.out = append(f.out, in[:end]...)
		return in[end:], nil
	}
}

func (f *sortedIndenter) object(in []byte, overrides []member) ([]byte, error) {
	for len(f.scratch) <= f.depth {
		f.scratch = append(f.scratch, nil)
	}
	members := f.scratch[f.depth][:0]
	defer func() { f.scratch[f.depth] = members[:0] }()
	for len(in) > 0 && in[0] != '}' {
		if in[0] == ',' {
			in = in[1:]
			continue
		}
		end, err := stringEnd(in)
		if err != nil {
			return nil, err
		}
		raw := in[:end]
		key, err := unquote(raw)
		if err != nil {
			return nil, err
		}
		in = in[end:]
		if len(in) == 0 || in[0] != ':' {
			return nil, errBadJSON
		}
		in = in[1:]
		vend, err := valueEnd(in)
		if err != nil {
			return nil, err
		}
		members = append(members, member{key: key, raw: raw, value: in[:vend]})
		in = in[vend:]
	}
	if len(in) == 0 {
		return nil, errBadJSON
	}
	in = in[1:]
	for _, o := range overrides {
		i := slices.IndexFunc(members, func(m member) bool { return m.key == o.key })
		switch {
		case o.drop:
			if i >= 0 {
				members = slices.Delete(members, i, i+1)
			}
		case i < 0 && !sets(o):
			// Nothing to set in an object that is not there: dropping
			// managedFields adds no empty metadata.
		case i < 0:
			members = append(members, member{key: o.key, raw: quoteJSON(o.key), value: o.value, merge: o.merge})
		case o.merge != nil:
			members[i].merge = o.merge
		default:
			members[i].value = o.value
		}
	}
	if len(members) == 0 {
		f.out = append(f.out, '{', '}')
		return in, nil
	}
	for len(f.order) <= f.depth {
		f.order = append(f.order, nil)
	}
	order := f.order[f.depth][:0]
	for i := range members {
		order = append(order, i)
	}
	f.order[f.depth] = order
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(members[a].key, members[b].key) })
	f.out = append(f.out, '{')
	f.depth++
	for n, i := range order {
		m := &members[i]
		if n > 0 {
			f.out = append(f.out, ',')
		}
		f.newline()
		f.out = append(f.out, m.raw...)
		f.out = append(f.out, ':', ' ')
		rest, err := f.value(m.value, 0, m.merge)
		if err != nil {
			return nil, err
		}
		if len(rest) != 0 {
			return nil, errBadJSON
		}
	}
	f.depth--
	f.newline()
	f.out = append(f.out, '}')
	return in, nil
}

func (f *sortedIndenter) array(in []byte) ([]byte, error) {
	if len(in) > 0 && in[0] == ']' {
		f.out = append(f.out, '[', ']')
		return in[1:], nil
	}
	f.out = append(f.out, '[')
	f.depth++
	for first := true; ; first = false {
		if len(in) == 0 {
			return nil, errBadJSON
		}
		if in[0] == ']' {
			break
		}
		if !first {
			if in[0] != ',' {
				return nil, errBadJSON
			}
			in = in[1:]
			f.out = append(f.out, ',')
		}
		f.newline()
		var err error
		if in, err = f.value(in, 0, nil); err != nil {
			return nil, err
		}
	}
	f.depth--
	f.newline()
	f.out = append(f.out, ']')
	return in[1:], nil
}

func (f *sortedIndenter) newline() {
	f.out = append(f.out, '\n')
	f.out = append(f.out, f.prefix...)
	for range f.depth {
		f.out = append(f.out, f.indent...)
	}
}

// stringEnd is the length of the JSON string at the start of in, quotes
// included.
func stringEnd(in []byte) (int, error) {
	if len(in) == 0 || in[0] != '"' {
		return 0, errBadJSON
	}
	for i := 1; i < len(in); i++ {
		switch in[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errBadJSON
}

// valueEnd is the length of the JSON value at the start of in.
func valueEnd(in []byte) (int, error) {
	if len(in) == 0 {
		return 0, errBadJSON
	}
	switch in[0] {
	case '"':
		return stringEnd(in)
	case '{', '[':
		depth := 0
		for i := 0; i < len(in); i++ {
			switch in[i] {
			case '"':
				n, err := stringEnd(in[i:])
				if err != nil {
					return 0, err
				}
				i += n - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errBadJSON
	}
	end := 0
	for end < len(in) && in[end] != ',' && in[end] != '}' && in[end] != ']' {
		end++
	}
	return end, nil
}

// unquote is the key a quoted JSON string names; most keys have no escapes.
func unquote(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}
