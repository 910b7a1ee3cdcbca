package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
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
			"validation do not run: write what the apiserver had stored. 'lifeboat undo JOURNAL' deletes them.\n" +
			"A file with a document or List item that is not an object, or an object larger than etcd's\n" +
			"default request limit (1.5 MiB), is refused whole, naming it, before anything is written.\n\n" +
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

// readObjects reads the objects of a manifest file, as kubectl create -f
// reads one: YAML documents or JSON objects, a kind: List standing for its
// items, empty and null documents skipped (k8s.io/cli-runtime
// pkg/resource/visitor.go, StreamVisitor.Visit). Any document or item that is not an
// object, or an object that could never be created (etcdops.CheckManifest:
// larger than etcd stores, a field its kind does not have), refuses the
// whole file, naming it, before anything is read from etcd or written.
func readObjects(data []byte) ([]map[string]any, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for n := 0; ; {
		var doc any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("document %d: %v", n+1, err)
		}
		if doc == nil {
			continue // empty or null: kubectl skips it, and so does the count
		}
		n++
		what := fmt.Sprintf("document %d", n)
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is %s, not an object", what, describeValue(doc))
		}
		items, isList := obj["items"]
		if !isList || !strings.HasSuffix(fmt.Sprint(obj["kind"]), "List") {
			if err := checkManifest(what, obj); err != nil {
				return nil, err
			}
			out = append(out, obj)
			continue
		}
		what += " (" + etcdops.ManifestName(obj) + ")"
		list, ok := items.([]any)
		if !ok && items != nil {
			return nil, fmt.Errorf("%s: items is %s, not a list of objects", what, describeValue(items))
		}
		for i, it := range list {
			item := fmt.Sprintf("%s, items[%d]", what, i)
			m, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s is %s, not an object", item, describeValue(it))
			}
			if err := checkManifest(item, m); err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
}

// checkManifest is etcdops.CheckManifest, naming the object as what, the
// place in the file, and by what it says it is.
func checkManifest(what string, obj map[string]any) error {
	err := etcdops.CheckManifest(obj)
	if err == nil {
		return nil
	}
	if name := etcdops.ManifestName(obj); name != "" {
		what += " (" + name + ")"
	}
	return fmt.Errorf("%s: %w", what, err)
}

// describeValue names what a document or an item that is not an object
// holds.
func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case float64:
		return fmt.Sprintf("the number %v", v)
	}
	return fmt.Sprintf("a %T", v)
}
