package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGalleryFixLines checks how the gallery reads doctor's fix lines:
// what it refuses to paste, what it considers writing, and how it runs
// one for real.
func TestGalleryFixLines(t *testing.T) {
	for _, tc := range []struct {
		line    string
		err     string // a substring of the refusal; "" accepts it
		path    string
		writes  bool
		forReal string
	}{
		{line: "lifeboat delete pods -A --node spot-a --dry-run", path: "delete", writes: true, forReal: "--journal J delete pods -A --node spot-a --yes"},
		{line: "lifeboat nodes untaint worker-1 worker-2 --dry-run", path: "nodes untaint", writes: true, forReal: "--journal J nodes untaint worker-1 worker-2 --yes"},
		{line: "lifeboat restore configmaps web-config -n storefront --revision 41 --dry-run", path: "restore", writes: true},
		{line: "lifeboat quarantine /registry/pods/triage/poison --dry-run", path: "quarantine", writes: true},
		{line: "lifeboat history configmaps cart-config -n shop --deleted", path: "history"},
		{line: "lifeboat quarantine ls", path: "quarantine ls"},
		{line: "lifeboat get pods -A -l 'k8s-app=kube-dns' --field-selector spec.nodeName=cp-1", path: "get"},
		{line: `lifeboat finalizers remove configmaps "orders-lock" -n orders --dry-run`, path: "finalizers remove", writes: true,
			forReal: "--journal J finalizers remove configmaps orders-lock -n orders --yes"},
		{line: "lifeboat delete pods -A --node spot-a", err: "lacks --dry-run"},
		{line: "lifeboat webhooks disable policy-guard", err: "lacks --dry-run"},
		{line: "kubectl delete pods -A", err: "not a lifeboat command line"},
		{line: "first stop kube-controller-manager", err: "not a lifeboat command line"},
		{line: "lifeboat history cm cart-config -n shop --deleted   # find it, then lifeboat restore", err: "has #"},
		{line: "lifeboat get pods -A | grep Terminating", err: "has |"},
		{line: "lifeboat get pods -n $NS", err: "has $"},
		{line: `lifeboat get pods -n "$NS"`, err: "expands $"},
		{line: "lifeboat get pods -n 'shop", err: "unterminated"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			f, err := parseFix(tc.line)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one saying %q", err, tc.err)
			case tc.err != "":
				return
			case err != nil:
				t.Fatal(err)
			}
			if f.path() != tc.path || f.writes() != tc.writes {
				t.Errorf("path %q writes %v, want %q %v", f.path(), f.writes(), tc.path, tc.writes)
			}
			if got := strings.Join(f.forReal("J"), " "); tc.forReal != "" && got != tc.forReal {
				t.Errorf("for real: %s\nwant:      %s", got, tc.forReal)
			}
		})
	}
}

// TestGalleryShapes checks what "the runbook shows doctor's fix" means: the
// same command, resource and flags, names and values aside, wherever the
// line is in the runbook.
func TestGalleryShapes(t *testing.T) {
	const runbook = "# Runbook\n\n" +
		"Preview with `lifeboat delete pods -A --node NODE --dry-run`, then:\n\n" +
		"```sh\n" +
		"lifeboat --journal fix.jsonl delete pods --all-namespaces --node NODE --yes\n" +
		"$ lifeboat finalizers remove configmaps NAME -n NAMESPACE --dry-run   # each object left\n" +
		"lifeboat nodes untaint NODE... --dry-run\n" +
		"```\n"
	shapes := runbookShapes(runbook)
	for _, tc := range []struct {
		fix   string
		shown bool
	}{
		{"lifeboat delete pods -A --node spot-a --dry-run", true},
		{"lifeboat delete pods --all-namespaces --node=spot-b --dry-run", true},
		{"lifeboat delete pods -A --node spot-a --yes", true},
		{"lifeboat --endpoints https://10.0.0.1:2379 delete pods -A --node spot-a --dry-run", true},
		{"lifeboat finalizers remove configmaps orders-lock -n orders --dry-run", true},
		{"lifeboat nodes untaint worker-1 worker-2 --dry-run", true},
		{"lifeboat delete configmaps web-config -n shop --dry-run", false},
		{"lifeboat delete pods -n shop --node spot-a --dry-run", false},
		{"lifeboat finalizers remove namespaces orders --dry-run", false},
		{"lifeboat nodes untaint --all --dry-run", false},
		{"lifeboat pods undelete -A --dry-run", false},
	} {
		f, err := parseFix(tc.fix)
		if err != nil {
			f = fixLine{args: strings.Fields(tc.fix)[1:]}
		}
		if got := shapes[shapeOf(f.args)]; got != tc.shown {
			t.Errorf("%s (shape %s): shown %v, want %v", tc.fix, shapeOf(f.args), got, tc.shown)
		}
	}
}

