package codec

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// Summarize says what changed between two values of the same object, one
// line per field, without the values that differ from object to object
// ("- metadata.deletionTimestamp", "- spec.taints node.kubernetes.io/unreachable:NoExecute"):
// objects that got the same edit get the same summary, so a preview of
// thousands of them can show one diff per distinct edit. It reads the wire
// format and never renders YAML: it costs far less than a diff.
func Summarize(before, after []byte) ([]string, error) {
	if DetectFormat(before) == FormatProtobuf && DetectFormat(after) == FormatProtobuf {
		return summarizeProtobuf(before, after)
	}
	b, err := Decode(before)
	if err != nil {
		return nil, err
	}
	a, err := Decode(after)
	if err != nil {
		return nil, err
	}
	bm, err := b.Content()
	if err != nil {
		return nil, err
	}
	am, err := a.Content()
	if err != nil {
		return nil, err
	}
	var out []string
	summarizeMaps("", bm, am, 2, &out)
	return out, nil
}

// Names of the fields lifeboat's edits touch, from k8s.io/apimachinery
// pkg/apis/meta/v1/generated.proto (ObjectMeta) and k8s.io/api
// core/v1/generated.proto (NodeSpec). Other fields show as their number.
var (
	objectFieldNames = map[protowire.Number]string{objectMetadata: "metadata", objectSpec: "spec", 3: "status"}
	metaFieldNames   = map[protowire.Number]string{
		1: "name", 2: "generateName", 3: "namespace", 4: "selfLink", 5: "uid", 6: "resourceVersion",
		7: "generation", 8: "creationTimestamp", metaDeletionTimestamp: "deletionTimestamp",
		metaDeletionGracePeriodSeconds: "deletionGracePeriodSeconds", 11: "labels", 12: "annotations",
		13: "ownerReferences", metaFinalizers: "finalizers", 17: "managedFields",
	}
	nodeSpecFieldNames = map[protowire.Number]string{
		1: "podCIDR", 3: "providerID", nodeSpecUnschedulable: "unschedulable", nodeSpecTaints: "taints",
		6: "configSource", 7: "podCIDRs",
	}
)

func summarizeProtobuf(before, after []byte) ([]string, error) {
	be, err := parseEnvelope(before)
	if err != nil {
		return nil, err
	}
	ae, err := parseEnvelope(after)
	if err != nil {
		return nil, err
	}
	var out []string
	if be.apiVersion != ae.apiVersion || be.kind != ae.kind {
		out = append(out, fmt.Sprintf("~ %s %s -> %s %s", be.apiVersion, be.kind, ae.apiVersion, ae.kind))
	}
	isNode := typeInfo{be.apiVersion, be.kind}.isNode()
	summarizeMessage("", be.object, ae.object, objectFieldNames, func(num protowire.Number) (map[protowire.Number]string, func(wireField) string) {
		switch {
		case num == objectMetadata:
			return metaFieldNames, func(f wireField) string {
				if f.num == metaFinalizers {
					return string(f.payload())
				}
				return ""
			}
		case num == objectSpec && isNode:
			return nodeSpecFieldNames, func(f wireField) string {
				if f.num == nodeSpecTaints {
					if t, err := parseWire(f.payload()); err == nil {
						return t.lastString(taintKey) + ":" + t.lastString(taintEffect)
					}
				}
				return ""
			}
		}
		return nil, nil
	}, &out)
	return out, nil
}

// summarizeMessage compares two messages field by field. descend says, for
// a field of this message, whether to compare inside it (its field names)
// and how to name an element of a repeated field inside it. It runs for
// every object a batch writes: it compares in place, allocating little.
func summarizeMessage(path string, b, a *wireMessage, names map[protowire.Number]string,
	descend func(protowire.Number) (map[protowire.Number]string, func(wireField) string), out *[]string) {
	nums := make([]protowire.Number, 0, len(b.fields)+len(a.fields))
	for _, f := range b.fields {
		nums = append(nums, f.num)
	}
	for _, f := range a.fields {
		nums = append(nums, f.num)
	}
	slices.Sort(nums)
	for _, num := range slices.Compact(nums) {
		bn, bfirst := b.occurrences(num)
		an, afirst := a.occurrences(num)
		if sameOccurrences(b, a, num, bn, an) {
			continue
		}
		name := fieldName(path, names, num)
		if descend != nil && bn == 1 && an == 1 && bfirst.typ == protowire.BytesType {
			subNames, element := descend(num)
			if subNames != nil {
				bs, err1 := parseWire(bfirst.payload())
				as, err2 := parseWire(afirst.payload())
				if err1 == nil && err2 == nil {
					summarizeRepeated(name, bs, as, subNames, element, out)
					continue
				}
			}
		}
		switch {
		case an == 0:
			*out = append(*out, "- "+name)
		case bn == 0:
			*out = append(*out, "+ "+name)
		default:
			*out = append(*out, "~ "+name)
		}
	}
}

