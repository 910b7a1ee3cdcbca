package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestAnyObjectFromTheTUI is issue #10's "done when" in the TUI: a
// ConfigMap, a Deployment, a CRD and an encrypted Secret (the TUI given
// the cluster's encryption config) are each edited with e and deleted with
// ctrl+d, and undo from the journal view puts each back, the deleted ones
// re-created.
func TestAnyObjectFromTheTUI(t *testing.T) {
	config := filepath.Join(t.TempDir(), "encryption-config.yaml")
	if err := os.WriteFile(config, demo.EncryptionConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	objects := []struct{ view, name, key string }{
		{"cm shop", "frontend-config", "/registry/configmaps/shop/frontend-config"},
		{"deploy shop", "frontend", "/registry/deployments/shop/frontend"},
		{"crd", "crontabs.stable.example.com", "/registry/apiextensions.k8s.io/customresourcedefinitions/crontabs.stable.example.com"},
		{"secret payments", "card-processor-token", "/registry/secrets/payments/card-processor-token"},
	}
	// The editor adds a label, whether the object has labels or not.
	editorScript(t, `if grep -q '^  labels:$' "$1"; then
  sed -i 's/^  labels:$/  labels:\n    lifeboat-test: edited/' "$1"
else
  sed -i 's/^metadata:$/metadata:\n  labels:\n    lifeboat-test: edited/' "$1"
fi`)
	for _, o := range objects {
		for _, action := range []string{"e", "ctrl+d"} {
			t.Run(o.name+"/"+action, func(t *testing.T) {
				h := newHarness(t, harnessOptions{width: 160, height: 40, encryptionConfig: config})
				original := h.object(o.key)
				encrypted := strings.HasPrefix(string(original.Raw()), "k8s:enc:aescbc:v1:key1:")
				if encrypted != strings.HasPrefix(o.view, "secret") || original.Encrypted() {
					t.Fatalf("%s: encrypted at rest %v, decrypted %v", o.key, encrypted, !original.Encrypted())
				}
				h.showOnly(o.view, o.name)
				h.press(action)
				h.waitFor("the preview", func() bool { return on[*previewScreen](h) })
				h.press("y")
				h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
				written, found := h.lookup(o.key)
				switch {
				case action == "ctrl+d" && found:
					t.Fatalf("ctrl+d left %s", o.key)
				case action == "e" && (!found || !bytes.Contains(written.Value, []byte("lifeboat-test"))):
					t.Fatalf("e did not write the edit to %s", o.key)
				case action == "e" && encrypted != strings.HasPrefix(string(written.Raw()), "k8s:enc:aescbc:v1:key1:"):
					t.Fatalf("e wrote %.30q, not as kube-apiserver would (encrypted: %v)", written.Raw(), encrypted)
				}

				h.press("ctrl+j")
				h.waitFor("journal rows", func() bool { return h.journalRows() == 1 })
				h.press("u")
				h.waitFor("undo preview", func() bool { return on[*previewScreen](h) })
				h.press("y")
				h.waitFor("undo summary", func() bool { return on[*summaryScreen](h) })
				back := h.object(o.key)
				if !bytes.Equal(back.Value, original.Value) {
					t.Errorf("undo did not put %s back as it was", o.key)
				}
				if encrypted && (!strings.HasPrefix(string(back.Raw()), "k8s:enc:aescbc:v1:key1:") || bytes.Equal(back.Raw(), back.Value)) {
					t.Errorf("undo wrote %s unencrypted", o.key)
				}
			})
		}
	}
}
