// Package parallel splits a loop over every core: lifeboat's CPU-bound
// steps (decoding, editing and rendering a page of objects) run this way.
// Workers keeps goroutines for work that comes in windows (a batch's Txns).
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(0..n-1) split over GOMAXPROCS goroutines and waits for all.
func For(n int, fn func(i int)) { ForN(n, runtime.GOMAXPROCS(0), fn) }

// ForN is For with at most workers goroutines: for work that waits (on
// etcd) rather than computes. Each goroutine takes the next index left, so
// one that the scheduler set aside (another stage of a pipeline, or etcd,
// running on its core) does not hold up the rest.
func ForN(n, workers int, fn func(i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
