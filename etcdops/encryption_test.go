package etcdops_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/enctest"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
)

const secretKey = "/registry/secrets/shop/payment"

// plainSecret is shop/payment as kube-apiserver encodes it before its
// transformer encrypts it.
func plainSecret(t testing.TB, password string) []byte {
	t.Helper()
	value, err := codec.EncodeProtobuf(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "payment", Namespace: "shop", UID: "6b1f3c2e-5d4a-4e8b-9c7d-2a1b0c9d8e7f", CreationTimestamp: metav1.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		Data:       map[string][]byte{"password": []byte(password)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return value
}

// encryptedStore is an etcd and a store reading it with config.
func encryptedStore(t *testing.T, config string) (*etcdops.Store, *clientv3.Client) {
	t.Helper()
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	if config != "" {
		crypt, err := etcdops.LoadEncryption(context.Background(), config)
		if err != nil {
			t.Fatal(err)
		}
		store.UseEncryption(crypt)
		t.Cleanup(crypt.Close)
	}
	return store, cli
}

func rawValue(t testing.TB, cli *clientv3.Client, key string) []byte {
	t.Helper()
	resp, err := cli.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return nil
	}
	return resp.Kvs[0].Value
}

// secretPassword decodes a Secret's plaintext and returns its password.
func secretPassword(t testing.TB, plain []byte) string {
	t.Helper()
	obj, err := codec.Decode(plain)
	if err != nil {
		t.Fatalf("decode the decrypted Secret: %v", err)
	}
	s, ok := obj.Typed.(*corev1.Secret)
	if !ok {
		t.Fatalf("decrypted value is %T, want a Secret", obj.Typed)
	}
	return string(s.Data["password"])
}

// editPassword edits shop/payment's password through the write path.
func editPassword(t *testing.T, store *etcdops.Store, j *journal.Journal, password string) []etcdops.Result {
	t.Helper()
	ctx := context.Background()
	src, err := store.ReadForEdit(ctx, etcdops.KeyInfo{Resource: resource(t, "secrets"), Namespace: "shop", Name: "payment"})
	if err != nil {
		t.Fatal(err)
	}
	edited := src.Object
	edited["data"] = map[string]any{"password": base64.StdEncoding.EncodeToString([]byte(password))}
	plan, err := store.PlanEdit(src, edited, false)
	if err != nil {
		t.Fatal(err)
	}
	b := store.PlannedBatch(plan)
	if err := b.Preview(ctx, func(int, *etcdops.Change) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return applyPreviewed(t, b, j)
}

// TestEncryptionAtRest: with kube-apiserver's EncryptionConfiguration, a
// Secret encrypted by each provider reads as its object; an edit, a delete
// and a create are written encrypted by the first provider with the key as
// authenticated data; undo puts the object back; the journal holds no
// plaintext.
func TestEncryptionAtRest(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		first func(t *testing.T) enctest.Provider
	}{
		{"aescbc", func(t *testing.T) enctest.Provider { return enctest.AESCBC(t, "key1") }},
		{"aesgcm", func(t *testing.T) enctest.Provider { return enctest.AESGCM(t, "key1") }},
		{"secretbox", func(t *testing.T) enctest.Provider { return enctest.Secretbox(t, "key1") }},
		{"kms v2", func(t *testing.T) enctest.Provider { return enctest.StartKMS(t, "testkms").Provider() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.first(t)
			config := enctest.WriteConfig(t, t.TempDir(), enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{first, enctest.Identity()}})
			store, cli := encryptedStore(t, config)
			// The Secret as kube-apiserver wrote it: by the provider
			// itself, or for KMS through lifeboat's create.
			if first.Kind == "kms" {
				plan, err := store.PlanCreate(ctx, []map[string]any{secretManifest("hunter2")}, "", testNow)
				if err != nil {
					t.Fatal(err)
				}
				if r := applyPreviewed(t, previewed(t, store.PlannedBatch(plan)), newJournal(t)); len(r) != 1 || !r[0].Changed {
					t.Fatalf("create: %+v", r)
				}
			} else if _, err := cli.Put(ctx, secretKey, string(first.Encrypt(t, secretKey, plainSecret(t, "hunter2")))); err != nil {
				t.Fatal(err)
			}
			stored := rawValue(t, cli, secretKey)
			prefix := "k8s:enc:" + first.Kind + ":v1:" + first.KeyName + ":"
			if first.Kind == "kms" {
				prefix = "k8s:enc:kms:v2:" + first.KeyName + ":"
			}
			if !bytes.HasPrefix(stored, []byte(prefix)) {
				t.Fatalf("stored value starts %.30q, want %q", stored, prefix)
			}

			var items []etcdops.Item
			if _, err := store.List(ctx, etcdops.Query{Resource: resource(t, "secrets"), Namespace: "shop"}, func(it etcdops.Item) error {
				items = append(items, it)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Encrypted() || items[0].Object == nil || items[0].Object.Kind != "Secret" {
				t.Fatalf("list with the config: %+v, want the Secret decoded", items)
			}
			if got := secretPassword(t, items[0].Value); got != "hunter2" || !bytes.Equal(items[0].Raw(), stored) {
				t.Errorf("decrypted password %q, raw kept %v; want hunter2 and the stored bytes", got, bytes.Equal(items[0].Raw(), stored))
			}

			j := newJournal(t)
			if r := editPassword(t, store, j, "hunter3"); len(r) != 1 || !r[0].Changed {
				t.Fatalf("edit: %+v", r)
			}
			edited := rawValue(t, cli, secretKey)
			if !bytes.HasPrefix(edited, []byte(prefix)) {
				t.Fatalf("edit stored %.30q, want it encrypted by the first provider (%q)", edited, prefix)
			}
			if got := secretPassword(t, readBack(t, store, secretKey, first, edited)); got != "hunter3" {
				t.Errorf("after the edit the password is %q, want hunter3", got)
			}
			journalBytes, err := os.ReadFile(j.Path())
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"hunter2", "hunter3", base64.StdEncoding.EncodeToString([]byte("hunter2")), base64.StdEncoding.EncodeToString([]byte("hunter3"))} {
				if bytes.Contains(journalBytes, []byte(secret)) {
					t.Errorf("the journal holds the Secret's data %q in plaintext", secret)
				}
			}

			undoJournal(t, store, j.Path())
			if got := secretPassword(t, readBack(t, store, secretKey, first, rawValue(t, cli, secretKey))); got != "hunter2" {
				t.Errorf("after undo the password is %q, want hunter2", got)
			}

			// Delete, then undo re-creates it encrypted.
			jd := newJournal(t)
			del, err := store.NewBatch(ctx, testNow, etcdops.Operation{Action: etcdops.DeleteObjects, Query: etcdops.Query{Resource: resource(t, "secrets"), Namespace: "shop", Names: []string{"payment"}}})
			if err != nil {
				t.Fatal(err)
			}
			if r := applyPreviewed(t, previewed(t, del), jd); len(r) != 1 || !r[0].Changed || rawValue(t, cli, secretKey) != nil {
				t.Fatalf("delete: %+v", r)
			}
			undoJournal(t, store, jd.Path())
			recreated := rawValue(t, cli, secretKey)
			if !bytes.HasPrefix(recreated, []byte(prefix)) {
				t.Fatalf("undo of the delete stored %.30q, want it encrypted (%q)", recreated, prefix)
			}
			if got := secretPassword(t, readBack(t, store, secretKey, first, recreated)); got != "hunter2" {
				t.Errorf("re-created password %q, want hunter2", got)
			}
		})
	}
}

// readBack decrypts what lifeboat wrote: with the provider's own
// transformer where there is one, else (KMS) through a store.
func readBack(t *testing.T, store *etcdops.Store, key string, p enctest.Provider, stored []byte) []byte {
	t.Helper()
	if p.Kind != "kms" {
		return p.Decrypt(t, key, stored)
	}
	rec, found, err := store.Get(context.Background(), key)
	if err != nil || !found || rec.DecryptErr != nil {
		t.Fatalf("read %s back: found %v, %v, %v", key, found, err, rec.DecryptErr)
	}
	return rec.Value
}

func previewed(t testing.TB, b *etcdops.Batch) *etcdops.Batch {
	t.Helper()
	if err := b.Preview(context.Background(), func(int, *etcdops.Change) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return b
}

func secretManifest(password string) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "payment", "namespace": "shop"},
		"data":     map[string]any{"password": base64.StdEncoding.EncodeToString([]byte(password))},
	}
}

