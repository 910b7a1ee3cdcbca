package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestInterruptStopsSafely: Ctrl-C during a long write stops after the Txns
// in flight, says what was done and where the journal is, exits 3, and a
// rerun carries on where it stopped.
func TestInterruptStopsSafely(t *testing.T) {
	c := capsized(t)
	if err := demo.TerminatingPods(context.Background(), c.cli, "/registry", 1500, testNow); err != nil {
		t.Fatal(err)
	}
	c.withLoadNodes()
	journal := c.journal("interrupted.jsonl")
	cmd := exec.Command(binary(t), "--endpoints", c.endpoint, "--journal", journal, "pods", "undelete", "-A", "--yes", "-o", "json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	written := 0
	for sc.Scan() {
		var line resultLine
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Changed {
			if written++; written == 1 {
				cmd.Process.Signal(syscall.SIGINT)
			}
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 30s after Ctrl-C:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitPartial {
		t.Errorf("exit %d after Ctrl-C, want %d\n%s", code, exitPartial, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped:") || !strings.Contains(stderr.String(), journal) {
		t.Errorf("stderr does not say what was done and where the journal is:\n%s", stderr.String())
	}
	if written >= 1540 {
		t.Fatalf("all %d pods written: Ctrl-C did not stop the batch", written)
	}
	// Every write etcd took is in the journal as committed.
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if committed := strings.Count(string(data), `"type":"committed"`); committed != written {
		t.Errorf("journal has %d committed writes, lifeboat reported %d", committed, written)
	}
	// The rerun does the rest.
	r := c.run("pods", "undelete", "-A", "--yes", "-o", "json")
	wantCode(t, r, exitPartial) // the poison value
	rest := strings.Count(r.out, `"changed":true`)
	if written+rest != 1540 {
		t.Errorf("%d written before Ctrl-C + %d by the rerun, want 1540", written, rest)
	}
}
