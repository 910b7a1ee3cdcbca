package parallel

import (
	"sync"
	"sync/atomic"
	"time"
)

// Workers runs functions on goroutines it keeps between calls. A goroutine
// started for each call begins with a small stack and grows it, copying,
// to its callee's depth every time: for a batch's Txns, each one a deep
// gRPC call, that copying was 5% of the CPU. A kept goroutine keeps its
// stack. The zero Workers is ready to use; it needs no closing, as a
// worker idle for a few seconds exits.
type Workers struct {
	once sync.Once
	jobs chan func()
	// idle is how long a worker waits for another function before it
	// exits; zero means idleWorker.
	idle time.Duration
	// started and running count workers, for tests.
	started, running atomic.Int64
}

// idleWorker is how long a worker outlives its last function: longer than
// a batch takes to plan the next window, short enough not to linger.
const idleWorker = 5 * time.Second

// Go runs fn on an idle worker, or on a new one when none is idle: it
// never waits for a function to finish.
func (w *Workers) Go(fn func()) {
	w.once.Do(func() { w.jobs = make(chan func()) })
	select {
	case w.jobs <- fn:
	default:
		w.started.Add(1)
		w.running.Add(1)
		go w.work(fn)
	}
}

func (w *Workers) work(fn func()) {
	defer w.running.Add(-1)
	idle := w.idle
	if idle == 0 {
		idle = idleWorker
	}
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for {
		fn()
		timer.Reset(idle)
		select {
		case fn = <-w.jobs:
		case <-timer.C:
			return
		}
	}
}
