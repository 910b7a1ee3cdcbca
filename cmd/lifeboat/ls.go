package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

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
	_, err := store.ScanItems(ctx, prefix, nil, func(items []etcdops.Item) error {
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
