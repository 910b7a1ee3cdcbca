package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
)

var (
	kubectlOnce sync.Once
	kubectlPath string
	kubectlErr  error
)

// kubectl is the kubectl of this module's Kubernetes release, built once.
func kubectl(t *testing.T) string {
	t.Helper()
	kubectlOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lifeboat-e2e-kubectl")
		if err != nil {
			kubectlErr = err
			return
		}
		kubectlPath = filepath.Join(dir, "kubectl")
		build := exec.Command("go", "build", "-mod=mod", "-o", kubectlPath, "k8s.io/kubernetes/cmd/kubectl")
		if out, err := build.CombinedOutput(); err != nil {
			kubectlErr = &buildError{out: string(out), err: err}
		}
	})
	if kubectlErr != nil {
		t.Fatalf("build kubectl: %v", kubectlErr)
	}
	return kubectlPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// kubectlRun runs kubectl against the cluster's apiserver.
func (c *cluster) kubectl(t *testing.T, args ...string) run {
	t.Helper()
	cmd := exec.Command(kubectl(t), append([]string{"--kubeconfig", c.kubeconfig(t)}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECTL_KUBERC=false", "HOME="+c.work)
	return runCommand(t, "kubectl", cmd, args)
}

// runCommand runs cmd and returns what it printed and its exit code.
func runCommand(t *testing.T, name string, cmd *exec.Cmd, args []string) run {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := run{args: args, stdout: out.String(), stderr: errb.String()}
	if exitErr, ok := err.(*exec.ExitError); ok {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return r
}

// listable are the resources the ground truth's apiserver lists, as
// kubectl names them unambiguously: "pods", "deployments.apps",
// "events.events.k8s.io", "crontabs.stable.example.com".
func (gt *groundTruth) listable() []string {
	seen := map[schema.GroupResource]bool{}
	var out []string
	for _, s := range gt.served {
		gr := s.GVR.GroupResource()
		if seen[gr] || !s.listable() {
			continue
		}
		seen[gr] = true
		out = append(out, gr.String())
	}
	sort.Strings(out)
	return out
}

// checkNames: for every listable resource, lifeboat get R -A -o name lists
// exactly what kubectl get R -A -o name lists.
func checkNames(t *testing.T, gt *groundTruth) {
	differ := 0
	for _, r := range gt.listable() {
		want := gt.c.kubectl(t, "get", r, "-A", "-o", "name")
		if want.code != 0 {
			t.Errorf("kubectl get %s -A -o name: exit %d: %s", r, want.code, want.stderr)
			continue
		}
		got := gt.c.lifeboat(t, "get", r, "-A", "-o", "name")
		if r == "componentstatuses" {
			// kube-apiserver asks the components for their health; etcd
			// holds nothing: lifeboat says so.
			if got.code != 2 || !strings.Contains(got.stderr, "not stored in etcd") {
				t.Errorf("lifeboat get %s: exit %d, %q; want it refused as not stored in etcd", r, got.code, got.stderr)
			}
			continue
		}
		if got.code != 0 {
			t.Errorf("lifeboat get %s -A -o name: exit %d: %s", r, got.code, got.stderr)
			differ++
			continue
		}
		if diff := cmp.Diff(sortedLines(want.stdout), sortedLines(got.stdout)); diff != "" {
			t.Errorf("get %s -A -o name: lifeboat differs from kubectl (-kubectl +lifeboat):\n%s", r, diff)
			differ++
		}
	}
	t.Logf("%d resources listed by name, %d differ from kubectl", len(gt.listable()), differ)
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	sort.Strings(lines)
	return lines
}

// lifeboatExtra are the columns lifeboat adds after kubectl's, for an
// outage: when a pod's deletion was asked for.
var lifeboatExtra = map[string][]string{"pods": {"TERMINATING-SINCE"}}

// checkTables: for every listable resource, lifeboat get R -A prints the
// table kubectl get R -A prints, row for row and column for column; ages
// may differ by the seconds between the two calls.
func checkTables(t *testing.T, gt *groundTruth) {
	same := 0
	for _, r := range gt.listable() {
		if r == "componentstatuses" {
			continue
		}
		for _, wide := range []bool{false, true} {
			args := []string{"get", r, "-A"}
			if wide {
				args = append(args, "-o", "wide")
			}
			want := gt.c.kubectl(t, args...)
			got := gt.c.lifeboat(t, args...)
			if want.code != 0 || got.code != 0 {
				t.Errorf("%s: kubectl exit %d (%s), lifeboat exit %d (%s)", strings.Join(args, " "), want.code, want.stderr, got.code, got.stderr)
				continue
			}
			// kube-apiserver's deprecation warnings reach kubectl's stderr;
			// no apiserver speaks to lifeboat.
			if !wide && withoutWarnings(want.stderr) != got.stderr {
				t.Errorf("%s: stderr differs: kubectl %q, lifeboat %q", strings.Join(args, " "), want.stderr, got.stderr)
			}
			wt, gtab := parseTable(want.stdout), parseTable(got.stdout)
			if extra := lifeboatExtra[r]; len(extra) > 0 && !wide {
				gtab = gtab.without(extra...)
			}
			if wide {
				// -o wide: lifeboat adds its own columns after kubectl's.
				gtab = gtab.prefix(len(wt.header))
			}
			if diff := compareTables(wt, gtab); diff != "" {
				t.Errorf("%s: lifeboat's table differs from kubectl's:\n%s\nkubectl:\n%s\nlifeboat:\n%s", strings.Join(args, " "), diff, want.stdout, got.stdout)
				continue
			}
			same++
		}
	}
	t.Logf("%d tables (default and -o wide) printed as kubectl prints them", same)
}

// checkJSON: for every resource the apiserver lists, `lifeboat get R -A
// -o json` prints kubectl's `get R -A -o json` byte for byte (lifeboat
// from the stored protobuf, JSON or CBOR; kubectl from what the apiserver
// serves). Objects that change between the two reads (leases the
// apiserver renews) are read again; resources the apiserver serves in
// another version than it stores are named, not compared: lifeboat prints
// what etcd holds.
func checkJSON(t *testing.T, gt *groundTruth) {
	same, other := 0, []string{}
	for _, r := range gt.listable() {
		if r == "componentstatuses" {
			continue
		}
		args := []string{"get", r, "-A", "-o", "json"}
		var want, got run
		for range 3 {
			want = gt.c.kubectl(t, args...)
			// kubectl shows Secrets' data; lifeboat only when asked.
			got = gt.c.lifeboatRaw(t, append(args, "--show-secrets")...)
			if want.code != 0 || got.code != 0 || want.stdout == got.stdout {
				break
			}
		}
		if want.code != 0 || got.code != 0 {
			t.Errorf("%s: kubectl exit %d (%s), lifeboat exit %d (%s)", strings.Join(args, " "), want.code, want.stderr, got.code, got.stderr)
			continue
		}
		if want.stdout == got.stdout {
			same++
			continue
		}
		if servedVersion, stored := versions(want.stdout, got.stdout); servedVersion != stored {
			other = append(other, fmt.Sprintf("%s (served %s, stored %s)", r, servedVersion, stored))
			continue
		}
		t.Errorf("%s: lifeboat's JSON differs from kubectl's at byte %d:\n%s", strings.Join(args, " "), firstDiff(want.stdout, got.stdout), around(want.stdout, got.stdout))
	}
	t.Logf("%d resources' JSON Lists byte for byte kubectl's; served in another version than stored: %s", same, strings.Join(other, ", "))
	if same < 50 {
		t.Errorf("only %d resources compared byte for byte", same)
	}
}

// lifeboatRaw runs lifeboat and returns what it printed, whatever it is
// (lifeboat's JSON Lines of results are for the write commands).
func (c *cluster) lifeboatRaw(t *testing.T, args ...string) run {
	t.Helper()
	return runCommand(t, "lifeboat", c.lifeboatCmd(args...), args)
}

// versions are the apiVersion of the first item of two JSON Lists.
func versions(a, b string) (string, string) {
	first := func(s string) string {
		var l struct {
			Items []struct {
				APIVersion string `json:"apiVersion"`
			} `json:"items"`
		}
		if json.Unmarshal([]byte(s), &l) != nil || len(l.Items) == 0 {
			return ""
		}
		return l.Items[0].APIVersion
	}
	return first(a), first(b)
}

func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// around shows both texts near where they part.
func around(want, got string) string {
	i := firstDiff(want, got)
	from := max(0, i-300)
	return "kubectl:  ..." + want[from:min(len(want), i+300)] + "\nlifeboat: ..." + got[from:min(len(got), i+300)]
}

// table is a printed table split into cells at its header's columns.
type table struct {
	header []string
	rows   [][]string
}

// parseTable splits kubectl-style output: each column starts where its
// heading starts.
func parseTable(out string) table {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return table{}
	}
	var starts []int
	head := lines[0]
	for i := 0; i < len(head); i++ {
		if head[i] != ' ' && (i == 0 || head[i-1] == ' ' && (i < 2 || head[i-2] == ' ')) {
			starts = append(starts, i)
		}
	}
	cut := func(line string) []string {
		cells := make([]string, len(starts))
		for i, s := range starts {
			end := len(line)
			if i+1 < len(starts) && starts[i+1] < end {
				end = starts[i+1]
			}
			if s < len(line) {
				cells[i] = strings.TrimSpace(line[s:end])
			}
		}
		return cells
	}
	t := table{header: cut(head)}
	for _, l := range lines[1:] {
		t.rows = append(t.rows, cut(l))
	}
	return t
}

func (t table) without(cols ...string) table {
	keep := []int{}
	for i, h := range t.header {
		drop := false
		for _, c := range cols {
			drop = drop || h == c
		}
		if !drop {
			keep = append(keep, i)
		}
	}
	pick := func(cells []string) []string {
		out := make([]string, 0, len(keep))
		for _, i := range keep {
			if i < len(cells) {
				out = append(out, cells[i])
			}
		}
		return out
	}
	out := table{header: pick(t.header)}
	for _, r := range t.rows {
		out.rows = append(out.rows, pick(r))
	}
	return out
}

func (t table) prefix(n int) table {
	out := table{header: t.header[:min(n, len(t.header))]}
	for _, r := range t.rows {
		out.rows = append(out.rows, r[:min(n, len(r))])
	}
	return out
}

// ageCell is a cell kubectl prints as a duration: "5s", "3m2s", "2d".
var ageCell = regexp.MustCompile(`^(\d+[smhdy])+$`)

// compareTables says how two tables differ; rows are matched in order.
// Two durations match when they name the same age within 10 seconds.
func compareTables(want, got table) string {
	var b strings.Builder
	if !cmp.Equal(want.header, got.header) {
		b.WriteString("columns: " + cmp.Diff(want.header, got.header) + "\n")
		return b.String()
	}
	if len(want.rows) != len(got.rows) {
		b.WriteString("rows: kubectl " + strconv.Itoa(len(want.rows)) + ", lifeboat " + strconv.Itoa(len(got.rows)) + "\n")
		return b.String()
	}
	for i := range want.rows {
		for j := range want.rows[i] {
			w, g := want.rows[i][j], got.rows[i][j]
			if w == g || sameAge(w, g) {
				continue
			}
			b.WriteString("row " + strconv.Itoa(i+1) + " " + want.header[j] + ": kubectl " + quote(w) + ", lifeboat " + quote(g) + "\n")
		}
	}
	return b.String()
}

func sameAge(a, b string) bool {
	if !ageCell.MatchString(a) || !ageCell.MatchString(b) {
		return false
	}
	da, db := parseAge(a), parseAge(b)
	if da < 0 || db < 0 {
		return false
	}
	d := da - db
	if d < 0 {
		d = -d
	}
	// HumanDuration rounds: past two minutes it drops seconds, so a gap
	// of a few seconds can show as a minute around the boundary.
	return d <= 10*time.Second || duration.HumanDuration(da) == duration.HumanDuration(db)
}

// parseAge reads a HumanDuration back, -1 when it is none.
func parseAge(s string) time.Duration {
	var total time.Duration
	num := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			num = num*10 + int(r-'0')
		default:
			unit := map[rune]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'y': 365 * 24 * time.Hour}[r]
			if unit == 0 {
				return -1
			}
			total += time.Duration(num) * unit
			num = 0
		}
	}
	return total
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// checkStorage: lifeboat ls names the kind of every value under the prefix
// and calls none malformed; doctor reports no undecodable value; and
// quarantine --dry-run refuses every object, which the apiserver reads.
func checkStorage(t *testing.T, gt *groundTruth) {
	ls := gt.c.lifeboat(t, "ls", "/registry/", "-o", "json")
	if ls.code != 0 {
		t.Errorf("lifeboat ls /registry/: exit %d: %s", ls.code, ls.stderr)
	}
	values := 0
	for _, line := range strings.Split(strings.TrimSpace(ls.stdout), "\n") {
		var f struct {
			Key, Kind, Format, Problem string
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("ls -o json: %q: %v", line, err)
		}
		values++
		switch {
		case f.Problem != "" || f.Format == "malformed":
			t.Errorf("ls: %s called broken: %s", f.Key, f.Problem)
		case f.Kind == "" && f.Key != "/registry/health":
			t.Errorf("ls: %s: no kind named", f.Key)
		}
	}
	t.Logf("ls named the kind of %d values", values)

	out, _ := gt.c.lifeboatCmd("doctor", "-o", "json").Output() // exit 3: it finds problems
	var d struct {
		Findings []struct{ Severity, Title string }
	}
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, out)
	}
	t.Logf("doctor: %d findings", len(d.Findings))
	for _, f := range d.Findings {
		if strings.Contains(f.Title, "cannot decode") {
			t.Errorf("doctor: %s: %s", f.Severity, f.Title)
		}
	}

	refused := 0
	for _, o := range gt.objects {
		q := gt.c.lifeboat(t, "quarantine", o.Key, "--dry-run")
		if q.code != 2 || !strings.Contains(q.stderr, "can read it") {
			t.Errorf("quarantine --dry-run %s: exit %d, %q; want it refused as readable", o.Key, q.code, q.stderr)
			continue
		}
		refused++
	}
	t.Logf("quarantine --dry-run refused all %d objects", refused)
}

func withoutWarnings(stderr string) string {
	var kept []string
	for _, l := range strings.SplitAfter(stderr, "\n") {
		if !strings.HasPrefix(l, "Warning: ") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}
