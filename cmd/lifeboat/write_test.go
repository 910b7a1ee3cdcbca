package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestWriteExitCodes: 0 when done and when there is nothing to do, 1 when
// there is no terminal and no --yes, 3 when a key is skipped.
func TestWriteExitCodes(t *testing.T) {
	c := capsized(t)
	shop := c.terminatingPods("/registry/pods/shop/")
	if len(shop) == 0 {
		t.Fatal("no Terminating pod in shop")
	}

	t.Run("no --yes and no terminal: exit 1, nothing written", func(t *testing.T) {
		rev := c.revision()
		j := c.journal("no-yes.jsonl")
		r := c.run("pods", "undelete", "-n", "shop", "--journal", j)
		wantCode(t, r, exitError)
		c.assertUnchanged(rev, r)
		if !strings.Contains(r.errOut, "--yes") || !strings.Contains(r.errOut, "nothing written") {
			t.Errorf("message does not say to add --yes and that nothing was written:\n%s", r)
		}
		if !strings.Contains(r.out, "-  deletionTimestamp:") {
			t.Errorf("no preview diff before refusing:\n%s", r)
		}
		if _, err := os.Stat(j); !os.IsNotExist(err) {
			t.Errorf("journal %s created for a refused write (stat: %v)", j, err)
		}
	})

	t.Run("done: exit 0", func(t *testing.T) {
		before, _ := c.snapshot()
		r := c.run("pods", "undelete", "-n", "shop", "--yes")
		wantCode(t, r, exitOK)
		after, _ := c.snapshot()
		written := diffKeys(before, after)
		sort.Strings(written)
		if !slices.Equal(written, shop) {
			t.Errorf("keys written %v, want the Terminating pods of shop %v", written, shop)
		}
		if left := c.terminatingPods("/registry/pods/shop/"); len(left) != 0 {
			t.Errorf("still Terminating: %v", left)
		}
	})

	t.Run("second run: nothing to do, exit 0, nothing written", func(t *testing.T) {
		rev := c.revision()
		j := c.journal("second.jsonl")
		r := c.run("pods", "undelete", "-n", "shop", "--yes", "--journal", j)
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
		if !strings.Contains(strings.ToLower(r.errOut), "nothing to do") {
			t.Errorf("no 'Nothing to do':\n%s", r)
		}
		if _, err := os.Stat(j); !os.IsNotExist(err) {
			t.Errorf("journal %s created for a run that wrote nothing (stat: %v)", j, err)
		}
	})

	t.Run("poison pod skipped: exit 3, every other pod written", func(t *testing.T) {
		want := c.terminatingPods("/registry/pods/")
		if len(want) == 0 {
			t.Fatal("no Terminating pods left")
		}
		poison := c.get(poisonKey)
		before, _ := c.snapshot()
		r := c.run("pods", "undelete", "-A", "--yes")
		wantCode(t, r, exitPartial)
		after, _ := c.snapshot()
		written := diffKeys(before, after)
		sort.Strings(written)
		if !slices.Equal(written, want) {
			t.Errorf("keys written %v, want %v", written, want)
		}
		if got := c.get(poisonKey); got != poison {
			t.Errorf("poison pod rewritten: %+v -> %+v", poison, got)
		}
		if !strings.Contains(r.errOut, "default/poison") {
			t.Errorf("the skipped key is not named:\n%s", r)
		}
		// The last line says what was left undone, not just "see above".
		lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
		if last := lines[len(lines)-1]; !strings.Contains(last, "not done: 1 skipped") || strings.Contains(last, "conflict") {
			t.Errorf("last line %q, want it to say 1 skipped and no conflict", last)
		}
	})

	t.Run("all 40 at once", func(t *testing.T) {
		c := capsized(t)
		want := c.terminatingPods("/registry/pods/")
		if len(want) != 40 {
			t.Fatalf("seed has %d Terminating pods, want 40", len(want))
		}
		r := c.run("pods", "undelete", "-A", "--yes")
		wantCode(t, r, exitPartial)
		if left := c.terminatingPods("/registry/pods/"); len(left) != 0 {
			t.Errorf("still Terminating: %v", left)
		}
	})
}

