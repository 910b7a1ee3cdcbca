package etcdtest

import (
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
)

// Start runs an embedded etcd in t.TempDir() and returns it with a client.
// Both are closed by t.Cleanup, the client first so that it does not retry
// against a stopped server.
func Start(t testing.TB) (*embedetcd.Server, *clientv3.Client) {
	t.Helper()
	srv, err := embedetcd.Start(t.TempDir())
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	// Registered before the client's cleanup, so it runs after it (LIFO).
	t.Cleanup(srv.Close)
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{srv.Endpoint()},
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("etcdtest: connect to %s: %v", srv.Endpoint(), err)
	}
	t.Cleanup(func() {
		if err := cli.Close(); err != nil {
			t.Logf("etcdtest: close client of %s: %v", srv.Endpoint(), err)
		}
	})
	return srv, cli
}

// startEmbedded is Start as a Backend, with its server.
func startEmbedded(t testing.TB) (Backend, *embedetcd.Server) {
	t.Helper()
	srv, cli := Start(t)
	return Backend{Name: Embedded, Version: version.Version, Endpoint: srv.Endpoint(), Client: cli}, srv
}
