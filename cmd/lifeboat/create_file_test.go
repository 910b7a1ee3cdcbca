package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// configMapYAML is a ConfigMap manifest in namespace shop whose data holds
// size bytes.
func configMapYAML(name string, size int) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: shop\ndata:\n  blob: %s\n", name, strings.Repeat("x", size))
}

// configMapJSON is configMapYAML as a flow map, for a list's items.
func configMapJSON(name string, size int) string {
	return fmt.Sprintf(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": %q, "namespace": "shop"}, "data": {"blob": %q}}`, name, strings.Repeat("x", size))
}

// TestCreateRefusesABadFileWhole: a manifest file (create -f) or a plan's
// create objects (apply -f) with an object kube-apiserver could not have
// stored (larger than etcd's default request limit), or a document or
// item that is not an object, is refused whole, naming where, with exit 2
// and nothing written: not the objects around it, not the operations
// before it. Empty and null documents are skipped, as kubectl skips them.
func TestCreateRefusesABadFileWhole(t *testing.T) {
	c := capsized(t)
	dir := t.TempDir()
	file := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const mib = 1 << 20
	big := configMapYAML("big", 10*mib)
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	plan := func(objects ...string) string {
		return "operations:\n- action: undelete-pods\n  namespace: shop\n- action: create\n  objects:\n  - " + strings.Join(objects, "\n  - ") + "\n"
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  []string
	}{
		{name: "a 10 MiB object between two others",
			args: []string{"create", "-f", file("big.yaml", configMapYAML("a", 10)+"---\n"+big+"---\n"+configMapYAML("c", 10))},
			want: []string{"document 2 (v1 ConfigMap shop/big): 10485", "bytes (10.0 MiB) as kube-apiserver stores it (protobuf), more than 1572864 bytes (1.5 MiB), etcd's default request limit", "could not have stored it"}},
		{name: "just over the limit, on stdin", args: []string{"create", "-f", "-"},
			stdin: configMapYAML("a", 10) + "---\n" + configMapYAML("big", 1536<<10),
			want:  []string{"document 2 (v1 ConfigMap shop/big): 15729", "etcd's default request limit"}},
		{name: "a large item of a List",
			args: []string{"create", "-f", file("list-big.yaml", "apiVersion: v1\nkind: List\nitems:\n- "+configMapJSON("a", 10)+"\n- "+configMapJSON("big", 2*mib)+"\n")},
			want: []string{"document 1 (v1 List), items[1] (v1 ConfigMap shop/big): 2097", "etcd's default request limit"}},
		{name: "a List item that is not an object",
			args: []string{"create", "-f", file("list-string.yaml", "apiVersion: v1\nkind: List\nitems:\n- "+configMapJSON("a", 10)+"\n- just a string\n- "+configMapJSON("c", 10)+"\n")},
			want: []string{`document 1 (v1 List), items[1] is the string "just a string", not an object`}},
		{name: "a List's items that are no list",
			args: []string{"create", "-f", file("list-items.yaml", "apiVersion: v1\nkind: List\nitems: 3\n")},
			want: []string{"document 1 (v1 List): items is the number 3, not a list of objects"}},
		{name: "a document that is a list",
			args: []string{"create", "-f", file("doc-list.yaml", configMapYAML("a", 10)+"---\n- a\n- b\n")},
			want: []string{"document 2 is a list, not an object"}},
		{name: "a field the kind does not have, after a good object",
			args: []string{"create", "-f", file("bogus.yaml", configMapYAML("a", 10)+"---\n"+configMapYAML("c", 10)+"bogus: 1\n")},
			want: []string{"document 2 (v1 ConfigMap shop/c): ", `unknown field "bogus"`}},
		{name: "a named pipe", args: []string{"create", "-f", fifo}, want: []string{"named pipe (FIFO)"}},
		{name: "a device", args: []string{"create", "-f", "/dev/zero"}, want: []string{"character device"}},
		{name: "stdin past 64 MiB", args: []string{"create", "-f", "-"}, stdin: strings.Repeat("#", 64*mib+1),
			want: []string{"standard input is larger than 64 MiB"}},
		{name: "a plan creating a large object after another operation",
			args: []string{"apply", "-f", file("plan-big.yaml", plan(configMapJSON("a", 10), configMapJSON("big", 2*mib)))},
			want: []string{"operations[1] (create): objects[1] (v1 ConfigMap shop/big): 2097", "etcd's default request limit"}},
		{name: "a plan's create item that is not an object",
			args: []string{"apply", "-f", file("plan-string.yaml", plan(configMapJSON("a", 10), "just a string"))},
			want: []string{`operations[1] (create): objects[1] must be a manifest`, `not the string "just a string"`}},
		{name: "a plan's create item that is null",
			args: []string{"apply", "-f", file("plan-null.yaml", plan(configMapJSON("a", 10), "null"))},
			want: []string{`operations[1] (create): objects[1] must be a manifest`, "not empty"}},
		{name: "a plan's create object without a name",
			args: []string{"apply", "-f", file("plan-noname.yaml", plan(`{"apiVersion": "v1", "kind": "ConfigMap"}`))},
			want: []string{"operations[1] (create): objects[0] (v1 ConfigMap): it needs apiVersion, kind and metadata.name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []string{"--dry-run", "--yes"} {
				rev := c.revision()
				r := c.runIn([]byte(tc.stdin), append(tc.args, mode)...)
				if r.code != exitUsage {
					t.Errorf("%s: exit %d, want %d (usage)", mode, r.code, exitUsage)
				}
				for _, w := range tc.want {
					if !strings.Contains(r.errOut, w) {
						t.Errorf("%s: stderr lacks %q:\n%s", mode, w, r)
					}
				}
				c.assertUnchanged(rev, r)
			}
		})
	}

	t.Run("empty documents are skipped", func(t *testing.T) {
		path := file("empty-docs.yaml", "---\n---\n# only a comment\n---\n"+configMapYAML("created-a", 10)+"---\n\n---\nnull\n---\n"+configMapYAML("created-b", 10)+"---\n")
		r := c.run("create", "-f", path, "--yes")
		wantCode(t, r, exitOK)
		for _, name := range []string{"created-a", "created-b"} {
			c.get("/registry/configmaps/shop/" + name)
		}
	})
}
