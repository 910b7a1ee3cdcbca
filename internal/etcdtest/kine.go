//go:build cgo

package etcdtest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/k3s-io/kine/pkg/drivers"
	"github.com/k3s-io/kine/pkg/drivers/sqlite"
	"github.com/k3s-io/kine/pkg/server"
	"github.com/sirupsen/logrus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// kineEmulatedVersion is what kine's Status reports as the etcd version: kine's
// own default (--emulated-etcd-version, pkg/app/app.go).
const kineEmulatedVersion = "3.5.13"

// kineDataSource is k3s' and kine's default SQLite data source name
// (pkg/drivers/sqlite/sqlite.go), with the file in the test's directory.
const kineDataSource = "?_journal=WAL&cache=shared&_busy_timeout=30000&_txlock=immediate"

// kineLogOnce quiets kine: it logs through logrus' global logger, at Info,
// every start and every connection pool setting.
var kineLogOnce sync.Once

// StartKine runs kine (github.com/k3s-io/kine: the etcd API over SQLite that
// k3s serves its cluster from) in-process, with its database in t.TempDir(),
// listening on a unix socket as k3s does
// (unix:///var/lib/rancher/k3s/server/kine.sock). It returns the endpoint,
// "unix:///.../kine.sock", and a client connected to it; both are stopped by
// t.Cleanup.
//
// kine serves only what kube-apiserver sends: plain Puts, Ranges (a prefix
// range is a prefix list, with Limit and Revision), single-key Txns of the
// shapes create (ModRevision == 0), update
// (If(ModRevision(k) == rev).Then(Put(k)).Else(Get(k))) and delete, and
// watches. Every other Txn fails with "unsupported operations in txn request".
// A plain Put of a key that exists does nothing, without an error (kine
// compares the key's mod_revision with the store's revision): seeds write
// with demo.PutValue's Txns.
//
// This is kine's endpoint.Listen (pkg/endpoint/endpoint.go) with only the
// SQLite driver: the same backend, gRPC services and server options, without
// compiling the NATS, MySQL and PostgreSQL drivers into every test binary.
// SQLite needs cgo (and gcc); without it StartKine fails the test, saying so.
func StartKine(t testing.TB, opts ...KineOption) (endpoint string, cli *clientv3.Client) {
	t.Helper()
	var cfg kineConfig
	for _, o := range opts {
		o(&cfg)
	}
	kineLogOnce.Do(func() { logrus.SetLevel(logrus.WarnLevel) })
	dir := t.TempDir()
	sock := socketPath(t, dir, "kine.sock")

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	stop := func() {
		cancel()
		wg.Wait()
	}
	backend, dialect, err := sqlite.NewVariant(ctx, &wg, "sqlite3", &drivers.Config{
		DataSourceName: filepath.Join(dir, "state.db") + kineDataSource,
		// kine's defaults (pkg/app/app.go).
		CompactInterval:  5 * time.Minute,
		CompactTimeout:   5 * time.Second,
		CompactMinRetain: 1000,
		CompactBatchSize: 1000,
		PollBatchSize:    500,
	}, false)
	if err != nil {
		stop()
		t.Fatalf("etcdtest: start kine (SQLite needs cgo and gcc: CGO_ENABLED=1): %v", err)
	}
	// Status reports the database size with SQLite's dbstat table, which
	// kine's release build compiles in (CGO_CFLAGS=-DSQLITE_ENABLE_DBSTAT_VTAB=1,
	// kine scripts/build) and a plain `go test` does not. The same size from
	// pragmas keeps Status served as in a release, with no build flags.
	if !cfg.noDBStat {
		dialect.GetSizeSQL = `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`
	}
	if err := backend.Start(ctx); err != nil {
		stop()
		t.Fatalf("etcdtest: start kine backend: %v", err)
	}

	// endpoint.grpcServer's options.
	srv := grpc.NewServer(
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: embed.DefaultGRPCKeepAliveMinTime}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: embed.DefaultGRPCKeepAliveInterval, Timeout: embed.DefaultGRPCKeepAliveTimeout}),
		grpc.MaxConcurrentStreams(embed.DefaultMaxConcurrentStreams),
		grpc.MaxRecvMsgSize(int(embed.DefaultMaxRequestBytes)+512*1024),
	)
	server.New(backend, "unix", 5*time.Second, kineEmulatedVersion).Register(srv)
	l, err := net.Listen("unix", sock)
	if err != nil {
		stop()
		t.Fatalf("etcdtest: kine: listen on %s: %v", sock, err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		l.Close()
		stop()
		t.Fatalf("etcdtest: kine: %v", err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		srv.Serve(l)
	}()
	// Registered before the client's cleanup, so it runs after it (LIFO).
	t.Cleanup(func() {
		// GracefulStop waits for open watches; a test's are gone by now,
		// and Stop after a moment ends any that are not.
		timer := time.AfterFunc(2*time.Second, srv.Stop)
		srv.GracefulStop()
		timer.Stop()
		stop()
	})

	endpoint = "unix://" + sock
	return endpoint, connect(t, endpoint)
}
