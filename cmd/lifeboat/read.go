package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"github.com/urfave/cli/v3"
	"sigs.k8s.io/yaml"
)

func getCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:        "get",
		Usage:       "show objects as the apiserver would (decoded from etcd)",
		ArgsUsage:   "<resource> [NAME...]",
		Description: "lifeboat get pods -A\n   lifeboat get nodes -o yaml\n   lifeboat get secrets -n payments --show-secrets\n   lifeboat get crontabs.stable.example.com -A -o json | jq .items[].metadata.name",
		Flags: []cli.Flag{namespaceFlag(), allNamespacesFlag(), selectorFlag(), outputFlag("table", "table", "yaml", "json"), showSecretsFlag(),
			&cli.StringFlag{Name: "node", Usage: "pods bound to this node"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			q, err := resourceQuery(cmd, "lifeboat get pods -A")
			if err != nil {
				return err
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			return runGet(ctx, std, store, q, cmd.String("output"), cmd.Bool("show-secrets"))
		},
	}
}

func runGet(ctx context.Context, std streams, store *etcdops.Store, q etcdops.Query, output string, showSecrets bool) error {
	// Objects are printed (or turned into table rows) a page at a time as
	// they are read, then dropped: memory stays flat on a cluster of any
	// size. JSON and YAML are rendered on every core.
	var out objectPrinter
	switch {
	case output == "table":
		out = newTablePrinter(std.out, q, std.now())
	case len(q.Names) == 1:
		out = &docPrinter{w: std.out, output: output, showSecrets: showSecrets}
	default:
		out = &listPrinter{w: bufio.NewWriterSize(std.out, 256<<10), yaml: output == "yaml", showSecrets: showSecrets}
	}
	malformed, n := 0, 0
	_, err := store.ListPages(ctx, q, func(items []etcdops.Item) error {
		kept := items[:0]
		for _, it := range items {
			if it.DecodeErr != nil {
				malformed++
				fmt.Fprintf(std.err, "warning: %v\n", it.DecodeErr)
				if output != "table" {
					continue
				}
			}
			kept = append(kept, it)
		}
		n += len(kept)
		return out.add(kept)
	})
	if err != nil {
		return err
	}
	if n == 0 && output == "table" {
		fmt.Fprintf(std.err, "No %s found%s.\n", q.Resource, inNamespace(q))
	} else if err := out.finish(); err != nil {
		return err
	}
	if malformed > 0 {
		return &partialError{msg: fmt.Sprintf("%d value(s) could not be decoded (see warnings): a kube-apiserver cannot LIST %s while they are there", malformed, q.Resource)}
	}
	return nil
}

// objectPrinter prints the objects of a get a page at a time.
type objectPrinter interface {
	add([]etcdops.Item) error
	finish() error
}

// tablePrinter keeps only the rows' text for tabwriter's alignment.
type tablePrinter struct {
	tw  *tabwriter.Writer
	q   etcdops.Query
	now time.Time
}

func newTablePrinter(w io.Writer, q etcdops.Query, now time.Time) *tablePrinter {
	p := &tablePrinter{tw: tabwriter.NewWriter(w, 0, 8, 3, ' ', 0), q: q, now: now}
	writeRow(p.tw, etcdops.Columns(q.Resource, q.AllNamespaces))
	return p
}

func (p *tablePrinter) add(items []etcdops.Item) error {
	for _, it := range items {
		writeRow(p.tw, etcdops.Row(p.q.Resource, it, p.q.AllNamespaces, p.now))
	}
	return nil
}

func (p *tablePrinter) finish() error { return p.tw.Flush() }

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
		return b, nil
	}
	m, err := renderItem(it, showSecrets)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, jsonItemIndent, "    ")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
	}
	return b, nil
}

// itemYAML is one object as an item of a YAML List: a sequence of one, so
// that long strings fold at the column they have in the whole List.
func itemYAML(it etcdops.Item, showSecrets bool) ([]byte, error) {
	m, err := renderItem(it, showSecrets)
	if err != nil {
		return nil, err
	}
	b, err := yaml.Marshal([]any{m})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", it.KeyInfo, err)
	}
	return b, nil
}

func inNamespace(q etcdops.Query) string {
	if !q.Resource.Namespaced || q.AllNamespaces {
		return ""
	}
	ns := q.Namespace
	if ns == "" {
		ns = "default"
	}
	return " in namespace " + ns
}

func writeRow(w io.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		io.WriteString(w, c)
	}
	io.WriteString(w, "\n")
}