// summarizeRepeated compares the fields of two sub-messages, naming the
// elements added to or removed from a repeated field when element can.
func summarizeRepeated(path string, b, a *wireMessage, names map[protowire.Number]string, element func(wireField) string, out *[]string) {
	plain := func(m *wireMessage) *wireMessage {
		p := &wireMessage{fields: make([]wireField, 0, len(m.fields))}
		for _, f := range m.fields {
			if element(f) == "" {
				p.fields = append(p.fields, f)
			}
		}
		return p
	}
	summarizeMessage(path, plain(b), plain(a), names, nil, out)
	count := func(m *wireMessage) map[string]int {
		var c map[string]int
		for _, f := range m.fields {
			if e := element(f); e != "" {
				if c == nil {
					c = map[string]int{}
				}
				c[fieldName(path, names, f.num)+" "+e]++
			}
		}
		return c
	}
	bc, ac := count(b), count(a)
	var lines []string
	for k, n := range bc {
		for range n - ac[k] {
			lines = append(lines, "- "+k)
		}
	}
	for k, n := range ac {
		for range n - bc[k] {
			lines = append(lines, "+ "+k)
		}
	}
	sort.Strings(lines)
	*out = append(*out, lines...)
}

// occurrences counts the fields numbered num in m, and gives the first.
func (m *wireMessage) occurrences(num protowire.Number) (n int, first wireField) {
	for _, f := range m.fields {
		if f.num == num {
			if n == 0 {
				first = f
			}
			n++
		}
	}
	return n, first
}

// sameOccurrences says whether b and a have the same fields numbered num,
// byte for byte and in the same order (bn and an of them).
func sameOccurrences(b, a *wireMessage, num protowire.Number, bn, an int) bool {
	if bn != an {
		return false
	}
	i, j := 0, 0
	for range bn {
		for b.fields[i].num != num {
			i++
		}
		for a.fields[j].num != num {
			j++
		}
		if !bytes.Equal(b.fields[i].raw, a.fields[j].raw) {
			return false
		}
		i, j = i+1, j+1
	}
	return true
}

func fieldName(path string, names map[protowire.Number]string, num protowire.Number) string {
	name, ok := names[num]
	if !ok {
		name = fmt.Sprintf("#%d", num)
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// summarizeMaps compares JSON or CBOR objects, depth levels down; lists of
// strings (finalizers) and of taints name their elements.
func summarizeMaps(path string, b, a map[string]any, depth int, out *[]string) {
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		name := k
		if path != "" {
			name = path + "." + k
		}
		bv, bok := b[k]
		av, aok := a[k]
		switch {
		case !aok:
			*out = append(*out, "- "+name)
		case !bok:
			*out = append(*out, "+ "+name)
		case reflect.DeepEqual(bv, av):
		default:
			bm, bIsMap := bv.(map[string]any)
			am, aIsMap := av.(map[string]any)
			bl, bIsList := bv.([]any)
			al, aIsList := av.([]any)
			switch {
			case bIsMap && aIsMap && depth > 1:
				summarizeMaps(name, bm, am, depth-1, out)
			case bIsList && aIsList:
				summarizeList(name, bl, al, out)
			default:
				*out = append(*out, "~ "+name)
			}
		}
	}
}

func summarizeList(name string, b, a []any, out *[]string) {
	label := func(v any) string {
		switch v := v.(type) {
		case string:
			return v
		case map[string]any:
			if key, ok := v["key"].(string); ok {
				effect, _ := v["effect"].(string)
				return key + ":" + effect
			}
		}
		return ""
	}
	count := func(l []any) (map[string]int, bool) {
		c := map[string]int{}
		for _, v := range l {
			s := label(v)
			if s == "" {
				return nil, false
			}
			c[s]++
		}
		return c, true
	}
	bc, ok1 := count(b)
	ac, ok2 := count(a)
	if !ok1 || !ok2 {
		*out = append(*out, "~ "+name)
		return
	}
	var lines []string
	for k, n := range bc {
		for range n - ac[k] {
			lines = append(lines, "- "+name+" "+k)
		}
	}
	for k, n := range ac {
		for range n - bc[k] {
			lines = append(lines, "+ "+name+" "+k)
		}
	}
	sort.Strings(lines)
	*out = append(*out, lines...)
}
