package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// diagnosis is `lifeboat doctor -o json` as issue #18 specifies it.
type diagnosis struct {
	Revision int64  `json:"revision"`
	Now      string `json:"now"`
	Clock    string `json:"clock"`
	Outage   struct {
		Since string `json:"since"`
	} `json:"outage"`
	Findings []finding `json:"findings"`
}

type finding struct {
	ID       string   `json:"id"`
	Severity string   `json:"severity"`
	Area     string   `json:"area"`
	Title    string   `json:"title"`
	Evidence []string `json:"evidence"`
	Advice   []string `json:"advice"`
	Fix      []string `json:"fix"`
	Keys     []string `json:"keys"`
}

func (f finding) String() string { return f.ID + " (" + f.Severity + "): " + f.Title }

// names reports whether the finding names name anywhere (title,
// evidence, advice, fix, keys). "a|b" is named when either is.
func (f finding) names(name string) bool {
	for _, alt := range strings.Split(name, "|") {
		for _, text := range f.texts() {
			if mentions(text, alt) {
				return true
			}
		}
	}
	return false
}

func (f finding) texts() []string {
	out := []string{f.Title}
	for _, list := range [][]string{f.Evidence, f.Advice, f.Fix, f.Keys} {
		out = append(out, list...)
	}
	return out
}

// mentions reports whether text contains name as a whole name: not as
// part of a longer one (node-1 is not named by node-10, nor web by
// web-config). A dot continues a name only when a name character follows
// it (app.yaml), so a name may end a sentence.
func mentions(text, name string) bool {
	if name == "" {
		return false
	}
	nameChar := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		before := start == 0 || !(nameChar(text[start-1]) || text[start-1] == '.')
		after := end == len(text) || !(nameChar(text[end]) || text[end] == '.' && end+1 < len(text) && nameChar(text[end+1]))
		if before && after {
			return true
		}
		i = start + 1
	}
}

// severity is the severities a finding may have: one, or any of a class.
type severity string

const (
	critical severity = "critical"
	info     severity = "info"
	// problem is what the contract leaves to doctor: a finding that is a
	// problem (exit 3), whichever of the two ranks it gets.
	problem severity = "critical|warning"
)

func (s severity) allows(got string) bool {
	for _, x := range strings.Split(string(s), "|") {
		if x == got {
			return true
		}
	}
	return false
}

// want is a finding a scenario must produce.
type want struct {
	id       string
	severity severity
	// names are each named by a finding of this id; notNames by none.
	names, notNames []string
}

// parseDiagnosis decodes doctor's JSON and checks the contract every
// finding keeps, whatever the scenario.
func parseDiagnosis(t *testing.T, r run) (diagnosis, bool) {
	t.Helper()
	var d diagnosis
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Errorf("lifeboat doctor -o json (exit %d): not the JSON of issue #18: %v", r.code, err)
		return d, false
	}
	if r.code != 3 {
		t.Errorf("doctor exited %d with the apiserver down and problems to find, want 3", r.code)
	}
	if d.Revision <= 0 {
		t.Errorf("doctor's revision is %d", d.Revision)
	}
	if _, err := time.Parse(time.RFC3339, d.Now); err != nil {
		t.Errorf("doctor's now %q: %v", d.Now, err)
	}
	for _, f := range d.Findings {
		switch {
		case f.ID == "":
			t.Errorf("finding without an id: %s", f)
		case !severity("critical|warning|info").allows(f.Severity):
			t.Errorf("finding %s: severity %q", f.ID, f.Severity)
		case f.Title == "":
			t.Errorf("finding %s has no title", f.ID)
		}
		for _, line := range f.Fix {
			if _, err := parseFix(line); err != nil {
				t.Errorf("finding %s: fix %q: %v", f.ID, line, err)
			}
		}
	}
	return d, true
}

