package tui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/journal"
	corev1 "k8s.io/api/core/v1"
)

var sizes = []struct{ w, h int }{{80, 24}, {160, 48}}

func TestHeaderAndSizes(t *testing.T) {
	for _, sz := range sizes {
		h := newHarness(t, harnessOptions{width: sz.w, height: sz.h})
		s := h.screen()
		for _, want := range []string{"lifeboat", "etcd http://127.0.0.1:", "WRITE MODE", "nodes 8: 3 ready, 5 not ready, 5 tainted, 1 cordoned",
			"controller-manager", "STALE", "scheduler", "alive", "pods(all)", "NAMESPACE", "TERMI"} {
			if !strings.Contains(s, want) {
				t.Errorf("%dx%d: screen lacks %q:\n%s", sz.w, sz.h, want, s)
			}
		}
		h.checkSize()
		// Every screen fits: help, YAML, raw, nodes, keys, journal.
		for _, keys := range [][]string{{"?"}, {"esc", "enter"}, {"esc", "r"}, {"esc", ":", "nodes", "enter"}, {":", "keys", "enter"}, {"ctrl+j"}, {"esc", ":", "leases", "enter"}} {
			h.press(keys...)
			h.settle(100 * time.Millisecond)
			h.checkSize()
		}
	}
}

func TestControllerManagerAliveWarning(t *testing.T) {
	h := newHarness(t, harnessOptions{seed: demo.Options{ControllerManagerAlive: true}})
	h.waitScreen("kube-controller-manager is running")
	h.checkSize()
}

func TestFilterAndSelector(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press("/", "cart")
	for _, n := range h.visibleNames() {
		if !strings.Contains(n, "cart") {
			t.Errorf("filter /cart shows %s", n)
		}
	}
	h.press("enter")
	if len(h.visibleNames()) == 0 || !strings.Contains(h.screen(), "filter: /cart") {
		t.Fatalf("filter /cart:\n%s", h.screen())
	}
	h.press("/")
	h.m.prompt.input.SetValue("") // the prompt opens with the current filter
	h.press("l app=frontend", "enter")
	names := h.visibleNames()
	if len(names) == 0 {
		t.Fatalf("selector app=frontend shows nothing:\n%s", h.screen())
	}
	for _, idx := range h.m.list.visible {
		r := h.m.list.items[idx]
		if app := h.object(r.key).Object.Meta.Labels["app"]; app != "frontend" {
			t.Errorf("selector app=frontend shows %s with app=%q", r.name, app)
		}
	}
	if !strings.Contains(h.screen(), "selector: app=frontend") {
		t.Errorf("selector not shown:\n%s", h.screen())
	}
	h.press("esc")
	if len(h.visibleNames()) != len(h.m.list.items) {
		t.Errorf("esc did not clear the selector: %d of %d", len(h.visibleNames()), len(h.m.list.items))
	}
	// Terminating-only toggle, and sort by name.
	h.press("T")
	for _, idx := range h.m.list.visible {
		r := h.m.list.items[idx]
		if h.object(r.key).Object.Meta.DeletionTimestamp == nil {
			t.Errorf("T shows %s, not terminating", r.name)
		}
	}
	if len(h.m.list.visible) != 40 {
		t.Errorf("T shows %d pods, want 40", len(h.m.list.visible))
	}
	h.press("N")
	names = h.visibleNames()
	for i := 1; i < len(names); i++ {
		if names[i-1] > names[i] {
			t.Fatalf("N: %s before %s", names[i-1], names[i])
		}
	}
}

