// Package procfs reads the few Linux /proc figures the benchmark harness
// reports and acts on: a process's memory (/proc/PID/status) and the
// machine's (/proc/meminfo). Off Linux, or for a process that is gone,
// every figure is 0.
package procfs

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// StatusKiB is a "kB" field of /proc/PID/status: VmRSS (resident now),
// VmHWM (the peak so far).
func StatusKiB(pid int, field string) int64 {
	return fieldKiB(fmt.Sprintf("/proc/%d/status", pid), field)
}

// MemInfoKiB is a field of /proc/meminfo: MemAvailable, what the kernel
// could give a new process now.
func MemInfoKiB(field string) int64 { return fieldKiB("/proc/meminfo", field) }

// fieldKiB reads "Field:   123 kB" from a /proc file.
func fieldKiB(path, field string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