var resultFields = []string{"key", "resource", "namespace", "name", "action", "changed", "oldRevision", "newRevision", "conflict", "error"}

// checkResultLine checks one -o json line has exactly the documented fields
// with their types, and returns it typed.
func checkResultLine(t *testing.T, m map[string]any) resultLine {
	t.Helper()
	for _, f := range resultFields {
		if _, ok := m[f]; !ok {
			t.Errorf("line lacks %q: %v", f, m)
		}
	}
	for f := range m {
		if !slices.Contains(resultFields, f) && f != "dryRun" {
			t.Errorf("line has undocumented field %q: %v", f, m)
		}
	}
	for _, f := range []string{"changed", "conflict"} {
		if _, ok := m[f].(bool); !ok {
			t.Errorf("%s is %T, want bool: %v", f, m[f], m)
		}
	}
	for _, f := range []string{"oldRevision", "newRevision"} {
		if _, ok := m[f].(float64); !ok {
			t.Errorf("%s is %T, want a number: %v", f, m[f], m)
		}
	}
	for _, f := range []string{"key", "resource", "namespace", "name", "action", "error"} {
		if _, ok := m[f].(string); !ok {
			t.Errorf("%s is %T, want a string: %v", f, m[f], m)
		}
	}
	data, _ := json.Marshal(m)
	var l resultLine
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestWriteJSONLines: -o json prints one line per touched key, and the new
// revision it reports is the key's mod_revision (the new resourceVersion).
func TestWriteJSONLines(t *testing.T) {
	c := capsized(t)
	terminating := c.terminatingPods("/registry/pods/")
	before, rev := c.snapshot()
	var podKeys []string
	for k := range before {
		if strings.HasPrefix(k, "/registry/pods/") {
			podKeys = append(podKeys, k)
		}
	}
	sort.Strings(podKeys)

	check := func(t *testing.T, r result, dryRun bool) map[string]resultLine {
		t.Helper()
		got := map[string]resultLine{}
		var keys []string
		for _, m := range jsonLines(t, r.out) {
			l := checkResultLine(t, m)
			if _, dup := got[l.Key]; dup {
				t.Errorf("key %s reported twice", l.Key)
			}
			got[l.Key] = l
			keys = append(keys, l.Key)
			if l.Resource != "pods" || l.Action != "undelete-pods" || l.Key != "/registry/pods/"+l.Namespace+"/"+l.Name {
				t.Errorf("line does not describe its key: %+v", l)
			}
			if l.Conflict {
				t.Errorf("conflict on a quiet etcd: %+v", l)
			}
			if l.OldRevision != before[l.Key].ModRevision {
				t.Errorf("%s: oldRevision %d, key was at %d", l.Key, l.OldRevision, before[l.Key].ModRevision)
			}
			if dryRun && (!l.DryRun || l.NewRevision != 0) {
				t.Errorf("dry run line: %+v, want dryRun true and newRevision 0", l)
			}
		}
		sort.Strings(keys)
		if !slices.Equal(keys, podKeys) {
			t.Errorf("lines for %d keys, want one per pod (%d)", len(keys), len(podKeys))
		}
		for _, k := range terminating {
			if !got[k].Changed {
				t.Errorf("%s: changed=false, want true: %+v", k, got[k])
			}
		}
		if p := got[poisonKey]; p.Changed || p.Error == "" || p.NewRevision != 0 {
			t.Errorf("poison pod line %+v, want changed false, an error, newRevision 0", p)
		}
		return got
	}

	t.Run("dry run", func(t *testing.T) {
		r := c.run("pods", "undelete", "-A", "--dry-run", "-o", "json")
		wantCode(t, r, exitPartial)
		c.assertUnchanged(rev, r)
		got := check(t, r, true)
		changed := 0
		for _, l := range got {
			if l.Changed {
				changed++
			}
		}
		if changed != len(terminating) {
			t.Errorf("%d lines changed=true, want %d", changed, len(terminating))
		}
		if !strings.Contains(r.errOut, "-  deletionTimestamp:") {
			t.Errorf("with -o json the diffs belong on stderr:\n%s", r)
		}
	})

	t.Run("write", func(t *testing.T) {
		r := c.run("pods", "undelete", "-A", "--yes", "-o", "json")
		wantCode(t, r, exitPartial)
		got := check(t, r, false)
		after, _ := c.snapshot()
		for k, l := range got {
			switch {
			case l.Changed:
				if l.NewRevision != after[k].ModRevision || l.NewRevision <= l.OldRevision {
					t.Errorf("%s: newRevision %d, etcd mod_revision now %d (was %d)", k, l.NewRevision, after[k].ModRevision, l.OldRevision)
				}
				if l.Error != "" || l.DryRun {
					t.Errorf("%s: written but %+v", k, l)
				}
			default:
				if l.NewRevision != 0 {
					t.Errorf("%s: nothing written but newRevision %d", k, l.NewRevision)
				}
				if after[k] != before[k] {
					t.Errorf("%s: changed=false but etcd has a new value", k)
				}
			}
		}
	})

	t.Run("nothing to do", func(t *testing.T) {
		rev := c.revision()
		r := c.run("nodes", "uncordon", "worker-6", "worker-7", "--yes", "-o", "json")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
		ls := jsonLines(t, r.out)
		if len(ls) != 2 {
			t.Fatalf("%d lines, want 2:\n%s", len(ls), r)
		}
		for _, m := range ls {
			if l := checkResultLine(t, m); l.Changed || l.NewRevision != 0 || l.Resource != "nodes" || l.Action != "uncordon-nodes" {
				t.Errorf("line %+v, want changed false and newRevision 0", l)
			}
		}
	})
}

// TestReadonly: --readonly refuses every write, even with --yes, and reads
// still work.
func TestReadonly(t *testing.T) {
	c := capsized(t)
	// A journal to try undo with: undelete the monitoring pods.
	j := c.journal("to-undo.jsonl")
	wantCode(t, c.run("pods", "undelete", "-n", "monitoring", "--yes", "--journal", j), exitOK)

	writes := [][]string{
		{"--readonly", "pods", "undelete", "-A", "--yes"},
		{"pods", "undelete", "-n", "shop", "--yes", "--readonly"},
		{"--readonly", "nodes", "untaint", "--all", "--yes"},
		{"nodes", "untaint", "worker-1", "--yes", "--readonly", "-o", "json"},
		{"--readonly", "nodes", "uncordon", "worker-3", "--yes"},
		{"--readonly", "finalizers", "remove", "crontabs.stable.example.com", "nightly-backup", "--yes"},
		{"--readonly", "apply", "-f", "testdata/plan-example.yaml", "--yes"},
		{"undo", j, "--yes", "--readonly"},
	}
	for _, args := range writes {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			rev := c.revision()
			jr := c.journal("readonly.jsonl")
			r := c.run(append(args, "--journal", jr)...)
			if r.code == exitOK {
				t.Errorf("exit 0 under --readonly:\n%s", r)
			}
			c.assertUnchanged(rev, r)
			if !strings.Contains(r.errOut, "--readonly") {
				t.Errorf("message does not mention --readonly:\n%s", r)
			}
			if _, err := os.Stat(jr); !os.IsNotExist(err) {
				t.Errorf("journal created under --readonly (stat: %v)", err)
			}
		})
	}
	t.Run("LIFEBOAT_READONLY", func(t *testing.T) {
		t.Setenv("LIFEBOAT_READONLY", "true")
		rev := c.revision()
		r := c.run("nodes", "untaint", "--all", "--yes")
		if r.code == exitOK || !strings.Contains(r.errOut, "--readonly") {
			t.Errorf("LIFEBOAT_READONLY=true did not refuse the write:\n%s", r)
		}
		c.assertUnchanged(rev, r)
	})

	reads := [][]string{
		{"--readonly", "get", "nodes"},
		{"get", "pods", "-n", "shop", "-o", "json", "--readonly"},
		{"--readonly", "ls", "/registry/minions/"},
		{"--readonly", "pods", "undelete", "-n", "shop", "--dry-run"},
	}
	for _, args := range reads {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			rev := c.revision()
			r := c.run(args...)
			wantCode(t, r, exitOK)
			c.assertUnchanged(rev, r)
			if r.out == "" {
				t.Errorf("no output:\n%s", r)
			}
		})
	}
}

