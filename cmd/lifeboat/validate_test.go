package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestNothingTheAPIServerWouldRefuseIsWritten: create and edit refuse,
// with exit 2 and nothing written, what kube-apiserver would have refused
// to store: a kind in a version or group it does not have, a custom
// resource no CRD declares, names and namespaces its resource does not
// accept, an object in another namespace than -n, and an edit of what its
// update strategy keeps immutable.
func TestNothingTheAPIServerWouldRefuseIsWritten(t *testing.T) {
	c := capsized(t)
	manifest := func(apiVersion, kind, name, namespace string) string {
		m := "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n"
		if namespace != "" {
			m += "  namespace: " + namespace + "\n"
		}
		return m
	}
	cm := func(name, namespace string) string { return manifest("v1", "ConfigMap", name, namespace) }
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"a Pod in apps/v1", []string{"create", "-f", "-"}, manifest("apps/v1", "Pod", "p", "shop"), "serves no pod in apps"},
		{"a Pod in v9", []string{"create", "-f", "-"}, manifest("v9", "Pod", "p", "shop"), "stores it as v1, not v9"},
		{"a custom resource no CRD declares", []string{"create", "-f", "-"}, manifest("example.io/v1", "Widget", "w", "shop"), "no CustomResourceDefinition in etcd declares"},
		{"a name with a slash", []string{"create", "-f", "-"}, cm(`"a/b"`, "shop"), "metadata.name"},
		{"the name ..", []string{"create", "-f", "-"}, cm(`".."`, "shop"), "metadata.name"},
		{"the name .", []string{"create", "-f", "-"}, cm(`"."`, "shop"), "metadata.name"},
		{"a newline in the name", []string{"create", "-f", "-"}, cm(`"a\nb"`, "shop"), "metadata.name"},
		{"an ESC in the name", []string{"create", "-f", "-"}, cm(`"a\eb"`, "shop"), "metadata.name"},
		{"upper case", []string{"create", "-f", "-"}, cm("Shop-Config", "shop"), "metadata.name"},
		{"300 characters", []string{"create", "-f", "-"}, cm(strings.Repeat("a", 300), "shop"), "metadata.name"},
		{"a namespace with a slash", []string{"create", "-f", "-"}, cm("c", `"a/b"`), "metadata.namespace"},
		{"a dot in a namespace's name", []string{"create", "-f", "-"}, manifest("v1", "Namespace", "a.b", ""), "metadata.name"},
		{"-n shop for an object of prod", []string{"create", "-f", "-", "-n", "shop"}, cm("c", "prod"), `does not match -n "shop"`},
		{"an edit of the uid", []string{"edit", "cm", "frontend-config", "-n", "shop", "--patch", `{"metadata":{"uid":"00000000-0000-0000-0000-000000000001"}}`, "--yes"}, "", "metadata.uid"},
		{"an edit of creationTimestamp", []string{"edit", "cm", "frontend-config", "-n", "shop", "--patch", `{"metadata":{"creationTimestamp":"2020-01-01T00:00:00Z"}}`, "--yes"}, "", "metadata.creationTimestamp"},
		{"an edit that adds a deletion", []string{"edit", "cm", "frontend-config", "-n", "shop", "--patch", `{"metadata":{"deletionTimestamp":"2026-11-22T03:00:00Z"}}`, "--yes"}, "", "metadata.deletionTimestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev := c.revision()
			args := append([]string{}, tt.args...)
			if tt.args[0] == "create" {
				args = append(args, "--yes")
			}
			r := c.runIn([]byte(tt.stdin), args...)
			wantCode(t, r, exitUsage)
			if !strings.Contains(r.errOut, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, r.errOut)
			}
			c.assertUnchanged(rev, r)
		})
	}
	// What the apiserver accepts is written: a name its rule allows for
	// the resource (RBAC roles take path segments: upper case, colons).
	r := c.runIn([]byte(manifest("rbac.authorization.k8s.io/v1", "Role", "System:Reader", "shop")), "create", "-f", "-", "--yes")
	wantCode(t, r, exitOK)
}