func TestUndeleteAllTerminatingThenUndo(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	if n := len(h.terminatingPods()); n != 40 {
		t.Fatalf("seeded %d terminating pods", n)
	}
	h.press("T", "ctrl+a")
	if len(h.m.list.marks) != 40 || !strings.Contains(h.screen(), "40 marked") {
		t.Fatalf("ctrl+a marked %d:\n%s", len(h.m.list.marks), h.screen())
	}
	h.press("u")
	h.waitFor("preview", func() bool { return on[*previewScreen](h) })
	s := h.screen()
	for _, want := range []string{"preview: undelete: 40 pods", "40 to write", "-  deletionTimestamp:", "y writes 40 objects to"} {
		if !strings.Contains(s, want) {
			t.Errorf("preview lacks %q:\n%s", want, s)
		}
	}
	h.checkSize()
	// Scrolling keeps the preview open.
	h.press("down", "down")
	if !on[*previewScreen](h) {
		t.Fatal("scrolling closed the preview")
	}
	h.press("y")
	h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
	s = h.screen()
	if !strings.Contains(s, "40 changed, 0 unchanged, 0 conflicts, 0 errors") || !strings.Contains(s, "resourceVersion") {
		t.Errorf("summary:\n%s", s)
	}
	h.checkSize()
	if left := h.terminatingPods(); len(left) != 0 {
		t.Fatalf("still terminating after undelete: %v", left)
	}
	jf, err := journal.Read(h.journal)
	if err != nil {
		t.Fatal(err)
	}
	if entries := jf.Entries; len(entries) != 80 {
		t.Errorf("journal has %d entries, want 40 writes + 40 commits", len(entries))
	}
	// The header follows.
	h.waitScreen("0 terminating")

	// Journal view, undo one, then undo all.
	h.press("ctrl+j")
	h.waitFor("journal rows", func() bool { return h.journalRows() == 40 })
	h.waitScreen("undelete-pods")
	h.checkSize()
	h.press("u")
	h.waitFor("undo preview", func() bool { return on[*previewScreen](h) })
	if !strings.Contains(h.screen(), "undo undelete-pods of") || !strings.Contains(h.screen(), "+  deletionTimestamp:") {
		t.Errorf("undo preview:\n%s", h.screen())
	}
	h.press("y")
	h.waitFor("undo summary", func() bool { return on[*summaryScreen](h) })
	if n := len(h.terminatingPods()); n != 1 {
		t.Fatalf("after undo of one entry %d pods terminating, want 1", n)
	}
	h.press("ctrl+j")
	h.waitFor("journal with the restore", func() bool { return h.journalRows() == 41 })
	h.waitScreen("undone")
	h.press("U")
	h.waitFor("undo-all preview", func() bool { return on[*previewScreen](h) })
	if topAs[*previewScreen](h).changed != 39 {
		t.Errorf("undo all plans %d writes, want 39 (one is undone already):\n%s", topAs[*previewScreen](h).changed, h.screen())
	}
	h.press("y")
	h.waitFor("undo-all summary", func() bool { return on[*summaryScreen](h) })
	if n := len(h.terminatingPods()); n != 40 {
		t.Fatalf("after undo all %d pods terminating, want 40", n)
	}
}

func TestCancelWritesNothing(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press("T", "space", "space")
	before := h.revision()
	h.press("u")
	h.waitFor("preview", func() bool { return on[*previewScreen](h) })
	if topAs[*previewScreen](h).changed != 2 {
		t.Fatalf("preview of 2 marked pods: %d changes", topAs[*previewScreen](h).changed)
	}
	h.press("n")
	if !on[*listScreen](h) || !strings.Contains(h.screen(), "cancelled: nothing written") {
		t.Fatalf("after n:\n%s", h.screen())
	}
	h.settle(300 * time.Millisecond)
	if after := h.revision(); after != before {
		t.Fatalf("cancel changed the etcd revision %d -> %d", before, after)
	}
	if _, err := os.Stat(h.journal); !os.IsNotExist(err) {
		t.Fatalf("cancel created the journal: %v", err)
	}
}