var defaultTaints = []string{"node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"}

var nodeNames = []string{"control-plane-1", "worker-1", "worker-2", "worker-3", "worker-4", "worker-5", "worker-6", "worker-7"}

func (c *cluster) nodes() map[string]*corev1.Node {
	c.t.Helper()
	m := map[string]*corev1.Node{}
	for _, n := range nodeNames {
		m[n] = c.node(n)
	}
	return m
}

// withoutTaints is n with the taints keep rejects removed.
func withoutTaints(n *corev1.Node, remove func(corev1.Taint) bool) *corev1.Node {
	n = n.DeepCopy()
	var kept []corev1.Taint
	for _, tn := range n.Spec.Taints {
		if !remove(tn) {
			kept = append(kept, tn)
		}
	}
	n.Spec.Taints = kept
	return n
}

// checkNodes compares every node with want(before), decoded by apimachinery.
func checkNodes(t *testing.T, before, after map[string]*corev1.Node, want func(*corev1.Node) *corev1.Node) {
	t.Helper()
	for _, name := range nodeNames {
		w := want(before[name])
		if !reflect.DeepEqual(w.Spec, after[name].Spec) || !reflect.DeepEqual(w.ObjectMeta, after[name].ObjectMeta) || !reflect.DeepEqual(w.Status, after[name].Status) {
			t.Errorf("%s: spec after %+v\nwant %+v", name, after[name].Spec, w.Spec)
		}
	}
}

