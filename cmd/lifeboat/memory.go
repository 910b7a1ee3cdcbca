package main

import (
	"os"
	"runtime/debug"
)

// memoryLimit is the soft memory limit of the TUI and doctor, which keep a
// model of the whole cluster: a few hundred bytes a pod (150,000 pods:
// about 80 MB for the TUI's rows, 100 MB for doctor's census), but reading
// them decodes gigabytes, and with the collector's default pacing their
// peaks were twice what they keep and more (430 and 320 MiB at 150,000
// pods). A soft limit makes the collector work harder near it (never more
// than half the CPU: a cluster too large to fit only runs it more often).
// The peak RSS sits about 40 MiB above it (the binary's own pages, which
// the limit does not count): at 150,000 pods 200 MiB gave peaks of 241–244
// MiB, too near the 256 MiB a control-plane node in an outage can spare;
// 180 gives 221–222 MiB for 2% more of doctor's time.
const memoryLimit = 180 << 20

// softMemoryLimit sets memoryLimit unless GOMEMLIMIT (the operator's own)
// is set. Not for the demo, whose etcd shares the process.
func softMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
