package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestSecretCopiesRedactedInDiffs: an edit that copies a Secret's value
// into an annotation, or drops its data and keeps an annotation copying
// it, shows that value on one side of the diff only, where that side's own
// data does not hold it. No command that prints the diff (edit's preview
// and its "Changes written", apply's preview, history as text and as JSON
// with each version's object, restore's and undo's previews) may show it
// without --show-secrets, raw or in base64; with --show-secrets they show.
func TestSecretCopiesRedactedInDiffs(t *testing.T) {
	const oldValue, newValue = "old-password-7f3a", "new-password-9c1e"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	forms := []string{oldValue, b64(oldValue), newValue, b64(newValue)}
	c := capsized(t)
	for i, sc := range []struct {
		name        string
		data        string            // the Secret's password before the edit
		annotations map[string]string // its annotations before the edit
		patch       string            // the edit, a JSON merge patch
	}{
		{name: "the edit copies the old value into an annotation", data: oldValue,
			patch: fmt.Sprintf(`{"data":{"password":%q},"metadata":{"annotations":{"rotation/previous":%q}}}`, b64(newValue), oldValue)},
		{name: "the edit copies the old value into an annotation in base64", data: oldValue,
			patch: fmt.Sprintf(`{"data":{"password":%q},"metadata":{"annotations":{"rotation/previous":"was %s"}}}`, b64(newValue), b64(oldValue))},
		{name: "the edit drops the data, an annotation keeps a copy", data: oldValue,
			annotations: map[string]string{"backup/copy": oldValue}, patch: `{"data":null}`},
		{name: "the edit drops the data, an annotation keeps a base64 copy", data: oldValue,
			annotations: map[string]string{"backup/copy": b64(oldValue)}, patch: `{"data":null}`},
	} {
		t.Run(sc.name, func(t *testing.T) {
			name := fmt.Sprintf("db-%d", i)
			key := "/registry/secrets/shop/" + name
			secret := &corev1.Secret{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Annotations: sc.annotations, CreationTimestamp: metav1.NewTime(testNow)},
				Type:       corev1.SecretTypeOpaque,
				Data:       map[string][]byte{"password": []byte(sc.data)},
			}
			if err := demo.PutObject(context.Background(), c.cli, key, secret, clientv3.NoLease); err != nil {
				t.Fatal(err)
			}
			created := c.get(key).ModRevision
			plan := c.journal(name + "-plan.yaml")
			if err := os.WriteFile(plan, []byte(fmt.Sprintf("operations:\n- action: edit\n  resource: secrets\n  namespace: shop\n  names: [%s]\n  patch: %s\n", name, sc.patch)), 0o600); err != nil {
				t.Fatal(err)
			}
			edit := []string{"edit", "secret", name, "-n", "shop", "--patch", sc.patch}
			// check runs args and requires that no secret value shows, then
			// (when a preview, safe to run again) that --show-secrets shows.
			check := func(what string, again bool, args ...string) {
				t.Helper()
				r := c.run(args...)
				wantCode(t, r, exitOK)
				for _, v := range forms {
					if strings.Contains(r.out+r.errOut, v) {
						t.Errorf("%s: %q shows without --show-secrets:\n%s", what, v, r)
					}
				}
				if !strings.Contains(r.out, "redacted: ") {
					t.Errorf("%s: no diff redacted:\n%s", what, r)
				}
				if !again {
					return
				}
				r = c.run(append(args, "--show-secrets")...)
				wantCode(t, r, exitOK)
				if !strings.Contains(r.out, b64(oldValue)) {
					t.Errorf("%s --show-secrets: the old data does not show:\n%s", what, r)
				}
			}
			check("edit --dry-run", true, append(edit, "--dry-run")...)
			check("apply --dry-run", true, "apply", "-f", plan, "--dry-run")
			j := c.journal(name + "-edit.jsonl")
			check("edit --yes", false, append(edit, "--yes", "--journal", j)...)
			check("history", true, "history", "secret", name, "-n", "shop")
			check("history -o json", true, "history", "secret", name, "-n", "shop", "-o", "json")
			check("restore --dry-run", true, "restore", "secret", name, "-n", "shop", "--revision", fmt.Sprint(created), "--dry-run")
			check("undo --dry-run", true, "undo", j, "--dry-run")
		})
	}
}
