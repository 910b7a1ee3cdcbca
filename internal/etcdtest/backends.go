package etcdtest

import (
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// The datastores a Kubernetes control plane runs on, as tests name them.
const (
	// Embedded is etcd from lifeboat's own go.mod (3.6), in-process.
	Embedded = "embedded-etcd"
	// EtcdProcess is a separate etcd server process: whatever
	// StartEtcdProcess finds (etcd 3.4 from Debian's etcd-server in CI).
	EtcdProcess = "etcd-process"
	// Kine is k3s' etcd API over SQLite, on a unix socket.
	Kine = "kine"
)

// BackendNames lists every backend, in the order ForEachBackend runs them.
var BackendNames = []string{Embedded, EtcdProcess, Kine}

// Backend is one running datastore and a client of it.
type Backend struct {
	Name     string // Embedded, EtcdProcess or Kine
	Version  string // "3.6.8", "3.4.23", "kine v0.14.12"
	Endpoint string // as --endpoints takes it: http://127.0.0.1:PORT or unix:///.../kine.sock
	Client   *clientv3.Client
}

// IsKine reports whether b serves only kube-apiserver's request shapes.
func (b Backend) IsKine() bool { return b.Name == Kine }

// StartBackend starts the named backend for t, stopped by t.Cleanup. The etcd
// process backend skips t when there is no etcd binary (see
// StartEtcdProcess).
func StartBackend(t testing.TB, name string) Backend {
	t.Helper()
	b := Backend{Name: name}
	switch name {
	case Embedded:
		b, _ = startEmbedded(t)
	case EtcdProcess:
		b.Endpoint, b.Version, b.Client = startEtcdProcess(t)
	case Kine:
		b.Endpoint, b.Client = StartKine(t)
		b.Version = "kine " + KineVersion
	default:
		t.Fatalf("etcdtest: unknown backend %q (have %v)", name, BackendNames)
	}
	return b
}

// ForEachBackend runs fn in a subtest per backend (BackendNames), each on a
// fresh, empty datastore.
func ForEachBackend(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	ForBackends(t, BackendNames, fn)
}

// ForBackends is ForEachBackend over the named backends only.
func ForBackends(t *testing.T, names []string, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			fn(t, StartBackend(t, name))
		})
	}
}
