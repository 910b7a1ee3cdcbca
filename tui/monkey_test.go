package tui

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestMonkey presses random keys, at least 100,000, through every screen,
// with random window sizes, while etcd goes away and comes back (frozen
// as by SIGSTOP, or gone) and a writer deletes the rows under the cursor
// and puts them back, straight in etcd. The TUI must never panic, never
// hang (a watchdog fails an Update or View that runs 2s), and keep its
// state consistent (harness.inconsistency) after every key. Its own writes
// (y on a preview) go to the test's etcd, 300 objects at most: past that,
// y on a preview cancels it.
//
// The keys come from the seed alone, so a seed replays them; what etcd and
// the writer do between them depends on timing too. Replay with
//
//	go test ./tui/ -run TestMonkey -monkey.seed=N [-monkey.keys=K]
//
// or LIFEBOAT_MONKEY_SEED and LIFEBOAT_MONKEY_KEYS in the environment.
func TestMonkey(t *testing.T) {
	seed, budget := monkeyConfig(t)
	replay := fmt.Sprintf("go test ./tui/ -run TestMonkey -monkey.seed=%d -monkey.keys=%d", seed, budget)
	// On stderr too: a crash loses what t.Log holds.
	fmt.Fprintf(os.Stderr, "TestMonkey: seed %d, %d keys; replay: %s\n", seed, budget, replay)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay: %s", replay)
		}
	})
	t.Setenv("EDITOR", "true") // e saves the object unchanged: nothing to write
	t.Setenv("KUBE_EDITOR", "")

	h := newHarness(t, harnessOptions{pausable: true, width: 120, height: 40})
	monkeyWorld(t, h.cli)
	mk := newMonkey(seed)
	h.watchdog(2*time.Second, func() string { return fmt.Sprintf("after %d keys; replay: %s", mk.keys, replay) })
	w := startChaosWriter(t, h.cli, seed)
	rev := h.revision()

	start := time.Now()
	seen := map[string]int{}
	outage := newOutages(seed, h.pause)
	t.Cleanup(outage.end) // before the harness closes the store
	// y writes what the preview shows, up to this many objects in all
	// (ctrl+a marks hundreds at once); past it, the monkey cancels.
	writeBudget := 300
	for mk.keys < budget {
		outage.next(time.Now())
		if mk.rng.IntN(400) == 0 {
			w.churn(h.rowsUnderCursor())
		}
		for _, msg := range mk.action() {
			switch msg := msg.(type) {
			case monkeyPause:
				// Time for what the keys asked (a read, a plan) to come
				// back, so that the next keys press on it.
				h.settleFor(time.Duration(msg))
				continue
			case tea.KeyMsg:
				if msg.Type == tea.KeyEnter && h.quitCommandTyped() {
					h.send(tea.KeyMsg{Type: tea.KeyEsc}) // the monkey must not quit
					continue
				}
				if p, ok := h.m.top().(*previewScreen); ok && !p.applying && msg.String() == "y" && h.m.etcd.err == nil {
					if p.changed > writeBudget {
						h.send(tea.KeyMsg{Type: tea.KeyEsc}) // cancels
						continue
					}
					writeBudget -= p.changed
				}
			}
			h.send(msg)
			if h.quit || h.m.quitting {
				t.Fatalf("the TUI quit after %d keys (a key no monkey filter knows); last keys: %s", mk.keys, mk.last())
			}
		}
		h.drain()
		if problem := h.inconsistency(); problem != "" {
			t.Fatalf("after %d keys: %s; last keys: %s\n%s", mk.keys, problem, mk.last(), h.screen())
		}
		if mk.rng.IntN(8) == 0 {
			h.checkView(mk)
		}
		seen[strings.TrimPrefix(fmt.Sprintf("%T", h.m.top()), "*tui.")]++
	}
	outage.end()
	keysTook := time.Since(start)
	writes := w.stop()

	// etcd is back: the TUI says so, lists again, and still works.
	h.waitFor("etcd to answer again", func() bool { return h.m.etcd.err == nil && !h.m.anyDead() })
	h.press("esc", "esc", "esc", "esc", ":", "pods", "enter")
	h.waitFor("the pods", func() bool { return on[*listScreen](h) && h.m.list.isPods() && h.m.list.loaded })
	if problem := h.inconsistency(); problem != "" {
		t.Fatalf("at the end: %s", problem)
	}
	t.Logf("%d keys in %s (%.0f/s), %d window sizes, %d etcd outages, %d writes by the writer, %d by the TUI; screens on top after each action: %v",
		mk.keys, keysTook.Round(time.Millisecond), float64(mk.keys)/keysTook.Seconds(), mk.resizes, outage.count, writes, h.revision()-rev-int64(writes), seen)
	if budget >= monkeyDefaultKeys {
		for _, s := range []string{"listScreen", "detailScreen", "historyScreen", "describeScreen", "previewScreen", "summaryScreen", "journalScreen", "doctorScreen", "helpScreen"} {
			if seen[s] == 0 {
				t.Errorf("the monkey never reached the %s: change its keys so it does", s)
			}
		}
	}
}

