package enctest

import (
	"context"
	"crypto/aes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	"k8s.io/apiserver/pkg/storage/value/encrypt/secretbox"

	"k8s.io/apiserver/pkg/storage/value"
)

// Provider is one entry of an EncryptionConfiguration's providers.
type Provider struct {
	Kind    string // aescbc, aesgcm, secretbox, identity, kms
	KeyName string // the key's name, or the KMS plugin's
	Secret  []byte // the key (aescbc, aesgcm, secretbox)
	// Endpoint and KMSVersion are a KMS plugin's (unix:///path, "v1"/"v2").
	Endpoint, KMSVersion string
}

func randomKey(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

// AESCBC, AESGCM and Secretbox are providers with a fresh 32-byte key.
func AESCBC(t testing.TB, name string) Provider {
	return Provider{Kind: "aescbc", KeyName: name, Secret: randomKey(t)}
}
func AESGCM(t testing.TB, name string) Provider {
	return Provider{Kind: "aesgcm", KeyName: name, Secret: randomKey(t)}
}
func Secretbox(t testing.TB, name string) Provider {
	return Provider{Kind: "secretbox", KeyName: name, Secret: randomKey(t)}
}

// Identity stores plaintext.
func Identity() Provider { return Provider{Kind: "identity"} }

// KMS is a KMS plugin provider.
func KMS(name, endpoint, version string) Provider {
	return Provider{Kind: "kms", KeyName: name, Endpoint: endpoint, KMSVersion: version}
}

func (p Provider) yaml() string {
	secret := base64.StdEncoding.EncodeToString(p.Secret)
	switch p.Kind {
	case "identity":
		return "  - identity: {}\n"
	case "kms":
		return fmt.Sprintf("  - kms:\n      apiVersion: %s\n      name: %s\n      endpoint: %s\n      timeout: 3s\n", p.KMSVersion, p.KeyName, p.Endpoint)
	}
	return fmt.Sprintf("  - %s:\n      keys:\n      - name: %s\n        secret: %s\n", p.Kind, p.KeyName, secret)
}

// Rule is one entry of resources: what it covers and its providers, the
// first of which writes.
type Rule struct {
	Resources []string // "secrets", "deployments.apps", "*.*"
	Providers []Provider
}

// ConfigYAML is the EncryptionConfiguration of rules.
func ConfigYAML(rules ...Rule) string {
	var b strings.Builder
	b.WriteString("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n")
	for _, r := range rules {
		quoted := make([]string, len(r.Resources))
		for i, res := range r.Resources {
			quoted[i] = fmt.Sprintf("%q", res) // "*.*" is no YAML alias
		}
		fmt.Fprintf(&b, "- resources: [%s]\n  providers:\n", strings.Join(quoted, ", "))
		for _, p := range r.Providers {
			b.WriteString(p.yaml())
		}
	}
	return b.String()
}

// WriteConfig writes the EncryptionConfiguration of rules into dir and
// returns its path.
func WriteConfig(t testing.TB, dir string, rules ...Rule) string {
	t.Helper()
	path := filepath.Join(dir, "encryption-config.yaml")
	if err := os.WriteFile(path, []byte(ConfigYAML(rules...)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// transformer is the provider's own transformer and the prefix
// kube-apiserver puts before what it writes (k8s.io/apiserver
// pkg/server/options/encryptionconfig): what lifeboat must read, made
// without lifeboat.
func (p Provider) transformer(t testing.TB) (value.Transformer, string) {
	t.Helper()
	switch p.Kind {
	case "aescbc", "aesgcm":
		block, err := aes.NewCipher(p.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind == "aescbc" {
			return aestransformer.NewCBCTransformer(block), "k8s:enc:aescbc:v1:" + p.KeyName + ":"
		}
		tr, err := aestransformer.NewGCMTransformer(block)
		if err != nil {
			t.Fatal(err)
		}
		return tr, "k8s:enc:aesgcm:v1:" + p.KeyName + ":"
	case "secretbox":
		var key [32]byte
		copy(key[:], p.Secret)
		return secretbox.NewSecretboxTransformer(key), "k8s:enc:secretbox:v1:" + p.KeyName + ":"
	}
	t.Fatalf("enctest: no standalone transformer for %s", p.Kind)
	return nil, ""
}

// Encrypt is plain as kube-apiserver writes it under key with this provider
// first.
func (p Provider) Encrypt(t testing.TB, key string, plain []byte) []byte {
	t.Helper()
	tr, prefix := p.transformer(t)
	out, err := tr.TransformToStorage(context.Background(), plain, value.DefaultContext(key))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(prefix), out...)
}

// Decrypt reads what was written under key with this provider; it fails
// the test when stored is not this provider's.
func (p Provider) Decrypt(t testing.TB, key string, stored []byte) []byte {
	t.Helper()
	tr, prefix := p.transformer(t)
	rest, ok := strings.CutPrefix(string(stored), prefix)
	if !ok {
		t.Fatalf("%s: stored value does not start with %q: %.40q", key, prefix, stored)
	}
	plain, _, err := tr.TransformFromStorage(context.Background(), []byte(rest), value.DefaultContext(key))
	if err != nil {
		t.Fatalf("%s: decrypt with %s: %v", key, prefix, err)
	}
	return plain
}
