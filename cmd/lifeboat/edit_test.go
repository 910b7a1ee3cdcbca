package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestEdit: a merge patch and an editor edit go through the write path
// (journal, undo); a misspelt field is refused, and in the editor the file
// comes back with the error on top until it is fixed; fields a newer
// Kubernetes wrote make an edit refuse unless --allow-field-loss.
func TestEdit(t *testing.T) {
	c := capsized(t)
	const key = "/registry/configmaps/shop/frontend-config"
	was := c.get(key).Value

	r := c.run("edit", "cm", "frontend-config", "-n", "shop", "--patch", `{}`, "--yes")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.errOut, "Nothing to do") || c.get(key).Value != was {
		t.Errorf("an empty patch wrote:\n%s", r)
	}

	j := c.journal("edit.jsonl")
	wantCode(t, c.run("edit", "cm", "frontend-config", "-n", "shop", "--patch", `{"data":{"LOG_LEVEL":"debug"}}`, "--yes", "--journal", j), exitOK)
	if got := c.run("get", "cm", "frontend-config", "-n", "shop", "-o", "yaml"); !strings.Contains(got.out, "LOG_LEVEL: debug") {
		t.Errorf("the patch is not in the object:\n%s", got.out)
	}
	wantCode(t, c.run("undo", j, "--yes"), exitOK)
	if c.get(key).Value != was {
		t.Error("undo did not put the ConfigMap back")
	}

	rev := c.revision()
	r = c.run("edit", "cm", "frontend-config", "-n", "shop", "--patch", `{"dataa":{"x":"y"}}`, "--yes")
	wantCode(t, r, exitUsage)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, `unknown field "dataa"`) {
		t.Errorf("the refusal does not name the field:\n%s", r)
	}

	// An editor that misspells a field, then, shown the error, fixes it.
	script := filepath.Join(t.TempDir(), "editor.sh")
	os.WriteFile(script, []byte(`#!/bin/sh
if grep -q "could not be written" "$1"; then
  sed -i 's/^dataa:/data:/' "$1"
else
  sed -i 's/^data:/dataa:/; s/UPSTREAM_CART_URL: .*/UPSTREAM_CART_URL: http:\/\/cart-v2:8080/' "$1"
fi
`), 0o700)
	t.Setenv("EDITOR", script)
	r = c.run("edit", "cm", "frontend-config", "-n", "shop", "--yes")
	wantCode(t, r, exitOK)
	if got := c.run("get", "cm", "frontend-config", "-n", "shop", "-o", "yaml"); !strings.Contains(got.out, "http://cart-v2:8080") {
		t.Errorf("the editor's edit is not in the object:\n%s", got.out)
	}

	// A ConfigMap with a field from a newer Kubernetes.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "newer", Namespace: "shop"}, Data: map[string]string{"a": "b"}}
	value, err := codec.EncodeProtobuf(cm)
	if err != nil {
		t.Fatal(err)
	}
	value = withObjectField(t, value, protowire.AppendBytes(protowire.AppendTag(nil, 50, protowire.BytesType), []byte("new")))
	if _, err := c.cli.Put(context.Background(), "/registry/configmaps/shop/newer", string(value)); err != nil {
		t.Fatal(err)
	}
	rev = c.revision()
	r = c.run("edit", "cm", "newer", "-n", "shop", "--patch", `{"data":{"a":"c"}}`, "--yes")
	wantCode(t, r, exitUsage)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, "--allow-field-loss") || !strings.Contains(r.errOut, "field 50") {
		t.Errorf("the refusal does not name the field or the way on:\n%s", r)
	}
	wantCode(t, c.run("edit", "cm", "newer", "-n", "shop", "--patch", `{"data":{"a":"c"}}`, "--yes", "--allow-field-loss"), exitOK)
}
