package tui

import (
	"strings"
	"testing"
)

// TestDoctorScreen: :doctor lists the findings, most severe first, with the
// selected one's evidence and fix under them; enter on the poison value's
// finding goes to the pods, filtered to it, with the fix in the status line.
func TestDoctorScreen(t *testing.T) {
	h := newHarness(t, harnessOptions{height: 40})
	h.press(":", "doctor", "enter")
	h.waitFor("the diagnosis", func() bool { return h.m.doctor.diagnosis != nil })
	s := h.screen()
	for _, want := range []string{"CRITICAL", "cannot decode", "fix: lifeboat quarantine /registry/pods/default/poison", "5 of 8 node(s) have a silent kubelet"} {
		if !strings.Contains(s, want) {
			t.Errorf("doctor screen lacks %q:\n%s", want, s)
		}
	}
	h.press("enter")
	h.waitFor("the pods list", func() bool { return h.m.screen == screenList && h.m.list.isPods() })
	if h.m.list.filter != "poison" || h.m.list.view.namespace != "default" {
		t.Errorf("jumped to %s filtered %q, want pods in default filtered to poison", h.m.list.view, h.m.list.filter)
	}
	if !strings.Contains(h.m.status, "fix: lifeboat quarantine") {
		t.Errorf("status %q does not carry the fix", h.m.status)
	}
}
