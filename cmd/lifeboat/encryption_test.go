package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/enctest"
	corev1 "k8s.io/api/core/v1"
)

// TestEncryptionConfig: with --encryption-config, an encrypted Secret is
// read, edited, deleted, created and undone from the CLI, every write
// encrypted by the first provider; without it, nothing is written and the
// error says which flag to pass.
func TestEncryptionConfig(t *testing.T) {
	c := capsized(t)
	const key = "/registry/secrets/shop/payment"
	// Not key1: the demo's own Secret is encrypted with a key of that name,
	// and a cluster has one key of a name.
	aescbc := enctest.AESCBC(t, "key2")
	config := enctest.WriteConfig(t, t.TempDir(), enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{aescbc, enctest.Identity()}})
	plain := c.run("create", "-f", writeManifest(t, "payment", "aHVudGVyMg=="), "--yes") // hunter2, before encryption was on
	wantCode(t, plain, exitOK)
	if _, err := c.cli.Put(context.Background(), key, string(aescbc.Encrypt(t, key, []byte(c.get(key).Value)))); err != nil {
		t.Fatal(err)
	}
	password := func() string {
		t.Helper()
		return string(decodeObject(t, key, string(aescbc.Decrypt(t, key, []byte(c.get(key).Value)))).(*corev1.Secret).Data["password"])
	}

	r := c.run("get", "secret", "payment", "-n", "shop", "-o", "yaml")
	if !strings.Contains(r.out, "aescbc") || strings.Contains(r.out, "password") {
		t.Errorf("without the config the Secret should show as encrypted:\n%s", r)
	}
	rev := c.revision()
	r = c.run("edit", "secret", "payment", "-n", "shop", "--patch", `{"data":{"password":"aHVudGVyMw=="}}`, "--yes")
	wantCode(t, r, exitUsage)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, "--encryption-config") {
		t.Errorf("the refusal should name --encryption-config:\n%s", r)
	}

	enc := func(args ...string) result { return c.run(append([]string{"--encryption-config", config}, args...)...) }
	r = enc("get", "secret", "payment", "-n", "shop", "-o", "yaml", "--show-secrets")
	if !strings.Contains(r.out, "password: aHVudGVyMg==") {
		t.Errorf("with the config the Secret should decode:\n%s", r)
	}
	j := c.journal("edit.jsonl")
	wantCode(t, enc("edit", "secret", "payment", "-n", "shop", "--patch", `{"data":{"password":"aHVudGVyMw=="}}`, "--yes", "--journal", j), exitOK)
	if got := password(); got != "hunter3" {
		t.Errorf("after the edit the password is %q, want hunter3", got)
	}
	if b, _ := os.ReadFile(j); strings.Contains(string(b), "aHVudGVyMw") || strings.Contains(string(b), "hunter3") {
		t.Error("the journal holds the Secret's data in plaintext")
	}
	wantCode(t, enc("undo", j, "--yes"), exitOK)
	if got := password(); got != "hunter2" {
		t.Errorf("after undo the password is %q, want hunter2", got)
	}

	jd := c.journal("delete.jsonl")
	wantCode(t, enc("delete", "secret", "payment", "-n", "shop", "--yes", "--journal", jd), exitOK)
	if resp, err := c.cli.Get(context.Background(), key); err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("delete left the Secret (%v)", err)
	}
	wantCode(t, enc("undo", jd, "--yes"), exitOK)
	if got := password(); got != "hunter2" {
		t.Errorf("undo of the delete: password %q, want hunter2 (encrypted)", got)
	}

	wantCode(t, enc("create", "-f", writeManifest(t, "payment-2", "eA=="), "--yes"), exitOK)
	if v := c.get("/registry/secrets/shop/payment-2").Value; !strings.HasPrefix(v, "k8s:enc:aescbc:v1:key2:") {
		t.Errorf("create wrote %.30q, want it encrypted with aescbc key2", v)
	}

	// A config whose keys do not decrypt: doctor says kube-apiserver with
	// it cannot read the Secret.
	other := enctest.WriteConfig(t, t.TempDir(), enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{enctest.AESCBC(t, "key1")}})
	r = c.run("--encryption-config", other, "doctor")
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.out, key) || !strings.Contains(r.out, "cannot decrypt") {
		t.Errorf("doctor with the wrong key should name %s:\n%s", key, r)
	}

	r = c.run("--encryption-config", filepath.Join(t.TempDir(), "missing.yaml"), "get", "secrets", "-A")
	if r.code == exitOK || !strings.Contains(r.errOut, "--encryption-config") {
		t.Errorf("a missing config file should fail naming the flag:\n%s", r)
	}
}