// monkeyDefaultKeys is the budget: it runs in about 30s on 2 cores.
const monkeyDefaultKeys = 100_000

var (
	monkeySeed = flag.Uint64("monkey.seed", 0, "TestMonkey's seed (0: a new one, printed)")
	monkeyKeys = flag.Int("monkey.keys", 0, fmt.Sprintf("TestMonkey's key presses (0: %d, or 10,000 with -short)", monkeyDefaultKeys))
)

// monkeyConfig is the seed and the key budget: flags, else the
// environment, else a new seed and the default budget.
func monkeyConfig(t *testing.T) (seed uint64, keys int) {
	seed, keys = *monkeySeed, *monkeyKeys
	if v := os.Getenv("LIFEBOAT_MONKEY_SEED"); seed == 0 && v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("LIFEBOAT_MONKEY_SEED=%q: %v", v, err)
		}
		seed = n
	}
	if v := os.Getenv("LIFEBOAT_MONKEY_KEYS"); keys == 0 && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("LIFEBOAT_MONKEY_KEYS=%q: %v", v, err)
		}
		keys = n
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	if keys == 0 {
		keys = monkeyDefaultKeys
		if testing.Short() {
			keys = 10_000
		}
	}
	return seed, keys
}

// drain handles the messages already there, without waiting.
func (h *harness) drain() {
	for {
		select {
		case msg := <-h.msgs:
			h.send(msg)
		default:
			return
		}
	}
}

// settleFor handles messages for d, then those already there.
func (h *harness) settleFor(d time.Duration) {
	if d > 0 {
		h.settle(d)
	}
	h.drain()
}

// quitCommandTyped says whether Enter now would quit: ":q" and its kin.
func (h *harness) quitCommandTyped() bool {
	p := &h.m.prompt
	if !p.open || p.answer != nil || p.input.Prompt != ":" {
		return false
	}
	switch strings.TrimSpace(p.input.Value()) {
	case "q", "q!", "quit", "exit":
		return true
	}
	return false
}

