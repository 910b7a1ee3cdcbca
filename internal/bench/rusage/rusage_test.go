//go:build linux

package main

import (
	"os/exec"
	"sync/atomic"
	"testing"
	"time"
)

func TestCapRSS(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxKiB     int64
		wantKilled bool
	}{
		{"a process past its cap is killed", 1, true}, // every process has more than 1 KiB resident
		{"a process under its cap runs to its end", 1 << 40, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sleep", "1")
			if err := cmd.Start(); err != nil {
				t.Skipf("no sleep: %v", err)
			}
			var killed atomic.Bool
			stop := make(chan struct{})
			go capRSS(cmd.Process, tc.maxKiB, &killed, stop)
			start := time.Now()
			err := cmd.Wait()
			close(stop)
			if killed.Load() != tc.wantKilled {
				t.Fatalf("killed = %v, want %v (wait: %v after %s)", killed.Load(), tc.wantKilled, err, time.Since(start))
			}
			if tc.wantKilled && (err == nil || time.Since(start) > 900*time.Millisecond) {
				t.Errorf("wait: %v after %s, want a kill well before sleep's second", err, time.Since(start))
			}
			if !tc.wantKilled && err != nil {
				t.Errorf("wait: %v", err)
			}
		})
	}
}
