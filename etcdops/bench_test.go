package etcdops_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/enctest"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The speed targets of issue #2, on realistic ~5 KiB pods stored as the
// apiserver stores them. Run with `make bench`.

const benchPods = 10000

func benchStore(b *testing.B, n int) (*etcdops.Store, *clientv3.Client) {
	b.Helper()
	_, cli := etcdtest.Start(b)
	if err := demo.TerminatingPods(context.Background(), cli, "/registry", n, testNow); err != nil {
		b.Fatal(err)
	}
	loadNodes(b, cli)
	return etcdops.NewStore(cli, "", false), cli
}

// heapGrowth samples the live heap while a scan runs, above a baseline
// taken before it: the memory the scan holds, which must stay flat in the
// number of objects. (The embedded etcd shares the process, so the baseline
// matters.)
type heapGrowth struct{ base, max int64 }

func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func (h *heapGrowth) start()  { h.base = liveHeap() }
func (h *heapGrowth) sample() { h.max = max(h.max, liveHeap()-h.base) }

// BenchmarkRawGetPrefix is the baseline: what `etcdctl get --prefix` does,
// one range request for every pod, no decoding.
func BenchmarkRawGetPrefix(b *testing.B) {
	_, cli := benchStore(b, benchPods)
	b.ResetTimer()
	for b.Loop() {
		resp, err := cli.Get(context.Background(), "/registry/pods/", clientv3.WithPrefix())
		if err != nil {
			b.Fatal(err)
		}
		if len(resp.Kvs) != benchPods {
			b.Fatalf("got %d pods", len(resp.Kvs))
		}
	}
	b.ReportMetric(float64(benchPods*b.N)/b.Elapsed().Seconds(), "pods/s")
}

