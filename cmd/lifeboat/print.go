package main

// The printers of get: a table, names, a streamed List (JSON or YAML), one
// object, or (with --watch) a stream of objects, each fed a page of
// objects at a time.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// objectPrinter prints the objects of a get a page at a time: those a
// list read (event ADDED), then with --watch each change.
type objectPrinter interface {
	add(event etcdops.ItemEventType, items []etcdops.Item) error
	// finish ends what was added: it writes it all out. A watch calls it
	// after each change.
	finish() error
	// needs is what it reads of each object (etcdops.Query.Needs); nil:
	// anything.
	needs() *codec.Mask
}

// Masks of the printers that read little of an object: names come from
// keys; a JSON List is printed from the stored bytes (codec's wire JSON).
// Both keep the labels a selector reads.
var (
	labelsOnly = codec.NewMask("metadata.labels")
)

// tablePrinter keeps only the rows' text, for the columns' alignment.
type tablePrinter struct {
	table  *render.Table
	sheet  *render.Sheet
	events bool
	now    func() time.Time
	// less orders the rows as kube-apiserver's list printer does (the
	// FlowSchemas'); the items wait in held until finish then.
	less func(a, b etcdops.Item) bool
	held []heldItem
}

type heldItem struct {
	event etcdops.ItemEventType
	item  etcdops.Item
}

// newTablePrinter is a table of res; headers false leaves out the heading
// line (--no-headers).
func newTablePrinter(w io.Writer, res etcdops.Resource, opts render.TableOptions, events, headers bool, now func() time.Time) *tablePrinter {
	p := &tablePrinter{table: render.NewTable(w), sheet: render.NewSheet(res, opts), events: events, now: now}
	p.less = p.sheet.Less()
	cols := p.sheet.Columns()
	if events {
		cols = append([]string{"EVENT"}, cols...)
		p.table.MinWidth(0, len(etcdops.Modified))
	}
	if headers {
		p.table.Row(cols)
	}
	return p
}

func (p *tablePrinter) add(event etcdops.ItemEventType, items []etcdops.Item) error {
	if p.less != nil {
		for _, it := range items {
			p.held = append(p.held, heldItem{event, it})
		}
		return nil
	}
	p.rows(event, items)
	return nil
}

func (p *tablePrinter) rows(event etcdops.ItemEventType, items []etcdops.Item) {
	now := p.now()
	for _, it := range items {
		row := p.sheet.Row(it, now)
		if p.events {
			row = append([]string{string(event)}, row...)
		}
		p.table.Row(row)
	}
}

// finish prints the rows so far. The table keeps its column widths: rows
// a watch adds later line up with those above them.
func (p *tablePrinter) needs() *codec.Mask { return p.sheet.Needs() }

func (p *tablePrinter) finish() error {
	sort.SliceStable(p.held, func(i, j int) bool { return p.less(p.held[i].item, p.held[j].item) })
	for _, h := range p.held {
		p.rows(h.event, []etcdops.Item{h.item})
	}
	p.held = p.held[:0]
	return p.table.Flush()
}

// namePrinter prints kubectl's -o name: one "<kind>[.<group>]/<name>" a
// line.
type namePrinter struct {
	w      *bufio.Writer
	events bool
}

func newNamePrinter(w io.Writer, events bool) *namePrinter {
	return &namePrinter{w: bufio.NewWriter(w), events: events}
}

func (p *namePrinter) add(event etcdops.ItemEventType, items []etcdops.Item) error {
	for _, it := range items {
		if p.events {
			p.w.WriteString(string(event) + " ")
		}
		// Names come from keys: escaped, as every name that reaches a
		// terminal.
		p.w.WriteString(render.Safe(render.ObjectName(it)) + "\n")
	}
	return nil
}

func (p *namePrinter) finish() error { return p.w.Flush() }

func (p *namePrinter) needs() *codec.Mask { return labelsOnly }

// streamPrinter prints each object as a document of its own, as kubectl
// get --watch does: JSON objects one after the other, YAML documents
// separated by "---"; with events, each wrapped as a watch event
// {type, object}.
type streamPrinter struct {
	w      *bufio.Writer
	output string // json or yaml
	events bool
	show   showing
	n      int
}

func newStreamPrinter(w io.Writer, output string, events bool, show showing) *streamPrinter {
	return &streamPrinter{w: bufio.NewWriter(w), output: output, events: events, show: show}
}

