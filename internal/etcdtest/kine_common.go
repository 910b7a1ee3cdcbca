package etcdtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// KineVersion is the kine release StartKine serves (go.mod pins it): the
// newest whose requirements keep lifeboat's etcd client and server at v3.6.8.
const KineVersion = "v0.14.12"

// KineOption changes the kine StartKine serves.
type KineOption func(*kineConfig)

type kineConfig struct {
	noDBStat bool
}

// KineWithoutDBStat serves kine as a plain `go build` or `go install` of it
// builds: SQLite without its dbstat table, so that Status fails with
// "no such table: dbstat" while everything else works.
func KineWithoutDBStat() KineOption { return func(c *kineConfig) { c.noDBStat = true } }

// socketPath is name in dir, or in a new short directory when dir is too long
// for a unix socket address (108 bytes on Linux, 104 on macOS).
func socketPath(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if len(p) < 100 {
		return p
	}
	short, err := os.MkdirTemp("", "lb")
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(short) })
	return filepath.Join(short, name)
}

// connect returns a client of endpoint, closed by t.Cleanup.
func connect(t testing.TB, endpoint string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("etcdtest: connect to %s: %v", endpoint, err)
	}
	t.Cleanup(func() {
		if err := cli.Close(); err != nil {
			t.Logf("etcdtest: close client of %s: %v", endpoint, err)
		}
	})
	return cli
}
