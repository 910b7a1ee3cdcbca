package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// casInFlight are the numbers of single-key compare-and-swaps the limit
// keeps in flight: etcd's pipeline, not lifeboat's choice (it keeps 64).
var casInFlight = []int{64, 128, 256}

// limits is the floor an undelete of K of N pods cannot beat on this etcd:
// it must read the N pods and compare-and-swap the K Terminating ones, and
// at best does both at once, so its time is at least the longer of the two.
// Both at once is measured too: on a machine with few cores, etcd serving
// the read and the writes, and their client, share the cores, and that run
// is the floor this machine reaches.
type limits struct {
	read       series          // every pod read once: paged ranges in this process, values discarded
	cas        map[int]*series // K single-key CAS Txns (kube-apiserver's shape) with n in flight
	sideBySide series          // the read and the CAS (at sideBySideInFlight) at once
}

// sideBySideInFlight is what the side-by-side run keeps in flight:
// lifeboat's two windows.
const sideBySideInFlight = 2 * etcdops.DefaultWindow

// casWall is the median CAS time at n in flight.
func (l *limits) casWall(n int) time.Duration { return l.cas[n].medianWall() }

// best is the overlap limit: the longer of the read and the fastest CAS run.
func (l *limits) best() (time.Duration, int) {
	var cas time.Duration
	bestN := 0
	for _, n := range casInFlight {
		if s := l.cas[n]; s != nil && s.ok() && (cas == 0 || s.medianWall() < cas) {
			cas, bestN = s.medianWall(), n
		}
	}
	if !l.read.ok() || cas == 0 {
		return 0, 0
	}
	return max(l.read.medianWall(), cas), bestN
}

// limitRuns measures the read and the CAS limits, runs times each, on the
// same etcd and data as the undelete, then the two side by side.
func (b *bench) limitRuns(ctx context.Context) error {
	b.rep.limits.cas = map[int]*series{}
	for r := range b.cfg.runs {
		logf("limit run %d/%d: raw read of every pod, %s single-key CAS at %v in flight, then the read and the CAS at %d side by side", r+1, b.cfg.runs, thousands(int64(b.cfg.terminating)), casInFlight, sideBySideInFlight)
		start, etcdCPU, ownCPU := time.Now(), processCPU(b.srv.pid()), processCPU(os.Getpid())
		if err := b.rawRead(ctx); err != nil {
			return err
		}
		b.rep.limits.read.add(sample{wall: time.Since(start), cpu: processCPU(os.Getpid()) - ownCPU, etcdCPU: processCPU(b.srv.pid()) - etcdCPU})
		for _, inFlight := range casInFlight {
			todo, err := b.casTodo(ctx)
			if err != nil {
				return err
			}
			start, etcdCPU, ownCPU := time.Now(), processCPU(b.srv.pid()), processCPU(os.Getpid())
			if err := b.casSend(ctx, todo, inFlight); err != nil {
				return err
			}
			if b.rep.limits.cas[inFlight] == nil {
				b.rep.limits.cas[inFlight] = &series{}
			}
			b.rep.limits.cas[inFlight].add(sample{wall: time.Since(start), cpu: processCPU(os.Getpid()) - ownCPU, etcdCPU: processCPU(b.srv.pid()) - etcdCPU})
		}
		todo, err := b.casTodo(ctx)
		if err != nil {
			return err
		}
		start, etcdCPU, ownCPU = time.Now(), processCPU(b.srv.pid()), processCPU(os.Getpid())
		var (
			wg      sync.WaitGroup
			readErr error
		)
		wg.Go(func() { readErr = b.rawRead(ctx) })
		casErr := b.casSend(ctx, todo, sideBySideInFlight)
		wg.Wait()
		if readErr != nil {
			return readErr
		}
		if casErr != nil {
			return casErr
		}
		b.rep.limits.sideBySide.add(sample{wall: time.Since(start), cpu: processCPU(os.Getpid()) - ownCPU, etcdCPU: processCPU(b.srv.pid()) - etcdCPU})
	}
	return nil
}

// rawRead reads every pod once, values discarded, as fast as this process
// can: in lifeboat's requests (etcdops.Store.ScanRaw: pages of 2,000, each
// range ending where its page is guessed to end), with clientv3's own
// codec and nothing decoded.
func (b *bench) rawRead(ctx context.Context) error {
	n := 0
	if _, err := etcdops.NewStore(b.cli, prefix, true).ScanRaw(ctx, podsPrefix, func(page []*mvccpb.KeyValue) error { n += len(page); return nil }); err != nil {
		return err
	}
	if n != b.cfg.pods {
		return fmt.Errorf("%w: the raw read found %d pods, want %d", errCheck, n, b.cfg.pods)
	}
	return nil
}

// casKey is one Terminating pod as read before the CAS.
type casKey struct {
	key, value string
	rev        int64
}

// casTodo re-seeds the Terminating pods and reads their values and
// revisions (untimed): what casSend writes.
func (b *bench) casTodo(ctx context.Context) ([]casKey, error) {
	terminating, _, err := b.reseed(ctx)
	if err != nil {
		return nil, err
	}
	var todo []casKey
	if _, err := b.scan(ctx, podsPrefix, false, func(x *mvccpb.KeyValue) error {
		if terminating[string(x.Key)] {
			todo = append(todo, casKey{string(x.Key), string(x.Value), x.ModRevision})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(todo) != b.cfg.terminating {
		return nil, fmt.Errorf("%w: %d Terminating pods to write, want %d", errCheck, len(todo), b.cfg.terminating)
	}
	return todo, nil
}

// casSend sends a Txn of kube-apiserver's update shape (If mod_revision =
// read, Then Put) for each key, with inFlight of them outstanding. Each
// writes the value it read back: etcd's cost is the same for any value of
// that size, and the limit must not include lifeboat's work.
func (b *bench) casSend(ctx context.Context, todo []casKey, inFlight int) error {
	keys := make(chan casKey)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		failed   int
	)
	for range inFlight {
		wg.Go(func() {
			for k := range keys {
				resp, err := b.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(k.key), "=", k.rev)).
					Then(clientv3.OpPut(k.key, k.value)).Commit()
				if err == nil && !resp.Succeeded {
					err = fmt.Errorf("%s: mod_revision is no longer %d", k.key, k.rev)
				}
				if err != nil {
					mu.Lock()
					failed++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, k := range todo {
		keys <- k
	}
	close(keys)
	wg.Wait()
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d CAS Txns failed at %d in flight; first: %v", errCheck, failed, len(todo), inFlight, firstErr)
	}
	return nil
}
