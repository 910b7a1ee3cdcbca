package main

import (
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// podsOn are the keys of Terminating pods bound to node ("" for any node).
func (c *cluster) terminatingOn(node string) []string {
	c.t.Helper()
	var keys []string
	for _, k := range c.terminatingPods("/registry/pods/") {
		if node == "" || c.pod(k).Spec.NodeName == node {
			keys = append(keys, k)
		}
	}
	return keys
}

func hasTaint(n *corev1.Node, key string) bool {
	return slices.ContainsFunc(n.Spec.Taints, func(tn corev1.Taint) bool { return tn.Key == key })
}

// TestApplyExamplePlan runs the plan of issue 2.
func TestApplyExamplePlan(t *testing.T) {
	c := newCluster(t, demo.Options{}) // no malformed values: a clean exit 0
	onWorker1 := c.terminatingOn("worker-1")
	all := c.terminatingOn("")
	if len(onWorker1) == 0 || len(onWorker1) == len(all) {
		t.Fatalf("seed: %d Terminating pods on worker-1 of %d", len(onWorker1), len(all))
	}
	plan, err := os.ReadFile("testdata/plan-example.yaml")
	if err != nil {
		t.Fatal(err)
	}

	for _, dry := range []struct {
		name  string
		stdin []byte
		args  []string
	}{
		{"file", nil, []string{"apply", "-f", "testdata/plan-example.yaml", "--dry-run"}},
		{"stdin", plan, []string{"apply", "--dry-run", "-f", "-"}},
		{"--dry-run wins over --yes", nil, []string{"apply", "-f", "testdata/plan-example.yaml", "--yes", "--dry-run"}},
	} {
		t.Run("dry run from "+dry.name, func(t *testing.T) {
			rev := c.revision()
			r := c.runIn(dry.stdin, dry.args...)
			wantCode(t, r, exitOK)
			c.assertUnchanged(rev, r)
			if !strings.Contains(r.out, "-  deletionTimestamp:") || !strings.Contains(r.out, "key: node.kubernetes.io/unreachable") {
				t.Errorf("no diffs of both operations:\n%s", r)
			}
			if !strings.Contains(r.out, path.Base(onWorker1[0])) {
				t.Errorf("no diff of %s:\n%s", onWorker1[0], r)
			}
		})
	}

	t.Run("write", func(t *testing.T) {
		before, _ := c.snapshot()
		r := c.run("apply", "-f", "testdata/plan-example.yaml", "--yes")
		wantCode(t, r, exitOK)
		c.checkPlanExampleApplied(t, before, all, onWorker1)
		if !c.node("worker-3").Spec.Unschedulable {
			t.Error("worker-3 uncordoned, but the plan names worker-1 and worker-2 only")
		}
		rev := c.revision()
		r = c.run("apply", "-f", "testdata/plan-example.yaml", "--yes")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
	})
}

// TestApplyRejectsBadPlans: validation covers every operation before any
// runs, so a mistake in the last one writes nothing at all.
func TestApplyRejectsBadPlans(t *testing.T) {
	c := capsized(t)
	// Each error names the operation (index and action), the field, and
	// what was most likely meant.
	cases := []struct {
		file string
		want []string
	}{
		{"plan-unknown-action.yaml", []string{"operations[2] (undelete-everything)", `unknown action "undelete-everything"`}},
		{"plan-unknown-field.yaml", []string{"operations[2] (uncordon-nodes)", `unknown field "nmaespace"`, "uncordon-nodes takes names, all, selector"}},
		{"plan-misspelt-field.yaml", []string{"operations[1] (undelete-pods)", `unknown field "allNamespace"`, "did you mean allNamespaces?"}},
		{"plan-names-string.yaml", []string{"operations[1] (uncordon-nodes)", "field names must be a list", `not the string "worker-1"`}},
		{"plan-field-not-for-action.yaml", []string{"operations[2] (undelete-pods)", `field "keys" does not apply to undelete-pods`}},
		{"plan-bad-selector.yaml", []string{"operations[2]", "selector"}},
		{"plan-unknown-resource.yaml", []string{"operations[2] (remove-finalizers)", "widgets"}},
		{"plan-bad-effect.yaml", []string{"operations[2] (untaint-nodes)", "Sometimes"}},
		{"plan-no-target.yaml", []string{"operations[2] (uncordon-nodes)", "all"}},
		{"plan-misspelt-key.yaml", []string{`unknown field "operation"`, "did you mean operations?"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			for _, mode := range []string{"--yes", "--dry-run"} {
				rev := c.revision()
				j := c.journal("bad-plan.jsonl")
				r := c.run("apply", "-f", "testdata/"+tc.file, mode, "--journal", j)
				if r.code != exitUsage {
					t.Errorf("%s: want exit 2, got %s", mode, r)
				}
				c.assertUnchanged(rev, r)
				for _, want := range tc.want {
					if !strings.Contains(r.errOut, want) || len(lines(r.errOut)) != 1 || strings.Contains(r.errOut, "json:") {
						t.Errorf("%s: error is not one line saying %q:\n%s", mode, want, r)
					}
				}
				if r.out != "" {
					t.Errorf("%s: something was previewed before the plan was validated:\n%s", mode, r)
				}
				if _, err := os.Stat(j); !os.IsNotExist(err) {
					t.Errorf("%s: journal created for a rejected plan", mode)
				}
			}
		})
	}
	t.Run("empty plan", func(t *testing.T) {
		rev := c.revision()
		r := c.runIn([]byte("operations: []\n"), "apply", "-f", "-", "--yes")
		wantCode(t, r, exitUsage)
		c.assertUnchanged(rev, r)
	})
	t.Run("not YAML", func(t *testing.T) {
		rev := c.revision()
		r := c.runIn([]byte("operations: [\n"), "apply", "-f", "-", "--yes")
		wantCode(t, r, exitUsage)
		c.assertUnchanged(rev, r)
	})
}

// TestApplyComposes: untaint then uncordon of the same node in one plan; the
// second is planned on what the first wrote, so both apply, no conflict.
func TestApplyComposes(t *testing.T) {
	c := capsized(t)
	before := c.get("/registry/minions/worker-3")
	j := c.journal("compose.jsonl")
	r := c.run("apply", "-f", "testdata/plan-compose.yaml", "--yes", "-o", "json", "--journal", j)
	wantCode(t, r, exitOK)
	ls := jsonLines(t, r.out)
	if len(ls) != 2 {
		t.Fatalf("%d result lines, want 2:\n%s", len(ls), r)
	}
	first, second := checkResultLine(t, ls[0]), checkResultLine(t, ls[1])
	if first.Action != "untaint-nodes" || second.Action != "uncordon-nodes" {
		t.Errorf("actions %s, %s", first.Action, second.Action)
	}
	for _, l := range []resultLine{first, second} {
		if !l.Changed || l.Conflict || l.Error != "" {
			t.Errorf("line %+v, want changed without conflict", l)
		}
	}
	if first.OldRevision != before.ModRevision || second.OldRevision != first.NewRevision {
		t.Errorf("revisions %d -> %d, then %d -> %d: the second write must start from the first's", first.OldRevision, first.NewRevision, second.OldRevision, second.NewRevision)
	}
	if got := c.get("/registry/minions/worker-3").ModRevision; got != second.NewRevision {
		t.Errorf("worker-3 at revision %d, second write reported %d", got, second.NewRevision)
	}
	n := c.node("worker-3")
	if n.Spec.Unschedulable || hasTaint(n, corev1.TaintNodeUnreachable) || hasTaint(n, corev1.TaintNodeUnschedulable) {
		t.Errorf("worker-3 after the plan: %+v", n.Spec)
	}

	t.Run("undo restores the node as before both writes", func(t *testing.T) {
		wantCode(t, c.run("undo", j, "--yes"), exitOK)
		if got := c.get("/registry/minions/worker-3"); got.Value != before.Value {
			t.Error("worker-3 not restored byte for byte")
		}
	})
}

func TestApplyFinalizersPlan(t *testing.T) {
	c := capsized(t)
	r := c.run("apply", "-f", "testdata/plan-finalizers.yaml", "--yes")
	wantCode(t, r, exitOK)
	if v := c.get(crKey).Value; strings.Contains(v, "stable.example.com/cleanup") || !strings.HasPrefix(v, "{") {
		t.Errorf("custom resource after the plan: %s", v)
	}
}

// TestUndo: undo restores every value byte for byte, leaves keys someone
// else changed since, and refuses a file that is not a journal.
func TestUndo(t *testing.T) {
	t.Run("restores byte for byte", func(t *testing.T) {
		c := capsized(t)
		before, _ := c.snapshot()
		j := c.journal("undelete.jsonl")
		wantCode(t, c.run("pods", "undelete", "-A", "--yes", "--journal", j), exitPartial)
		mid, _ := c.snapshot()
		if len(valueDiffKeys(before, mid)) != 40 {
			t.Fatalf("undelete changed %d keys, want 40", len(valueDiffKeys(before, mid)))
		}

		rev := c.revision()
		r := c.run("undo", j, "--dry-run")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
		if !strings.Contains(r.out, "+  deletionTimestamp:") {
			t.Errorf("undo dry run shows no diff putting deletionTimestamp back:\n%s", r)
		}

		r = c.run("undo", j, "--yes", "-o", "json")
		wantCode(t, r, exitOK)
		after, _ := c.snapshot()
		if got := valueDiffKeys(before, after); len(got) != 0 {
			t.Errorf("not restored byte for byte: %v", got)
		}
		lines := jsonLines(t, r.out)
		if len(lines) != 40 {
			t.Errorf("%d result lines, want 40", len(lines))
		}
		for _, m := range lines {
			l := checkResultLine(t, m)
			if !l.Changed || l.Action != "restore" || l.NewRevision != after[l.Key].ModRevision {
				t.Errorf("undo line %+v (key now at %d)", l, after[l.Key].ModRevision)
			}
		}

		// Undoing again finds everything already restored.
		rev = c.revision()
		r = c.run("undo", j, "--yes")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
	})

	t.Run("a key changed since is a conflict, the rest is restored", func(t *testing.T) {
		c := capsized(t)
		before, _ := c.snapshot()
		j := c.journal("shop.jsonl")
		wantCode(t, c.run("pods", "undelete", "-n", "shop", "--yes", "--journal", j), exitOK)
		var changed string
		var pod *corev1.Pod
		for _, k := range sortedKeys(before) {
			if strings.HasPrefix(k, "/registry/pods/shop/") {
				if p := c.pod(k); len(p.Finalizers) > 0 && before[k].Value != c.get(k).Value {
					changed, pod = k, p
					break
				}
			}
		}
		if pod == nil {
			t.Fatal("no undeleted shop pod with finalizers")
		}
		// Someone else edits it afterwards.
		wantCode(t, c.run("finalizers", "remove", "pods", pod.Name, "-n", "shop", "--yes"), exitOK)
		theirs := c.get(changed)

		r := c.run("undo", j, "--yes", "-o", "json")
		wantCode(t, r, exitPartial)
		if got := c.get(changed); got != theirs {
			t.Errorf("%s: the other writer's change was overwritten", changed)
		}
		after, _ := c.snapshot()
		if got := valueDiffKeys(before, after); len(got) != 1 || got[0] != changed {
			t.Errorf("keys not restored: %v, want only %s", got, changed)
		}
		conflicts := 0
		for _, m := range jsonLines(t, r.out) {
			l := checkResultLine(t, m)
			if l.Key == changed {
				conflicts++
				if !l.Conflict || l.Changed || l.Error == "" || l.NewRevision != 0 {
					t.Errorf("line of the changed key: %+v, want a conflict", l)
				}
			} else if l.Conflict || !l.Changed {
				t.Errorf("line %+v, want restored", l)
			}
		}
		if conflicts != 1 {
			t.Errorf("%d lines for %s, want 1", conflicts, changed)
		}
		if !strings.Contains(r.errOut, pod.Name) {
			t.Errorf("stderr does not name the conflicting pod:\n%s", r)
		}
	})

	t.Run("not a journal", func(t *testing.T) {
		c := capsized(t)
		empty := c.journal("empty.jsonl")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"testdata/plan-example.yaml", empty, "cli_test.go"} {
			rev := c.revision()
			r := c.run("undo", file, "--yes")
			if r.code != exitUsage {
				t.Errorf("undo %s: want exit 2, got %s", file, r)
			}
			c.assertUnchanged(rev, r)
		}
		rev := c.revision()
		r := c.run("undo", c.journal("no-such-journal.jsonl"), "--yes")
		if r.code == exitOK {
			t.Errorf("undo of a missing file: exit 0")
		}
		c.assertUnchanged(rev, r)
	})
}

