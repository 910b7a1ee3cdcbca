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
// Usage: rusage COMMAND [ARG...]. Standard input, output and error go to
// COMMAND; the report is one JSON object written to file descriptor 3:
// wallNanos (from start to exit), userNanos, systemNanos, maxRSSKiB,
// exitCode. The exit code of rusage is 0 when it could run COMMAND, whatever
// COMMAND's own.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

type report struct {
	WallNanos   int64 `json:"wallNanos"`
	UserNanos   int64 `json:"userNanos"`
	SystemNanos int64 `json:"systemNanos"`
	MaxRSSKiB   int64 `json:"maxRSSKiB"`
	ExitCode    int   `json:"exitCode"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rusage COMMAND [ARG...] (report on fd 3)")
		os.Exit(2)
	}
	out := os.NewFile(3, "report")
	// Signals are for the command: it decides how to end, then so do we.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	killWithParent(cmd)
	start := time.Now()
	err := cmd.Run()
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
	if err := json.NewEncoder(out).Encode(r); err != nil {
		fmt.Fprintf(os.Stderr, "rusage: report: %v\n", err)
		os.Exit(1)
	}
}
