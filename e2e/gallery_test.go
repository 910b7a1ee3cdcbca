package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/featuregate"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
)

// TestGallery is the outage gallery (issue #18, items 7 and 8): each
// scenario is an outage an operator meets, built through a real
// kube-apiserver the way a cluster gets there (nodes and their kubelet
// Leases, pods bound and reported by "kubelets", Services with their
// EndpointSlices, webhooks, namespaces deleted by kube-controller-manager's
// namespace controller), never by writing etcd, except for the scenario
// that is somebody writing garbage into etcd. Then kube-apiserver stops,
// and, with etcd alone:
//
//   - doctor: `lifeboat doctor -o json` names the problem, with the
//     scenario's finding ids and severities, and no finding names the
//     parts that are healthy;
//   - every-fix-runs: every fix line doctor prints runs as printed (a dry
//     run where it writes) and writes nothing;
//   - runbook: docs/runbooks/<scenario>.md names the finding ids and shows
//     every fix command doctor printed for them;
//   - fix: the fix is written for real;
//   - served: kube-apiserver, started again, serves the repair.
//
// Every scenario has its own etcd and kube-apiserver, so that what doctor
// says about one cannot come from another; they run side by side, so the
// gallery takes as long as its longest scenario.
func TestGallery(t *testing.T) {
	// Built before any scenario starts its clock.
	kubectl(t)
	// A scenario's kube-controller-manager releases its leader Lease when
	// it stops; without this gate, losing the leadership ends this process
	// (OnStoppedLeading reads it then). Set once for the whole gallery: set
	// by each controller-manager's harness, it would be restored when that
	// scenario ends, under another scenario's running controller-manager.
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, featuregate.Feature("ControllerManagerReleaseLeaderElectionLockOnExit"), true)
	var wg sync.WaitGroup
	for _, s := range gallery() {
		if s.provenBy != "" {
			t.Run(s.name, func(t *testing.T) { checkProvenElsewhere(t, s) })
			continue
		}
		wg.Add(1)
		// Subtests may run from several goroutines; t.Parallel would hold
		// them to -parallel (GOMAXPROCS), and most of a scenario is
		// waiting for leases to go stale. The next scenario starts once
		// this one's apiserver is up: the scenarios that wait longest
		// start first.
		started := make(chan struct{})
		go func() {
			defer wg.Done()
			t.Run(s.name, func(t *testing.T) { runScenario(t, s, started) })
		}()
		<-started
	}
	wg.Wait()
	t.Run("index", checkIndex)
}

// scenario is one gallery entry.
type scenario struct {
	name    string
	runbook string // in docs/runbooks
	// apiFlags are extra kube-apiserver flags.
	apiFlags []string
	// build makes the outage through the API, and checks while the
	// apiserver is up that the cluster is what the scenario says.
	build func(t *testing.T, g *galleryCluster)
	// expect are the scenario's findings; absent are ids doctor must not
	// report; healthy are names no finding but an info one may name.
	expect  []want
	absent  []string
	healthy []string
	// fixes are the findings whose fix is written for real, and fixPaths
	// the commands it must include ("a|b": either).
	fixes    []string
	fixPaths []string
	// fix writes the fix; nil: every line of the fixes that writes.
	fix func(t *testing.T, g *galleryCluster, lines []fixLine)
	// served checks, once kube-apiserver runs again, that it serves the
	// repair.
	served func(t *testing.T, g *galleryCluster)
	// provenBy names the test that proves an entry the gallery does not
	// run itself.
	provenBy string
}

// gallery is every entry. Those whose dead kubelets must be silent for
// silentBeforeOutage come first, so they start first.
func gallery() []scenario {
	return []scenario{
		networkCut(),
		nodeDeadBeforeOutage(),
		spotCapacityLoss(),
		configMapKeyMissing(),
		webhookFailsClosed(),
		namespaceStuckTerminating(),
		poisonValue(),
		configMapDeleted(),
		nodePartitionDrill(),
	}
}

func (s scenario) ids() []string {
	var out []string
	for _, w := range s.expect {
		out = append(out, w.id)
	}
	return out
}

// runScenario runs one scenario on a cluster of its own; started is
// closed once its apiserver is up, or it failed to start.
func runScenario(t *testing.T, s scenario, started chan<- struct{}) {
	var once sync.Once
	done := func() { once.Do(func() { close(started) }) }
	defer done()
	g := newGalleryCluster(t, s.apiFlags...)
	done()
	if !t.Run("setup", func(t *testing.T) { s.build(t, g) }) {
		return
	}
	g.outage(t)
	g.run(t, "doctor") // for the log: what the operator reads
	r := g.run(t, "doctor", "-o", "json")
	var d diagnosis
	parsed := false
	t.Run("doctor", func(t *testing.T) {
		if d, parsed = parseDiagnosis(t, r); !parsed {
			t.FailNow()
		}
		checkFindings(t, s, d)
		checkOutage(t, d, g.stoppedAt)
	})
	if !parsed {
		return
	}
	t.Run("every-fix-runs", func(t *testing.T) { g.runEveryFix(t, d) })
	t.Run("runbook", func(t *testing.T) { checkRunbook(t, s.runbook, s.ids(), fixesOf(d, s.ids())) })
	fixed := true
	if len(s.fixes) > 0 {
		fixed = t.Run("fix", func(t *testing.T) {
			lines := fixLinesOf(d, s.fixes)
			if len(lines) == 0 {
				t.Fatalf("doctor printed no fix for %s", strings.Join(s.fixes, ", "))
			}
			for _, want := range s.fixPaths {
				if !hasPath(lines, want) {
					t.Errorf("doctor's fix for %s has no lifeboat %s", strings.Join(s.fixes, ", "), want)
				}
			}
			if s.fix != nil {
				s.fix(t, g, lines)
			} else {
				g.applyWrites(t, lines)
			}
		})
	}
	t.Log("=== kube-apiserver starts again")
	g.restart(t)
	t.Run("served", func(t *testing.T) {
		if !fixed {
			t.Skip("the fix was not written")
		}
		if len(s.fixes) > 0 {
			g.checkServed(t)
		}
		s.served(t, g)
	})
}