func (p *streamPrinter) add(event etcdops.ItemEventType, items []etcdops.Item) error {
	for _, it := range items {
		m, err := renderItem(it, p.show)
		if err != nil {
			return err
		}
		var doc any = m
		if p.events {
			doc = map[string]any{"type": string(event), "object": m}
		}
		if p.output == "yaml" && p.n > 0 {
			p.w.WriteString("---\n")
		}
		p.n++
		if err := printDoc(p.w, p.output, doc); err != nil {
			return err
		}
	}
	return nil
}

func (p *streamPrinter) finish() error { return p.w.Flush() }

func (p *streamPrinter) needs() *codec.Mask { return nil }

// listPrinter streams a kind: List exactly as kubectl prints the whole List
// (json.MarshalIndent, keys sorted: apiVersion, items, kind, metadata; or
// sigs.k8s.io/yaml), one page of items at a time.
type listPrinter struct {
	w    *bufio.Writer
	yaml bool
	show showing
	n    int
	// bufs are the JSON items' buffers, used again page after page: a
	// List of 150,000 pods is gigabytes, allocated once per item it kept
	// the collector busier than the printing.
	bufs [][]byte
}

func newListPrinter(w io.Writer, yaml bool, show showing) *listPrinter {
	return &listPrinter{w: bufio.NewWriterSize(w, 256<<10), yaml: yaml, show: show}
}

const jsonItemIndent = "        "

func (p *listPrinter) add(_ etcdops.ItemEventType, items []etcdops.Item) error {
	docs := make([][]byte, len(items))
	errs := make([]error, len(items))
	for len(p.bufs) < len(items) {
		p.bufs = append(p.bufs, nil)
	}
	parallel.For(len(items), func(i int) {
		if p.yaml {
			docs[i], errs[i] = itemYAML(items[i], p.show)
		} else {
			docs[i], errs[i] = itemJSON(p.bufs[i][:0], items[i], p.show)
			p.bufs[i] = docs[i]
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

func (p *listPrinter) needs() *codec.Mask { return labelsOnly }

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
	w      io.Writer
	output string
	show   showing
	objs   []any // one at most: the query names one object
}

func (p *docPrinter) add(_ etcdops.ItemEventType, items []etcdops.Item) error {
	for _, it := range items {
		m, err := renderItem(it, p.show)
		if err != nil {
			return err
		}
		p.objs = append(p.objs, m)
	}
	return nil
}

// finish prints the object, or nothing when it could not be rendered
// (the reason goes to stderr): an empty List would say it does not exist.
func (p *docPrinter) needs() *codec.Mask { return nil }

func (p *docPrinter) finish() error {
	if len(p.objs) == 0 {
		return nil
	}
	return printDoc(p.w, p.output, p.objs[0])
}

// itemJSON appends one item of a JSON List to dst, indented for its place
// in it.
func itemJSON(dst []byte, it etcdops.Item, show showing) ([]byte, error) {
	if !it.Encrypted() {
		b, err := it.Object.AppendJSON(dst, show.options(it), jsonItemIndent, "    ")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
		}
		return render.SafeJSON(b), nil
	}
	m, err := renderItem(it, show)
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
func itemYAML(it etcdops.Item, show showing) ([]byte, error) {
	if !it.Encrypted() {
		// The item's JSON, printed from the stored bytes where it can be
		// (codec's AppendJSON), is the document the YAML is made of.
		j, err := it.Object.AppendJSON([]byte{'['}, show.options(it), "", "")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
		}
		b, err := render.YAMLFromJSON(append(j, ']'))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
		}
		return b, nil
	}
	m, err := renderItem(it, show)
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

// showing is what get shows of an object that -o yaml and -o json hide by
// default, as kubectl does.
type showing struct {
	secrets bool // a Secret's data (--show-secrets)
	// managedFields: metadata.managedFields (--show-managed-fields). The
	// templates (-o jsonpath, go-template, custom-columns) see them, as
	// kubectl's do.
	managedFields bool
}

// options are the render options of it shown so, resourceVersion set as
// the apiserver sets it.
func (s showing) options(it etcdops.Item) codec.RenderOptions {
	return codec.RenderOptions{ResourceVersion: it.ModRevision, ShowSecrets: s.secrets, HideManagedFields: !s.managedFields, Served: true}
}

func renderItem(it etcdops.Item, show showing) (map[string]any, error) {
	m, err := it.Object.Render(show.options(it))
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
			m["apiVersion"], m["kind"] = it.Resource.StorageVersion(), it.Resource.Kind
		}
	}
	return m, nil
}