// TestEncryptionRefusals: lifeboat never writes what it cannot write as
// kube-apiserver would, and says why: without the config; with keys that do
// not decrypt the value; for a value moved from another key (the key is the
// authenticated data); when the resource's first provider is KMS v1.
func TestEncryptionRefusals(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.KMSv1, true)
	aescbc, aesgcm := enctest.AESCBC(t, "key1"), enctest.AESGCM(t, "key1")
	written := func(t *testing.T) []byte { return aescbc.Encrypt(t, secretKey, plainSecret(t, "hunter2")) }
	for _, tc := range []struct {
		name   string
		rule   *enctest.Rule // nil: no config
		stored func(t *testing.T) []byte
		// readable: decrypted, so only the write is refused.
		readable bool
		want     string
	}{
		{"no config", nil, written, false, "pass --encryption-config"},
		{"other keys", &enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{enctest.AESCBC(t, "key1")}}, written, false, "cannot decrypt"},
		// aesgcm and KMS v2 authenticate the key (aescbc and secretbox
		// do not).
		{"moved from another key", &enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{aesgcm}},
			func(t *testing.T) []byte {
				return aesgcm.Encrypt(t, "/registry/secrets/shop/other", plainSecret(t, "hunter2"))
			}, false, "cannot decrypt"},
		{"kms v1 first", &enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{enctest.KMS("legacy", "unix:///nonexistent/kms.sock", "v1"), aescbc}}, written, true, "KMS v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			config := ""
			if tc.rule != nil {
				config = enctest.WriteConfig(t, t.TempDir(), *tc.rule)
			}
			store, cli := encryptedStore(t, config)
			stored := tc.stored(t)
			if _, err := cli.Put(ctx, secretKey, string(stored)); err != nil {
				t.Fatal(err)
			}
			info := etcdops.KeyInfo{Resource: resource(t, "secrets"), Namespace: "shop", Name: "payment"}
			var skips []string
			del, err := store.NewBatch(ctx, testNow, etcdops.Operation{Action: etcdops.DeleteObjects, Query: etcdops.Query{Resource: info.Resource, Namespace: "shop", Names: []string{"payment"}}})
			if err != nil {
				t.Fatal(err)
			}
			skips = append(skips, previewSkips(t, del)...)
			src, err := store.ReadForEdit(ctx, info)
			switch {
			case !tc.readable && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("edit: %v, want an error saying %q", err, tc.want)
			case tc.readable && err != nil:
				t.Fatalf("edit: %v", err)
			case tc.readable:
				// The edit keeps the metadata kube-apiserver keeps
				// immutable: only the data changes.
				edited, err := src.MergePatch([]byte(`{"data":{"password":"aHVudGVyMw=="}}`))
				if err != nil {
					t.Fatal(err)
				}
				plan, err := store.PlanEdit(src, edited, false)
				if err != nil {
					t.Fatal(err)
				}
				skips = append(skips, previewSkips(t, store.PlannedBatch(plan))...)
			}
			want := 1
			if tc.readable {
				want = 2
			}
			if len(skips) != want {
				t.Errorf("skips %q, want %d", skips, want)
			}
			for _, s := range skips {
				if !strings.Contains(s, tc.want) {
					t.Errorf("skip %q does not say %q", s, tc.want)
				}
			}
			if !bytes.Equal(rawValue(t, cli, secretKey), stored) {
				t.Errorf("the stored value changed")
			}
		})
	}
}