// checkView draws the screen: no line wider than the terminal, and as
// many lines as it has once it has room for the header, a title, three
// rows and the two bottom lines.
func (h *harness) checkView(mk *monkey) {
	h.t.Helper()
	lines := strings.Split(h.screen(), "\n")
	if h.m.height >= headerLines+1+3+2 && len(lines) != h.m.height {
		h.t.Fatalf("after %d keys the view has %d lines for a terminal of %d; last keys: %s\n%s", mk.keys, len(lines), h.m.height, mk.last(), strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > h.m.width {
			h.t.Fatalf("after %d keys line %d is %d wide, terminal %d: %q; last keys: %s", mk.keys, i, w, h.m.width, l, mk.last())
		}
	}
}

// rowsUnderCursor are the keys of the selected row and the two after it.
func (h *harness) rowsUnderCursor() []string {
	l := &h.m.list.listState
	c := l.table.Cursor()
	var out []string
	for pos := max(c, 0); pos < len(l.visible) && len(out) < 3; pos++ {
		out = append(out, l.items[l.visible[pos]].key)
	}
	return out
}

// monkey makes the key presses: from its seed alone, whatever the screen.
type monkey struct {
	rng     *rand.Rand
	keys    int       // key presses so far
	resizes int       // window sizes sent
	recent  []tea.Msg // the last ones, for a report
}

func newMonkey(seed uint64) *monkey {
	return &monkey{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// monkeyKeyChoices are every key keys.go binds, but ctrl+c, and keys a person
// hits by mistake. Weights make the costly ones (a full list, the doctor,
// the editor) rarer: each is a list of etcd reads.
var monkeyKeyChoices = []struct {
	key    tea.KeyMsg
	weight int
}{
	{runeKey('?'), 4}, {tea.KeyMsg{Type: tea.KeyEsc}, 10}, {runeKey('q'), 4}, {runeKey(':'), 3}, {runeKey('/'), 3},
	{tea.KeyMsg{Type: tea.KeyCtrlJ}, 4}, {tea.KeyMsg{Type: tea.KeyCtrlR}, 1}, {tea.KeyMsg{Type: tea.KeyEnter}, 10},
	{tea.KeyMsg{Type: tea.KeyUp}, 6}, {runeKey('k'), 6}, {tea.KeyMsg{Type: tea.KeyDown}, 8}, {runeKey('j'), 8},
	{tea.KeyMsg{Type: tea.KeyPgUp}, 3}, {tea.KeyMsg{Type: tea.KeyCtrlB}, 2}, {tea.KeyMsg{Type: tea.KeyPgDown}, 3}, {tea.KeyMsg{Type: tea.KeyCtrlF}, 2},
	{tea.KeyMsg{Type: tea.KeyHome}, 2}, {runeKey('g'), 3}, {tea.KeyMsg{Type: tea.KeyEnd}, 2}, {runeKey('G'), 4},
	{runeKey('y'), 8}, {runeKey('r'), 4}, {runeKey('d'), 5}, {runeKey('H'), 4}, {tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}, 6},
	{tea.KeyMsg{Type: tea.KeyCtrlA}, 3}, {runeKey('u'), 3}, {runeKey('t'), 3}, {runeKey('c'), 3}, {runeKey('C'), 2}, {runeKey('T'), 3},
	{tea.KeyMsg{Type: tea.KeyCtrlD}, 3}, {runeKey('e'), 1}, {runeKey('s'), 3}, {runeKey('S'), 3}, {runeKey('N'), 3},
	{runeKey('x'), 3}, {runeKey('U'), 2}, {tea.KeyMsg{Type: tea.KeyLeft}, 2}, {runeKey('h'), 2}, {tea.KeyMsg{Type: tea.KeyRight}, 2},
	{runeKey('l'), 2}, {runeKey('w'), 3}, {runeKey('n'), 3}, {runeKey('m'), 3}, {tea.KeyMsg{Type: tea.KeyCtrlU}, 2}, {runeKey('i'), 2},
	// Keys bound to nothing, and the prompt's own.
	{tea.KeyMsg{Type: tea.KeyTab}, 1}, {tea.KeyMsg{Type: tea.KeyShiftTab}, 1}, {tea.KeyMsg{Type: tea.KeyBackspace}, 3},
	{tea.KeyMsg{Type: tea.KeyDelete}, 1}, {tea.KeyMsg{Type: tea.KeyCtrlW}, 1}, {tea.KeyMsg{Type: tea.KeyCtrlK}, 1},
	{tea.KeyMsg{Type: tea.KeyCtrlE}, 1}, {tea.KeyMsg{Type: tea.KeyF1}, 1}, {tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'j'}, Alt: true}, 1},
	{runeKey('Y'), 1}, {runeKey('!'), 1}, {runeKey('1'), 1}, {runeKey('é'), 1},
}

