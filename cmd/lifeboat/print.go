package main

// The printers of get: a table, a streamed List (JSON or YAML) or one
// object, each fed a page of objects at a time.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// objectPrinter prints the objects of a get a page at a time.
type objectPrinter interface {
	add([]etcdops.Item) error
	finish() error
}

// tablePrinter keeps only the rows' text, for the columns' alignment.
type tablePrinter struct {
	table *alignedTable
	q     etcdops.Query
	now   time.Time
}

func newTablePrinter(w io.Writer, q etcdops.Query, now time.Time) *tablePrinter {
	p := &tablePrinter{table: newAlignedTable(w), q: q, now: now}
	p.table.row(etcdops.Columns(q.Resource, q.AllNamespaces))
	return p
}

func (p *tablePrinter) add(items []etcdops.Item) error {
	for _, it := range items {
		p.table.row(etcdops.Row(p.q.Resource, it, p.q.AllNamespaces, p.now))
	}
	return nil
}

func (p *tablePrinter) finish() error { return p.table.flush() }

// listPrinter streams a kind: List exactly as kubectl prints the whole List
// (json.MarshalIndent, keys sorted: apiVersion, items, kind, metadata; or
// sigs.k8s.io/yaml), one page of items at a time.
type listPrinter struct {
	w           *bufio.Writer
	yaml        bool
	showSecrets bool
	n           int
}

const jsonItemIndent = "        "

func (p *listPrinter) add(items []etcdops.Item) error {
	docs := make([][]byte, len(items))
	errs := make([]error, len(items))
	parallel.For(len(items), func(i int) {
		if p.yaml {
			docs[i], errs[i] = itemYAML(items[i], p.showSecrets)
		} else {
			docs[i], errs[i] = itemJSON(items[i], p.showSecrets)
		}
	})
	for i, doc := range docs {
		if errs[i] != nil {
			return errs[i]
		}
		if p.yaml {
			if p.n == 0 {
				p.w.WriteString("apiVersion: v1\nitems:\n")
			}
			p.n++
			p.w.Write(doc)
			continue
		}
		sep := ",\n"
		if p.n == 0 {
			sep = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n"
		}
		p.n++
		p.w.WriteString(sep + jsonItemIndent)
		p.w.Write(doc)
	}
	return nil
}

func (p *listPrinter) finish() error {
	if p.yaml {
		if p.n == 0 {
			p.w.WriteString("apiVersion: v1\nitems: []\n")
		}
		p.w.WriteString("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
		return p.w.Flush()
	}
	head := "\n    ],\n"
	if p.n == 0 {
		head = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n"
	}
	p.w.WriteString(head + "    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
	return p.w.Flush()
}

// docPrinter prints one object, as kubectl get TYPE NAME -o yaml|json does.
type docPrinter struct {
	w           io.Writer
	output      string
	showSecrets bool
	objs        []any
}

func (p *docPrinter) add(items []etcdops.Item) error {
	for _, it := range items {
		m, err := renderItem(it, p.showSecrets)
		if err != nil {
			return err
		}
		p.objs = append(p.objs, m)
	}
	return nil
}

func (p *docPrinter) finish() error {
	if len(p.objs) == 1 {
		return printDoc(p.w, p.output, p.objs[0])
	}
	objs := p.objs
	if objs == nil {
		objs = []any{}
	}
	return printDoc(p.w, p.output, map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": objs})
}

// itemJSON is one item of a JSON List, indented for its place in it.
func itemJSON(it etcdops.Item, showSecrets bool) ([]byte, error) {
	if !it.Encrypted() {
		b, err := it.Object.AppendJSON(nil, codec.RenderOptions{ResourceVersion: it.ModRevision, ShowSecrets: showSecrets}, jsonItemIndent, "    ")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
		}
		return render.SafeJSON(b), nil
	}
	m, err := renderItem(it, showSecrets)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, jsonItemIndent, "    ")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
	}
	return render.SafeJSON(b), nil
}

// itemYAML is one object as an item of a YAML List: a sequence of one, so
// that long strings fold at the column they have in the whole List.
func itemYAML(it etcdops.Item, showSecrets bool) ([]byte, error) {
	m, err := renderItem(it, showSecrets)
	if err != nil {
		return nil, err
	}
	b, err := render.YAML([]any{m})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
	}
	return b, nil
}

func printDoc(w io.Writer, output string, doc any) error {
	var out []byte
	var err error
	if output == "json" {
		out, err = json.MarshalIndent(doc, "", "    ")
		out = append(render.SafeJSON(out), '\n')
	} else {
		out, err = render.YAML(doc)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func renderItem(it etcdops.Item, showSecrets bool) (map[string]any, error) {
	m, err := it.Object.Render(codec.RenderOptions{ResourceVersion: it.ModRevision, ShowSecrets: showSecrets})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
	}
	if it.Encrypted() {
		// The ciphertext says nothing; the key says which object it is.
		meta := map[string]any{"name": it.Name, "resourceVersion": strconv.FormatInt(it.ModRevision, 10)}
		if it.Namespace != "" {
			meta["namespace"] = it.Namespace
		}
		m["metadata"] = meta
		if it.Resource.Kind != "" {
			m["apiVersion"], m["kind"] = it.Resource.APIVersion(), it.Resource.Kind
		}
	}
	return m, nil
}
