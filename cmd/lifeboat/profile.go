package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// Profiling for maintainers, never a flag: LIFEBOAT_CPUPROFILE and
// LIFEBOAT_MEMPROFILE name files that get a CPU profile of the whole run
// and a heap profile (in-use and allocated, after a GC) at its end, so that
// the binary a user runs, as make bench runs it, can say where its time and
// memory go (go tool pprof). LIFEBOAT_TRACE gets an execution trace (go
// tool trace): when the reader, the planner and the writer each wait, which
// a profile of CPU cannot show. Unset, they cost nothing.
const (
	cpuProfileEnv = "LIFEBOAT_CPUPROFILE"
	memProfileEnv = "LIFEBOAT_MEMPROFILE"
	traceEnv      = "LIFEBOAT_TRACE"
)

// startProfiles starts what the environment asks for; the function it
// returns writes and closes the profiles.
func startProfiles() func() {
	var stops []func()
	for _, p := range []struct {
		env   string
		start func(io.Writer) error
		stop  func()
	}{
		{cpuProfileEnv, pprof.StartCPUProfile, pprof.StopCPUProfile},
		{traceEnv, trace.Start, trace.Stop},
	} {
		path := os.Getenv(p.env)
		if path == "" {
			continue
		}
		f, err := os.Create(path)
		if err == nil {
			if err = p.start(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "lifeboat: %s=%s: %v\n", p.env, path, err)
			continue
		}
		stops = append(stops, func() { p.stop(); f.Close() })
	}
	if path := os.Getenv(memProfileEnv); path != "" {
		runtime.MemProfileRate = 64 << 10 // finer than the default 512 KiB: rows are small
		stops = append(stops, func() {
			f, err := os.Create(path)
			if err == nil {
				runtime.GC()
				err = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "lifeboat: %s=%s: %v\n", memProfileEnv, path, err)
			}
		})
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}
