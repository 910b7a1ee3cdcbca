package main

// get --sort-by, as kubectl sorts (k8s.io/kubectl pkg/cmd/get/sorter.go):
// by the first value a JSONPath finds in each object, numbers by value,
// quantities ("500Mi") by amount, other text as text; an object without
// the field first.

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/util/jsonpath"
)

// sortKey is a parsed --sort-by.
type sortKey struct {
	expr string // as kubectl writes it back: {.metadata.name}
	path *jsonpath.JSONPath
}

// relaxedJSONPath is what kubectl accepts for a field: name1.name2,
// .name1.name2, {name1.name2} or {.name1.name2}
// (RelaxedJSONPathExpression).
var relaxedJSONPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

func parseSortKey(s string) (*sortKey, error) {
	m := relaxedJSONPath.FindStringSubmatch(s)
	if m == nil {
		return nil, usagef("bad --sort-by %q: give a field as .metadata.name or '{.metadata.name}'", s)
	}
	expr := "{." + m[1] + m[2] + "}"
	path := jsonpath.New("sort-by").AllowMissingKeys(true)
	if err := path.Parse(expr); err != nil {
		return nil, usagef("bad --sort-by %q: %v", s, err)
	}
	return &sortKey{expr: expr, path: path}, nil
}

// value is the first value the key finds in an object, ok false when it
// finds none (or the object does not decode).
func (k *sortKey) value(it etcdops.Item) (v any, ok bool) {
	if it.Object == nil || it.Encrypted() {
		return nil, false
	}
	m, err := it.Object.Render(codec.RenderOptions{ResourceVersion: it.ModRevision})
	if err != nil {
		return nil, false
	}
	found, err := k.path.FindResults(m)
	if err != nil || len(found) == 0 || len(found[0]) == 0 || !found[0][0].CanInterface() {
		return nil, false
	}
	return found[0][0].Interface(), true
}

// sortingPrinter holds every object, then hands them to the printer
// sorted. Unlike get without --sort-by its memory grows with the number
// of objects, as kubectl's does.
type sortingPrinter struct {
	inner objectPrinter
	key   *sortKey
	items []sortedItem
	found bool
}

type sortedItem struct {
	it    etcdops.Item
	value any
	ok    bool
}

func (p *sortingPrinter) add(_ etcdops.ItemEventType, items []etcdops.Item) error {
	for _, it := range items {
		v, ok := p.key.value(it)
		p.found = p.found || ok
		p.items = append(p.items, sortedItem{it: it, value: v, ok: ok})
	}
	return nil
}

// needs: a --sort-by path may read any field.
func (p *sortingPrinter) needs() *codec.Mask { return nil }

func (p *sortingPrinter) finish() error {
	if len(p.items) > 0 && !p.found {
		return usagef("--sort-by %s: no object has that field (fields are as in -o json, e.g. .metadata.creationTimestamp)", p.key.expr)
	}
	// Stable: objects that compare equal stay in key order.
	slices.SortStableFunc(p.items, func(a, b sortedItem) int {
		if a.ok != b.ok {
			if !a.ok {
				return -1
			}
			return 1
		}
		return compareValues(a.value, b.value)
	})
	items := make([]etcdops.Item, len(p.items))
	for i, s := range p.items {
		items[i] = s.it
	}
	p.items = nil
	if err := p.inner.add(etcdops.Added, items); err != nil {
		return err
	}
	return p.inner.finish()
}

// compareValues orders two values of objects rendered as JSON: numbers by
// value, strings as quantities when both are, lists element by element;
// anything else by its text.
func compareValues(a, b any) int {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return cmp.Compare(x, y)
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			qx, errX := resource.ParseQuantity(x)
			qy, errY := resource.ParseQuantity(y)
			if errX == nil && errY == nil {
				return qx.Cmp(qy)
			}
			return strings.Compare(x, y)
		}
	case []any:
		if y, ok := b.([]any); ok {
			for i := range min(len(x), len(y)) {
				if c := compareValues(x[i], y[i]); c != 0 {
					return c
				}
			}
			return cmp.Compare(len(x), len(y))
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
