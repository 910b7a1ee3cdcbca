package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestDeleteCommand: delete previews the removal, writes nothing on a dry
// run, removes the key with --yes, and undo re-creates it as it was; a
// delete without names is refused.
func TestDeleteCommand(t *testing.T) {
	c := capsized(t)
	const key = "/registry/configmaps/shop/frontend-config"
	was := c.get(key)

	rev := c.revision()
	r := c.run("delete", "cm", "frontend-config", "-n", "shop", "--dry-run")
	wantCode(t, r, exitOK)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.out, "-kind: ConfigMap") {
		t.Errorf("the preview does not show the removal:\n%s", r)
	}

	j := c.journal("delete.jsonl")
	wantCode(t, c.run("delete", "cm", "frontend-config", "-n", "shop", "--yes", "--journal", j), exitOK)
	if got := c.run("get", "cm", "frontend-config", "-n", "shop"); got.code == exitOK {
		t.Errorf("still there after delete:\n%s", got)
	}
	wantCode(t, c.run("undo", j, "--yes"), exitOK)
	if got := c.get(key); got.Value != was.Value {
		t.Error("undo did not re-create the ConfigMap as it was")
	}

	rev = c.revision()
	r = c.run("delete", "cm", "-n", "shop", "--yes")
	wantCode(t, r, exitUsage)
	c.assertUnchanged(rev, r)
}

// TestDeleteSelectors: delete takes get's selectors. 'delete pods -A
// --node spot-1' deletes every pod bound to spot-1 and nothing else; a
// label selector narrows a namespace; an empty selection, and names with
// -A, are refused with how to select, nothing written.
func TestDeleteSelectors(t *testing.T) {
	c := newCluster(t, demo.Options{}) // no undecodable pod: a selection would report it as skipped
	c.withPodsOn("spot-1", "shop/spot-a", "payments/spot-b")

	rev := c.revision()
	r := c.run("delete", "pods", "-A", "--node", "spot-1", "--dry-run")
	wantCode(t, r, exitOK)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, "delete: 2 would change") {
		t.Errorf("the dry run does not count spot-1's 2 pods:\n%s", r)
	}

	before, _ := c.snapshot()
	wantCode(t, c.run("delete", "pods", "-A", "--node", "spot-1", "--yes"), exitOK)
	after, _ := c.snapshot()
	gone := diffKeys(before, after)
	sort.Strings(gone)
	if strings.Join(gone, " ") != "/registry/pods/payments/spot-b /registry/pods/shop/spot-a" {
		t.Errorf("delete pods -A --node spot-1 changed %v, want exactly spot-1's pods gone", gone)
	}

	r = c.run("delete", "pods", "-n", "shop", "-l", "app=cart", "--field-selector", "status.phase=Running", "--dry-run", "-o", "json")
	wantCode(t, r, exitOK)
	selected := jsonLines(t, r.out)
	if len(selected) == 0 {
		t.Fatalf("-l app=cart selected nothing in shop:\n%s", r)
	}
	for _, m := range selected {
		if l := checkResultLine(t, m); !strings.HasPrefix(l.Name, "cart-") || l.Namespace != "shop" || l.Action != "delete" {
			t.Errorf("selected %s/%s (%s), want only shop's cart pods", l.Namespace, l.Name, l.Action)
		}
	}

	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"delete", "pods", "-n", "shop", "--yes"}, "name the objects, or select them with a label selector (-l app=web)"},
		{[]string{"delete", "nodes", "-A", "--yes"}, "delete nodes: name the objects"},
		{[]string{"delete", "pods", "-A", "cart-0", "--yes"}, "give -n NAMESPACE, not -A"},
		{[]string{"delete", "configmaps", "-n", "shop", "--node", "worker-1", "--yes"}, "--node selects pods"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			rev := c.revision()
			r := c.run(tc.args...)
			wantCode(t, r, exitUsage)
			c.assertUnchanged(rev, r)
			if !strings.Contains(r.errOut, tc.say) {
				t.Errorf("stderr does not say %q:\n%s", tc.say, r)
			}
		})
	}
}
