package render

import (
	"bytes"
	"path"
	"strconv"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
)

// KeyFacts are what etcd says about one key and what its value is: a row
// of `lifeboat ls` (a JSON line with -o json) and of the TUI's :keys.
type KeyFacts struct {
	Key         string `json:"key"`
	Resource    string `json:"resource"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Format      string `json:"format"`
	Size        int    `json:"size"`
	ModRevision int64  `json:"modRevision"`
	Lease       int64  `json:"lease"`
	// Problem says why the value does not decode; Kind is then "".
	Problem string `json:"problem,omitempty"`
}

// KeyColumns are the headings of KeyFacts.Row.
func KeyColumns() []string {
	return []string{"KEY", "RESOURCE", "KIND", "FORMAT", "SIZE", "REVISION", "LEASE"}
}

// KeyFactsOf describes an item as a raw key: the format and size of what
// etcd holds (the ciphertext of a value the store decrypted), the kind the
// value decodes to.
func KeyFactsOf(it etcdops.Item) KeyFacts {
	f := KeyFacts{
		Key: it.Key, Namespace: it.Namespace, Name: it.Name,
		Format: string(codec.DetectFormat(it.Raw())), Size: len(it.Raw()), ModRevision: it.ModRevision, Lease: it.Lease,
	}
	if it.Name != "" {
		f.Resource = it.Resource.String()
	}
	switch {
	case isHealthKey(it):
		f.Kind = "<health check>"
	case it.DecodeErr != nil:
		f.Problem = textutil.OneLine(it.DecodeErr.Error())
	case it.Encrypted():
		f.Kind = "<" + it.Object.Encryption.String() + ">"
	case it.Object != nil:
		f.Kind = it.Object.Kind
	}
	return f
}

// isHealthKey reports whether it is <prefix>/health holding {"health":...}:
// kine (k3s) writes {"health":"true"} there when it starts, for
// kube-apiserver's etcd health check, which reads that key
// (k8s.io/apiserver pkg/storage/storagebackend/factory/etcd3.go). It is no
// object (it names none: the key is right under the prefix), and no sign
// of damage either.
func isHealthKey(it etcdops.Item) bool {
	return it.Name == "" && path.Base(it.Key) == "health" && bytes.HasPrefix(it.Value, []byte(`{"health":`))
}

// Row is the key under KeyColumns: "-" where there is nothing to say, the
// lease in hex as etcdctl prints it.
func (f KeyFacts) Row() []string {
	kind := f.Kind
	if f.Problem != "" {
		kind = "<malformed>"
	}
	return []string{f.Key, orDash(f.Resource), orDash(kind), f.Format, strconv.Itoa(f.Size), strconv.FormatInt(f.ModRevision, 10), f.LeaseHex()}
}

// LeaseHex is the lease ID as etcdctl prints it, "-" for none.
func (f KeyFacts) LeaseHex() string {
	if f.Lease == 0 {
		return "-"
	}
	return strconv.FormatInt(f.Lease, 16)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
