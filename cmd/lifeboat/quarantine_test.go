package main

import (
	"strings"
	"testing"
)

// TestQuarantineCommand: a dry run writes nothing; the move takes the
// poison value out of the pods (get then exits 0), ls lists it, undo puts
// it back; a readable object is refused with exit 2.
func TestQuarantineCommand(t *testing.T) {
	c := capsized(t)
	poison := c.get(poisonKey)

	rev := c.revision()
	r := c.run("quarantine", poisonKey, "--dry-run")
	wantCode(t, r, exitOK)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.out, "move "+poisonKey) || !strings.Contains(r.out, "to /lifeboat-quarantine"+poisonKey) {
		t.Errorf("dry run does not say what moves where:\n%s", r)
	}

	wantCode(t, c.run("get", "pods", "-A"), exitPartial)
	j := c.journal("quarantine.jsonl")
	r = c.run("quarantine", poisonKey, "--yes", "--journal", j)
	wantCode(t, r, exitOK)
	if got := c.run("get", "pods", "-A"); got.code != exitOK {
		t.Errorf("get pods -A after the quarantine: %s", got)
	}
	r = c.run("quarantine", "ls")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.out, "/lifeboat-quarantine"+poisonKey) || !strings.Contains(r.out, "absent") {
		t.Errorf("quarantine ls:\n%s", r)
	}

	wantCode(t, c.run("undo", j, "--yes"), exitOK)
	if got := c.get(poisonKey); got.Value != poison.Value {
		t.Errorf("undo did not put the value back: %q", got.Value)
	}
	r = c.run("quarantine", "ls")
	if !strings.Contains(r.errOut, "Nothing is quarantined") {
		t.Errorf("quarantine ls after undo:\n%s", r)
	}

	rev = c.revision()
	r = c.run("quarantine", c.terminatingPods("/registry/pods/shop/")[0], "--yes")
	wantCode(t, r, exitUsage)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, "can read it") {
		t.Errorf("refusal does not say why:\n%s", r)
	}
}