// checkOutage checks that doctor saw kube-apiserver stop, and when.
func checkOutage(t *testing.T, d diagnosis, stoppedAt time.Time) {
	t.Helper()
	checkWant(t, d, want{id: "apiserver-outage", severity: problem})
	since, err := time.Parse(time.RFC3339, d.Outage.Since)
	if err != nil {
		t.Errorf("outage.since %q: %v: doctor must say since when kube-apiserver is down (it stopped at %s)", d.Outage.Since, err, stoppedAt.UTC().Format(time.RFC3339))
		return
	}
	// The apiserver renewed its identity Lease every 10 s, and the kubelets
	// theirs every second, up to the stop. A graceful stop deletes the
	// identity Lease, and doctor then dates the outage from the newest
	// renewal of any Lease: either way, at most one renewal period before
	// the stop.
	if since.Before(stoppedAt.Add(-12*time.Second)) || since.After(stoppedAt.Add(time.Second)) {
		t.Errorf("outage.since %s: kube-apiserver stopped at %s", since.UTC().Format(time.RFC3339), stoppedAt.UTC().Format(time.RFC3339))
	}
}

// checkWant checks one wanted finding.
func checkWant(t *testing.T, d diagnosis, w want) {
	t.Helper()
	var found []finding
	for _, f := range d.Findings {
		if f.ID == w.id {
			found = append(found, f)
		}
	}
	if len(found) == 0 {
		t.Errorf("no finding %s; doctor found: %s", w.id, summary(d))
		return
	}
	for _, f := range found {
		if !w.severity.allows(f.Severity) {
			t.Errorf("finding %s is %s, want %s", w.id, f.Severity, w.severity)
		}
	}
	for _, name := range w.names {
		named := false
		for _, f := range found {
			named = named || f.names(name)
		}
		if !named {
			t.Errorf("no finding %s names %s: %s", w.id, name, summary(diagnosis{Findings: found}))
		}
	}
	for _, name := range w.notNames {
		for _, f := range found {
			if f.names(name) {
				t.Errorf("finding %s names %s, which is healthy: %s", w.id, name, f)
			}
		}
	}
}

func summary(d diagnosis) string {
	if len(d.Findings) == 0 {
		return "nothing"
	}
	var b strings.Builder
	for _, f := range d.Findings {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

// fixLine is one line of a finding's fix: a lifeboat command line.
type fixLine struct {
	line string
	args []string // the words after "lifeboat"
}

// parseFix splits a fix line as a shell would, and refuses anything but
// one plain lifeboat command: the operator pastes it.
func parseFix(line string) (fixLine, error) {
	words, err := shellWords(line)
	if err != nil {
		return fixLine{}, err
	}
	if len(words) < 2 || words[0] != "lifeboat" {
		return fixLine{}, fmt.Errorf("not a lifeboat command line")
	}
	f := fixLine{line: line, args: words[1:]}
	if f.writes() && !f.has("--dry-run") {
		return f, fmt.Errorf("%s writes, and the line lacks --dry-run", f.path())
	}
	return f, nil
}

// shellWords splits a line into words as sh does for plain commands:
// quotes and backslashes, and nothing sh would run or redirect.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
			continue
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", line)
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) && strings.ContainsRune(`"\$`+"`", rune(line[j+1])) {
					j++
				} else if line[j] == '$' || line[j] == '`' {
					return nil, fmt.Errorf("%q expands %c: not a plain command line", line, line[j])
				}
				cur.WriteByte(line[j])
			}
			if j == len(line) {
				return nil, fmt.Errorf(`unterminated " in %q`, line)
			}
			i = j
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case strings.IndexByte("|&;<>()$`#*?[~{}", c) >= 0 && !(c == '#' && inWord) && !(c == '~' && inWord):
			return nil, fmt.Errorf("%q has %c: not a plain command line", line, c)
		default:
			cur.WriteByte(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Flags as lifeboat's CLI spells them. Boolean flags take no value; the
// others take the next word unless written --flag=value.
var (
	boolFlags = map[string]bool{"-A": true, "--all-namespaces": true, "--dry-run": true, "--yes": true, "-y": true, "--deleted": true,
		"--all": true, "--show-secrets": true, "--show-all": true, "--readonly": true, "--allow-field-loss": true, "-w": true,
		"--watch": true, "--watch-only": true, "--output-watch-events": true, "-h": true, "--help": true}
	flagAliases = map[string]string{"--all-namespaces": "-A", "-y": "--yes", "--namespace": "-n", "--output": "-o",
		"--selector": "-l", "--watch": "-w", "--filename": "-f"}
	// connectionFlags say where etcd is and where journals go: the
	// operator's, not the fix's.
	connectionFlags = map[string]bool{"--endpoints": true, "--prefix": true, "--cacert": true, "--cert": true, "--user": true,
		"--password": true, "--dial-timeout": true, "--command-timeout": true, "--journal": true, "--journal-dir": true,
		"--encryption-config": true, "--readonly": true}
	// groupCommands take a subcommand.
	groupCommands = map[string]bool{"pods": true, "nodes": true, "finalizers": true, "journal": true, "webhooks": true, "completion": true}
	// resourceCommands take a resource before the names.
	resourceCommands = map[string]bool{"get": true, "delete": true, "restore": true, "history": true, "edit": true, "finalizers remove": true}
	// readOnly are the commands that never write; every other one must
	// carry --dry-run in a fix.
	readOnly = map[string]bool{"get": true, "ls": true, "decode": true, "history": true, "doctor": true, "version": true,
		"journal ls": true, "journal show": true, "quarantine ls": true, "completion bash": true}
)

// words splits args into the command's positional words and its flags
// (name -> values), aliases resolved.
func commandWords(args []string) (positional []string, flags map[string][]string) {
	flags = map[string][]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		if alias, ok := flagAliases[name]; ok {
			name = alias
		}
		if !hasValue && !boolFlags[name] && i+1 < len(args) {
			i++
			value = args[i]
		}
		flags[name] = append(flags[name], value)
	}
	return positional, flags
}

