// Command rusage runs a command and reports its resource usage: the
// benchmark harness (internal/bench) starts every measured process through
// it.
//
// A process's peak RSS (getrusage's ru_maxrss) counts the memory of the
// process that exec'd it: Linux carries the old address space's high-water
// mark over an exec, and Go starts children with vfork, whose old address
// space is the parent's. Started straight from the harness, which holds
// hundreds of MiB after seeding, every process would report at least the
// harness's RSS. Started from this small program, it reports its own, plus
// at most this program's few MiB.
//
// Usage: rusage [-max-rss-kib N] COMMAND [ARG...]. Standard input, output
// and error go to COMMAND; the report is one JSON object written to file
// descriptor 3: wallNanos (from start to exit), userNanos, systemNanos,
// maxRSSKiB, exitCode, and killedOverRSSKiB. The exit code of rusage is 0
// when it could run COMMAND, whatever COMMAND's own.
//
// -max-rss-kib kills COMMAND (SIGKILL) once its resident memory passes N
// KiB, and reports N as killedOverRSSKiB: a program that holds everything
// it reads (kubectl -o json holds the whole List) is stopped before the
// machine runs out of memory and its out-of-memory killer picks etcd.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/bench/procfs"
)

type report struct {
	WallNanos   int64 `json:"wallNanos"`
	UserNanos   int64 `json:"userNanos"`
	SystemNanos int64 `json:"systemNanos"`
	MaxRSSKiB   int64 `json:"maxRSSKiB"`
	ExitCode    int   `json:"exitCode"`
	// KilledOverRSSKiB is -max-rss-kib when COMMAND was killed for passing it.
	KilledOverRSSKiB int64 `json:"killedOverRSSKiB,omitempty"`
}

func main() {
	maxRSS := flag.Int64("max-rss-kib", 0, "kill the command once its resident memory passes this many KiB (0: never)")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: rusage [-max-rss-kib N] COMMAND [ARG...] (report on fd 3)")
		os.Exit(2)
	}
	out := os.NewFile(3, "report")
	// Signals are for the command: it decides how to end, then so do we.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	killWithParent(cmd)
	start := time.Now()
	err := cmd.Start()
	var killed atomic.Bool
	if err == nil {
		if *maxRSS > 0 {
			stop := make(chan struct{})
			defer close(stop)
			go capRSS(cmd.Process, *maxRSS, &killed, stop)
		}
		err = cmd.Wait()
	}
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintf(os.Stderr, "rusage: %v\n", err)
		os.Exit(1)
	}
	r := report{
		WallNanos:   int64(wall),
		UserNanos:   int64(cmd.ProcessState.UserTime()),
		SystemNanos: int64(cmd.ProcessState.SystemTime()),
		ExitCode:    cmd.ProcessState.ExitCode(),
	}
	r.MaxRSSKiB = maxRSSKiB(cmd.ProcessState)
	if killed.Load() {
		r.KilledOverRSSKiB = *maxRSS
	}
	if err := json.NewEncoder(out).Encode(r); err != nil {
		fmt.Fprintf(os.Stderr, "rusage: report: %v\n", err)
		os.Exit(1)
	}
}

// capRSS kills p once its resident memory passes maxKiB, and sets killed,
// checking every 50 ms until stop is closed.
func capRSS(p *os.Process, maxKiB int64, killed *atomic.Bool, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
		if procfs.StatusKiB(p.Pid, "VmRSS") > maxKiB {
			killed.Store(true)
			p.Kill()
			return
		}
	}
}
