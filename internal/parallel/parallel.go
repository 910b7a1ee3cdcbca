// Package parallel splits a loop over every core: lifeboat's CPU-bound
// steps (decoding, editing and rendering a page of objects) run this way.
package parallel

import (
	"runtime"
	"sync"
)

// For calls fn(0..n-1) split over GOMAXPROCS goroutines and waits for all.
func For(n int, fn func(i int)) { ForN(n, runtime.GOMAXPROCS(0), fn) }

// ForN is For with at most workers goroutines: for work that waits (on
// etcd) rather than computes.
func ForN(n, workers int, fn func(i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