// path is the command: "delete", "nodes untaint", "quarantine ls".
func (f fixLine) path() string {
	pos, _ := commandWords(f.args)
	return commandPath(pos)
}

func commandPath(pos []string) string {
	switch {
	case len(pos) == 0:
		return ""
	case len(pos) > 1 && (groupCommands[pos[0]] || pos[0] == "quarantine" && pos[1] == "ls"):
		return pos[0] + " " + pos[1]
	}
	return pos[0]
}

func (f fixLine) has(flag string) bool {
	_, flags := commandWords(f.args)
	_, ok := flags[flag]
	return ok
}

func (f fixLine) writes() bool { return !readOnly[f.path()] }

// forReal is the line as run to write: --dry-run dropped, --yes and a
// journal added.
func (f fixLine) forReal(journal string) []string {
	out := []string{"--journal", journal}
	for _, a := range f.args {
		if a != "--dry-run" {
			out = append(out, a)
		}
	}
	return append(out, "--yes")
}

// shape is a command with its names left out: the command, the resource
// it acts on, and its flags without their values. A runbook shows the
// shape of every fix doctor prints.
type shape struct {
	path, resource string
	flags          string
}

func (s shape) String() string {
	out := "lifeboat " + s.path
	if s.resource != "" {
		out += " " + s.resource
	}
	if s.flags != "" {
		out += " ... " + s.flags
	}
	return out
}

func shapeOf(args []string) shape {
	pos, flags := commandWords(args)
	s := shape{path: commandPath(pos)}
	if n := len(strings.Fields(s.path)); resourceCommands[s.path] && len(pos) > n {
		s.resource = pos[n]
	}
	var names []string
	for name := range flags {
		if !connectionFlags[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	s.flags = strings.Join(names, " ")
	return s
}

var inlineCommand = regexp.MustCompile("`(lifeboat [^`]+)`")

// runbookShapes are the shapes of the lifeboat command lines a runbook
// shows, in code blocks or inline code; a comment after # is not part of
// the command.
func runbookShapes(text string) map[shape]bool {
	out := map[shape]bool{}
	add := func(line string) {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "$ "))
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if !strings.HasPrefix(line, "lifeboat ") {
			return
		}
		if words, err := shellWords(line); err == nil {
			out[shapeOf(words[1:])] = true
		}
	}
	for _, line := range strings.Split(text, "\n") {
		add(line)
		for _, m := range inlineCommand.FindAllStringSubmatch(line, -1) {
			add(m[1])
		}
	}
	return out
}