func TestNodeRepairs(t *testing.T) {
	t.Run("untaint --all removes only unreachable and not-ready", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		r := c.run("nodes", "untaint", "--all", "--yes")
		wantCode(t, r, exitOK)
		after := c.nodes()
		checkNodes(t, before, after, func(n *corev1.Node) *corev1.Node {
			return withoutTaints(n, func(tn corev1.Taint) bool { return slices.Contains(defaultTaints, tn.Key) })
		})
		if !slices.ContainsFunc(after["worker-5"].Spec.Taints, func(tn corev1.Taint) bool {
			return tn.Key == "dedicated" && tn.Value == "gpu" && tn.Effect == corev1.TaintEffectNoSchedule
		}) {
			t.Errorf("worker-5 lost dedicated=gpu:NoSchedule: %v", after["worker-5"].Spec.Taints)
		}
		rev := c.revision()
		r = c.run("nodes", "untaint", "--all", "--yes")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
	})

	t.Run("untaint --key --effect filters", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		r := c.run("nodes", "untaint", "--all", "--key", "node.kubernetes.io/unreachable", "--effect", "NoExecute", "--yes")
		wantCode(t, r, exitOK)
		checkNodes(t, before, c.nodes(), func(n *corev1.Node) *corev1.Node {
			return withoutTaints(n, func(tn corev1.Taint) bool {
				return tn.Key == "node.kubernetes.io/unreachable" && tn.Effect == corev1.TaintEffectNoExecute
			})
		})
	})

	t.Run("untaint one node by name with an operator's key", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		r := c.run("nodes", "untaint", "worker-5", "--taint-key", "dedicated", "--yes")
		wantCode(t, r, exitOK)
		checkNodes(t, before, c.nodes(), func(n *corev1.Node) *corev1.Node {
			if n.Name != "worker-5" {
				return n
			}
			return withoutTaints(n, func(tn corev1.Taint) bool { return tn.Key == "dedicated" })
		})
	})

	t.Run("uncordon worker-3", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		if !before["worker-3"].Spec.Unschedulable {
			t.Fatal("seed: worker-3 not cordoned")
		}
		r := c.run("nodes", "uncordon", "worker-3", "--yes")
		wantCode(t, r, exitOK)
		// Uncordon also removes the node.kubernetes.io/unschedulable taint
		// the (stopped) node lifecycle controller would remove; nothing else.
		checkNodes(t, before, c.nodes(), uncordoned("worker-3"))
	})

	t.Run("node selector", func(t *testing.T) {
		c := capsized(t)
		before := c.nodes()
		r := c.run("nodes", "untaint", "-l", "nvidia.com/gpu.present=true", "--yes")
		wantCode(t, r, exitOK)
		checkNodes(t, before, c.nodes(), func(n *corev1.Node) *corev1.Node {
			if n.Name != "worker-5" {
				return n
			}
			return withoutTaints(n, func(tn corev1.Taint) bool { return slices.Contains(defaultTaints, tn.Key) })
		})
	})
}

