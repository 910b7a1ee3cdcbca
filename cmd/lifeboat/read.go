package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/lifeboat-k8s/lifeboat/render"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

func getCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:        "get",
		Usage:       "show objects as the apiserver would (decoded from etcd)",
		ArgsUsage:   "<resource> [NAME...]",
		Description: "lifeboat get pods -A\n   lifeboat get nodes -o yaml\n   lifeboat get secrets -n payments --show-secrets\n   lifeboat get crontabs.stable.example.com -A -o json | jq .items[].metadata.name",
		Flags: []cli.Flag{namespaceFlag(), allNamespacesFlag(), selectorFlag(), outputFlag("table", "table", "yaml", "json"), showSecretsFlag(), snapshotFlag(),
			&cli.StringFlag{Name: "node", Usage: "pods bound to this node"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			q, err := resourceQuery(ctx, cmd, "lifeboat get pods -A")
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
	malformed, n, newer := 0, 0, 0
	_, err := store.ListPages(ctx, q, func(items []etcdops.Item) error {
		kept := items[:0]
		for _, it := range items {
			if len(it.Newer) > 0 {
				if newer++; newer <= maxNewerWarnings {
					warn(std.err, "%s", newerWarning(it.KeyInfo.String(), it.Newer))
				}
			}
			if it.DecodeErr != nil {
				malformed++
				warn(std.err, "%v", it.DecodeErr)
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
	if newer > maxNewerWarnings {
		warn(std.err, "and %d more object(s) with fields this lifeboat does not know", newer-maxNewerWarnings)
	}
	return undecodable(malformed, q.Resource.String())
}

// undecodable ends a read that met n values it cannot decode among those
// it was asked for (n > 0): it showed what it could, warned about each,
// and exits 3 (README, "Exit codes"). Every read command keeps this rule:
// get, ls, decode and history. lists names what kube-apiserver then
// cannot LIST.
func undecodable(n int, lists string) error {
	if n == 0 {
		return nil
	}
	return &partialError{msg: fmt.Sprintf("%d value(s) could not be decoded (see warnings): a kube-apiserver cannot LIST %s while they are there; 'lifeboat quarantine KEY' moves one out of its way, 'lifeboat doctor' lists them all", n, lists)}
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

func lsCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:        "ls",
		Usage:       "list keys with resource, kind, format, size, mod_revision and lease",
		ArgsUsage:   "[KEY-PREFIX]",
		Description: "lifeboat ls\n   lifeboat ls /registry/pods/shop/\n   lifeboat ls -o json | jq -r 'select(.format==\"malformed\") | .key'",
		Flags:       []cli.Flag{outputFlag("table", "table", "json"), snapshotFlag()},
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
	var table *alignedTable
	enc := json.NewEncoder(render.JSONWriter(std.out))
	if output == "table" {
		table = newAlignedTable(std.out)
		defer table.flush()
		table.row([]string{"KEY", "RESOURCE", "KIND", "FORMAT", "SIZE", "REVISION", "LEASE"})
	}
	layout := store.Layout()
	n, malformed := 0, 0
	_, err := store.Scan(ctx, prefix, func(rec etcdops.Record) error {
		n++
		f := keyFacts{Key: rec.Key, Size: len(rec.Raw()), ModRevision: rec.ModRevision, Lease: rec.Lease, Format: string(codec.DetectFormat(rec.Raw()))}
		if info, ok := layout.Parse(rec.Key); ok {
			f.Resource, f.Namespace, f.Name = info.Resource.String(), info.Namespace, info.Name
		}
		if obj, err := codec.Decode(rec.Value); isHealthKey(layout, rec) {
			f.Kind = "<health check>"
		} else if err != nil {
			f.Problem = oneLine(err.Error())
			malformed++
			warn(std.err, "%s: %s", f.Key, f.Problem)
		} else {
			f.Kind = obj.Kind
			if obj.Encryption != nil {
				f.Kind = "<" + obj.Encryption.String() + ">"
			}
		}
		if table == nil {
			return enc.Encode(f)
		}
		kind := f.Kind
		if f.Problem != "" {
			kind = "<malformed>"
		}
		lease := "-"
		if f.Lease != 0 {
			lease = fmt.Sprintf("%x", f.Lease)
		}
		table.row([]string{f.Key, orDash(f.Resource), orDash(kind), f.Format, strconv.Itoa(f.Size), strconv.FormatInt(f.ModRevision, 10), lease})
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(std.err, "No keys under %s (check --prefix).\n", prefix)
	}
	return undecodable(malformed, "their resources")
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
		Usage:       "decode one stored value (stdin, --file, or a key of --snapshot) to YAML, like auger decode",
		ArgsUsage:   "[KEY, with --snapshot]",
		Description: "etcdctl get /registry/pods/shop/cart-0 --print-value-only | lifeboat decode\n   lifeboat decode --file value.bin -o json\n   lifeboat decode --snapshot backup.db /registry/pods/shop/cart-0",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read the value from this file instead of stdin", TakesFile: true},
			outputFlag("yaml", "yaml", "json"), showSecretsFlag(), snapshotFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			var value []byte
			var err error
			source := "stdin"
			if snapshot := cmd.String("snapshot"); snapshot != "" {
				if cmd.Args().Len() != 1 || cmd.IsSet("file") {
					return usagef("decode --snapshot %s takes one key, e.g. /registry/pods/shop/cart-0 (list them with 'lifeboat ls --snapshot %s')", snapshot, snapshot)
				}
				source = cmd.Args().First()
				value, err = snapshotValue(ctx, cmd, source)
			} else if err := noArgs(cmd); err != nil {
				return err
			} else if f := cmd.String("file"); f != "" {
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
				// The value asked for does not decode: exit 3, as get and
				// ls do (undecodable), with the reason as the note.
				return &partialError{msg: fmt.Sprintf("%s: %v", source, err)}
			}
			if newer := codec.NewerFields(value, obj); len(newer) > 0 {
				warn(std.err, "%s", newerWarning(source, newer))
			}
			m, err := obj.Render(codec.RenderOptions{ShowSecrets: cmd.Bool("show-secrets")})
			if err != nil {
				return fmt.Errorf("%s: %w", source, err)
			}
			return printDoc(std.out, cmd.String("output"), m)
		},
	}
}

// maxNewerWarnings bounds get's warnings about fields a newer Kubernetes
// wrote: a cluster newer than lifeboat has them in every object.
const maxNewerWarnings = 10

// newerWarning says that an object carries fields lifeboat's types do not
// know, and where; -o json and -o yaml do not show them.
func newerWarning(what string, fields []codec.NewerField) string {
	where := make([]string, len(fields))
	for i, f := range fields {
		where[i] = f.String()
	}
	return fmt.Sprintf("%s carries %d field(s) this lifeboat's Kubernetes types do not know (written by a newer Kubernetes: not shown here, kept by lifeboat's edits): %s",
		what, len(fields), strings.Join(where, "; "))
}

// snapshotValue reads one key's value from --snapshot.
func snapshotValue(ctx context.Context, cmd *cli.Command, key string) ([]byte, error) {
	store, err := openStore(ctx, cmd)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	rec, found, err := store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, usagef("no key %s in snapshot %s (list keys with 'lifeboat ls --snapshot %s')", key, cmd.String("snapshot"), cmd.String("snapshot"))
	}
	return rec.Value, nil
}
