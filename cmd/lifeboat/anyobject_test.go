package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestAnyObject is issue #10's "done when" from the CLI: a ConfigMap, a
// Deployment, a CRD and an encrypted Secret are each edited, deleted,
// re-created from a `get -o yaml` backup, and put back by undo at every
// step.
func TestAnyObject(t *testing.T) {
	c := capsized(t)
	config := filepath.Join(t.TempDir(), "encryption-config.yaml")
	if err := os.WriteFile(config, demo.EncryptionConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		resource, namespace, name, key string
	}{
		{"configmap", "shop", "frontend-config", "/registry/configmaps/shop/frontend-config"},
		{"deployment", "shop", "frontend", "/registry/deployments/shop/frontend"},
		{"crd", "", "crontabs.stable.example.com", "/registry/apiextensions.k8s.io/customresourcedefinitions/crontabs.stable.example.com"},
		{"secret", "payments", "card-processor-token", "/registry/secrets/payments/card-processor-token"},
	} {
		t.Run(tc.resource, func(t *testing.T) {
			n := 0
			lb := func(args ...string) result {
				t.Helper()
				full := append([]string{"--encryption-config", config}, args...)
				if tc.namespace != "" {
					full = append(full, "-n", tc.namespace)
				}
				return c.run(full...)
			}
			journal := func() string {
				n++
				return c.journal(tc.resource + "-" + string(rune('a'+n)) + ".jsonl")
			}
			mustOK := func(r result) result {
				t.Helper()
				wantCode(t, r, exitOK)
				return r
			}
			// show is the object as get shows it, without its
			// resourceVersion: every write gives it a new one.
			show := func() string {
				t.Helper()
				out := mustOK(lb("get", tc.resource, tc.name, "-o", "yaml", "--show-secrets")).out
				var kept []string
				for _, line := range strings.Split(out, "\n") {
					if !strings.HasPrefix(strings.TrimSpace(line), "resourceVersion:") {
						kept = append(kept, line)
					}
				}
				return strings.Join(kept, "\n")
			}
			exists := func() bool {
				t.Helper()
				resp, err := c.cli.Get(context.Background(), tc.key)
				if err != nil {
					t.Fatal(err)
				}
				return len(resp.Kvs) == 1
			}
			original := show()
			encrypted := strings.HasPrefix(c.get(tc.key).Value, "k8s:enc:")
			if (tc.resource == "secret") != encrypted {
				t.Fatalf("%s encrypted at rest: %v", tc.key, encrypted)
			}

			// Edit, and undo.
			je := journal()
			mustOK(lb("edit", tc.resource, tc.name, "--patch", `{"metadata":{"labels":{"lifeboat-test":"edited"}}}`, "--yes", "--journal", je))
			if !strings.Contains(show(), "lifeboat-test: edited") {
				t.Fatal("the edit is not in the object")
			}
			if encrypted != strings.HasPrefix(c.get(tc.key).Value, "k8s:enc:aescbc:v1:key1:") {
				t.Errorf("the edit was not written as the apiserver would (encrypted: %v)", encrypted)
			}
			mustOK(c.run("--encryption-config", config, "undo", je, "--yes"))
			if got := show(); got != original {
				t.Errorf("undo of the edit:\n%s\nwant\n%s", got, original)
			}

			// Delete, and undo (re-created).
			backup := filepath.Join(t.TempDir(), "backup.yaml")
			os.WriteFile(backup, []byte(original), 0o600)
			jd := journal()
			mustOK(lb("delete", tc.resource, tc.name, "--yes", "--journal", jd))
			if exists() {
				t.Fatal("delete left the key")
			}
			mustOK(c.run("--encryption-config", config, "undo", jd, "--yes"))
			if got := show(); got != original {
				t.Errorf("undo of the delete:\n%s\nwant\n%s", got, original)
			}

			// Delete, re-create from the backup, and undo both.
			jd2 := journal()
			mustOK(lb("delete", tc.resource, tc.name, "--yes", "--journal", jd2))
			jc := journal()
			mustOK(c.run("--encryption-config", config, "create", "-f", backup, "--yes", "--journal", jc))
			if got := show(); got != original {
				t.Errorf("re-created from the backup:\n%s\nwant\n%s", got, original)
			}
			if encrypted != strings.HasPrefix(c.get(tc.key).Value, "k8s:enc:aescbc:v1:key1:") {
				t.Errorf("create did not write it as the apiserver would (encrypted: %v)", encrypted)
			}
			mustOK(c.run("--encryption-config", config, "undo", jc, "--yes"))
			if exists() {
				t.Error("undo of the create left the key")
			}
			mustOK(c.run("--encryption-config", config, "undo", jd2, "--yes"))
			if got := show(); got != original {
				t.Errorf("undo of the second delete:\n%s\nwant\n%s", got, original)
			}
		})
	}
}
