//go:build linux

package procfs

import (
	"os"
	"testing"
)

func TestFigures(t *testing.T) {
	for _, tc := range []struct {
		what string
		kib  int64
		want bool // > 0
	}{
		{"this process's VmRSS", StatusKiB(os.Getpid(), "VmRSS"), true},
		{"this process's VmHWM", StatusKiB(os.Getpid(), "VmHWM"), true},
		{"the machine's MemAvailable", MemInfoKiB("MemAvailable"), true},
		{"a field that does not exist", StatusKiB(os.Getpid(), "NoSuchField"), false},
		{"a process that does not exist", StatusKiB(1<<30, "VmRSS"), false},
		// a prefix of a field is not the field
		{"Vm", StatusKiB(os.Getpid(), "Vm"), false},
	} {
		if got := tc.kib > 0; got != tc.want {
			t.Errorf("%s = %d KiB, want > 0: %v", tc.what, tc.kib, tc.want)
		}
	}
	if rss, hwm := StatusKiB(os.Getpid(), "VmRSS"), StatusKiB(os.Getpid(), "VmHWM"); rss > hwm {
		t.Errorf("VmRSS %d KiB above the peak VmHWM %d KiB", rss, hwm)
	}
}
