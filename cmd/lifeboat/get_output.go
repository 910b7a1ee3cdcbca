package main

// get -o: kubectl's output formats. Tables, names, JSON and YAML are
// lifeboat's printers (print.go); the templates run kubectl's own code on
// what -o json prints: k8s.io/cli-runtime's JSONPath and Go template
// printers, and kubectl's custom columns (get_columns.go) on client-go's
// jsonpath.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/cli-runtime/pkg/printers"
)

// plainFormats are the -o values that take no template.
var plainFormats = []string{"table", "wide", "name", "json", "yaml"}

type templateFormat struct {
	name, kind string
	file       bool // the value is a file holding the template
}

// templateFormats are the -o values that take one (-o FORMAT=TEMPLATE, or
// --template), and the kind of template each is, as kubectl names them.
var templateFormats = []templateFormat{
	{"jsonpath", "jsonpath", false},
	{"jsonpath-file", "jsonpath", true},
	{"jsonpath-as-json", "jsonpath", false},
	{"go-template", "go-template", false},
	{"go-template-file", "go-template", true},
	{"template", "go-template", false},
	{"templatefile", "go-template", true},
	{"custom-columns", "custom-columns", false},
	{"custom-columns-file", "custom-columns", true},
}

// templateExamples are what a message about a bad template shows.
var templateExamples = map[string]string{
	"jsonpath":       `-o jsonpath='{.items[*].metadata.name}' (for one named object: '{.metadata.name}')`,
	"go-template":    `-o go-template='{{range .items}}{{.metadata.name}}{{"\n"}}{{end}}' (for one named object: '{{.metadata.name}}')`,
	"custom-columns": `-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName`,
}

// maxTemplateFile bounds a template file: a device or the wrong file is
// refused rather than read without end.
const maxTemplateFile = 1 << 20

func getOutputFlag() cli.Flag {
	names := append(slices.Clone(plainFormats), "jsonpath=...", "jsonpath-file=...", "jsonpath-as-json=...",
		"go-template=...", "go-template-file=...", "custom-columns=...", "custom-columns-file=...")
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: strings.Join(names, "|")}
}

// outputTemplate is a parsed template output: a JSONPath, a Go template or
// custom columns.
type outputTemplate struct {
	kind   string // jsonpath, go-template or custom-columns
	source string // how it was given, for messages: -o jsonpath template "{...}"
	text   string // the template itself
	asJSON bool   // jsonpath-as-json: the results as JSON

	jsonpath   *printers.JSONPathPrinter
	goTemplate *printers.GoTemplatePrinter
	columns    []customColumn
}

// parseOutput reads -o (and --template): the format, and the parsed
// template of a template format. A bad one is a usage error (exit 2),
// before anything is read from etcd.
func parseOutput(cmd *cli.Command) (string, *outputTemplate, error) {
	value := cmd.String("output")
	if !cmd.IsSet("output") && cmd.String("template") != "" {
		value = "go-template" // as kubectl: --template alone is a Go template
	}
	name, arg, hasArg := strings.Cut(value, "=")
	if slices.Contains(plainFormats, name) {
		if hasArg {
			return "", nil, usagef("bad --output %q: -o %s takes no value", value, name)
		}
		return name, nil, nil
	}
	i := slices.IndexFunc(templateFormats, func(f templateFormat) bool { return f.name == name })
	if i < 0 {
		return "", nil, usagef("bad --output %q: use one of %s, or %s with =TEMPLATE (-o jsonpath='{.items[*].metadata.name}')",
			value, strings.Join(plainFormats, ", "), templateFormatNames())
	}
	f := templateFormats[i]
	if !hasArg {
		arg = cmd.String("template")
	}
	if arg == "" {
		return "", nil, usagef("-o %s needs a template: -o %s=TEMPLATE or --template TEMPLATE, e.g. %s", name, name, templateExamples[f.kind])
	}
	t := &outputTemplate{kind: f.kind, source: fmt.Sprintf("-o %s template %q", name, arg), text: arg, asJSON: name == "jsonpath-as-json"}
	if f.file {
		b, err := regularfile.Read(arg, maxTemplateFile)
		if err != nil {
			return "", nil, usagef("-o %s: read the template: %v", name, err)
		}
		t.source = fmt.Sprintf("-o %s template %s", name, arg)
		t.text = string(b)
	}
	if err := t.compile(f.file, cmd.Bool("allow-missing-template-keys")); err != nil {
		return "", nil, usagef("bad %s: %v: %s", t.source, err, t.fix())
	}
	return f.kind, t, nil
}

