package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// runWithin runs the lifeboat binary against the cluster, as c.run does
// in-process, and gives it d to end: a command that hangs on a file, or
// reads one without end, is killed, and fails the test, instead of
// hanging the tests or eating the machine's memory.
func (c *cluster) runWithin(t *testing.T, d time.Duration, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	c.n++
	args = append([]string{"--endpoints", c.endpoint, "--journal", c.journal(fmt.Sprintf("journal-%d.jsonl", c.n))}, args...)
	cmd := exec.CommandContext(ctx, binary(t), args...)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "ETCDCTL_") && !strings.HasPrefix(e, "LIFEBOAT_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	var out, errOut strings.Builder
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("lifeboat %s: no answer in %s: it hangs, or reads without end", strings.Join(args, " "), d)
	}
	r := result{out: out.String(), errOut: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// endless is standard input that never ends: /dev/zero, or a pipe from a
// program that never stops.
type endless struct{}

func (endless) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// TestNamedFilesNeverHang: every file a user names to lifeboat (a snapshot,
// an encryption config, TLS files, a manifest, a plan, a patch, a journal,
// a value to decode), given as a named pipe without a writer or as
// /dev/zero, is refused within seconds, with one line naming it and the
// exit code of the flag's other bad paths; nothing is written, no journal
// is made. Standard input that never ends is read up to its bound.
func TestNamedFilesNeverHang(t *testing.T) {
	c := newCluster(t, demo.Options{})
	fifo := filepath.Join(t.TempDir(), "named-pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	uses := []struct {
		name string
		args func(path string) []string
		code int
	}{
		{"get --snapshot", func(p string) []string { return []string{"get", "pods", "-A", "--snapshot", p} }, exitUsage},
		{"ls --snapshot", func(p string) []string { return []string{"ls", "--snapshot", p} }, exitUsage},
		{"decode --snapshot", func(p string) []string {
			return []string{"decode", "--snapshot", p, "/registry/configmaps/shop/frontend-config"}
		}, exitUsage},
		{"history --snapshot", func(p string) []string {
			return []string{"history", "cm", "frontend-config", "-n", "shop", "--snapshot", p}
		}, exitUsage},
		{"restore --from-snapshot", func(p string) []string {
			return []string{"restore", "cm", "frontend-config", "-n", "shop", "--from-snapshot", p, "--yes"}
		}, exitUsage},
		{"--encryption-config", func(p string) []string { return []string{"--encryption-config", p, "get", "pods", "-A"} }, exitUsage},
		{"--encryption-config after the command", func(p string) []string { return []string{"get", "pods", "-A", "--encryption-config", p} }, exitUsage},
		{"--cacert", func(p string) []string { return []string{"--cacert", p, "get", "pods", "-A"} }, exitUsage},
		{"--cert", func(p string) []string { return []string{"--cert", p, "get", "pods", "-A"} }, exitUsage},
		{"--key", func(p string) []string { return []string{"--key", p, "get", "pods", "-A"} }, exitUsage},
		{"create -f", func(p string) []string { return []string{"create", "-f", p, "--yes"} }, exitUsage},
		{"apply -f", func(p string) []string { return []string{"apply", "-f", p, "--yes"} }, exitUsage},
		{"edit -f", func(p string) []string {
			return []string{"edit", "cm", "frontend-config", "-n", "shop", "-f", p, "--yes"}
		}, exitUsage},
		{"undo", func(p string) []string { return []string{"undo", p, "--yes"} }, exitUsage},
		{"journal show", func(p string) []string { return []string{"journal", "show", p} }, exitUsage},
		{"decode --file", func(p string) []string { return []string{"decode", "--file", p} }, exitError},
	}
	for _, path := range []string{fifo, "/dev/zero"} {
		for _, u := range uses {
			t.Run(filepath.Base(path)+" as "+u.name, func(t *testing.T) {
				rev := c.revision()
				r := c.runWithin(t, 10*time.Second, nil, u.args(path)...)
				wantCode(t, r, u.code)
				c.assertUnchanged(rev, r)
				if _, err := os.Stat(c.journal(fmt.Sprintf("journal-%d.jsonl", c.n))); err == nil {
					t.Errorf("a journal was made\n%s", r)
				}
				if lines := strings.Split(strings.TrimSuffix(r.errOut, "\n"), "\n"); len(lines) != 1 || !strings.Contains(lines[0], path) || r.out != "" {
					t.Errorf("want one line naming %s on stderr, nothing on stdout\n%s", path, r)
				}
			})
		}
	}

	t.Run("a missing file to decode --file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "value.bin")
		r := lifeboat(t, nil, "decode", "--file", missing)
		wantCode(t, r, exitError)
		if !strings.Contains(r.errOut, "read "+missing+": ") || !strings.Contains(r.errOut, "no such file") {
			t.Errorf("want the read error naming %s\n%s", missing, r)
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"create -f -", []string{"create", "-f", "-", "--yes"}, exitUsage},
		{"apply -f -", []string{"apply", "-f", "-", "--yes"}, exitUsage},
		{"edit -f -", []string{"edit", "cm", "frontend-config", "-n", "shop", "-f", "-", "--yes"}, exitUsage},
		{"decode", []string{"decode"}, exitError},
	} {
		t.Run("endless stdin to "+tc.name, func(t *testing.T) {
			rev := c.revision()
			r := c.runWithin(t, 30*time.Second, endless{}, tc.args...)
			wantCode(t, r, tc.code)
			c.assertUnchanged(rev, r)
			if !strings.Contains(r.errOut, "larger than 64 MiB") || strings.Count(r.errOut, "\n") != 1 {
				t.Errorf("want one line saying stdin is larger than 64 MiB\n%s", r)
			}
		})
	}
}
