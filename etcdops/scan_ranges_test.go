package etcdops_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
)

// rangeLog records the range requests a client sends and how many keys
// each one's range held: what etcd walked to answer it.
type rangeLog struct {
	mu     sync.Mutex
	walked int64
	ends   []string
}

func (l *rangeLog) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoke grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoke(ctx, method, req, reply, cc, opts...)
	if r, ok := req.(*etcdserverpb.RangeRequest); ok && err == nil {
		l.mu.Lock()
		l.walked += reply.(*etcdserverpb.RangeResponse).Count
		l.ends = append(l.ends, string(r.RangeEnd))
		l.mu.Unlock()
	}
	return err
}

// loggedStore is a store on its own client of endpoint, whose range
// requests log records.
func loggedStore(t *testing.T, endpoint string) (*etcdops.Store, *rangeLog) {
	t.Helper()
	log := new(rangeLog)
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(log.intercept)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return etcdops.NewStore(cli, "", true), log
}

func (l *rangeLog) reset() (walked int64, ends []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	walked, ends = l.walked, l.ends
	l.walked, l.ends = 0, nil
	return walked, ends
}

// A paged scan's requests end where its pages are guessed to end (on etcd),
// and whatever the guesses, the requests tile the prefix: every key once, in
// order, none from outside, on keys laid out to mislead the guesses (a dense
// run, lone keys far apart, an empty stretch, bytes 0x00 and 0xff). On etcd
// the scan walks a few times the keys it reads, not the quadratic count of a
// scan whose every request ends at the prefix's end.
func TestScanRangesTileThePrefix(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		keys := misleadingKeys(b.IsKine())
		outside := []string{"/registry/pod", "/registry/pods", "/registry/pods0", "/registry/podz/a"}
		for _, key := range append(slices.Clone(keys), outside...) {
			if err := demo.PutValue(ctx, b.Client, key, []byte("v"), clientv3.NoLease); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(keys)

		store, log := loggedStore(t, b.Endpoint)

		for _, limit := range []int64{2, 7, 50, 2000} {
			store.SetRangeLimit(limit)
			var got []string
			if _, err := store.Scan(ctx, "/registry/pods/", func(rec etcdops.Record) error {
				got = append(got, rec.Key)
				return nil
			}); err != nil {
				t.Fatalf("limit %d: %v", limit, err)
			}
			walked, ends := log.reset()
			if !slices.Equal(got, keys) {
				t.Fatalf("limit %d: the scan read %d keys, want the %d under the prefix; first difference: %s", limit, len(got), len(keys), firstDifference(got, keys))
			}
			bounded := slices.ContainsFunc(ends, func(end string) bool { return end != "/registry/pods0" })
			switch {
			case b.IsKine() && bounded:
				t.Errorf("limit %d: kine was sent range ends other than the prefix's (%q), which it reads as directories", limit, ends)
			case !b.IsKine() && limit < 2000 && !bounded:
				t.Errorf("limit %d: all %d requests ended at the prefix's end", limit, len(ends))
			case !b.IsKine() && limit == 50 && walked > 6*int64(len(keys)):
				t.Errorf("limit 50: etcd walked %d keys in %d requests to read %d, want at most 6 times as many", walked, len(ends), len(keys))
			}
			t.Logf("limit %d: %d requests walked %d keys to read %d", limit, len(ends), walked, len(keys))
		}
	})
}

// On a cluster's layout, namespaces of Deployments' pods, a scan on etcd
// walks a few times the keys it reads, where every request to the prefix's
// end walks 27 times as many here (kine is left out: it is sent no guesses).
// Leaving a namespace costs most: nothing says where the next one starts.
func TestScanRangesWalkLittleMoreThanTheyRead(t *testing.T) {
	etcdtest.ForBackends(t, []string{etcdtest.Embedded, etcdtest.EtcdProcess}, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 5))
		suffix := func(n int) string {
			const alphabet = "bcdfghjklmnpqrstvwxz2456789" // k8s.io/apimachinery/pkg/util/rand's
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			return string(b)
		}
		var keys []string
		for ns := range 8 {
			for app := range 1 + ns {
				hash := suffix(10)
				for range 2000 / (1 + ns) / (1 + ns) {
					keys = append(keys, fmt.Sprintf("/registry/pods/team-%d/app-%d-%s-%s", ns, app, hash, suffix(5)))
				}
			}
		}
		ops := make([]clientv3.Op, 0, 128)
		for start := 0; start < len(keys); start += cap(ops) {
			ops = ops[:0]
			for _, key := range keys[start:min(start+cap(ops), len(keys))] {
				ops = append(ops, clientv3.OpPut(key, "v"))
			}
			if _, err := b.Client.Txn(ctx).Then(ops...).Commit(); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)

		store, log := loggedStore(t, b.Endpoint)
		store.SetRangeLimit(100)
		n := 0
		if _, err := store.Scan(ctx, "/registry/pods/", func(etcdops.Record) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		walked, ends := log.reset()
		if n != len(keys) {
			t.Fatalf("the scan read %d keys, want %d", n, len(keys))
		}
		// The first request walks every key: it has nothing to guess from.
		if walked > 6*int64(n) {
			t.Errorf("etcd walked %d keys in %d requests to read %d, want at most 6 times as many (every request to the prefix's end: %d)", walked, len(ends), n, n*(n/100+1)/2)
		}
		t.Logf("%d requests walked %d keys to read %d", len(ends), walked, n)
	})
}

// misleadingKeys lays out keys under /registry/pods/ that make extrapolated
// range ends wrong in every way: a dense run of sequential names, namespaces
// of one key, a long empty stretch, random bytes (0x00 to 0xff, on etcd;
// kine keeps keys as SQLite text).
func misleadingKeys(text bool) []string {
	var keys []string
	for i := range 600 {
		keys = append(keys, fmt.Sprintf("/registry/pods/big/web-%05d", i))
	}
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("/registry/pods/ns-%03d/only", i*i))
	}
	keys = append(keys, "/registry/pods/a", "/registry/pods/zzzzzzzzzzzzzzzzzzzz/far", "/registry/pods/big/web-00001/child")
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("az-/.09")
	if !text {
		alphabet = append(alphabet, 0x00, 0x01, 0x7f, 0xfe, 0xff)
	}
	for range 300 {
		name := make([]byte, 1+rng.IntN(12))
		for i := range name {
			name[i] = alphabet[rng.IntN(len(alphabet))]
		}
		keys = append(keys, "/registry/pods/"+string(name))
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func firstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("key %d is %q, want %q", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("the shorter ends after %d keys", min(len(got), len(want)))
}