func TestReadOnlyHasNoActions(t *testing.T) {
	h := newHarness(t, harnessOptions{readOnly: true})
	s := h.screen()
	if !strings.Contains(s, "READ-ONLY") || strings.Contains(s, "WRITE MODE") || strings.Contains(s, "undelete") {
		t.Fatalf("read-only screen:\n%s", s)
	}
	before := h.revision()
	h.press("T", "ctrl+a", "u")
	h.settle(200 * time.Millisecond)
	if !on[*listScreen](h) || !strings.Contains(h.screen(), "read-only mode") {
		t.Fatalf("u in read-only:\n%s", h.screen())
	}
	h.m.setStatus(false, "")
	h.press("e")
	h.settle(200 * time.Millisecond)
	if !on[*listScreen](h) || !strings.Contains(h.m.status, "read-only mode") {
		t.Fatalf("e in read-only: status %q", h.m.status)
	}
	h.press("?")
	if help := ansiStrip(topAs[*helpScreen](h).pager.content); !strings.Contains(help, "disabled (--readonly)") || strings.Contains(help, "undelete pods") || strings.Contains(help, "$EDITOR") {
		t.Errorf("help in read-only:\n%s", help)
	}
	h.press("esc", ":", "nodes", "enter")
	h.waitFor("nodes", func() bool { return h.m.list.isNodes() && h.m.list.loaded })
	h.press("ctrl+a", "t", "c")
	h.settle(200 * time.Millisecond)
	if !on[*listScreen](h) {
		t.Fatalf("t/c in read-only opened %T", h.m.top())
	}
	if after := h.revision(); after != before {
		t.Fatalf("read-only wrote: revision %d -> %d", before, after)
	}
}

func TestLiveUpdateFromWatch(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press("T", "N")
	victim := h.visibleRow(0)
	if !strings.Contains(h.screen(), victim.name) {
		t.Fatalf("screen lacks %s", victim.name)
	}
	// Someone else (a kubelet coming back) finishes the deletion.
	start := time.Now()
	if _, err := h.cli.Delete(context.Background(), victim.key); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the deleted pod to leave the screen", func() bool { return !strings.Contains(h.screen(), victim.name) })
	if d := time.Since(start); d > time.Second {
		t.Errorf("the view followed the write after %s, want within a second", d)
	}
	h.waitScreen("39 terminating")

	// And another operator undeletes one: it leaves the terminating view.
	other := h.visibleRow(0)
	pod, _ := typedPod(h.object(other.key))
	pod = pod.DeepCopy()
	pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = nil, nil
	if err := demo.PutObject(context.Background(), h.cli, other.key, pod, 0); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the undeleted pod to leave the terminating view", func() bool { return !strings.Contains(h.screen(), other.name) })
}

func TestConflictShownNeverOverwritten(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press("T", "N", "space", "space")
	items := h.m.list.targets()
	if len(items) != 2 {
		t.Fatalf("marked %d", len(items))
	}
	deleted, relabeled := items[0], items[1]
	h.press("u")
	h.waitFor("preview", func() bool { return on[*previewScreen](h) })
	// Between preview and confirm: one pod is deleted, another relabeled.
	ctx := context.Background()
	if _, err := h.cli.Delete(ctx, deleted.key); err != nil {
		t.Fatal(err)
	}
	pod, _ := typedPod(h.object(relabeled.key))
	pod = pod.DeepCopy()
	pod.Labels["touched-by"] = "someone-else"
	if err := demo.PutObject(ctx, h.cli, relabeled.key, pod, 0); err != nil {
		t.Fatal(err)
	}
	h.press("y")
	h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
	s := h.screen()
	if !strings.Contains(s, "CONFLICT") || !strings.Contains(s, "1 conflict,") || topAs[*summaryScreen](h).replanned != 1 ||
		!strings.Contains(ansiStrip(topAs[*summaryScreen](h).content), "changed by someone else since the preview") {
		t.Errorf("summary does not show the conflict:\n%s", s)
	}
	if _, found, _ := h.store.Get(ctx, deleted.key); found {
		t.Errorf("%s was recreated", deleted.key)
	}
	rec, _, _ := h.store.Get(ctx, relabeled.key)
	obj, err := codec.Decode(rec.Value)
	if err != nil {
		t.Fatal(err)
	}
	got := obj.Typed.(*corev1.Pod)
	if got.Labels["touched-by"] != "someone-else" || got.DeletionTimestamp != nil {
		t.Errorf("relabeled pod: labels %v deletionTimestamp %v: their change must stay and the undelete apply", got.Labels, got.DeletionTimestamp)
	}
}