var monkeyKeyWeight = func() int {
	n := 0
	for _, k := range monkeyKeyChoices {
		n += k.weight
	}
	return n
}()

func runeKey(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}} }

// monkeyCommands are what ":" is given: every kind of resource name (a
// custom resource's among them, and names nothing declares), namespaces,
// raw key prefixes, the other commands, and garbage. None quits.
var monkeyCommands = []string{
	"pods", "po", "pod", "nodes", "no", "leases", "lease", "cm", "configmaps", "secrets", "secret",
	"deploy", "deployments", "deployments.apps", "rs", "svc", "services", "ep", "events", "ev",
	"events.events.k8s.io", "ns", "namespaces", "crd", "crds", "customresourcedefinitions", "apiservices", "pv", "sa",
	"ct", "crontabs", "crontab", "CronTab", "crontabs.stable.example.com", "ct default", "ct -n default",
	"pods.example.com", "leases.example.com", "nodes.example.com", "pods bulk", "po bulk", "keys /registry/pods/bulk/",
	"widgets.example.com", "nosuch.k8s.io", "bogus", "x.", ".y", "pods a b c", "pods sh/op", "nodes shop",
	"keys", "key /registry/pods/", "ls /registry/minions/", "keys /nonexistent/", "keys /",
	"pods shop", "po all", "pods -A", "pods -n kube-system", "cm --namespace shop", "cm shop", "secrets payments",
	"validatingwebhookconfigurations", "mutatingwebhookconfigurations",
	"doctor", "journal", "j", "journal nonexistent.jsonl", "journal /dev/null", "help", "?",
	"", " ", "\x1b[2J", "日本",
}

// monkeyFilters are what "/" is given: text, regexps good and bad (a bad
// one is matched as text), inverse and fuzzy filters, label selectors good
// and bad, and escape sequences.
var monkeyFilters = []string{
	"", "a", "cart", "frontend", "web", "kube", "worker-3", "Terminating", "NotReady", "nightly", "evil",
	"(", "[", ".*", "^f", "a|b", `\d+`, "[a-z]+$", "é", "日本", "\x1b]0;x\x07",
	"!Terminating", "!", "!(", "-f", "-f bbx", "-f 日", "worker-[123]",
	"l app=frontend", "-l app=frontend", "l app in (web,api)", "l app!=frontend", "l =bad", "l", "-l", "l app",
	"l !app", "l app=frontend,tier=web", "l a=b=c", "l=app=web", "-l app notin (x)",
}

// monkeyPause, among an action's messages, is a wait for the commands the
// keys before it started: their results come in while it lasts.
type monkeyPause time.Duration

