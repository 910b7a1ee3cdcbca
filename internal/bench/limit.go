package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// casInFlight are the numbers of single-key compare-and-swaps the limit
// keeps in flight: etcd's pipeline, not lifeboat's choice (it keeps 64).
var casInFlight = []int{64, 128, 256}

// limits is the floor an undelete of K of N pods cannot beat on this etcd:
// it must read the N pods and compare-and-swap the K Terminating ones, and
// at best does both at once, so its time is at least the longer of the two.
type limits struct {
	read series          // every pod read once: paged ranges in this process, values discarded
	cas  map[int]*series // K single-key CAS Txns (kube-apiserver's shape) with n in flight
}

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
// same etcd and data as the undelete.
func (b *bench) limitRuns(ctx context.Context) error {
	b.rep.limits.cas = map[int]*series{}
	for r := range b.cfg.runs {
		logf("limit run %d/%d: raw read of every pod, then %s single-key CAS at %v in flight", r+1, b.cfg.runs, thousands(int64(b.cfg.terminating)), casInFlight)
		start, etcdCPU, ownCPU := time.Now(), processCPU(b.srv.cmd.Process.Pid), processCPU(os.Getpid())
		n := 0
		if _, err := b.scan(ctx, podsPrefix, false, func(*mvccpb.KeyValue) error { n++; return nil }); err != nil {
			return err
		}
		if n != b.cfg.pods {
			return fmt.Errorf("%w: the raw read found %d pods, want %d", errCheck, n, b.cfg.pods)
		}
		b.rep.limits.read.add(sample{wall: time.Since(start), cpu: processCPU(os.Getpid()) - ownCPU, etcdCPU: processCPU(b.srv.cmd.Process.Pid) - etcdCPU})
		for _, inFlight := range casInFlight {
			s, err := b.casRun(ctx, inFlight)
			if err != nil {
				return err
			}
			if b.rep.limits.cas[inFlight] == nil {
				b.rep.limits.cas[inFlight] = &series{}
			}
			b.rep.limits.cas[inFlight].add(s)
		}
	}
	return nil
}

// casRun re-seeds the Terminating pods, reads their values and revisions
// (untimed), then times K Txns of kube-apiserver's update shape (If
// mod_revision = read, Then Put) with inFlight of them outstanding. Each
// writes the value it read back: etcd's cost is the same for any value of
// that size, and the limit must not include lifeboat's work.
func (b *bench) casRun(ctx context.Context, inFlight int) (sample, error) {
	terminating, _, err := b.reseed(ctx)
	if err != nil {
		return sample{}, err
	}
	type kv struct {
		key, value string
		rev        int64
	}
	var todo []kv
	if _, err := b.scan(ctx, podsPrefix, false, func(x *mvccpb.KeyValue) error {
		if terminating[string(x.Key)] {
			todo = append(todo, kv{string(x.Key), string(x.Value), x.ModRevision})
		}
		return nil
	}); err != nil {
		return sample{}, err
	}
	keys := make(chan kv)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		failed   int
	)
	start, etcdCPU := time.Now(), processCPU(b.srv.cmd.Process.Pid)
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
	s := sample{wall: time.Since(start), etcdCPU: processCPU(b.srv.cmd.Process.Pid) - etcdCPU}
	if failed > 0 {
		return s, fmt.Errorf("%w: %d of %d CAS Txns failed at %d in flight; first: %v", errCheck, failed, len(todo), inFlight, firstErr)
	}
	if len(todo) != b.cfg.terminating {
		return s, fmt.Errorf("%w: %d Terminating pods to write, want %d", errCheck, len(todo), b.cfg.terminating)
	}
	return s, nil
}