func TestNodesUntaintUncordon(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 160, height: 48})
	h.press(":", "nodes", "enter")
	h.waitFor("nodes", func() bool { return h.m.list.isNodes() && h.m.list.loaded })
	s := h.screen()
	for _, want := range []string{"KUBELET-LEASE", "STALE", "node.kubernetes.io/unreachable:NoSchedule", "SchedulingDisabled"} {
		if !strings.Contains(s, want) {
			t.Errorf("nodes view lacks %q:\n%s", want, s)
		}
	}
	h.press("ctrl+a", "t")
	h.waitFor("untaint preview", func() bool { return on[*previewScreen](h) })
	if topAs[*previewScreen](h).changed != 5 {
		t.Errorf("untaint plans %d writes, want 5", topAs[*previewScreen](h).changed)
	}
	h.press("y")
	h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
	for _, n := range []string{"worker-1", "worker-2", "worker-3", "worker-4", "worker-5"} {
		for _, taint := range h.node(n).Spec.Taints {
			if taint.Key == corev1.TaintNodeUnreachable {
				t.Errorf("%s still has %s", n, taint.ToString())
			}
		}
	}
	if h.node("worker-5").Spec.Taints[0].Key != "dedicated" {
		t.Errorf("worker-5 lost its operator taint: %v", h.node("worker-5").Spec.Taints)
	}
	h.press("esc", "/", "worker-3", "enter", "c")
	h.waitFor("uncordon preview", func() bool { return on[*previewScreen](h) })
	h.press("y")
	h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
	if h.node("worker-3").Spec.Unschedulable {
		t.Error("worker-3 still cordoned")
	}
	h.waitScreen("0 cordoned")
	// C cordons, as kubectl cordon: spec.unschedulable, nothing else.
	h.press("esc", "esc", "/", "worker-6", "enter", "C")
	h.waitFor("cordon preview", func() bool { return on[*previewScreen](h) })
	if s := h.screen(); !strings.Contains(s, "+  unschedulable: true") {
		t.Errorf("the cordon preview does not set spec.unschedulable:\n%s", s)
	}
	h.press("y")
	h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
	if !h.node("worker-6").Spec.Unschedulable || len(h.node("worker-6").Spec.Taints) != 0 {
		t.Errorf("worker-6 after cordon: unschedulable %v, taints %v; want cordoned and no taint", h.node("worker-6").Spec.Unschedulable, h.node("worker-6").Spec.Taints)
	}
	h.waitScreen("1 cordoned")
}

func TestYAMLSecretsAndRaw(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.press(":", "secrets", "enter")
	h.waitFor("secrets", func() bool { return h.m.list.loaded && h.m.list.view.res.Name == "secrets" })
	h.press("/", "payments-api-db", "enter", "enter")
	h.waitFor("YAML", func() bool { return on[*detailScreen](h) })
	s := h.screen()
	if !strings.Contains(s, "<redacted:") || strings.Contains(s, "hunter2") {
		t.Fatalf("secret not redacted:\n%s", s)
	}
	h.press("x")
	if !strings.Contains(h.screen(), "Show this Secret's data") {
		t.Fatalf("x did not ask:\n%s", h.screen())
	}
	h.press("n")
	if strings.Contains(h.screen(), "hunter2") {
		t.Fatal("revealed without confirmation")
	}
	h.press("x", "y")
	h.waitFor("revealed", func() bool { return on[*detailScreen](h) && topAs[*detailScreen](h).opts.showSecrets })
	if !strings.Contains(h.screen(), "SECRET DATA SHOWN") {
		t.Errorf("reveal not flagged:\n%s", h.screen())
	}
	h.press("r")
	h.waitFor("raw", func() bool { return on[*detailScreen](h) && topAs[*detailScreen](h).opts.raw })
	for _, want := range []string{"format:", "protobuf", "mod_revision:", "lease:", "unknown fields:"} {
		if !strings.Contains(h.screen(), want) {
			t.Errorf("raw facts lack %q:\n%s", want, h.screen())
		}
	}
	// The encrypted secret and the malformed pod are shown, not fatal.
	h.press("esc", "esc", ":", "keys", "enter")
	h.waitFor("keys", func() bool { return h.m.list.view.keys && h.m.list.loaded })
	h.press("/", "poison", "enter")
	if !strings.Contains(h.screen(), "<malformed>") {
		t.Errorf("keys view:\n%s", h.screen())
	}
	h.press("enter")
	h.waitFor("malformed detail", func() bool { return on[*detailScreen](h) })
	if !strings.Contains(h.screen(), "cannot be decoded") {
		t.Errorf("malformed detail:\n%s", h.screen())
	}
}

