package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func createCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "write objects from a YAML or JSON file as kube-apiserver stores them, where they do not exist",
		ArgsUsage: " ",
		Description: "For a backup made with 'kubectl get -o yaml' (several documents, or a kind: List). Each object\n" +
			"is stored in its resource's media type (protobuf for built-in kinds, JSON for CRDs and custom\n" +
			"resources) under the key its resource, namespace and name give, with resourceVersion cleared,\n" +
			"and only where that key does not exist (kube-apiserver's Create Txn). Admission, defaulting and\n" +
			"validation do not run: write what the apiserver had stored. 'lifeboat undo JOURNAL' deletes them.\n\n" +
			"   lifeboat create -f backup.yaml --dry-run",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "filename", Aliases: []string{"f"}, Usage: "YAML or JSON file, - for stdin", Required: true, TakesFile: true},
			namespaceFlag(),
		}, writeFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			name, data, err := readFilename(std, cmd, "create -f")
			if err != nil {
				return err
			}
			objects, err := readObjects(data)
			if err != nil {
				return usagef("create -f %s: %v", name, err)
			}
			if len(objects) == 0 {
				return usagef("create -f %s: no object in it", name)
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			plan, err := store.PlanCreate(ctx, objects, cmd.String("namespace"), std.now())
			if err != nil {
				return err
			}
			return newWriteRun(std, cmd, store).batch(ctx, store.PlannedBatch(plan))
		},
	}
}

// readObjects reads the YAML documents (or JSON objects) of a file; a kind:
// List is its items.
func readObjects(data []byte) ([]map[string]any, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if obj == nil {
			continue
		}
		if items, ok := obj["items"].([]any); ok && strings.HasSuffix(fmt.Sprint(obj["kind"]), "List") {
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					out = append(out, m)
				}
			}
			continue
		}
		out = append(out, obj)
	}
}