func TestFinalizersRemove(t *testing.T) {
	c := capsized(t)
	var before map[string]any
	raw := c.get(crKey)
	if err := json.Unmarshal([]byte(raw.Value), &before); err != nil {
		t.Fatalf("seed: custom resource not JSON: %v", err)
	}

	t.Run("a finalizer it does not have: nothing to do", func(t *testing.T) {
		rev := c.revision()
		r := c.run("finalizers", "remove", "crontabs.stable.example.com", "nightly-backup", "--finalizer", "other.example.com/x", "--yes")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
	})

	t.Run("custom resource stays JSON, finalizer gone", func(t *testing.T) {
		r := c.run("finalizers", "remove", "crontabs.stable.example.com", "nightly-backup", "--yes")
		wantCode(t, r, exitOK)
		after := c.get(crKey)
		if after.ModRevision == raw.ModRevision {
			t.Fatalf("not written:\n%s", r)
		}
		if !strings.HasPrefix(after.Value, "{") {
			t.Fatalf("value is no longer JSON: %q", after.Value[:min(len(after.Value), 16)])
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(after.Value), &got); err != nil {
			t.Fatalf("value does not parse as JSON: %v", err)
		}
		md := got["metadata"].(map[string]any)
		if f, ok := md["finalizers"]; ok && len(f.([]any)) > 0 {
			t.Errorf("finalizers left: %v", f)
		}
		if _, ok := md["resourceVersion"]; ok {
			t.Errorf("resourceVersion stored: %v (the apiserver stores it empty)", md["resourceVersion"])
		}
		want := before
		delete(want["metadata"].(map[string]any), "finalizers")
		delete(md, "finalizers")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("other fields changed:\ngot  %v\nwant %v", got, want)
		}
	})

	t.Run("one named finalizer of a pod", func(t *testing.T) {
		var key string
		var pod *corev1.Pod
		for _, k := range c.terminatingPods("/registry/pods/shop/") {
			if p := c.pod(k); len(p.Finalizers) > 0 {
				key, pod = k, p
				break
			}
		}
		if pod == nil {
			t.Fatal("seed: no shop pod with finalizers")
		}
		r := c.run("finalizers", "remove", "pods", pod.Name, "-n", "shop", "--finalizer", pod.Finalizers[0], "--yes")
		wantCode(t, r, exitOK)
		want := pod.DeepCopy()
		want.Finalizers = want.Finalizers[1:]
		if len(want.Finalizers) == 0 {
			want.Finalizers = nil
		}
		if got := c.pod(key); !reflect.DeepEqual(got, want) {
			t.Errorf("pod after: %+v\nwant %+v", got.ObjectMeta, want.ObjectMeta)
		}
	})
}

