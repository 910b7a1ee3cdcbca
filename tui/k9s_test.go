package tui

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFilterGrammar: / reads its text as k9s does, on the demo. A regular
// expression, case-insensitive; ! the rows it does not match; -l a label
// selector; -f a fuzzy match of the name; a text that is no regular
// expression is matched as plain text, and the status line says so.
func TestFilterGrammar(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 120, height: 30})
	names := func(keep func(r *row) bool) []string {
		var out []string
		for _, r := range h.m.list.items {
			if keep(r) {
				out = append(out, r.name)
			}
		}
		slices.Sort(out)
		return out
	}
	shown := func() []string {
		out := h.visibleNames()
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name   string
		view   string
		filter string
		want   func(r *row) bool
		screen []string // the screen shows each
		status string   // the status line has it ("" : says nothing of the filter)
	}{
		{name: "inverse", view: "pods", filter: "!Terminating", want: func(r *row) bool { return !r.terminating },
			screen: []string{"filter: /!Terminating", "poison", "coredns"}},
		{name: "inverse, lower case", view: "pods", filter: "!terminating", want: func(r *row) bool { return !r.terminating }},
		{name: "regexp", view: "nodes", filter: "worker-[123]", want: func(r *row) bool {
			return r.name == "worker-1" || r.name == "worker-2" || r.name == "worker-3"
		}, screen: []string{"filter: /worker-[123]", "[3/8]"}},
		{name: "regexp, case-insensitive", view: "nodes", filter: "WORKER-[67]$|^control", want: func(r *row) bool {
			return r.name == "worker-6" || r.name == "worker-7" || r.name == "control-plane-1"
		}},
		{name: "inverse regexp", view: "nodes", filter: "!worker-[1-5]", want: func(r *row) bool {
			return !regexp.MustCompile(`^worker-[1-5]$`).MatchString(r.name)
		}},
		{name: "label selector", view: "pods", filter: "-l app=frontend", want: func(r *row) bool {
			return r.labels.known() && r.labels.Get("app") == "frontend"
		}, screen: []string{"selector: app=frontend"}},
		{name: "label selector, k9s' spelling of lifeboat's", view: "pods", filter: "l app=frontend", want: func(r *row) bool {
			return r.labels.known() && r.labels.Get("app") == "frontend"
		}},
		{name: "fuzzy", view: "pods", filter: "-f bbxclm", want: func(r *row) bool {
			return subsequence("bbxclm", r.name)
		}, screen: []string{"filter: /-f bbxclm", "(fuzzy, names)", "blackbox-exporter-gr4b7c72gc-clm66"}},
		{name: "not a regexp: plain text", view: "pods", filter: "[", want: func(r *row) bool { return strings.Contains(string(r.searchText(nil)), "[") },
			screen: []string{"filter: /[", "(plain text: not a regexp)"},
			status: "/[ is not a regular expression (missing closing ]): matching it as plain text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			h.m.backToList()
			h.press(":", tc.view, "enter")
			h.waitFor(tc.view, func() bool { return h.m.list.loaded && len(h.m.list.items) > 0 && h.m.busy == 0 })
			h.press("/", tc.filter, "enter")
			want := names(tc.want)
			if got := shown(); !slices.Equal(got, want) {
				t.Errorf("/%s shows %v, want %v", tc.filter, got, want)
			}
			if tc.name != "not a regexp: plain text" && (len(want) == 0 || len(want) == len(h.m.list.items)) {
				t.Errorf("/%s selects %d of %d rows: the test tells nothing", tc.filter, len(want), len(h.m.list.items))
			}
			checkText(t, "screen", h.screen(), tc.screen, nil)
			if tc.status == "" && strings.Contains(h.m.status, "regular expression") {
				t.Errorf("status %q, want nothing about the filter", h.m.status)
			}
			if tc.status != "" && h.m.status != tc.status {
				t.Errorf("status %q, want %q", h.m.status, tc.status)
			}
		})
	}

	// Typed letter by letter, /worker-[123] is no regexp until its ], and
	// the rows are right at each step: the plain text's narrowing never
	// carries over to the regexp.
	t.Run("typed", func(t *testing.T) {
		h.t = t
		h.press(":", "nodes", "enter")
		h.waitFor("nodes", func() bool { return h.m.list.loaded && h.m.busy == 0 })
		h.press("/", "worker-")
		if got := len(h.visibleNames()); got != 7 {
			t.Errorf("/worker- shows %d nodes, want 7", got)
		}
		h.press("[")
		if !strings.Contains(h.m.status, "not a regular expression") || len(h.visibleNames()) != 0 {
			t.Errorf("/worker-[: status %q, %d rows; want the plain-text note and no row", h.m.status, len(h.visibleNames()))
		}
		h.press("123]")
		if got := shown(); !slices.Equal(got, []string{"worker-1", "worker-2", "worker-3"}) {
			t.Errorf("/worker-[123] typed shows %v", got)
		}
		if h.m.status != "" {
			t.Errorf("the note stays once the text is a regexp: %q", h.m.status)
		}
		h.press("enter")
		// The prompt took every letter: none was read as a key of the table.
		if h.m.list.filter != "worker-[123]" || strings.Contains(h.m.status, "no binding") {
			t.Errorf("filter %q, status %q", h.m.list.filter, h.m.status)
		}
	})
}

