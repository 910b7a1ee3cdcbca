package etcdtest

import (
	"context"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
)

// Now is the moment a Capsized cluster is seeded at unless the test picks
// another: fixed, so ages and timestamps in the outputs are stable.
var Now = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// Cluster is a datastore seeded with the demo's capsized cluster, the state
// most of lifeboat's tests start from.
type Cluster struct {
	Backend
	// Server is the embedded etcd, for tests that stop it (to read a
	// snapshot with its etcd gone); nil on the other backends.
	Server *embedetcd.Server
	// Seed is what the cluster was seeded with: Now is never zero.
	Seed    demo.Options
	Summary demo.Summary
}

// Capsized starts an embedded etcd for t and seeds it with
// demo.Capsized(opts); a zero opts.Now means Now.
func Capsized(t testing.TB, opts demo.Options) Cluster {
	t.Helper()
	b, srv := startEmbedded(t)
	c := CapsizedOn(t, b, opts)
	c.Server = srv
	return c
}

// CapsizedOn seeds backend b (see BackendNames) with demo.Capsized(opts); a
// zero opts.Now means Now.
func CapsizedOn(t testing.TB, b Backend, opts demo.Options) Cluster {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = Now
	}
	summary, err := demo.Capsized(context.Background(), b.Client, opts)
	if err != nil {
		t.Fatalf("etcdtest: seed %s: %v", b.Name, err)
	}
	return Cluster{Backend: b, Seed: opts, Summary: summary}
}

// Store is the engine on c's client and prefix. It shares the client, so it
// needs no closing.
func (c Cluster) Store(readOnly bool) *etcdops.Store {
	return etcdops.NewStore(c.Client, c.Seed.Prefix, readOnly)
}