// TestControllerManagerWarning: with a live kube-controller-manager leader,
// a write warns that it will undo the repair.
func TestControllerManagerWarning(t *testing.T) {
	alive := newCluster(t, demo.Options{ControllerManagerAlive: true})
	for _, args := range [][]string{
		{"nodes", "untaint", "--all", "--yes"},
		{"pods", "undelete", "-n", "shop", "--dry-run"},
		{"nodes", "uncordon", "worker-3", "--yes", "-o", "json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := alive.run(args...)
			wantCode(t, r, exitOK)
			if !strings.Contains(r.errOut, "warning") || !strings.Contains(r.errOut, "kube-controller-manager") {
				t.Errorf("no warning about kube-controller-manager on stderr:\n%s", r)
			}
			if strings.Contains(r.out, "kube-controller-manager") {
				t.Errorf("warning on stdout:\n%s", r)
			}
		})
	}
	t.Run("a plan warns once", func(t *testing.T) {
		r := alive.run("apply", "-f", "testdata/plan-example.yaml", "--dry-run")
		if n := strings.Count(r.errOut, "warning: kube-controller-manager"); n != 1 {
			t.Errorf("warned %d times for one plan, want once:\n%s", n, r)
		}
	})
	t.Run("stopped: no warning", func(t *testing.T) {
		c := capsized(t)
		r := c.run("nodes", "untaint", "--all", "--yes")
		wantCode(t, r, exitOK)
		if strings.Contains(r.errOut, "kube-controller-manager") {
			t.Errorf("warning although kube-controller-manager is stopped:\n%s", r)
		}
	})
}