// TestRowFilter: the grammar's corners, without a table.
func TestRowFilter(t *testing.T) {
	r := func(name string, cells ...string) *row {
		return &row{name: name, key: "/registry/x/" + name, cells: cells}
	}
	rows := []*row{r("a[b", "default", "a[b", "Running"), r("axb", "default", "axb", "Running"), r("web-1", "shop", "web-1", "Terminating")}
	for _, tc := range []struct {
		text string
		want []string
		mode filterMode
		bad  bool
	}{
		{"", []string{"a[b", "axb", "web-1"}, filterNone, false},
		{"!", []string{"a[b", "axb", "web-1"}, filterNone, false},
		{"-f", []string{"a[b", "axb", "web-1"}, filterNone, false},
		{"a[b", []string{"a[b"}, filterText, true},
		{"A[b", []string{"a[b"}, filterText, true},
		{"!a[b", []string{"axb", "web-1"}, filterText, true},
		{"a.b", []string{"a[b", "axb"}, filterRegexp, false},
		{"^shop", []string{"web-1"}, filterRegexp, false},
		{"RUNNING", []string{"a[b", "axb"}, filterText, false},
		{"!Running", []string{"web-1"}, filterText, false},
		{"-f wb1", []string{"web-1"}, filterFuzzy, false},
		{"-f ab", []string{"a[b", "axb"}, filterFuzzy, false},
		{"-f ba", nil, filterFuzzy, false},
	} {
		f := parseFilter(tc.text)
		var got []string
		for _, r := range rows {
			if f.match(r, new([]byte)) {
				got = append(got, r.name)
			}
		}
		if !slices.Equal(got, tc.want) || f.mode != tc.mode || (f.err != nil) != tc.bad {
			t.Errorf("/%s: matches %v mode %d err %v; want %v mode %d bad %v", tc.text, got, f.mode, f.err, tc.want, tc.mode, tc.bad)
		}
	}
	for _, tc := range []struct {
		before, after string
		narrows       bool
	}{
		{"", "web", true},
		{"we", "web", true},
		{"web", "we", false},
		{"web", "web.", false},    // a regexp
		{"web-[", "web-[1", true}, // plain text, both
		{"web-[1", "web-[1]", false},
		{"!we", "!web", false},
		{"-f wb", "-f wb1", true},
		{"-f wb", "-f w1", false},
		{"-f wb", "wb", false},
	} {
		if got := parseFilter(tc.before).narrows(parseFilter(tc.after)); got != tc.narrows {
			t.Errorf("/%s then /%s: narrows %v, want %v", tc.before, tc.after, got, tc.narrows)
		}
	}
}

