package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// Profiling for maintainers, never a flag: LIFEBOAT_CPUPROFILE and
// LIFEBOAT_MEMPROFILE name files that get a CPU profile of the whole run
// and a heap profile (in-use and allocated, after a GC) at its end, so that
// the binary a user runs, as make bench runs it, can say where its time and
// memory go (go tool pprof). Unset, they cost nothing.
const (
	cpuProfileEnv = "LIFEBOAT_CPUPROFILE"
	memProfileEnv = "LIFEBOAT_MEMPROFILE"
)

// startProfiles starts what the environment asks for; the function it
// returns writes and closes the profiles.
func startProfiles() func() {
	var stops []func()
	if path := os.Getenv(cpuProfileEnv); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "lifeboat: %s=%s: %v\n", cpuProfileEnv, path, err)
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
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
