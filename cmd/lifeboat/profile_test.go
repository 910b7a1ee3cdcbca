package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// The maintainers' profiles come from the environment: each named file gets
// what its variable promises, and one that cannot be created costs the
// others nothing.
func TestProfilesFromTheEnvironment(t *testing.T) {
	rate := runtime.MemProfileRate
	t.Cleanup(func() { runtime.MemProfileRate = rate })
	gzipMagic := []byte{0x1f, 0x8b} // pprof's profiles are gzipped protobuf
	traceMagic := []byte("go 1.")   // an execution trace's header: "go 1.N trace"
	tests := []struct {
		name      string
		unusable  string // a variable whose file cannot be created
		wantMagic map[string][]byte
	}{
		{name: "all three", wantMagic: map[string][]byte{cpuProfileEnv: gzipMagic, memProfileEnv: gzipMagic, traceEnv: traceMagic}},
		{name: "no CPU profile", unusable: cpuProfileEnv, wantMagic: map[string][]byte{memProfileEnv: gzipMagic, traceEnv: traceMagic}},
		{name: "no trace", unusable: traceEnv, wantMagic: map[string][]byte{cpuProfileEnv: gzipMagic, memProfileEnv: gzipMagic}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, env := range []string{cpuProfileEnv, memProfileEnv, traceEnv} {
				path := filepath.Join(dir, env)
				if env == tt.unusable {
					path = filepath.Join(dir, "missing", env)
				}
				t.Setenv(env, path)
			}
			stop := startProfiles()
			work := make([][]byte, 0, 1000)
			for i := range 1000 {
				work = append(work, bytes.Repeat([]byte{byte(i)}, 1024))
			}
			runtime.KeepAlive(work)
			stop()
			for env, magic := range tt.wantMagic {
				got, err := os.ReadFile(filepath.Join(dir, env))
				if err != nil {
					t.Fatalf("%s: %v", env, err)
				}
				if !bytes.HasPrefix(got, magic) {
					t.Errorf("%s: %d bytes starting %q, want %q", env, len(got), got[:min(len(got), 8)], magic)
				}
			}
			if tt.unusable != "" {
				if _, err := os.Stat(filepath.Join(dir, "missing")); err == nil {
					t.Errorf("%s: a directory was created for it", tt.unusable)
				}
			}
		})
	}
}
