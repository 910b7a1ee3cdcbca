package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestWorkersRunEachFunctionOnce(t *testing.T) {
	var w Workers
	const n = 1000
	seen := make([]atomic.Int32, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		w.Go(func() {
			defer wg.Done()
			seen[i].Add(1)
		})
	}
	wg.Wait()
	for i := range seen {
		if c := seen[i].Load(); c != 1 {
			t.Fatalf("function %d ran %d times", i, c)
		}
	}
}

// TestWorkersNeverWait: with every worker busy, Go starts another rather
// than wait (a window's Txns all run at once).
func TestWorkersNeverWait(t *testing.T) {
	var w Workers
	release := make(chan struct{})
	var wg sync.WaitGroup
	const n = 64
	for range n {
		wg.Add(1)
		w.Go(func() {
			defer wg.Done()
			<-release
		})
	}
	if got := w.started.Load(); got != n {
		t.Fatalf("%d functions blocked at once ran on %d workers", n, got)
	}
	close(release)
	wg.Wait()
}

// TestWorkersAreKeptThenExit: functions that run one after another reuse a
// worker, and an idle worker exits.
func TestWorkersAreKeptThenExit(t *testing.T) {
	w := Workers{idle: 20 * time.Millisecond}
	for range 100 {
		done := make(chan struct{})
		w.Go(func() { close(done) })
		<-done
	}
	// A worker may be between its function and waiting for the next when
	// Go is called, so a few may start; one per function would be 100.
	if got := w.started.Load(); got > 10 {
		t.Errorf("100 functions one after another started %d workers", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.running.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still running long after their idle time", w.running.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