// TestAPlanIsValidatedWholeBeforeItsFirstWrite: a plan whose second
// operation cannot run (an edit of an object that does not exist) writes
// nothing with --yes, as its dry run and its prompt refuse it.
func TestAPlanIsValidatedWholeBeforeItsFirstWrite(t *testing.T) {
	c := capsized(t)
	plan := filepath.Join(t.TempDir(), "plan.yaml")
	writeFile(t, plan, `operations:
- action: undelete-pods
  allNamespaces: true
- action: edit
  resource: configmaps
  namespace: shop
  names: [no-such-config]
  patch: {data: {A: b}}
`)
	for _, args := range [][]string{{"apply", "-f", plan, "--dry-run"}, {"apply", "-f", plan, "--yes"}} {
		rev := c.revision()
		r := c.run(args...)
		if r.code == exitOK || !strings.Contains(r.errOut, "no-such-config not found") {
			t.Errorf("%v: %s; want it refused, naming the missing object", args, r)
		}
		c.assertUnchanged(rev, r)
	}
}

// TestConcurrentRunsCountOnlyTheirOwnWrites: two undeletes of the same pods
// at once: each key is written by one of them, and each says it changed
// only the keys it wrote (the one that lost a race does not claim it), so
// their counts add up to the pods undeleted, and their "Changes written"
// show only their own writes.
func TestConcurrentRunsCountOnlyTheirOwnWrites(t *testing.T) {
	c := capsized(t)
	terminating := len(c.terminatingPods("/registry/pods/"))
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = lifeboat(t, nil, "--endpoints", c.endpoint, "--journal", c.journal(fmt.Sprintf("race-%d.jsonl", i)), "pods", "undelete", "-A", "--yes")
		}()
	}
	wg.Wait()
	changed := regexp.MustCompile(`: (\d+) changed`)
	total := 0
	for i, r := range results {
		m := changed.FindStringSubmatch(r.errOut)
		if m == nil {
			t.Fatalf("run %d says nothing of what it changed:\n%s", i, r)
		}
		n, _ := strconv.Atoi(m[1])
		total += n
		if shown := strings.Count(r.out, "deletionTimestamp:"); n > 0 && shown == 0 || n == 0 && strings.Contains(r.out, "Changes written") {
			t.Errorf("run %d changed %d, and shows:\n%s", i, n, r.out)
		}
	}
	if total != terminating {
		t.Errorf("the two runs say they changed %d pods together, want the %d Terminating ones, each once:\n%s\n%s", total, terminating, results[0], results[1])
	}
	if left := len(c.terminatingPods("/registry/pods/")); left != 0 {
		t.Errorf("%d pods still Terminating", left)
	}
}

// TestJournalShowSaysWhatWasInDoubt: a write whose Txn outcome etcd did
// not report, settled by reading its key, shows how in journal show.
func TestJournalShowSaysWhatWasInDoubt(t *testing.T) {
	c := capsized(t)
	j := c.journal("doubt.jsonl")
	wantCode(t, c.run("pods", "undelete", "-n", "shop", "--yes", "--journal", j), exitOK)
	data, err := os.ReadFile(j)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	doubted := ""
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		out = append(out, l)
		var e map[string]any
		json.Unmarshal([]byte(l), &e)
		if e["type"] == "write" && doubted == "" {
			doubted = e["key"].(string)
			out = append(out, fmt.Sprintf(`{"type":"resolved","time":"2026-11-22T03:00:00Z","key":%q,"resolution":"retried"}`, doubted))
		}
	}
	writeFile(t, j, strings.Join(out, "\n")+"\n")
	r := c.run("journal", "show", j)
	wantCode(t, r, exitOK)
	if !strings.Contains(r.out, "(in doubt: retried)") {
		t.Errorf("journal show does not say %s was in doubt:\n%s", doubted, r)
	}
	r = c.run("journal", "show", j, "-o", "json")
	if !strings.Contains(r.out, `"inDoubt":"retried"`) {
		t.Errorf("journal show -o json does not say it:\n%s", r)
	}
}

// TestNamesWithAllNamespaces: a name given with -A is looked for in every
// namespace, by the validation before the first write as by the preview:
// the write the dry run showed is made; a name in no namespace is refused.
func TestNamesWithAllNamespaces(t *testing.T) {
	c := capsized(t)
	key := c.terminatingPods("/registry/pods/shop/")[0]
	name := key[strings.LastIndexByte(key, '/')+1:]
	wantCode(t, c.run("pods", "undelete", name, "-A", "--dry-run"), 0)
	wantCode(t, c.run("pods", "undelete", name, "-A", "--yes"), 0)
	if left := c.terminatingPods(key); len(left) != 0 {
		t.Errorf("%s is still Terminating", key)
	}
	rev := c.revision()
	r := c.run("pods", "undelete", "no-such-pod", "-A", "--yes")
	if r.code != 2 && r.code != 1 || !strings.Contains(r.errOut, "no-such-pod not found") {
		t.Errorf("a name in no namespace: %s", r)
	}
	c.assertUnchanged(rev, r)
}
