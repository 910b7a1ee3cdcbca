package render

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestKeyFacts: the one raw-key row of ls and the TUI's :keys.
func TestKeyFacts(t *testing.T) {
	cm := item(t, "configmaps", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "shop"}}, "shop", "cfg")
	cm.Lease = 0x694d7a3b1c2d0001
	encrypted := []byte("k8s:enc:aescbc:v1:key1:\x01\x02\x03")
	encObj, err := codec.Decode(encrypted)
	if err != nil {
		t.Fatal(err)
	}
	secrets := etcdops.MustResolveResource("secrets")
	// The store decrypted this one with --encryption-config: the key holds
	// ciphertext, the object is a Secret.
	decrypted := item(t, "secrets", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "payments"}}, "payments", "db")
	decrypted.Stored = encrypted
	tests := []struct {
		name    string
		it      etcdops.Item
		row     string
		problem string
	}{
		{"an object with a lease", cm, "/registry/configmaps/shop/cfg|configmaps|ConfigMap|protobuf|" + itoaLen(cm.Value) + "|42|694d7a3b1c2d0001", ""},
		{"a value that does not decode", etcdops.Item{Record: etcdops.Record{Key: "/registry/pods/default/poison", Value: []byte("not an object"), ModRevision: 9},
			KeyInfo: etcdops.KeyInfo{Resource: etcdops.MustResolveResource("pods"), Namespace: "default", Name: "poison"}, DecodeErr: errors.New("malformed value:\n not protobuf")},
			"/registry/pods/default/poison|pods|<malformed>|malformed|13|9|-", "malformed value: not protobuf"},
		{"encrypted, no keys", etcdops.Item{Record: etcdops.Record{Key: "/registry/secrets/payments/token", Value: encrypted, ModRevision: 5},
			KeyInfo: etcdops.KeyInfo{Resource: secrets, Namespace: "payments", Name: "token"}, Object: encObj},
			"/registry/secrets/payments/token|secrets|<aescbc key key1>|encrypted|" + itoaLen(encrypted) + "|5|-", ""},
		{"encrypted, decrypted by the store: what etcd holds", decrypted,
			"/registry/secrets/payments/db|secrets|Secret|encrypted|" + itoaLen(encrypted) + "|42|-", ""},
		{"kine's health key", etcdops.Item{Record: etcdops.Record{Key: "/registry/health", Value: []byte(`{"health":"true"}`), ModRevision: 1}, DecodeErr: errors.New("no kind")},
			"/registry/health|-|<health check>|json|17|1|-", ""},
		{"a key outside any object", etcdops.Item{Record: etcdops.Record{Key: "/other/thing", Value: []byte(`{"health":"true"}`), ModRevision: 1}, DecodeErr: errors.New("no kind")},
			"/other/thing|-|<malformed>|json|17|1|-", "no kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := KeyFactsOf(tt.it)
			if got := strings.Join(f.Row(), "|"); got != tt.row {
				t.Errorf("row\n got %s\nwant %s", got, tt.row)
			}
			if f.Problem != tt.problem {
				t.Errorf("problem %q, want %q", f.Problem, tt.problem)
			}
			if len(f.Row()) != len(KeyColumns()) {
				t.Errorf("%d cells under %d columns", len(f.Row()), len(KeyColumns()))
			}
		})
	}
}

func itoaLen(b []byte) string { return strconv.Itoa(len(b)) }