// runbookDir is docs/runbooks, from the e2e module's directory.
const runbookDir = "../docs/runbooks"

// checkRunbook checks that a scenario's runbook answers what doctor said:
// it names the finding ids and shows every fix command doctor printed for
// them.
func checkRunbook(t *testing.T, runbook string, ids []string, fixes []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(runbookDir, runbook))
	if err != nil {
		t.Fatalf("the scenario's runbook: %v", err)
	}
	text := string(b)
	for _, id := range ids {
		if !mentions(text, id) {
			t.Errorf("%s does not name the finding %s", runbook, id)
		}
	}
	shapes := runbookShapes(text)
	for _, line := range fixes {
		f, err := parseFix(line)
		if err != nil {
			continue // the contract check reports it
		}
		if s := shapeOf(f.args); !shapes[s] {
			t.Errorf("%s does not show doctor's fix %q (a line of the shape %s)", runbook, line, s)
		}
	}
}

// journalWrite is what one committed write of a journal left.
type journalWrite struct {
	key, resource, namespace, name string
	deleted                        bool
	revision                       int64
}

// journalWrites reads the committed writes of lifeboat's journals
// (docs/design.md, "The journal"): the last one of each key.
func journalWrites(t *testing.T, paths []string) []journalWrite {
	t.Helper()
	last := map[string]*journalWrite{}
	var order []string
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("journal: %v", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		pending := map[string]journalWrite{}
		for sc.Scan() {
			var e struct {
				Type, Key, Resource, Namespace, Name string
				After                                []byte
				AfterRevision                        int64
			}
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				f.Close()
				t.Fatalf("journal %s: %v", path, err)
			}
			switch e.Type {
			case "write":
				pending[e.Key] = journalWrite{key: e.Key, resource: e.Resource, namespace: e.Namespace, name: e.Name, deleted: len(e.After) == 0}
			case "committed":
				w, ok := pending[e.Key]
				if !ok {
					continue
				}
				w.revision = e.AfterRevision
				if last[e.Key] == nil {
					order = append(order, e.Key)
				}
				last[e.Key] = &w
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("journal %s: %v", path, err)
		}
	}
	out := make([]journalWrite, 0, len(order))
	for _, k := range order {
		out = append(out, *last[k])
	}
	return out
}

// checkServed checks that the restarted kube-apiserver serves every
// write the fix made: each object at the revision lifeboat journaled as
// its resourceVersion, each deleted one not at all.
func (g *galleryCluster) checkServed(t *testing.T) {
	t.Helper()
	writes := journalWrites(t, g.journals)
	if len(writes) == 0 {
		t.Errorf("the fix wrote nothing (journals %v)", g.journals)
	}
	for _, w := range writes {
		if !strings.HasPrefix(w.key, g.prefix+"/") {
			continue // a quarantine copy, outside what the apiserver reads
		}
		args := []string{"get", w.resource, w.name, "-o", "jsonpath={.metadata.resourceVersion}"}
		if w.namespace != "" {
			args = append(args, "-n", w.namespace)
		}
		r := g.kubectlLogged(t, args...)
		switch {
		case w.deleted && (r.code == 0 || !strings.Contains(r.stderr, "NotFound")):
			t.Errorf("%s: lifeboat deleted it, kube-apiserver serves it (exit %d): %s%s", w.key, r.code, r.stdout, r.stderr)
		case !w.deleted && r.code != 0:
			t.Errorf("%s: lifeboat wrote it at revision %d, kube-apiserver does not serve it: %s", w.key, w.revision, r.stderr)
		case !w.deleted && r.stdout != fmt.Sprint(w.revision):
			t.Errorf("%s: kube-apiserver serves resourceVersion %s, lifeboat wrote revision %d", w.key, r.stdout, w.revision)
		}
	}
}