func templateFormatNames() string {
	var names []string
	for _, f := range templateFormats {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// fix says how a template of this kind is written.
func (t *outputTemplate) fix() string {
	if t.kind == "custom-columns" && strings.HasPrefix(t.source, "-o custom-columns-file") {
		return `the file holds a line of headings, then a line of fields, e.g. "NAME  NODE" then ".metadata.name  .spec.nodeName"`
	}
	return "write it as kubectl takes it, e.g. " + templateExamples[t.kind]
}

// compile parses the template with kubectl's own parsers; missing keys
// print nothing, as kubectl's --allow-missing-template-keys (default true).
func (t *outputTemplate) compile(file, allowMissing bool) error {
	text := t.text
	switch t.kind {
	case "jsonpath":
		p, err := printers.NewJSONPathPrinter(text)
		if err != nil {
			return err
		}
		p.AllowMissingKeys(allowMissing)
		p.EnableJSONOutput(t.asJSON)
		t.jsonpath = p
	case "go-template":
		p, err := printers.NewGoTemplatePrinter([]byte(text))
		if err != nil {
			return err
		}
		p.AllowMissingKeys(allowMissing)
		t.goTemplate = p
	case "custom-columns":
		var err error
		if file {
			t.columns, err = customColumnsFromFile(text)
		} else {
			t.columns, err = customColumnsFromSpec(text)
		}
		return err
	}
	return nil
}

// execute runs a JSONPath or Go template on doc, an object or a List as -o
// json prints it (what says which, for a message), and writes its text.
// The text is made terminal-safe (render.SafeText): newlines and tabs
// stay, escape sequences do not. On an error nothing is written: the
// template is wrong, and the error says how (exit 2).
func (t *outputTemplate) execute(w io.Writer, doc map[string]any, what string) error {
	var buf bytes.Buffer
	var err error
	if t.jsonpath != nil {
		// What the printer's PrintObj does for an unstructured object,
		// without its dump of the whole object into the error.
		err = t.jsonpath.JSONPath.Execute(&buf, doc)
	} else {
		err = t.goTemplate.PrintObj(&unstructured.Unstructured{Object: doc}, &buf)
		if err != nil {
			// PrintObj wrote its debugging help into buf: the error
			// says what went wrong, without the object.
			buf.Reset()
		}
	}
	if err != nil {
		return usagef("%s failed: %s (it runs on %s, as -o json prints it): %s", t.source, t.reason(err), what, t.fix())
	}
	out := buf.Bytes()
	if t.asJSON {
		out = render.SafeJSON(out)
	} else {
		out = []byte(render.SafeText(string(out)))
	}
	_, err = w.Write(out)
	return err
}

// reason is why the template failed, without the template text the
// message already shows (GoTemplatePrinter puts it in its error).
func (t *outputTemplate) reason(err error) string {
	return strings.TrimPrefix(err.Error(), fmt.Sprintf("error executing template %q: ", t.text))
}

// templatePrinter runs a JSONPath or Go template, as kubectl's get does:
// once, on the object when one was named (single), else on a v1 List of
// every object, which it holds until finish. With --watch (stream) it
// runs on each object as it comes, or on each watch event {type, object}
// with --output-watch-events.
type templatePrinter struct {
	w           io.Writer
	t           *outputTemplate
	single      bool
	stream      bool
	events      bool
	showSecrets bool
	docs        []map[string]any
}

func (p *templatePrinter) add(event etcdops.ItemEventType, items []etcdops.Item) error {
	docs, err := jsonDocs(items, p.showSecrets)
	if err != nil {
		return err
	}
	if !p.stream {
		p.docs = append(p.docs, docs...)
		return nil
	}
	for _, doc := range docs {
		what := "each object"
		if p.events {
			doc, what = watchEventDoc(event, doc), "each watch event {type, object}"
		}
		if err := p.t.execute(p.w, doc, what); err != nil {
			return err
		}
	}
	return nil
}

func (p *templatePrinter) needs() *codec.Mask { return nil }

func (p *templatePrinter) finish() error {
	switch {
	case p.stream:
		return nil
	case p.single:
		if len(p.docs) == 0 {
			return nil // it could not be shown: stderr says why
		}
		return p.t.execute(p.w, p.docs[0], "the object")
	}
	items := make([]any, len(p.docs))
	for i, d := range p.docs {
		items[i] = d
	}
	p.docs = nil
	return p.t.execute(p.w, listDoc(items), "a v1 List of the objects (each under .items)")
}

// listDoc is the List kubectl's get gives its printers for several
// objects (printGeneric).
func listDoc(items []any) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": items}
}

// watchEventDoc is a watch event as kubectl's printers see it with
// --output-watch-events.
func watchEventDoc(event etcdops.ItemEventType, doc map[string]any) map[string]any {
	return map[string]any{"type": string(event), "object": doc}
}

// jsonDocs are the objects as -o json prints them, decoded as kubectl
// decodes what the apiserver sends (k8s.io/apimachinery's json: whole
// numbers as int64), on every core. The templates see managedFields, as
// kubectl's do; a Secret's data only with --show-secrets.
func jsonDocs(items []etcdops.Item, showSecrets bool) ([]map[string]any, error) {
	docs := make([]map[string]any, len(items))
	errs := make([]error, len(items))
	show := showing{secrets: showSecrets, managedFields: true}
	parallel.For(len(items), func(i int) {
		m, err := renderItem(items[i], show)
		if err != nil {
			errs[i] = err // it names the object
			return
		}
		b, err := json.Marshal(m)
		if err == nil {
			err = utiljson.Unmarshal(b, &docs[i])
		}
		if err != nil {
			errs[i] = fmt.Errorf("%s: %w", items[i].KeyInfo, err)
		}
	})
	return docs, errors.Join(errs...)
}
