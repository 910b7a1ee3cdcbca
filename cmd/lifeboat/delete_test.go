package main

import (
	"strings"
	"testing"
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