// sortedKeys is for stable messages.
func sortedKeys(m map[string]kv) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkPlanExampleApplied checks what testdata/plan-example.yaml does: the
// pods on worker-1 undeleted, every node untainted, nothing else written.
func (c *cluster) checkPlanExampleApplied(t *testing.T, before map[string]kv, all, onWorker1 []string) {
	t.Helper()
	if got := c.terminatingOn("worker-1"); len(got) != 0 {
		t.Errorf("still Terminating on worker-1: %v", got)
	}
	if got := c.terminatingOn(""); len(got) != len(all)-len(onWorker1) {
		t.Errorf("%d pods Terminating, want the %d not on worker-1", len(got), len(all)-len(onWorker1))
	}
	for _, name := range nodeNames {
		if hasTaint(c.node(name), corev1.TaintNodeUnreachable) {
			t.Errorf("%s still tainted unreachable", name)
		}
	}
	after, _ := c.snapshot()
	if got, want := len(diffKeys(before, after)), len(onWorker1)+5; got != want {
		t.Errorf("%d keys written, want %d (pods on worker-1 and 5 tainted nodes)", got, want)
	}
}

// TestApplyObjectsPlan: edit, delete and create in a plan file go through
// the same path as the commands: a dry run writes nothing, the run writes
// all three, and undo puts the cluster back.
func TestApplyObjectsPlan(t *testing.T) {
	c := newCluster(t, demo.Options{})
	const edited, deleted, created = "/registry/configmaps/shop/frontend-config", "/registry/configmaps/shop/checkout-config", "/registry/configmaps/shop/cart-config"
	before, rev := c.snapshot()
	if _, ok := before[created]; ok {
		t.Fatalf("seed: %s exists", created)
	}
	r := c.run("apply", "-f", "testdata/plan-objects.yaml", "--dry-run")
	wantCode(t, r, exitOK)
	c.assertUnchanged(rev, r)
	for _, want := range []string{"+  LOG_LEVEL: debug", "configmaps/shop/checkout-config", "+  UPSTREAM_URL: http://cart.shop.svc.cluster.local:8080"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the dry run does not show %q:\n%s", want, r)
		}
	}

	j := c.journal("objects.jsonl")
	wantCode(t, c.run("apply", "-f", "testdata/plan-objects.yaml", "--yes", "--journal", j), exitOK)
	after, _ := c.snapshot()
	if _, ok := after[deleted]; ok {
		t.Errorf("%s not deleted", deleted)
	}
	if _, ok := after[created]; !ok {
		t.Errorf("%s not created", created)
	}
	if !strings.Contains(decodeObject(t, edited, after[edited].Value).(*corev1.ConfigMap).Data["LOG_LEVEL"], "debug") {
		t.Errorf("%s not edited", edited)
	}

	wantCode(t, c.run("undo", j, "--yes"), exitOK)
	undone, _ := c.snapshot()
	for _, key := range []string{edited, deleted, created} {
		if undone[key].Value != before[key].Value {
			t.Errorf("undo did not put %s back", key)
		}
	}
}
