package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDoctorScreen: :doctor lists the findings, most severe first, with the
// selected one's evidence and fix under them; enter on the poison value's
// finding goes to the pods, filtered to it, with the fix in the status line.
func TestDoctorScreen(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 40})
	h.press(":", "doctor", "enter")
	h.waitFor("the diagnosis", func() bool { return on[*doctorScreen](h) && topAs[*doctorScreen](h).diagnosis != nil })
	s := h.screen()
	for _, want := range []string{"CRITICAL", "cannot decode", "fix: lifeboat quarantine /registry/pods/default/poison", "5 of 8 node(s) have a silent kubelet"} {
		if !strings.Contains(s, want) {
			t.Errorf("doctor screen lacks %q:\n%s", want, s)
		}
	}
	h.press("enter")
	h.waitFor("the pods list", func() bool { return on[*listScreen](h) && h.m.list.isPods() })
	if h.m.list.filter != "poison" || h.m.list.view.namespace != "default" {
		t.Errorf("jumped to %s filtered %q, want pods in default filtered to poison", h.m.list.view, h.m.list.filter)
	}
	if !strings.Contains(h.m.status, "fix: lifeboat quarantine") {
		t.Errorf("status %q does not carry the fix", h.m.status)
	}
}

// TestTheHeaderSaysWhenTheOutageBegan: once no kube-apiserver renews its
// identity lease, the header and the doctor screen say since when.
func TestTheHeaderSaysWhenTheOutageBegan(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 40})
	h.waitScreen("apiserver 1/1 alive")
	resp, err := h.cli.Get(context.Background(), "/registry/leases/kube-system/apiserver-", clientv3.WithPrefix())
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("the demo's identity lease: %v, %d found", err, len(resp.Kvs))
	}
	key := string(resp.Kvs[0].Key)
	lease := h.object(key).Object.Typed.(*coordinationv1.Lease).DeepCopy()
	stopped := testNow.Add(-2 * time.Minute)
	lease.Spec.RenewTime = &metav1.MicroTime{Time: stopped}
	if err := demo.PutObject(context.Background(), h.cli, key, lease, clientv3.NoLease); err != nil {
		t.Fatal(err)
	}
	h.waitScreen("apiserver DOWN 2m")
	h.waitScreen("OUTAGE since " + stopped.UTC().Format(time.RFC3339) + " (2m0s ago)")
	h.press(":", "doctor", "enter")
	h.waitFor("the diagnosis", func() bool { return on[*doctorScreen](h) && topAs[*doctorScreen](h).diagnosis != nil })
	if s := h.screen(); strings.Count(s, "OUTAGE since "+stopped.UTC().Format(time.RFC3339)) != 2 || !strings.Contains(s, "no kube-apiserver serves: the outage began at") {
		t.Errorf("the doctor screen does not say when the outage began:\n%s", s)
	}
}

// TestHistoryView: H on a row shows every version etcd keeps of the object,
// each with the diff from the one before, as `lifeboat history` prints it.
func TestHistoryView(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 60})
	ctx := context.Background()
	key := "/registry/configmaps/shop/frontend-config"
	obj := h.object(key)
	cm := obj.Object.Typed.(*corev1.ConfigMap).DeepCopy()
	cm.Data["LOG_LEVEL"] = "debug"
	if err := demo.PutObject(ctx, h.cli, key, cm, clientv3.NoLease); err != nil {
		t.Fatal(err)
	}
	h.showOnly("cm shop", "frontend-config")
	h.press("H")
	h.waitFor("the history", func() bool { return on[*historyScreen](h) })
	if s := h.screen(); !strings.Contains(s, "history") || strings.Contains(s, `\x1b`) {
		t.Errorf("history view title, or escaped colours:\n%s", s)
	}
	content := ansi.Strip(topAs[*historyScreen](h).msg.content)
	for _, want := range []string{"2 version(s)", "created", "modified", "+  LOG_LEVEL: debug"} {
		if !strings.Contains(content, want) {
			t.Errorf("history lacks %q:\n%s", want, content)
		}
	}
}

// TestCustomResourceNamesInTheTUI: ":ct" lists what the CRD named ct
// declares, as k9s resolves it.
func TestCustomResourceNamesInTheTUI(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 30})
	h.press(":", "ct", "enter")
	h.waitFor("the crontabs", func() bool { return h.m.list.loaded && h.m.list.view.res.Name == "crontabs" })
	if names := h.visibleNames(); len(names) != 1 || names[0] != "nightly-backup" {
		t.Errorf("rows %v, want nightly-backup", names)
	}
}

// TestNewerFieldsBadge: the YAML view of an object that carries fields a
// newer Kubernetes wrote says so above the YAML, and where.
func TestNewerFieldsBadge(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 40})
	h.addNewerField("/registry/configmaps/shop/frontend-config", 77)
	h.showOnly("cm shop", "frontend-config")
	h.press("enter")
	h.waitScreen("NEWER FIELDS: 1 field(s)")
	if s := h.screen(); !strings.Contains(s, "the object: field 77 (bytes, 3 bytes)") {
		t.Errorf("the badge does not say where:\n%s", s)
	}
}

// TestDeleteFromTheTUI: ctrl+d on a row previews the removal (every line
// of the object goes), y deletes the key, and the journal can undo it.
func TestDeleteFromTheTUI(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 40})
	h.showOnly("cm shop", "frontend-config")
	h.press("ctrl+d")
	h.waitFor("preview", func() bool { return on[*previewScreen](h) })
	if s := h.screen(); !strings.Contains(s, "DELETE") || !strings.Contains(s, "-apiVersion: v1") {
		t.Errorf("the preview does not show the removal:\n%s", s)
	}
	h.press("y")
	h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
	resp, err := h.cli.Get(context.Background(), "/registry/configmaps/shop/frontend-config")
	if err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("the key is still there (%v)", err)
	}
	jf, err := journal.Read(h.journal)
	if err != nil || len(jf.Writes()) != 1 || len(jf.Writes()[0].After) != 0 {
		t.Errorf("the journal does not hold the deletion: %v", err)
	}
}
