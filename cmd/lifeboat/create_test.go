package main

import (
	"os"
	"strings"
	"testing"
)

// TestCreateFromABackup: a ConfigMap and a custom resource backed up with
// get -o yaml, deleted, come back with create byte for byte as the
// apiserver stored them; a second create is a conflict, never an
// overwrite; a field the kind does not have is refused; undo deletes.
func TestCreateFromABackup(t *testing.T) {
	c := capsized(t)
	const cmKey = "/registry/configmaps/shop/frontend-config"
	const crKey = "/registry/stable.example.com/crontabs/default/nightly-backup"
	was := map[string]string{cmKey: c.get(cmKey).Value, crKey: c.get(crKey).Value}

	backup := c.journal("backup.yaml")
	cm := c.run("get", "cm", "frontend-config", "-n", "shop", "-o", "yaml")
	crs := c.run("get", "crontabs", "-A", "-o", "yaml")
	wantCode(t, cm, exitOK)
	wantCode(t, crs, exitOK)
	if err := os.WriteFile(backup, []byte(cm.out+"---\n"+crs.out), 0o600); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.run("delete", "cm", "frontend-config", "-n", "shop", "--yes"), exitOK)
	wantCode(t, c.run("finalizers", "remove", "ct", "nightly-backup", "--yes"), exitOK)
	wantCode(t, c.run("delete", "ct", "nightly-backup", "--yes"), exitOK)

	j := c.journal("create.jsonl")
	r := c.run("create", "-f", backup, "--yes", "--journal", j)
	wantCode(t, r, exitOK)
	if got := c.get(cmKey).Value; got != was[cmKey] {
		t.Error("the ConfigMap came back with other bytes than the apiserver had stored")
	}
	// The custom resource lost its finalizer before the delete.
	if got := c.get(crKey).Value; !strings.Contains(got, `"kind":"CronTab"`) || strings.Contains(got, "resourceVersion") {
		t.Errorf("the custom resource came back as %s", got)
	}

	rev := c.revision()
	r = c.run("create", "-f", backup, "--yes")
	wantCode(t, r, exitPartial)
	c.assertUnchanged(rev, r)

	bad := c.journal("bad.yaml")
	os.WriteFile(bad, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: shop\nbogus: 1\n"), 0o600)
	r = c.run("create", "-f", bad, "--yes")
	wantCode(t, r, exitUsage)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, `unknown field "bogus"`) {
		t.Errorf("the refusal does not name the field:\n%s", r)
	}

	wantCode(t, c.run("undo", j, "--yes"), exitOK)
	if got := c.run("get", "cm", "frontend-config", "-n", "shop"); got.code == exitOK {
		t.Error("undo of a create did not delete the object")
	}
}