// previewSkips previews a batch and returns why changes are skipped.
func previewSkips(t testing.TB, b *etcdops.Batch) []string {
	t.Helper()
	var skips []string
	if err := b.Preview(context.Background(), func(_ int, c *etcdops.Change) error {
		if c.Skip != nil {
			skips = append(skips, c.Skip.Error())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return skips
}

// TestKMSv2PluginAway: values a KMS v2 plugin encrypted stay encrypted
// while it does not answer, and nothing is written for the resources it
// encrypts; once it answers again, they read.
func TestKMSv2PluginAway(t *testing.T) {
	ctx := context.Background()
	plugin := enctest.StartKMS(t, "testkms")
	config := enctest.WriteConfig(t, t.TempDir(), enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{plugin.Provider()}})
	writer, cli := encryptedStore(t, config)
	plan, err := writer.PlanCreate(ctx, []map[string]any{secretManifest("hunter2")}, "", testNow)
	if err != nil {
		t.Fatal(err)
	}
	applyPreviewed(t, previewed(t, writer.PlannedBatch(plan)), newJournal(t))
	stored := rawValue(t, cli, secretKey)

	plugin.Stop()
	crypt, err := etcdops.LoadEncryption(ctx, config)
	if err != nil {
		t.Fatalf("load with the plugin away: %v, want it loaded (the plugin may come back)", err)
	}
	defer crypt.Close()
	store := etcdops.NewStore(cli, "", false)
	store.UseEncryption(crypt)
	rec, _, err := store.Get(ctx, secretKey)
	if err != nil || rec.DecryptErr == nil || !bytes.Equal(rec.Value, stored) {
		t.Fatalf("read with the plugin away: err %v, DecryptErr %v; want the value kept encrypted with the reason", err, rec.DecryptErr)
	}
	other := secretManifest("x")
	other["metadata"] = map[string]any{"name": "other", "namespace": "shop"}
	plan, err = store.PlanCreate(ctx, []map[string]any{other}, "", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if skips := previewSkips(t, store.PlannedBatch(plan)); len(skips) != 1 || !strings.Contains(skips[0], "cannot encrypt") {
		t.Errorf("create with the plugin away: skips %q, want one saying it cannot encrypt", skips)
	}
	if rawValue(t, cli, "/registry/secrets/shop/other") != nil {
		t.Error("a Secret was written while the KMS plugin was away")
	}
}

// TestIdentityFirstWritesPlaintext: where identity comes first (a cluster
// turning encryption off), kube-apiserver writes plaintext, and so does
// lifeboat, reading the old ciphertext with the next provider.
func TestIdentityFirstWritesPlaintext(t *testing.T) {
	aescbc := enctest.AESCBC(t, "key1")
	config := enctest.WriteConfig(t, t.TempDir(), enctest.Rule{Resources: []string{"secrets"}, Providers: []enctest.Provider{enctest.Identity(), aescbc}})
	store, cli := encryptedStore(t, config)
	if _, err := cli.Put(context.Background(), secretKey, string(aescbc.Encrypt(t, secretKey, plainSecret(t, "hunter2")))); err != nil {
		t.Fatal(err)
	}
	if r := editPassword(t, store, newJournal(t), "hunter3"); len(r) != 1 || !r[0].Changed {
		t.Fatalf("edit: %+v", r)
	}
	if got := secretPassword(t, rawValue(t, cli, secretKey)); got != "hunter3" {
		t.Errorf("password %q, want hunter3 in plaintext", got)
	}
}