func writeManifest(t *testing.T, name, password string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".yaml")
	os.WriteFile(path, []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: "+name+"\n  namespace: shop\ndata:\n  password: "+password+"\n"), 0o600)
	return path
}

// TestDemoEncryptedSecret: the demo's encrypted Secret is encrypted for
// real, and its encryption config (which `lifeboat demo` writes next to
// its etcd data) decrypts it.
func TestDemoEncryptedSecret(t *testing.T) {
	c := capsized(t)
	args := []string{"get", "secret", "card-processor-token", "-n", "payments", "-o", "yaml", "--show-secrets"}
	if r := c.run(args...); !strings.Contains(r.out, "aescbc") || strings.Contains(r.out, "token: ") {
		t.Errorf("without the config the Secret should show encrypted:\n%s", r)
	}
	config := filepath.Join(t.TempDir(), "encryption-config.yaml")
	if err := os.WriteFile(config, demo.EncryptionConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run(append([]string{"--encryption-config", config}, args...)...)
	wantCode(t, r, exitOK)
	if !strings.Contains(r.out, "kind: Secret") || !strings.Contains(r.out, "token: ") {
		t.Errorf("the demo's config should decrypt the Secret:\n%s", r)
	}
}

// TestAnotherKeyNamedLikeTheClustersIsRefused: an encryption config whose
// key has the cluster's key's name but is another key: get says the values
// could not be decrypted (exit 3, no library noise on stderr), and create
// writes nothing, since kube-apiserver could not decrypt what it wrote.
func TestAnotherKeyNamedLikeTheClustersIsRefused(t *testing.T) {
	c := capsized(t)
	const key = "/registry/secrets/shop/payment"
	cluster := enctest.AESCBC(t, "key1")
	wantCode(t, c.run("create", "-f", writeManifest(t, "payment", "aHVudGVyMg=="), "--yes"), exitOK)
	if _, err := c.cli.Put(context.Background(), key, string(cluster.Encrypt(t, key, []byte(c.get(key).Value)))); err != nil {
		t.Fatal(err)
	}
	other := enctest.WriteConfig(t, t.TempDir(), enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{enctest.AESCBC(t, "key1")}})

	// What the process's libraries print goes where lifeboat's main sends it.
	quietKubernetesLibraries()
	stderr := os.Stderr
	rpipe, wpipe, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stderr = wpipe
	r := c.run("--encryption-config", other, "get", "secrets", "-n", "shop")
	os.Stderr = stderr
	wpipe.Close()
	noise, _ := io.ReadAll(rpipe)
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.errOut, "could not be decrypted with --encryption-config") {
		t.Errorf("get should say the config does not decrypt:\n%s", r)
	}
	if len(noise) > 0 {
		t.Errorf("libraries wrote to stderr: %q", noise)
	}

	rev := c.revision()
	r = c.run("--encryption-config", other, "create", "-f", writeManifest(t, "payment-2", "eA=="), "--yes")
	if r.code == exitOK || !strings.Contains(r.errOut, "it is another key of that name") {
		t.Errorf("create with another key: %s; want it refused", r)
	}
	c.assertUnchanged(rev, r)
}
