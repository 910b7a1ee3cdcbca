package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// hostileNames are object names an etcd key can hold that would drive the
// terminal if shown raw.
var hostileNames = []string{"evil-title\x1b]0;pwned\x07", "evil-clear\x1b[2J", "evil-nul\x00byte", "evil-rtl\u202egnp.exe"}

// TestHostileNamesAreEscaped: keys, names and values reach the screen
// escaped (render.Safe) in the list, the YAML and raw views, the preview,
// the summary, the header and the status line.
func TestHostileNamesAreEscaped(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 200, height: 60})
	ctx := context.Background()
	deleted := metav1.NewTime(testNow.Add(-10 * time.Minute))
	for i, name := range hostileNames {
		pod := demo.RealisticPod("default", name, "worker-6", i)
		pod.DeletionTimestamp = &deleted
		if err := demo.PutObject(ctx, h.cli, "/registry/pods/default/"+name, pod, clientv3.NoLease); err != nil {
			t.Fatal(err)
		}
		if _, err := h.cli.Put(ctx, "/registry/pods/default/bad-"+name, "not an object"); err != nil {
			t.Fatal(err)
		}
	}
	lease := h.object("/registry/leases/kube-system/kube-controller-manager").Object.Typed.(*coordinationv1.Lease).DeepCopy()
	holder := "cm\x1b[2J\u202e_0b5e"
	lease.Spec.HolderIdentity = &holder
	if err := demo.PutObject(ctx, h.cli, "/registry/leases/kube-system/kube-controller-manager", lease, clientv3.NoLease); err != nil {
		t.Fatal(err)
	}

	// Nothing raw in the view; h.screen() strips escape sequences, so the
	// check reads the view itself.
	check := func(where string, want ...string) {
		t.Helper()
		view := h.m.View()
		for _, raw := range []string{"\x1b]0;", "\x1b[2J", "\x00", "\u202e", "\a"} {
			if strings.Contains(view, raw) {
				t.Errorf("%s: %q reaches the terminal raw:\n%s", where, raw, h.screen())
			}
		}
		for _, w := range want {
			if !strings.Contains(h.screen(), w) {
				t.Errorf("%s: screen lacks %q:\n%s", where, w, h.screen())
			}
		}
	}

	h.waitScreen(`cm\x1b[2J\u202e`)
	h.press("/", "evil", "enter")
	h.waitFor("the hostile rows", func() bool { return len(h.visibleNames()) == 2*len(hostileNames) })
	check("list", `evil-title\x1b]0;pwned\x07`, `bad-evil-nul\x00byte`, `evil-rtl\u202egnp.exe`)

	for pos := range h.m.list.visible {
		r := h.visibleRow(pos)
		h.m.list.table.SetCursor(pos)
		h.press("enter")
		h.waitFor("the YAML of "+r.key, func() bool { return on[*detailScreen](h) && topAs[*detailScreen](h).key == r.key })
		if r.malformed {
			check("malformed "+r.key, "This value cannot be decoded")
		} else {
			check("YAML of "+r.key, "name: ")
		}
		h.press("r")
		h.waitFor("raw facts", func() bool { return on[*detailScreen](h) && topAs[*detailScreen](h).opts.raw })
		check("raw facts of "+r.key, "key:")
		h.press("esc")
	}

	h.press("ctrl+a", "u")
	h.waitFor("the undelete preview", func() bool { return on[*previewScreen](h) })
	check("preview", "skip:", "pods/default/bad-evil-clear")
	h.press("y")
	h.waitFor("the summary", func() bool { return on[*summaryScreen](h) })
	check("summary", `pods/default/evil-nul\x00byte`)

	h.press("esc", ":", "doctor", "enter")
	h.waitFor("the diagnosis", func() bool { return on[*doctorScreen](h) && topAs[*doctorScreen](h).diagnosis != nil })
	check("doctor", `bad-evil-title\x1b]0;pwned\x07`)
	h.press("enter")
	h.waitFor("the finding's objects", func() bool { return on[*listScreen](h) })
	check("status line", "fix: lifeboat quarantine")
	if !strings.Contains(h.m.status, `bad-evil-`) {
		t.Errorf("status %q names no hostile key: the check above saw none", h.m.status)
	}
}
