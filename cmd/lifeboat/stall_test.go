package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

// TestStalledEtcdEndsTheCommand: etcd stops answering (SIGSTOP, a dead
// network path) in the middle of a command. Every request has a deadline,
// so the command ends within seconds with an error naming the endpoint,
// instead of hanging; after a write, the journal says what was written.
func TestStalledEtcdEndsTheCommand(t *testing.T) {
	c := capsized(t)
	if err := demo.TerminatingPods(context.Background(), c.cli, "/registry", 400, testNow); err != nil {
		t.Fatal(err)
	}
	c.withLoadNodes()
	for _, tt := range []struct {
		name                string
		args                []string
		freezeAfterReceived int64
		freezeAfterSent     int64
	}{
		// 400 pods are ~2 MiB: freeze after the first pages.
		{"get -o json mid-scan", []string{"get", "pods", "-A", "-o", "json"}, 1 << 20, 0},
		// ~5 KiB per write: freeze after a few hundred of them.
		{"undelete mid-batch", []string{"pods", "undelete", "-A", "--yes", "-o", "json"}, 0, 1 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			proxy := etcdtest.NewStallProxy(t, c.endpoint)
			proxy.FreezeAfter, proxy.FreezeAfterSent = tt.freezeAfterReceived, tt.freezeAfterSent
			journal := c.journal(strings.ReplaceAll(tt.name, " ", "-") + ".jsonl")
			r := lifeboat(t, nil, append([]string{"--endpoints", proxy.Endpoint(), "--command-timeout", "3s", "--journal", journal}, tt.args...)...)
			if proxy.FrozenAt().IsZero() {
				t.Fatalf("etcd never stalled:\n%s", r)
			}
			elapsed := time.Since(proxy.FrozenAt())
			if r.code != exitError {
				t.Errorf("exit %d, want %d", r.code, exitError)
			}
			// One deadline, plus the Txns of the window in flight.
			if elapsed > 20*time.Second {
				t.Errorf("took %s after etcd stalled to give up", elapsed)
			}
			if !strings.Contains(r.errOut, proxy.Endpoint()) || !strings.Contains(r.errOut, "did not answer within 3s") {
				t.Errorf("error does not name the stalled endpoint and the deadline:\n%s", r)
			}
			if tt.args[0] != "pods" {
				return
			}
			// What the journal says was committed is what etcd holds.
			if !strings.Contains(r.errOut, journal) {
				t.Errorf("error does not point to the journal:\n%s", r)
			}
			data, err := os.ReadFile(journal)
			if err != nil {
				t.Fatal(err)
			}
			now, _ := c.snapshot()
			committed := 0
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var e struct {
					Type          string
					Key           string
					AfterRevision int64
				}
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatal(err)
				}
				if e.Type == "committed" {
					committed++
					if now[e.Key].ModRevision != e.AfterRevision {
						t.Errorf("%s: journal says committed at %d, etcd has %d", e.Key, e.AfterRevision, now[e.Key].ModRevision)
					}
				}
			}
			if committed == 0 {
				t.Error("stalled before any write: the test no longer stalls mid-batch")
			}
			t.Logf("stalled after %d committed writes, in %s", committed, elapsed)
		})
	}
}