func printDoc(w io.Writer, output string, doc any) error {
	var out []byte
	var err error
	if output == "json" {
		out, err = json.MarshalIndent(doc, "", "    ")
		out = append(out, '\n')
	} else {
		out, err = yaml.Marshal(doc)
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

func lsCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:        "ls",
		Usage:       "list keys with resource, kind, format, size, mod_revision and lease",
		ArgsUsage:   "[KEY-PREFIX]",
		Description: "lifeboat ls\n   lifeboat ls /registry/pods/shop/\n   lifeboat ls -o json | jq -r 'select(.format==\"malformed\") | .key'",
		Flags:       []cli.Flag{outputFlag("table", "table", "json")},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 1 {
				return usagef("ls takes one key prefix, got %q", cmd.Args().Slice())
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			prefix := cmd.Args().First()
			if prefix == "" {
				prefix = store.Layout().Prefix + "/"
			}
			return runLs(ctx, std, store, prefix, cmd.String("output"))
		},
	}
}

// keyFacts is one row of ls.
type keyFacts struct {
	Key         string `json:"key"`
	Resource    string `json:"resource"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Format      string `json:"format"`
	Size        int    `json:"size"`
	ModRevision int64  `json:"modRevision"`
	Lease       int64  `json:"lease"`
	Problem     string `json:"problem,omitempty"`
}

func runLs(ctx context.Context, std streams, store *etcdops.Store, prefix, output string) error {
	var tw *tabwriter.Writer
	enc := json.NewEncoder(std.out)
	if output == "table" {
		tw = tabwriter.NewWriter(std.out, 0, 8, 3, ' ', 0)
		defer tw.Flush()
		writeRow(tw, []string{"KEY", "RESOURCE", "KIND", "FORMAT", "SIZE", "REVISION", "LEASE"})
	}
	layout := store.Layout()
	n := 0
	_, err := store.Scan(ctx, prefix, func(rec etcdops.Record) error {
		n++
		f := keyFacts{Key: rec.Key, Size: len(rec.Value), ModRevision: rec.ModRevision, Lease: rec.Lease, Format: string(codec.DetectFormat(rec.Value))}
		if info, ok := layout.Parse(rec.Key); ok {
			f.Resource, f.Namespace, f.Name = info.Resource.String(), info.Namespace, info.Name
		}
		if obj, err := codec.Decode(rec.Value); isHealthKey(layout, rec) {
			f.Kind = "<health check>"
		} else if err != nil {
			f.Problem = oneLine(err.Error())
		} else {
			f.Kind = obj.Kind
			if obj.Encryption != nil {
				f.Kind = "<" + obj.Encryption.String() + ">"
			}
		}
		if tw == nil {
			return enc.Encode(f)
		}
		kind := f.Kind
		if f.Problem != "" {
			kind = "<malformed>"
			fmt.Fprintf(std.err, "warning: %s: %s\n", f.Key, f.Problem)
		}
		lease := "-"
		if f.Lease != 0 {
			lease = fmt.Sprintf("%x", f.Lease)
		}
		writeRow(tw, []string{f.Key, orDash(f.Resource), orDash(kind), f.Format, strconv.Itoa(f.Size), strconv.FormatInt(f.ModRevision, 10), lease})
		return nil
	})
	if err == nil && n == 0 {
		fmt.Fprintf(std.err, "No keys under %s (check --prefix).\n", prefix)
	}
	return err
}

// isHealthKey reports whether rec is <prefix>/health holding {"health":...}:
// kine (k3s) writes {"health":"true"} there when it starts, for
// kube-apiserver's etcd health check, which reads that key
// (k8s.io/apiserver pkg/storage/storagebackend/factory/etcd3.go). It is no
// object, and no sign of damage either.
func isHealthKey(layout etcdops.Layout, rec etcdops.Record) bool {
	return rec.Key == strings.TrimRight(layout.Prefix, "/")+"/health" && bytes.HasPrefix(rec.Value, []byte(`{"health":`))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func decodeCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:        "decode",
		Usage:       "decode one stored value (stdin or --file) to YAML, like auger decode",
		Description: "etcdctl get /registry/pods/shop/cart-0 --print-value-only | lifeboat decode\n   lifeboat decode --file value.bin -o json",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read the value from this file instead of stdin", TakesFile: true},
			outputFlag("yaml", "yaml", "json"), showSecretsFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			var value []byte
			var err error
			source := "stdin"
			if f := cmd.String("file"); f != "" {
				source = f
				value, err = os.ReadFile(f)
			} else {
				value, err = io.ReadAll(std.in)
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", source, err)
			}
			// etcdctl --print-value-only adds a newline the value does not have.
			if len(value) > 0 && value[len(value)-1] == '\n' && codec.DetectFormat(value) == codec.FormatProtobuf {
				if _, derr := codec.Decode(value); derr != nil {
					value = value[:len(value)-1]
				}
			}
			obj, err := codec.Decode(value)
			if err != nil {
				return fmt.Errorf("%s: %w", source, err)
			}
			m, err := obj.Render(codec.RenderOptions{ShowSecrets: cmd.Bool("show-secrets")})
			if err != nil {
				return fmt.Errorf("%s: %w", source, err)
			}
			return printDoc(std.out, cmd.String("output"), m)
		},
	}
}
