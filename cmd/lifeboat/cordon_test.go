package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// cordoned is what cordon makes of the named nodes: spec.unschedulable
// true, nothing else (kubectl cordon leaves the taint to the node lifecycle
// controller); other nodes unchanged.
func cordoned(names ...string) func(*corev1.Node) *corev1.Node {
	return func(n *corev1.Node) *corev1.Node {
		if !contains(names, n.Name) {
			return n
		}
		n = n.DeepCopy()
		n.Spec.Unschedulable = true
		return n
	}
}

// TestCordonCommand: 'nodes cordon' takes names, --all or -l, as uncordon,
// and refuses an empty selection; it previews, writes only with --yes (or
// a y on a terminal), journals, and undo reverses it; a plan can cordon.
func TestCordonCommand(t *testing.T) {
	t.Run("one node by name, then undo", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		j := c.journal("cordon.jsonl")
		r := c.run("nodes", "cordon", "worker-6", "--yes", "--journal", j)
		wantCode(t, r, exitOK)
		checkNodes(t, before, c.nodes(), cordoned("worker-6"))
		if !strings.Contains(r.out, "+  unschedulable: true") {
			t.Errorf("no diff shown:\n%s", r)
		}
		r = c.run("undo", j, "--yes")
		wantCode(t, r, exitOK)
		checkNodes(t, before, c.nodes(), func(n *corev1.Node) *corev1.Node { return n })
	})

	t.Run("label selector", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		wantCode(t, c.run("nodes", "cordon", "-l", "nvidia.com/gpu.present=true", "--yes"), exitOK)
		checkNodes(t, before, c.nodes(), cordoned("worker-5"))
	})

	t.Run("--all --dry-run writes nothing", func(t *testing.T) {
		c := capsized(t)
		rev := c.revision()
		r := c.run("nodes", "cordon", "--all", "--dry-run")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
		// worker-3 is cordoned already: 7 of the 8 nodes change.
		if strings.Count(r.out, "+  unschedulable: true") != 7 || !strings.Contains(r.errOut, "cordon-nodes: 7 would change, 1 already fine") {
			t.Errorf("preview:\n%s", r)
		}
	})

	t.Run("a cordoned node is left as it is", func(t *testing.T) {
		c := capsized(t)
		rev := c.revision()
		r := c.run("nodes", "cordon", "worker-3", "--yes", "-o", "json")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
		for _, m := range jsonLines(t, r.out) {
			if l := checkResultLine(t, m); l.Changed || l.Action != "cordon-nodes" {
				t.Errorf("line %+v, want cordon-nodes unchanged", l)
			}
		}
	})

	c := capsized(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no names, --all or -l", []string{"nodes", "cordon", "--yes"}, exitUsage, "name the nodes, or say --all"},
		{"names and --all", []string{"nodes", "cordon", "worker-1", "--all", "--yes"}, exitUsage, "not both"},
		{"a node not in etcd", []string{"nodes", "cordon", "worker-9", "--yes"}, exitError, "nodes/worker-9 not found"},
		{"--readonly", []string{"--readonly", "nodes", "cordon", "worker-1", "--yes"}, exitError, "--readonly"},
		{"no terminal and no --yes", []string{"nodes", "cordon", "worker-1"}, exitError, "--yes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rev := c.revision()
			r := c.run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.errOut, tc.want) {
				t.Errorf("want exit %d and %q on stderr, got %s", tc.code, tc.want, r)
			}
			c.assertUnchanged(rev, r)
		})
	}

	t.Run("plan", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		plan := filepath.Join(t.TempDir(), "plan.yaml")
		if err := os.WriteFile(plan, []byte("operations:\n  - action: cordon-nodes\n    names: [worker-6, worker-7]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantCode(t, c.run("apply", "-f", plan, "--yes"), exitOK)
		checkNodes(t, before, c.nodes(), cordoned("worker-6", "worker-7"))
	})
}