// monkeyMacros are what a person does on purpose, with the waits that let
// each step land on the screen the step before opened: a repair previewed
// and written, an undo, the doctor's jump, the YAML view's keys. The
// writes go to the test's etcd, within TestMonkey's budget.
var monkeyMacros = [][]tea.Msg{
	toList(tea.KeyMsg{Type: tea.KeyCtrlD}, monkeyPause(30*time.Millisecond), runeKey('y'), monkeyPause(20*time.Millisecond)),
	toList(runeKey(':'), tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("pods")}, tea.KeyMsg{Type: tea.KeyEnter}, runeKey('T'), runeKey('u'),
		monkeyPause(30*time.Millisecond), runeKey('y'), monkeyPause(20*time.Millisecond)),
	toList(runeKey(':'), tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("no")}, tea.KeyMsg{Type: tea.KeyEnter}, runeKey(' '), runeKey('t'),
		monkeyPause(30*time.Millisecond), runeKey('y'), monkeyPause(20*time.Millisecond)),
	toList(runeKey('c'), monkeyPause(30*time.Millisecond), runeKey('y'), monkeyPause(20*time.Millisecond), tea.KeyMsg{Type: tea.KeyCtrlJ}),
	toList(tea.KeyMsg{Type: tea.KeyCtrlJ}, monkeyPause(20*time.Millisecond), runeKey('u'), monkeyPause(30*time.Millisecond), runeKey('y'), monkeyPause(20*time.Millisecond)),
	toList(tea.KeyMsg{Type: tea.KeyCtrlJ}, monkeyPause(20*time.Millisecond), runeKey('U'), monkeyPause(30*time.Millisecond), runeKey('y'), monkeyPause(30*time.Millisecond)),
	toList(runeKey('e'), monkeyPause(20*time.Millisecond)),
	{runeKey(':'), tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("doctor")}, tea.KeyMsg{Type: tea.KeyEnter}, monkeyPause(60 * time.Millisecond), runeKey('j'), tea.KeyMsg{Type: tea.KeyEnter}, monkeyPause(20 * time.Millisecond)},
	toList(tea.KeyMsg{Type: tea.KeyEnter}, monkeyPause(20*time.Millisecond), runeKey('H'), monkeyPause(20*time.Millisecond)),
	toList(tea.KeyMsg{Type: tea.KeyEnter}, monkeyPause(20*time.Millisecond), runeKey('d'), monkeyPause(20*time.Millisecond), runeKey('y'), monkeyPause(20*time.Millisecond)),
	toList(runeKey('r'), monkeyPause(20*time.Millisecond), runeKey('x'), runeKey('y'), monkeyPause(20*time.Millisecond), runeKey('m')),
	{runeKey(':'), tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("ct")}, tea.KeyMsg{Type: tea.KeyEnter}, monkeyPause(30 * time.Millisecond)},
}

// toList is keys pressed on the list: Esc leaves the screens above it
// first (on the list, it clears the filter and the marks).
func toList(keys ...tea.Msg) []tea.Msg {
	esc := tea.KeyMsg{Type: tea.KeyEsc}
	return append([]tea.Msg{esc, esc, esc}, keys...)
}

// action is the next few messages: usually one key; a command or a filter
// typed (key by key, or as one burst of runes as a fast typist's arrive),
// then Enter or Esc; or a new window size.
func (mk *monkey) action() []tea.Msg {
	r := mk.rng
	var out []tea.Msg
	switch n := r.IntN(1000); {
	case n < 6:
		out = append(out, monkeyMacros[r.IntN(len(monkeyMacros))]...)
	case n < 25:
		out = append(out, monkeyPause(time.Duration(r.IntN(8))*time.Millisecond))
	case n < 50:
		mk.resizes++
		out = append(out, tea.WindowSizeMsg{Width: 20 + r.IntN(231), Height: 5 + r.IntN(76)})
	case n < 150:
		out = mk.typed(':', monkeyCommands[r.IntN(len(monkeyCommands))])
	case n < 220:
		out = mk.typed('/', monkeyFilters[r.IntN(len(monkeyFilters))])
	default:
		pick := r.IntN(monkeyKeyWeight)
		for _, k := range monkeyKeyChoices {
			if pick -= k.weight; pick < 0 {
				out = append(out, k.key)
				break
			}
		}
	}
	for _, msg := range out {
		if _, ok := msg.(tea.KeyMsg); ok {
			mk.keys++
		}
	}
	mk.recent = append(mk.recent, out...)
	if len(mk.recent) > 40 {
		mk.recent = slices.Delete(mk.recent, 0, len(mk.recent)-40)
	}
	return out
}

// typed is prefix and text typed, then Enter (mostly), Esc, or nothing
// (the prompt stays open for the keys that follow).
func (mk *monkey) typed(prefix rune, text string) []tea.Msg {
	r := mk.rng
	out := []tea.Msg{runeKey(prefix)}
	if text != "" && r.IntN(3) == 0 {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text)}) // a burst
	} else {
		for _, c := range text {
			out = append(out, runeKey(c))
		}
	}
	if r.IntN(10) == 0 {
		out = append(out, tea.KeyMsg{Type: tea.KeyBackspace})
	}
	switch n := r.IntN(10); {
	case n < 7:
		out = append(out, tea.KeyMsg{Type: tea.KeyEnter})
	case n < 9:
		out = append(out, tea.KeyMsg{Type: tea.KeyEsc})
	}
	return out
}

