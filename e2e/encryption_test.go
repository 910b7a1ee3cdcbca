package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/enctest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestEncryptionAtRest: a kube-apiserver encrypting Secrets at rest writes
// them with each provider (secretbox, KMS v2 through a plugin on a unix
// socket, aescbc); with it stopped, lifeboat, given the same
// EncryptionConfiguration, reads, edits, deletes, re-creates and undoes
// them, each write encrypted by the first provider as the apiserver would;
// restarted, the apiserver reads back every write.
func TestEncryptionAtRest(t *testing.T) {
	ctx := context.Background()
	plugin := enctest.StartKMS(t, "e2ekms")
	aescbc, secretbox := enctest.AESCBC(t, "key1"), enctest.Secretbox(t, "sb1")
	config := func(name string, providers ...enctest.Provider) string {
		dir := filepath.Join(t.TempDir(), name)
		os.MkdirAll(dir, 0o700)
		return enctest.WriteConfig(t, dir, enctest.Rule{Resources: []string{"secrets"}, Providers: append(providers, enctest.Identity())})
	}
	// One config per first provider, each able to read the others' values;
	// the last one, aescbc first, is the cluster's from then on.
	configs := []struct {
		first, path, prefix string
	}{
		{"secretbox", config("secretbox", secretbox, aescbc, plugin.Provider()), "k8s:enc:secretbox:v1:sb1:"},
		{"kms", config("kms", plugin.Provider(), aescbc, secretbox), "k8s:enc:kms:v2:e2ekms:"},
		{"aescbc", config("aescbc", aescbc, secretbox, plugin.Provider()), "k8s:enc:aescbc:v1:key1:"},
	}
	final := configs[len(configs)-1].path
	const ns = "default"
	secretKey := func(name string) string { return "/registry/secrets/" + ns + "/" + name }

	c := newCluster(t, "/registry", "--encryption-provider-config="+configs[0].path)
	for i, cfg := range configs {
		if i > 0 {
			c.stopAPIServer(t)
			c.flags = []string{"--encryption-provider-config=" + cfg.path}
			c.startAPIServer(t)
		}
		name := "by-apiserver-" + cfg.first
		if _, err := c.cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name},
			Data: map[string][]byte{"password": []byte("written by the apiserver")}}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if got := c.rawValue(t, secretKey(name)); !bytes.HasPrefix(got, []byte(cfg.prefix)) {
			t.Fatalf("the apiserver stored %s as %.40q, want %q first", name, got, cfg.prefix)
		}
	}
	c.stopAPIServer(t)

	// lifeboat with each config creates a Secret: the apiserver will read
	// lifeboat's secretbox, KMS v2 and aescbc values.
	for _, cfg := range configs {
		name := "by-lifeboat-" + cfg.first
		manifest := filepath.Join(t.TempDir(), name+".yaml")
		os.WriteFile(manifest, []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: "+name+"\n  namespace: "+ns+"\ndata:\n  password: d3JpdHRlbiBieSBsaWZlYm9hdA==\n"), 0o600)
		r := c.lifeboat(t, "--encryption-config", cfg.path, "create", "-f", manifest, "--yes")
		if r.code != 0 {
			t.Fatalf("create %s: exit %d: %s", name, r.code, r.stderr)
		}
		if got := c.rawValue(t, secretKey(name)); !bytes.HasPrefix(got, []byte(cfg.prefix)) {
			t.Fatalf("lifeboat stored %s as %.40q, want %q first", name, got, cfg.prefix)
		}
	}

	// Without the config nothing is written, and the error says what to pass.
	r := c.lifeboat(t, "edit", "secret", "by-apiserver-kms", "-n", ns, "--patch", `{"data":{"password":"eA=="}}`, "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "--encryption-config") {
		t.Fatalf("edit without the config: exit %d, want a refusal naming --encryption-config", r.code)
	}

	// With the cluster's config: edit what each provider wrote (read
	// with that provider, written with aescbc), then one more edit that
	// is undone; delete one and undo it.
	lb := func(args ...string) run {
		t.Helper()
		r := c.lifeboat(t, append([]string{"--encryption-config", final}, args...)...)
		if r.code != 0 {
			t.Fatalf("lifeboat %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
		return r
	}
	for _, cfg := range configs {
		lb("edit", "secret", "by-apiserver-"+cfg.first, "-n", ns, "--patch", `{"data":{"password":"ZWRpdGVkIGJ5IGxpZmVib2F0"}}`, "--yes") // "edited by lifeboat"
		if got := c.rawValue(t, secretKey("by-apiserver-"+cfg.first)); !bytes.HasPrefix(got, []byte(configs[2].prefix)) {
			t.Errorf("edited %s stored as %.40q, want aescbc", cfg.first, got)
		}
	}
	undoEdit := filepath.Join(c.work, "undo-edit.jsonl")
	lb("edit", "secret", "by-lifeboat-kms", "-n", ns, "--patch", `{"data":{"password":"dW5kb25l"}}`, "--yes", "--journal", undoEdit)
	lb("undo", undoEdit, "--yes")
	deleted := filepath.Join(c.work, "delete.jsonl")
	lb("delete", "secret", "by-lifeboat-secretbox", "-n", ns, "--yes", "--journal", deleted)
	if c.rawValue(t, secretKey("by-lifeboat-secretbox")) != nil {
		t.Fatal("delete left the Secret")
	}
	lb("undo", deleted, "--yes")

	c.startAPIServer(t)
	want := map[string]string{
		"by-apiserver-secretbox": "edited by lifeboat",
		"by-apiserver-kms":       "edited by lifeboat",
		"by-apiserver-aescbc":    "edited by lifeboat",
		"by-lifeboat-secretbox":  "written by lifeboat", // deleted, and re-created by undo
		"by-lifeboat-kms":        "written by lifeboat", // edited, and undone
		"by-lifeboat-aescbc":     "written by lifeboat",
	}
	for name, password := range want {
		s, err := c.cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("the restarted apiserver cannot read %s: %v", name, err)
			continue
		}
		if got := string(s.Data["password"]); got != password {
			t.Errorf("%s: the apiserver reads password %q, want %q", name, got, password)
		}
	}
	list, err := c.cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) < len(want) {
		t.Errorf("LIST secrets after lifeboat's writes: %v (%d items)", err, len(list.Items))
	}
}

// rawValue is what etcd holds under key; nil when absent.
func (c *cluster) rawValue(t *testing.T, key string) []byte {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.etcd.Endpoint()}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	resp, err := cli.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return nil
	}
	return resp.Kvs[0].Value
}