// TestJournalFile: the default journal is
// $LIFEBOAT_JOURNAL_DIR/<UTC time>-<command>.jsonl, mode 0600, nothing in
// the working directory, and holds the before- and after-images.
func TestJournalFile(t *testing.T) {
	c := capsized(t)
	dir := t.TempDir()
	t.Setenv("LIFEBOAT_JOURNAL_DIR", dir)
	t.Chdir(t.TempDir())
	before, _ := c.snapshot()
	r := lifeboat(t, nil, "--endpoints", c.endpoint, "pods", "undelete", "-n", "shop", "--yes")
	wantCode(t, r, exitOK)
	after, _ := c.snapshot()

	name := testNow.UTC().Format("20060102T150405.000Z") + "-pods-undelete.jsonl"
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != name {
		t.Fatalf("files in the journal directory: %v, want [%s]", entries, name)
	}
	if cwd, _ := os.ReadDir("."); len(cwd) != 0 {
		t.Errorf("files left in the working directory: %v", cwd)
	}
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(r.errOut, name) || !strings.Contains(r.errOut, "lifeboat undo") {
		t.Errorf("stderr does not say where the journal is and how to undo:\n%s", r)
	}

	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	for _, m := range jsonLines(t, string(data)) {
		key, _ := m["key"].(string)
		switch m["type"] {
		case "write":
			var e struct {
				Before, After  []byte
				BeforeRevision int64
			}
			b, _ := json.Marshal(m)
			json.Unmarshal(b, &e)
			if string(e.Before) != before[key].Value || e.BeforeRevision != before[key].ModRevision {
				t.Errorf("%s: journal before-image is not what etcd held", key)
			}
			if string(e.After) != after[key].Value {
				t.Errorf("%s: journal after-image is not what etcd holds now", key)
			}
		case "committed":
			if rev, _ := m["afterRevision"].(float64); int64(rev) != after[key].ModRevision {
				t.Errorf("%s: committed at %v, etcd mod_revision %d", key, m["afterRevision"], after[key].ModRevision)
			}
			written[key] = true
		case "begin":
			if m["command"] != "lifeboat pods undelete" || m["prefix"] != "/registry" {
				t.Errorf("begin entry names command %v prefix %v", m["command"], m["prefix"])
			}
		default:
			t.Errorf("journal entry of type %v", m["type"])
		}
	}
	for _, k := range diffKeys(before, after) {
		if !written[k] {
			t.Errorf("%s written but not committed in the journal", k)
		}
	}
	if len(written) == 0 {
		t.Error("empty journal")
	}

	// A journal is always a new file: an existing one, or a symlink to
	// any file, is refused before anything is written, and left as it was.
	for _, tt := range []struct {
		name string
		make func(t *testing.T, path string) (target string)
	}{
		{"existing file", func(t *testing.T, path string) string {
			if err := os.WriteFile(path, []byte("someone's data\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}},
		{"symlink to a file", func(t *testing.T, path string) string {
			target := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(target, []byte("someone's data\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			return target
		}},
		{"dangling symlink", func(t *testing.T, path string) string {
			target := filepath.Join(t.TempDir(), "not-yet")
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			return target
		}},
	} {
		t.Run("--journal to an "+tt.name+" is refused", func(t *testing.T) {
			j := filepath.Join(t.TempDir(), "j.jsonl")
			target := tt.make(t, j)
			beforeTarget, _ := os.ReadFile(target)
			rev := c.revision()
			r := c.run("nodes", "uncordon", "worker-3", "--yes", "--journal", j)
			wantCode(t, r, exitUsage)
			c.assertUnchanged(rev, r)
			if !strings.Contains(r.errOut, "already exists") || !strings.Contains(r.errOut, j) {
				t.Errorf("error does not name the journal and the reason:\n%s", r)
			}
			afterTarget, err := os.ReadFile(target)
			if string(afterTarget) != string(beforeTarget) || (err == nil && len(beforeTarget) == 0) {
				t.Errorf("%s changed: %q -> %q (%v)", target, beforeTarget, afterTarget, err)
			}
			if fi, err := os.Stat(target); err == nil && fi.Mode().Perm() != 0o644 {
				t.Errorf("%s mode changed to %v", target, fi.Mode().Perm())
			}
		})
	}
}

// TestConfirmOnTerminal: on a terminal, lifeboat asks [y/N] and only y
// (or yes) writes.
func TestConfirmOnTerminal(t *testing.T) {
	c := capsized(t)
	tty := func(answer string) result {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"lifeboat", "--endpoints", c.endpoint, "--journal", c.journal("tty.jsonl"), "nodes", "uncordon", "worker-3"}, streams{
			in: strings.NewReader(answer), out: &out, err: &errOut, inTTY: true,
			now: func() time.Time { return testNow },
		})
		return result{code: code, out: out.String(), errOut: errOut.String()}
	}
	rev := c.revision()
	r := tty("no\n")
	wantCode(t, r, exitError)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, "? [y/N]: ") {
		t.Errorf("no question asked:\n%s", r)
	}
	r = tty("y\n")
	wantCode(t, r, exitOK)
	if c.node("worker-3").Spec.Unschedulable {
		t.Errorf("answered yes, worker-3 still cordoned:\n%s", r)
	}
}

// TestGroupedPreview: a preview of many changes shows one diff per distinct
// edit, with its count and the first names; --show-all lists every name.
func TestGroupedPreview(t *testing.T) {
	c := capsized(t)
	r := c.run("pods", "undelete", "-A", "--dry-run")
	wantCode(t, r, exitPartial) // the poison value
	if n := strings.Count(r.out, "--- a/pods/"); n != 1 {
		t.Errorf("%d diffs for 40 identical edits, want 1:\n%s", n, r)
	}
	if !strings.Contains(r.out, "=== 40 pods: - metadata.deletionTimestamp, - metadata.deletionGracePeriodSeconds") ||
		!strings.Contains(r.out, "... and 30 more (--show-all lists them)") {
		t.Errorf("no group line with count and names:\n%s", r)
	}
	r = c.run("pods", "undelete", "-A", "--dry-run", "--show-all")
	if strings.Contains(r.out, "more (--show-all") || !strings.Contains(r.out, "shop/frontend-") {
		t.Errorf("--show-all does not list every name:\n%s", r)
	}
	// A few changes: each diff, as before.
	r = c.run("pods", "undelete", "-n", "shop", "--dry-run")
	if n := strings.Count(r.out, "--- a/pods/shop/"); n < 2 || strings.Contains(r.out, "===") {
		t.Errorf("a preview of a few changes is grouped (%d diffs):\n%s", n, r)
	}
}

// uncordoned is what uncordon makes of node name: spec.unschedulable false
// and no node.kubernetes.io/unschedulable taint; other nodes unchanged.
func uncordoned(name string) func(*corev1.Node) *corev1.Node {
	return func(n *corev1.Node) *corev1.Node {
		if n.Name != name {
			return n
		}
		n = withoutTaints(n, func(tn corev1.Taint) bool { return tn.Key == corev1.TaintNodeUnschedulable })
		n.Spec.Unschedulable = false
		return n
	}
}