// TestEnterOnNamespace: as k9s, enter on a namespace lists its pods; esc
// comes back to the namespaces; y is still the namespace's YAML.
func TestEnterOnNamespace(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 120, height: 30})
	h.showOnly("ns", "shop")
	h.press("enter")
	h.waitFor("the shop's pods", func() bool { return h.m.list.isPods() && h.m.list.loaded && h.m.busy == 0 })
	if ns := h.m.list.view.namespace; ns != "shop" || len(h.m.list.items) == 0 {
		t.Fatalf("enter on shop: pods of %q, %d rows", ns, len(h.m.list.items))
	}
	for _, r := range h.m.list.items {
		if r.namespace != "shop" {
			t.Errorf("pods(shop) lists %s", r.key)
		}
	}
	checkText(t, "screen", h.screen(), []string{"pods(shop)", "ns shop"}, nil)
	h.press("esc")
	h.waitFor("the namespaces again", func() bool { return h.m.list.isNamespaces() && h.m.list.loaded })
	h.press("/", "shop", "enter")
	h.waitFor("shop", func() bool { return len(h.visibleNames()) == 1 })
	h.press("y")
	h.waitFor("the namespace's YAML", func() bool { return on[*detailScreen](h) })
	if d := topAs[*detailScreen](h); d.item.Key != "/registry/namespaces/shop" {
		t.Errorf("y shows %s", d.item.Key)
	}
	h.press("esc")
	// The hints say what enter and y do here.
	hints := h.m.list.hints()
	checkText(t, "hints", ansiStrip(hints), []string{"enter its pods", "y view YAML"}, []string{"enter/y"})
	// On every other table enter is still the YAML.
	h.press(":", "cm", "enter")
	h.waitFor("cm", func() bool { return h.m.list.loaded && len(h.visibleNames()) > 0 && h.m.busy == 0 })
	h.press("enter")
	h.waitFor("a configmap's YAML", func() bool { return on[*detailScreen](h) })
}

// TestUnboundKeys: a key that does nothing says so, and l says why there
// are no logs; keys typed into the prompt are text, never keys.
func TestUnboundKeys(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 120, height: 30})
	for _, tc := range []struct {
		name   string
		setup  []string
		ready  func(*harness) bool
		keys   []string
		status string
	}{
		{name: "z on the table", keys: []string{"z"}, status: "no binding for key z: ? for help"},
		{name: "x on the table", keys: []string{"x"}, status: "no binding for key x: ? for help"},
		{name: "l on the table", keys: []string{"l"}, status: "logs are not in etcd: the kubelet serves them"},
		{name: "z in the YAML", setup: []string{"enter"}, ready: on[*detailScreen], keys: []string{"z"}, status: "no binding for key z"},
		{name: "l in the YAML scrolls", setup: []string{"enter"}, ready: on[*detailScreen], keys: []string{"l"}, status: "-"},
		{name: "z in the help", setup: []string{"?"}, ready: on[*helpScreen], keys: []string{"z"}, status: "no binding for key z"},
		{name: "z in the journal", setup: []string{"ctrl+j"}, ready: on[*journalScreen], keys: []string{"z"}, status: "no binding for key z"},
		{name: "z typed in the filter", keys: []string{"/", "zlx", "esc"}, status: "-"},
		{name: "z typed in a command", keys: []string{":", "zzz", "esc"}, status: "-"},
		{name: "j moves, says nothing", keys: []string{"j"}, status: "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			h.m.backToList()
			h.m.setStatus(false, "-")
			h.press(tc.setup...)
			if tc.ready != nil {
				h.waitFor("the setup", func() bool { return tc.ready(h) })
			}
			h.m.setStatus(false, "-")
			h.press(tc.keys...)
			h.settle(20 * time.Millisecond)
			if !strings.HasPrefix(h.m.status, tc.status) {
				t.Errorf("status %q, want %q", h.m.status, tc.status)
			}
			if tc.status != "-" && !strings.Contains(h.screen(), tc.status) {
				t.Errorf("the screen does not show %q:\n%s", tc.status, h.screen())
			}
		})
	}
}

// TestHeaderCountsPodsAsTheList: the header's pod count is the :pods
// table's, the malformed pod included (and said).
func TestHeaderCountsPodsAsTheList(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 120, height: 30})
	if !h.m.list.isPods() || h.m.list.view.namespace != "" {
		t.Fatalf("the demo opens on %s", h.m.list.view)
	}
	n := len(h.m.list.items)
	if h.m.header.pods != n || h.m.header.malformed != 1 {
		t.Errorf("header counts %d pods (%d malformed), the list %d", h.m.header.pods, h.m.header.malformed, n)
	}
	want := []string{"pods " + strconv.Itoa(n) + ": 40 terminating, 1 malformed", "[" + strconv.Itoa(n) + "/" + strconv.Itoa(n) + "]"}
	checkText(t, "screen", h.screen(), want, nil)
}