// TestGalleryNames checks when a finding names something: as a whole
// name, never as part of a longer one.
func TestGalleryNames(t *testing.T) {
	f := finding{
		ID: "configmap-key-missing", Title: "2 pod(s) of Deployment/web mount key app.yaml of ConfigMap storefront/web-config, which it lacks.",
		Evidence: []string{"pods/storefront/web-7c9d8b6f5d-x2x9z on node-10: CreateContainerConfigError"},
		Keys:     []string{"/registry/configmaps/storefront/web-config"},
	}
	var named []string
	for _, name := range []string{"web", "web-config", "app.yaml", "app", "yaml", "node-1", "node-10", "web-7c9d8b6f5d", "web-7c9d8b6f5d-x2x9z",
		"storefront/web-config", "configmaps/storefront/web-config", "config", "api|web-config", "api|api-config"} {
		if f.names(name) {
			named = append(named, name)
		}
	}
	want := []string{"web", "web-config", "app.yaml", "node-10", "web-7c9d8b6f5d-x2x9z", "storefront/web-config", "configmaps/storefront/web-config", "api|web-config"}
	if d := cmp.Diff(want, named); d != "" {
		t.Errorf("named (-want +got):\n%s", d)
	}
}

// TestGalleryJournalWrites checks what the served check reads of a
// journal: the last committed write of each key, deletes as deletes, and
// nothing of a write that was never committed.
func TestGalleryJournalWrites(t *testing.T) {
	dir := t.TempDir()
	journal := dir + "/fix.jsonl"
	lines := []string{
		`{"type":"begin","command":"lifeboat delete pods -A --node spot-a --yes"}`,
		`{"type":"write","key":"/registry/pods/shop/a","resource":"pods","namespace":"shop","name":"a","before":"YQ=="}`,
		`{"type":"committed","key":"/registry/pods/shop/a","afterRevision":50}`,
		`{"type":"write","key":"/registry/namespaces/orders","resource":"namespaces","name":"orders","before":"YQ==","after":"Yg=="}`,
		`{"type":"committed","key":"/registry/namespaces/orders","afterRevision":51}`,
		`{"type":"write","key":"/registry/namespaces/orders","resource":"namespaces","name":"orders","before":"Yg==","after":"Yw=="}`,
		`{"type":"committed","key":"/registry/namespaces/orders","afterRevision":52}`,
		`{"type":"write","key":"/registry/pods/shop/b","resource":"pods","namespace":"shop","name":"b","before":"YQ=="}`,
	}
	if err := os.WriteFile(journal, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := journalWrites(t, []string{journal})
	want := []journalWrite{
		{key: "/registry/pods/shop/a", resource: "pods", namespace: "shop", name: "a", deleted: true, revision: 50},
		{key: "/registry/namespaces/orders", resource: "namespaces", name: "orders", revision: 52},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(journalWrite{})); d != "" {
		t.Errorf("journal writes (-want +got):\n%s", d)
	}
}