func TestUnreachableBannerAndRetry(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	lists := h.m.fullLists
	h.run(h.m.ioFailed(context.DeadlineExceeded))
	if !strings.Contains(h.screen(), "ETCD UNREACHABLE") {
		t.Fatalf("no banner:\n%s", h.screen())
	}
	h.waitFor("retry to clear the banner", func() bool { return h.m.etcd.err == nil })
	h.checkSize()
	// Back from unreachable: every cache was listed again, once.
	h.waitFor("the re-lists", func() bool { return h.m.busy == 0 })
	if got := h.m.fullLists - lists; got != len(h.m.caches) {
		t.Errorf("retry made %d full lists, want one per cache (%d)", got, len(h.m.caches))
	}
}

func ansiStrip(s string) string { return ansi.Strip(s) }

// TestEtcdLoss: etcd stops (the embedded server closed) or freezes (a
// StallProxy, as SIGSTOP) under the TUI. Within the 5 s the docs promise,
// the header says ETCD UNREACHABLE and since when the data is, the table
// says it is stale, and t is refused at once. A t pressed before the TUI
// knew ends as soon as it knows, not after the 10 s a plan may take.
func TestEtcdLoss(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stall bool // freeze a proxy, else stop the server
		early bool // press t before the TUI knows
	}{
		{name: "stopped", stall: false},
		{name: "frozen", stall: true},
		{name: "frozen under a plan", stall: true, early: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{stall: tc.stall})
			h.press(":", "nodes", "enter")
			h.waitFor("nodes", func() bool { return h.m.list.loaded && h.m.list.isNodes() && h.m.busy == 0 })
			h.press("ctrl+a")
			start := time.Now()
			if tc.stall {
				h.stall.Freeze()
			} else {
				go h.server.Close() // it takes seconds; etcd stops answering at once
			}
			if tc.early {
				h.press("t")
				if h.m.busy == 0 {
					t.Fatalf("t planned nothing before the TUI knew:\n%s", h.screen())
				}
				h.waitFor("the plan to end", func() bool { return h.m.busy == 0 })
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("the plan ended %s after etcd froze, want within 5s", d)
				}
				if !strings.Contains(h.m.status, "untaint") || !strings.Contains(h.m.status, "etcd unreachable") || on[*previewScreen](h) {
					t.Errorf("status %q after the plan under the outage", h.m.status)
				}
			}
			h.waitFor("the header", func() bool { return h.m.etcd.err != nil })
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the loss showed after %s, want within 5s", d)
			}
			s := h.screen()
			asOf := testNow.Local().Format("15:04:05")
			for _, want := range []string{"ETCD UNREACHABLE", "data as of " + asOf, "STALE: data as of " + asOf, "nothing can be written"} {
				if !strings.Contains(s, want) {
					t.Errorf("screen lacks %q:\n%s", want, s)
				}
			}
			if strings.Contains(s, "WRITE MODE") {
				t.Errorf("WRITE MODE while etcd is away:\n%s", s)
			}
			h.m.setStatus(false, "")
			h.press("t")
			if h.m.busy != 0 || !on[*listScreen](h) || !strings.Contains(h.m.status, "nothing can be written until it answers again") {
				t.Errorf("t while etcd is away: busy %d, status %q:\n%s", h.m.busy, h.m.status, h.screen())
			}
		})
	}
}
