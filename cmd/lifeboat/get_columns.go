package main

// get -o custom-columns, as kubectl's CustomColumnsPrinter
// (k8s.io/kubectl pkg/cmd/get/customcolumn.go, v0.36): a column per
// HEADER:FIELD, each FIELD a JSONPath (kubectl's relaxed forms) evaluated
// by client-go's jsonpath on what -o json prints; "<none>" where it finds
// nothing, several values joined by commas. Ported rather than imported:
// k8s.io/kubectl's get package pulls in kubectl's whole command tree.

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"k8s.io/client-go/util/jsonpath"
)

// customColumn is one column: its heading and its field.
type customColumn struct {
	header string
	field  string // as kubectl writes it back: {.metadata.name}
}

// customColumnsFromSpec parses -o custom-columns=NAME:.metadata.name,...
// (NewCustomColumnsPrinterFromSpec).
func customColumnsFromSpec(spec string) ([]customColumn, error) {
	var cols []customColumn
	for _, part := range strings.Split(spec, ",") {
		header, field, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("%q is no HEADER:FIELD pair", part)
		}
		col, err := newCustomColumn(header, field)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	return cols, nil
}

// customColumnsFromFile parses -o custom-columns-file: a line of headings,
// then a line of fields, white space between them
// (NewCustomColumnsPrinterFromTemplate).
func customColumnsFromFile(text string) ([]customColumn, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	if !sc.Scan() {
		return nil, fmt.Errorf("no line of headings")
	}
	headers := strings.Fields(sc.Text())
	if !sc.Scan() {
		return nil, fmt.Errorf("no line of fields after the headings")
	}
	fields := strings.Fields(sc.Text())
	if len(headers) != len(fields) {
		return nil, fmt.Errorf("%d headings and %d fields", len(headers), len(fields))
	}
	cols := make([]customColumn, len(headers))
	for i := range headers {
		col, err := newCustomColumn(headers[i], fields[i])
		if err != nil {
			return nil, err
		}
		cols[i] = col
	}
	return cols, nil
}

func newCustomColumn(header, field string) (customColumn, error) {
	m := relaxedJSONPath.FindStringSubmatch(field)
	if m == nil {
		return customColumn{}, fmt.Errorf("field %q of %s is no JSONPath: write .name1.name2 or {.name1.name2}", field, header)
	}
	col := customColumn{header: header, field: "{." + m[1] + m[2] + "}"}
	// Parsed now, so that a bad one is said before anything is read.
	if _, err := col.parser(); err != nil {
		return customColumn{}, fmt.Errorf("field %q of %s: %v", field, header, err)
	}
	return col, nil
}

func (c customColumn) parser() (*jsonpath.JSONPath, error) {
	p := jsonpath.New(c.header).AllowMissingKeys(true)
	return p, p.Parse(c.field)
}

// columnsPrinter prints custom columns a page of objects at a time; the
// heading comes first even when no object does, as kubectl's. With
// --watch, each change is a row, a watch event {type, object} with
// --output-watch-events, as kubectl's.
type columnsPrinter struct {
	table       *render.Table
	cols        []customColumn
	paths       []*jsonpath.JSONPath
	events      bool
	showSecrets bool
}

func newColumnsPrinter(w io.Writer, cols []customColumn, headers, events, showSecrets bool) *columnsPrinter {
	p := &columnsPrinter{table: render.NewTable(w), cols: cols, events: events, showSecrets: showSecrets}
	var heading []string
	for _, c := range cols {
		path, _ := c.parser() // parsed once already (newCustomColumn)
		p.paths = append(p.paths, path)
		heading = append(heading, c.header)
	}
	if headers {
		p.table.Row(heading)
	}
	return p
}

func (p *columnsPrinter) add(event etcdops.ItemEventType, items []etcdops.Item) error {
	docs, err := jsonDocs(items, p.showSecrets)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		if p.events {
			doc = watchEventDoc(event, doc)
		}
		row, err := p.row(doc)
		if err != nil {
			return err
		}
		p.table.Row(row)
	}
	return nil
}

// row is the object's cells (printOneObject). The table makes them
// terminal-safe.
func (p *columnsPrinter) row(doc map[string]any) ([]string, error) {
	row := make([]string, len(p.paths))
	for i, path := range p.paths {
		found, err := path.FindResults(doc)
		if err != nil {
			return nil, usagef("-o custom-columns: column %s (%s): %v", p.cols[i].header, p.cols[i].field, err)
		}
		var values []string
		if len(found) == 0 || len(found[0]) == 0 {
			values = append(values, "<none>")
		}
		for _, set := range found {
			for _, v := range set {
				values = append(values, fmt.Sprint(v.Interface()))
			}
		}
		row[i] = strings.Join(values, ",")
	}
	return row, nil
}

// finish prints the rows so far; the widths stay for a watch's rows.
func (p *columnsPrinter) finish() error { return p.table.Flush() }

func (p *columnsPrinter) needs() *codec.Mask { return nil }