// BenchmarkScanKeys is Store.Scan alone: paged range requests pinned to one
// revision, no decoding; compare with BenchmarkRawGetPrefix.
func BenchmarkScanKeys(b *testing.B) {
	store, _ := benchStore(b, benchPods)
	b.ResetTimer()
	for b.Loop() {
		seen := 0
		if _, err := store.Scan(context.Background(), "/registry/pods/", func(etcdops.Record) error {
			seen++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if seen != benchPods {
			b.Fatalf("scanned %d pods", seen)
		}
	}
	b.ReportMetric(float64(benchPods*b.N)/b.Elapsed().Seconds(), "pods/s")
}

// BenchmarkScanPods is `lifeboat get pods -A`'s read: paged range requests
// (500 keys each) and a full decode of every pod.
func BenchmarkScanPods(b *testing.B) {
	for _, n := range []int{1000, benchPods} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			store, _ := benchStore(b, n)
			q := etcdops.Query{Resource: resource(b, "pods"), AllNamespaces: true}
			var peak heapGrowth
			peak.start()
			b.ResetTimer()
			for b.Loop() {
				seen := 0
				if _, err := store.List(context.Background(), q, func(it etcdops.Item) error {
					if it.DecodeErr != nil {
						return it.DecodeErr
					}
					if seen++; seen%500 == 250 {
						b.StopTimer()
						peak.sample()
						b.StartTimer()
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if seen != n {
					b.Fatalf("scanned %d pods", seen)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pods/s")
			b.ReportMetric(float64(peak.max)/(1<<20), "scan-heap-MiB")
		})
	}
}

// BenchmarkUndeletePods is `lifeboat pods undelete -A --yes` on 10,000
// Terminating pods against the embedded etcd (no fsync): plan (read,
// decode, lossless edit, verify), journal with fsync, and compare-and-swap
// Txns. Each iteration gets freshly seeded pods.
func BenchmarkUndeletePods(b *testing.B) {
	store, cli := benchStore(b, 0)
	benchUndelete(b, store, func() {
		if err := demo.TerminatingPods(context.Background(), cli, "/registry", benchPods, testNow); err != nil {
			b.Fatal(err)
		}
	})
}

// benchWritePods is issue #7's load: 20,000 Terminating pods.
const benchWritePods = 20000

// BenchmarkUndeleteOnBackends is the engine's write rate on the datastores
// users run: a separate etcd server process with fsync on (etcd 3.4 from
// Debian's etcd-server here) and kine over SQLite (k3s). It times Store.Plan
// and Store.Apply of 20,000 Terminating pods: journal fsynced per window,
// one Txn per key in OptimisticPut's shape, windows in flight. It is the
// engine's figure, not the product's: internal/bench (make bench) times the
// lifeboat binary end to end.
func BenchmarkUndeleteOnBackends(b *testing.B) {
	for _, name := range []string{etcdtest.EtcdProcess, etcdtest.Kine} {
		b.Run(name, func(b *testing.B) {
			be := etcdtest.StartBackend(b, name)
			store, err := etcdops.Open(context.Background(), etcdops.Config{Endpoints: []string{be.Endpoint}})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			loadNodes(b, be.Client)
			benchUndelete(b, store, func() { seedOneByOne(b, be.Client, benchWritePods) })
		})
	}
}

// benchUndelete times Plan + Apply of every Terminating pod, seeding them
// again (untimed) before each iteration, and checks every pod was written
// at a revision of its own.
func benchUndelete(b *testing.B, store *etcdops.Store, seedPods func()) {
	ctx := context.Background()
	op := etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(b, "pods"), AllNamespaces: true}}
	written := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		seedPods()
		j, err := journal.Create(filepath.Join(b.TempDir(), fmt.Sprintf("j%d.jsonl", i)), journal.Info{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		plan, err := planOf(ctx, store, op)
		if err != nil {
			b.Fatal(err)
		}
		results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		revs := map[int64]bool{}
		for _, r := range results {
			if !r.Changed {
				b.Fatalf("%s: not written: %v", r.KeyInfo, r.Err)
			}
			revs[r.NewRevision] = true
			written++
		}
		if len(revs) != len(results) {
			b.Fatalf("%d objects written at %d revisions", len(results), len(revs))
		}
		j.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "objects/s")
}

// seedOneByOne writes n Terminating pods with single-key Txns
// (demo.PutObject), 64 in flight: kine serves no multi-key Txn, and no
// plain Put of a key that exists, which every iteration after the first
// writes again.
func seedOneByOne(b *testing.B, cli *clientv3.Client, n int) {
	b.Helper()
	ctx := context.Background()
	deleting := metav1.NewTime(testNow)
	grace := int64(30)
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	sem := make(chan struct{}, 64)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ns, name := fmt.Sprintf("bench-%d", i%10), fmt.Sprintf("pod-%06d", i)
			pod := demo.RealisticPod(ns, name, fmt.Sprintf("worker-%d", 1+i%50), i)
			pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = &deleting, &grace
			if err := demo.PutObject(ctx, cli, "/registry/pods/"+ns+"/"+name, pod, 0); err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

// BenchmarkScanEncrypted is BenchmarkScanPods with every pod encrypted at
// rest (a `*.*` EncryptionConfiguration): the cost of decrypting with
// kube-apiserver's transformers in the scan. Engine only, embedded etcd.
func BenchmarkScanEncrypted(b *testing.B) {
	for _, p := range []struct {
		name     string
		provider func(testing.TB, string) enctest.Provider
	}{
		{"plaintext", nil},
		{"aescbc", enctest.AESCBC},
		{"aesgcm", enctest.AESGCM},
		{"secretbox", enctest.Secretbox},
	} {
		b.Run(p.name, func(b *testing.B) {
			store, cli := benchStore(b, benchPods)
			if p.provider != nil {
				provider := p.provider(b, "key1")
				ctx := context.Background()
				resp, err := cli.Get(ctx, "/registry/pods/", clientv3.WithPrefix())
				if err != nil {
					b.Fatal(err)
				}
				for _, kv := range resp.Kvs {
					if _, err := cli.Put(ctx, string(kv.Key), string(provider.Encrypt(b, string(kv.Key), kv.Value))); err != nil {
						b.Fatal(err)
					}
				}
				crypt, err := etcdops.LoadEncryption(ctx, enctest.WriteConfig(b, b.TempDir(), enctest.Rule{Resources: []string{"*.*"}, Providers: []enctest.Provider{provider}}))
				if err != nil {
					b.Fatal(err)
				}
				defer crypt.Close()
				store.UseEncryption(crypt)
			}
			q := etcdops.Query{Resource: resource(b, "pods"), AllNamespaces: true}
			b.ResetTimer()
			for b.Loop() {
				seen := 0
				if _, err := store.List(context.Background(), q, func(it etcdops.Item) error {
					if it.DecodeErr != nil || it.Encrypted() {
						return fmt.Errorf("%s: not read: %v %v", it.Key, it.DecodeErr, it.DecryptErr)
					}
					seen++
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if seen != benchPods {
					b.Fatalf("scanned %d pods", seen)
				}
			}
			b.ReportMetric(float64(benchPods*b.N)/b.Elapsed().Seconds(), "pods/s")
		})
	}
}