// checkFindings checks the scenario's findings and no other problem,
// those it must not have, and that no problem names a healthy part.
func checkFindings(t *testing.T, s scenario, d diagnosis) {
	t.Helper()
	for _, w := range s.expect {
		checkWant(t, d, w)
	}
	// Exactly the scenario's problems: the outage itself, and what it
	// expects; anything else above info is a finding on a healthy part.
	for _, f := range d.Findings {
		if f.Severity != "info" && f.ID != "apiserver-outage" && !contains(s.ids(), f.ID) {
			t.Errorf("a problem this scenario does not have: %s", f)
		}
	}
	for _, id := range s.absent {
		for _, f := range d.Findings {
			if f.ID == id {
				t.Errorf("finding %s, which this scenario does not have: %s", id, f)
			}
		}
	}
	for _, name := range s.healthy {
		for _, f := range d.Findings {
			if f.Severity != "info" && f.names(name) {
				t.Errorf("%s is healthy, and finding %s names it", name, f)
			}
		}
	}
}

// fixesOf is the fix lines of the findings with these ids, in order.
func fixesOf(d diagnosis, ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range d.Findings {
		if !contains(ids, f.ID) {
			continue
		}
		for _, line := range f.Fix {
			if !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
	}
	return out
}

func fixLinesOf(d diagnosis, ids []string) []fixLine {
	var out []fixLine
	for _, line := range fixesOf(d, ids) {
		if f, err := parseFix(line); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// hasPath reports whether a line runs the command path ("a|b": either).
func hasPath(lines []fixLine, path string) bool {
	for _, l := range lines {
		if contains(strings.Split(path, "|"), l.path()) {
			return true
		}
	}
	return false
}

func withPath(lines []fixLine, path string) (fixLine, bool) {
	for _, l := range lines {
		if l.path() == path {
			return l, true
		}
	}
	return fixLine{}, false
}

// runEveryFix runs every fix line of every finding as doctor printed it:
// each must run (exit 0, or 3 when it leaves something it says it
// skipped), and none may write: etcd's revision does not move.
func (g *galleryCluster) runEveryFix(t *testing.T, d diagnosis) {
	t.Helper()
	before := g.revision(t)
	seen := map[string]bool{}
	for _, f := range d.Findings {
		for _, line := range f.Fix {
			if seen[line] {
				continue
			}
			seen[line] = true
			fl, err := parseFix(line)
			if err != nil {
				t.Errorf("finding %s: fix %q: %v", f.ID, line, err)
				continue
			}
			if r := g.run(t, fl.args...); r.code != 0 && r.code != 3 {
				t.Errorf("finding %s: fix %q: exit %d: %s", f.ID, line, r.code, strings.TrimSpace(r.stderr))
			}
		}
	}
	if after := g.revision(t); after != before {
		t.Errorf("the fix lines, run as printed, wrote to etcd: revision %d -> %d", before, after)
	}
	t.Logf("%d fix line(s) ran; etcd stayed at revision %d", len(seen), before)
}

// applyWrites writes each line that writes for real (--yes, no
// --dry-run), each with its own journal, and requires exit 0.
func (g *galleryCluster) applyWrites(t *testing.T, lines []fixLine) {
	t.Helper()
	for _, l := range lines {
		if !l.writes() {
			continue
		}
		journal := filepath.Join(g.work, fmt.Sprintf("fix-%d.jsonl", len(g.journals)+1))
		if r := g.run(t, l.forReal(journal)...); r.code != 0 {
			t.Fatalf("%q for real: exit %d: %s", l.line, r.code, strings.TrimSpace(r.stderr))
		}
		if _, err := os.Stat(journal); err == nil {
			g.journals = append(g.journals, journal)
		}
	}
}

// checkProvenElsewhere checks the runbook of an entry another test
// proves: it exists, names its findings and says which test proves it.
func checkProvenElsewhere(t *testing.T, s scenario) {
	checkRunbook(t, s.runbook, s.ids(), nil)
	b, err := os.ReadFile(filepath.Join(runbookDir, s.runbook))
	if err == nil && !strings.Contains(string(b), s.provenBy) {
		t.Errorf("%s does not say that %s proves it", s.runbook, s.provenBy)
	}
}

// checkIndex checks that docs/runbooks/README.md links every entry's
// runbook.
func checkIndex(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(runbookDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range gallery() {
		if !strings.Contains(string(b), "("+s.runbook+")") {
			t.Errorf("docs/runbooks/README.md does not link %s (%s)", s.runbook, s.name)
		}
		for _, id := range s.ids() {
			if !mentions(string(b), id) {
				t.Errorf("docs/runbooks/README.md does not name %s (%s)", id, s.name)
			}
		}
	}
}
