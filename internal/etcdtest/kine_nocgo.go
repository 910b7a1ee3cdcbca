//go:build !cgo

package etcdtest

import (
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// StartKine skips the test: kine's SQLite driver needs cgo, and this test
// binary was built without it (CGO_ENABLED=0, or no C compiler found).
func StartKine(t testing.TB, opts ...KineOption) (endpoint string, cli *clientv3.Client) {
	t.Helper()
	t.Skip("etcdtest: kine's SQLite needs cgo: build the tests with CGO_ENABLED=1 and a C compiler (gcc)")
	return "", nil
}
