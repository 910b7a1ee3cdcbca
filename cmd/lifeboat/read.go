package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
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
	var items []etcdops.Item
	malformed := 0
	_, err := store.List(ctx, q, func(it etcdops.Item) error {
		if it.DecodeErr != nil {
			malformed++
			fmt.Fprintf(std.err, "warning: %v\n", it.DecodeErr)
			if output != "table" {
				return nil
			}
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return err
	}
	switch output {
	case "table":
		if len(items) == 0 {
			fmt.Fprintf(std.err, "No %s found%s.\n", q.Resource, inNamespace(q))
			break
		}
		printTable(std.out, q, items, std.now())
	default:
		if err := printObjects(std.out, output, items, len(q.Names) == 1, showSecrets); err != nil {
			return err
		}
	}
	if malformed > 0 {
		return &partialError{msg: fmt.Sprintf("%d value(s) could not be decoded (see warnings): a kube-apiserver cannot LIST %s while they are there", malformed, q.Resource)}
	}
	return nil
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

func printTable(w io.Writer, q etcdops.Query, items []etcdops.Item, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	defer tw.Flush()
	writeRow(tw, etcdops.Columns(q.Resource, q.AllNamespaces))
	for _, it := range items {
		writeRow(tw, etcdops.Row(q.Resource, it, q.AllNamespaces, now))
	}
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

// printObjects prints what kubectl prints: one object, or a v1 List whose
// items carry resourceVersion = their key's mod_revision.
func printObjects(w io.Writer, output string, items []etcdops.Item, single bool, showSecrets bool) error {
	objs := make([]any, 0, len(items))
	for _, it := range items {
		m, err := renderItem(it, showSecrets)
		if err != nil {
			return err
		}
		objs = append(objs, m)
	}
	var doc any
	if single && len(objs) == 1 {
		doc = objs[0]
	} else {
		doc = map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": objs}
	}
	return printDoc(w, output, doc)
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
		if obj, err := codec.Decode(rec.Value); err != nil {
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
