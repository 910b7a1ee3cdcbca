package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDoctorCommand: on the capsized demo, doctor exits 3 and prints, most
// severe first, each finding with its evidence and the command that fixes
// it; -o json carries the same findings; it writes nothing.
func TestDoctorCommand(t *testing.T) {
	c := capsized(t)
	rev := c.revision()

	r := c.run("doctor")
	wantCode(t, r, exitPartial)
	for _, want := range []string{
		"CRITICAL  storage: 1 value(s) under pods that kube-apiserver cannot decode",
		"fix: lifeboat quarantine /registry/pods/default/poison",
		"CRITICAL  nodes: 5 of 8 node(s) have a silent kubelet",
		"fix: lifeboat nodes untaint worker-1 worker-2 worker-3 worker-4 worker-5 --dry-run",
		"WARNING   workloads: configmap shop/cart-config does not exist",
		"problem(s) found.",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Index(r.out, "CRITICAL") > strings.Index(r.out, "WARNING") {
		t.Errorf("a warning before the critical findings:\n%s", r.out)
	}

	r = c.run("doctor", "-o", "json")
	wantCode(t, r, exitPartial)
	var d struct {
		Revision int64 `json:"revision"`
		Findings []struct {
			Severity string   `json:"severity"`
			Title    string   `json:"title"`
			Fix      []string `json:"fix"`
			Keys     []string `json:"keys"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.out), &d); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, r.out)
	}
	if d.Revision == 0 || len(d.Findings) == 0 || d.Findings[0].Severity != "critical" || len(d.Findings[0].Keys) == 0 {
		t.Errorf("doctor -o json: %+v", d)
	}
	c.assertUnchanged(rev, r)
}
