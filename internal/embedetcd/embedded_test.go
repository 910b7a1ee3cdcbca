package embedetcd_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
)

func TestTwoServers(t *testing.T) {
	a, err := embedetcd.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := embedetcd.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	if a.Endpoint() == b.Endpoint() {
		t.Fatalf("both servers at %s", a.Endpoint())
	}
	for _, s := range []*embedetcd.Server{a, b} {
		u, err := url.Parse(s.Endpoint())
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" {
			t.Errorf("Endpoint() = %q, want http://127.0.0.1:<port>", s.Endpoint())
		}
	}

	// Each server keeps its own data: a Put to one is not seen by the other.
	putGet(t, a.Endpoint(), "/lifeboat/test", "a")
	putGet(t, b.Endpoint(), "/lifeboat/test", "b")
	putGet(t, a.Endpoint(), "", "a")
}

// putGet writes value at key (unless key is empty) and checks that key
// "/lifeboat/test" reads back as want.
func putGet(t *testing.T, endpoint, key, want string) {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if key != "" {
		if _, err := cli.Put(ctx, key, want); err != nil {
			t.Fatalf("put %s at %s: %v", key, endpoint, err)
		}
	}
	resp, err := cli.Get(ctx, "/lifeboat/test")
	if err != nil {
		t.Fatalf("get at %s: %v", endpoint, err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != want {
		t.Fatalf("get /lifeboat/test at %s = %v, want %q", endpoint, resp.Kvs, want)
	}
}

func TestCloseIdempotent(t *testing.T) {
	s, err := embedetcd.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()

	// Closed means the client port no longer answers.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{s.Endpoint()}, DialTimeout: time.Second})
	if err != nil {
		return
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := cli.Get(ctx, "x"); err == nil {
		t.Fatalf("Get on %s succeeded after Close", s.Endpoint())
	}
}

func TestRestartSameDir(t *testing.T) {
	dir := t.TempDir()
	s, err := embedetcd.Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	putGet(t, s.Endpoint(), "/lifeboat/test", "kept")
	s.Close()

	// A restart picks new ports; the member's data must still be there.
	s, err = embedetcd.Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	putGet(t, s.Endpoint(), "", "kept")
}
