package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConflict: an update through the API that lands between lifeboat's read
// and its write is never lost.
func testConflict(t *testing.T, c *cluster) {
	ctx := context.Background()
	c.namespace(t, "e2e-conflict")

	t.Run("update-between-read-and-confirm", func(t *testing.T) {
		// Deterministic: lifeboat reads and plans, shows the diff and waits for
		// the operator to type "yes" on its terminal (a pty here). While it
		// waits, the pod is changed through the API; then the operator answers.
		p := c.pod(t, podSpec{ns: "e2e-conflict", name: "raced", node: "node-x", finalizers: []string{holdFinalizer}, deleteGrace: ptr.To[int64](-1)})
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal for the confirmation prompt: %v", err)
		}
		defer ptmx.Close()
		go io.Copy(io.Discard, ptmx) // the terminal echo
		args := []string{"--journal", filepath.Join(c.work, "raced.jsonl"), "pods", "undelete", "raced", "-n", "e2e-conflict", "-o", "json"}
		cmd := c.lifeboatCmd(args...)
		var stdout, stderr syncBuffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		tty.Close()
		eventually(t, "lifeboat waits for confirmation", 30*time.Second, func() (bool, string) {
			s := stderr.String()
			return strings.Contains(s, "[y/N]"), fmt.Sprintf("%d bytes on stderr", len(s))
		})
		patched := c.patchLabel(t, "e2e-conflict", "raced", "changed-by", "api")
		t.Logf("while lifeboat waited (it read resourceVersion %s), a label patch through the API moved the pod to %s", p.ResourceVersion, patched.ResourceVersion)
		if _, err := ptmx.Write([]byte("yes\n")); err != nil {
			t.Fatal(err)
		}
		code := 0
		if err := cmd.Wait(); err != nil {
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) {
				t.Fatal(err)
			}
			code = exitErr.ExitCode()
		}
		r := run{args: args, stdout: stdout.String(), stderr: stderr.String(), code: code}
		r.parse(t)
		c.record(r)
		t.Logf("$ lifeboat %s   (answered yes on the terminal; exit %d)\n%s%s", strings.Join(args, " "), code, indent("stderr| ", r.stderr), indent("stdout| ", r.stdout))
		res, ok := r.byName()["e2e-conflict/raced"]
		if !ok {
			t.Fatalf("no result for the pod")
		}
		got, err := c.cs.CoreV1().Pods("e2e-conflict").Get(ctx, "raced", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Labels["changed-by"] != "api" {
			t.Fatalf("the API's label patch was lost: labels %v", got.Labels)
		}
		switch {
		case res.Changed:
			// lifeboat's compare-and-swap failed, it re-planned on the fresh value.
			t.Logf("lifeboat re-planned: resourceVersion %d -> %d over the API's %s; label kept, deletionTimestamp=%v", res.OldRevision, res.NewRevision, patched.ResourceVersion, got.DeletionTimestamp)
			if res.OldRevision != rv(patched) && res.OldRevision != rv(p) {
				t.Errorf("oldRevision %d is neither the read nor the API's revision", res.OldRevision)
			}
			if res.NewRevision <= rv(patched) || rv(got) != res.NewRevision || got.DeletionTimestamp != nil {
				t.Errorf("after the re-planned write: %+v, pod at %s deletionTimestamp %v", res, got.ResourceVersion, got.DeletionTimestamp)
			}
		case res.Conflict:
			t.Logf("lifeboat reported a conflict and wrote nothing: pod at %s with the API's label, still Terminating", got.ResourceVersion)
			if code != 3 || rv(got) != rv(patched) || got.DeletionTimestamp == nil {
				t.Errorf("conflict: exit %d, pod at %s (API wrote %s), deletionTimestamp %v", code, got.ResourceVersion, patched.ResourceVersion, got.DeletionTimestamp)
			}
			again := mustChange(t, c.lifeboat(t, "pods", "undelete", "raced", "-n", "e2e-conflict", "--yes", "-o", "json"), 1)
			got = c.checkPodReads(t, "e2e-conflict", "raced", again["e2e-conflict/raced"].NewRevision)
			if got.Labels["changed-by"] != "api" || got.DeletionTimestamp != nil {
				t.Errorf("after the second run: labels %v deletionTimestamp %v", got.Labels, got.DeletionTimestamp)
			}
		default:
			t.Fatalf("result %+v: neither written nor a conflict", res)
		}
	})

	t.Run("api-patches-racing-lifeboat", func(t *testing.T) {
		// Racy: every pod is patched through the API in a tight loop while
		// lifeboat undeletes them all; every acknowledged patch must survive.
		const n = 8
		for i := range n {
			c.pod(t, podSpec{ns: "e2e-conflict", name: "race-" + strconv.Itoa(i), finalizers: []string{holdFinalizer},
				labels: map[string]string{"race": "yes"}, deleteGrace: ptr.To[int64](0)})
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		acked := make([]int, n)
		patches := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 1; !stop.Load(); k++ {
					patch := fmt.Sprintf(`{"metadata":{"annotations":{"e2e.lifeboat.dev/counter":"%d"}}}`, k)
					if _, err := c.cs.CoreV1().Pods("e2e-conflict").Patch(ctx, "race-"+strconv.Itoa(i), types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
						t.Errorf("API patch %d of race-%d: %v", k, i, err)
						return
					}
					acked[i] = k
					patches[i]++
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		conflicts, runs := 0, 0
		done := map[string]bool{}
		for runs < 20 && len(done) < n {
			runs++
			r := c.lifeboat(t, "--journal", filepath.Join(c.work, fmt.Sprintf("race-%d.jsonl", runs)), "pods", "undelete", "-n", "e2e-conflict", "-l", "race=yes", "--yes", "-o", "json")
			for _, res := range r.results {
				switch {
				case res.Changed:
					done[res.Name] = true
				case res.Conflict:
					conflicts++
				}
			}
			if r.code != 0 && r.code != 3 {
				t.Fatalf("exit %d", r.code)
			}
		}
		time.Sleep(300 * time.Millisecond)
		stop.Store(true)
		wg.Wait()
		total := 0
		for _, k := range patches {
			total += k
		}
		t.Logf("%d API patches raced %d lifeboat run(s); lifeboat reported %d conflict(s) (others were re-planned silently)", total, runs, conflicts)
		if len(done) < n {
			t.Fatalf("only %d of %d pods undeleted after %d runs", len(done), n, runs)
		}
		list, err := c.cs.CoreV1().Pods("e2e-conflict").List(ctx, metav1.ListOptions{LabelSelector: "race=yes"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			p := &list.Items[i]
			idx, _ := strconv.Atoi(strings.TrimPrefix(p.Name, "race-"))
			if got := p.Annotations["e2e.lifeboat.dev/counter"]; got != strconv.Itoa(acked[idx]) {
				t.Errorf("pod %s: counter annotation %q, the API acknowledged patch %d: an API update was lost", p.Name, got, acked[idx])
			}
			if p.DeletionTimestamp != nil {
				t.Errorf("pod %s: lifeboat's write was lost (still Terminating)", p.Name)
			}
		}
		t.Logf("every pod kept its last acknowledged API patch and lifeboat's undelete")
	})
}