// last is the recent messages, as keys read.
func (mk *monkey) last() string {
	var parts []string
	for _, msg := range mk.recent {
		switch msg := msg.(type) {
		case tea.KeyMsg:
			parts = append(parts, strconv.Quote(msg.String()))
		case tea.WindowSizeMsg:
			parts = append(parts, fmt.Sprintf("%dx%d", msg.Width, msg.Height))
		}
	}
	return strings.Join(parts, " ")
}

// chaosWriter deletes keys straight in etcd (the rows under the TUI's
// cursor) and puts each back a little later, as it was: the rows leave and
// come back under the cursor, in every view.
type chaosWriter struct {
	cli    *clientv3.Client
	work   chan []string
	done   chan int
	t      *testing.T
	once   sync.Once
	writes int
}

// startChaosWriter starts the writer; t's cleanup stops it, if the test
// did not, while etcd is still up.
func startChaosWriter(t *testing.T, cli *clientv3.Client, seed uint64) *chaosWriter {
	w := &chaosWriter{cli: cli, work: make(chan []string, 16), done: make(chan int), t: t}
	go w.run(rand.New(rand.NewPCG(seed, 17)))
	t.Cleanup(func() { w.stop() })
	return w
}

// churn asks for keys to be deleted and put back; it never waits.
func (w *chaosWriter) churn(keys []string) {
	if len(keys) == 0 {
		return
	}
	select {
	case w.work <- keys:
	default:
	}
}

// stop puts back what is deleted and says how many writes were made.
func (w *chaosWriter) stop() int {
	w.once.Do(func() {
		close(w.work)
		w.writes = <-w.done
	})
	return w.writes
}

func (w *chaosWriter) run(rng *rand.Rand) {
	ctx := context.Background()
	writes := 0
	type deleted struct {
		key, value string
		back       time.Time
	}
	var gone []deleted
	putBack := func(now time.Time, all bool) {
		kept := gone[:0]
		for _, d := range gone {
			if !all && now.Before(d.back) {
				kept = append(kept, d)
				continue
			}
			if _, err := w.cli.Put(ctx, d.key, d.value); err != nil {
				w.t.Errorf("the writer put %s back: %v", d.key, err)
			}
			writes++
		}
		gone = kept
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case keys, ok := <-w.work:
			if !ok {
				putBack(time.Now(), true)
				w.done <- writes
				return
			}
			for _, k := range keys {
				resp, err := w.cli.Get(ctx, k)
				if err != nil || len(resp.Kvs) == 0 {
					continue
				}
				if _, err := w.cli.Delete(ctx, k); err != nil {
					w.t.Errorf("the writer deleted %s: %v", k, err)
					continue
				}
				writes++
				gone = append(gone, deleted{key: k, value: string(resp.Kvs[0].Value), back: time.Now().Add(time.Duration(50+rng.IntN(1500)) * time.Millisecond)})
			}
		case now := <-tick.C:
			putBack(now, false)
		}
	}
}

// outages take etcd away and bring it back, for seeded lengths of time
// long enough for the TUI to notice (it probes every second, for 2s) and
// short ones it may not: frozen (SIGSTOP) or gone (connections dropped).
type outages struct {
	rng   *rand.Rand
	p     *pauseProxy
	until time.Time // the current state's end
	out   bool
	count int
}

func newOutages(seed uint64, p *pauseProxy) *outages {
	o := &outages{rng: rand.New(rand.NewPCG(seed, 23)), p: p}
	o.until = time.Now().Add(o.length())
	return o
}

// length is how long the next outage, or the time until it, lasts.
func (o *outages) length() time.Duration {
	if o.out {
		return time.Duration(200+o.rng.IntN(4000)) * time.Millisecond
	}
	return time.Duration(300+o.rng.IntN(1700)) * time.Millisecond
}

