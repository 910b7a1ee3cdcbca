package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

// undecodable ends a read that met n values it cannot decode among those
// it was asked for (n > 0): it showed what it could, warned about each,
// and exits 3 (README, "Exit codes"). ls, decode and history keep this
// rule; get names the values once instead (undecodableMessage). lists
// names what kube-apiserver then cannot LIST.
func undecodable(n int, lists string) error {
	if n == 0 {
		return nil
	}
	return &partialError{msg: fmt.Sprintf("%d value(s) could not be decoded (see warnings): a kube-apiserver cannot LIST %s while they are there; 'lifeboat quarantine KEY' moves one out of its way, 'lifeboat doctor' lists them all", n, lists)}
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

func runLs(ctx context.Context, std streams, store *etcdops.Store, prefix, output string) error {
	var table *render.Table
	enc := json.NewEncoder(render.JSONWriter(std.out))
	if output == "table" {
		table = render.NewTable(std.out)
		defer table.Flush()
		table.Row(render.KeyColumns())
	}
	n, malformed := 0, 0
	_, err := store.ScanItems(ctx, prefix, func(items []etcdops.Item) error {
		for _, it := range items {
			n++
			f := render.KeyFactsOf(it)
			if f.Problem != "" {
				malformed++
				warn(std.err, "%s: %s", f.Key, f.Problem)
			}
			if table == nil {
				if err := enc.Encode(f); err != nil {
					return err
				}
				continue
			}
			table.Row(f.Row())
		}
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
				if value, err = snapshotValue(ctx, cmd, source); err != nil {
					return err // it names the snapshot, or the key not in it
				}
			} else if argsErr := noArgs(cmd); argsErr != nil {
				// Its own name: err above is what every branch reads into.
				return argsErr
			} else if f := cmd.String("file"); f != "" {
				source = f
				value, err = regularfile.Read(f, maxValue)
			} else {
				value, err = regularfile.ReadFrom(std.in, "stdin", maxValue)
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

// maxValue bounds the value decode reads from --file or stdin: etcd
// refuses values over 1.5 MiB by default (--max-request-bytes), and its
// largest sane setting is far below 64 MiB. A device, an endless pipe or
// the wrong file is refused rather than read until memory runs out.
const maxValue = 64 << 20

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