// next starts or ends an outage when its time has come.
func (o *outages) next(now time.Time) {
	if now.Before(o.until) {
		return
	}
	if o.out {
		o.end()
	} else {
		o.count++
		o.out = true
		if o.rng.IntN(2) == 0 {
			o.p.freeze()
		} else {
			o.p.stop()
		}
	}
	o.until = now.Add(o.length()) // of what just started
}

func (o *outages) end() {
	o.p.thaw()
	o.p.up()
	o.out = false
}

// monkeyWorld adds to the capsized cluster what makes a table long (200
// pods in bulk, a third of them terminating: pages to scroll, and rows to
// mark and undelete), hostile names, values that do not decode, keys of
// odd shapes, and custom resources named as built-in ones (pods.example.com).
func monkeyWorld(t *testing.T, cli *clientv3.Client) {
	t.Helper()
	ctx := context.Background()
	deleted := metav1.NewTime(testNow.Add(-10 * time.Minute))
	var ops []clientv3.Op
	put := func(key, value string) {
		ops = append(ops, clientv3.OpPut(key, value))
		if len(ops) == 100 {
			if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
				t.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	for i := range 200 {
		name := fmt.Sprintf("bulk-%04d", i)
		pod := demo.RealisticPod("bulk", name, fmt.Sprintf("worker-%d", 1+i%8), i)
		if i%3 == 0 {
			pod.DeletionTimestamp = &deleted
		}
		value, err := codec.EncodeProtobuf(pod)
		if err != nil {
			t.Fatal(err)
		}
		put("/registry/pods/bulk/"+name, string(value))
	}
	for i, name := range hostileNames {
		value, err := codec.EncodeProtobuf(demo.RealisticPod("default", name, "worker-6", i))
		if err != nil {
			t.Fatal(err)
		}
		put("/registry/pods/default/"+name, string(value))
		put("/registry/configmaps/default/bad-"+name, "not an object")
	}
	for _, key := range []string{"/registry/pods/onlyns", "/registry/pods/a/b/c", "/registry/pods//x", "/registry/pods/default/\xff\xfe", "/registry/minions/a/b"} {
		put(key, "\x00k8s")
	}
	put("/registry/example.com/pods/default/x", `{"apiVersion":"example.com/v1","kind":"Pod","metadata":{"name":"x","namespace":"default","uid":"1","deletionTimestamp":"2024-01-01T00:00:00Z"}}`)
	put("/registry/example.com/leases/default/y", `{"apiVersion":"example.com/v1","kind":"Lease","metadata":{"name":"y","namespace":"default","uid":"2"},"spec":{"renewTime":"2024-01-01T00:00:00.000000Z"}}`)
	put("/registry/example.com/nodes/z", `{"apiVersion":"example.com/v1","kind":"Node","metadata":{"name":"z","uid":"3"},"spec":{"unschedulable":true}}`)
	if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestMonkeyPressesEveryKey: the monkey's keys are all keys.go binds (but
// ctrl+c, which quits), so that a key added there is pressed here too.
func TestMonkeyPressesEveryKey(t *testing.T) {
	pressed := map[string]bool{}
	for _, k := range monkeyKeyChoices {
		pressed[k.key.String()] = true
	}
	km := reflect.ValueOf(newKeyMap())
	for i := range km.NumField() {
		b, ok := km.Field(i).Interface().(key.Binding)
		if !ok {
			continue
		}
		for _, k := range b.Keys() {
			if k != "ctrl+c" && !pressed[k] {
				t.Errorf("the monkey never presses %q (%s)", k, km.Type().Field(i).Name)
			}
		}
	}
	for _, k := range tableKeyMap(newKeyMap()).HalfPageUp.Keys() {
		if !pressed[k] {
			t.Errorf("the monkey never presses %q (the table's half page up)", k)
		}
	}
}
