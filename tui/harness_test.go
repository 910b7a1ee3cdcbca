package tui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
)

var testNow = etcdtest.Now

// harness drives the model as bubbletea would, against a real embedded
// etcd: Update runs on the test goroutine, each tea.Cmd in its own
// goroutine, and their messages come back through msgs.
type harness struct {
	t       *testing.T
	m       *Model
	cli     *clientv3.Client
	store   *etcdops.Store
	msgs    chan tea.Msg
	journal string
	quit    bool
	stall   *etcdtest.StallProxy
	pause   *pauseProxy
	// server is the embedded etcd, for tests that stop it.
	server *embedetcd.Server
	// terminal runs tea.Exec's commands (exec).
	terminal *tea.Program
	// updateLimit, when set, is how long one Update may take: a longer
	// one fails the test (it waited for something, etcd say).
	updateLimit time.Duration
	// allowFailure lets a test see a panic the model caught (crash.go)
	// instead of failing at it.
	allowFailure bool
	// inModel is when the Update or View running now started (Unix
	// nanoseconds), 0 between them: what watchdog looks at.
	inModel atomic.Int64
}

type harnessOptions struct {
	readOnly bool
	seed     demo.Options
	width    int
	height   int
	// stall puts a StallProxy between the TUI and etcd (harness.stall).
	stall bool
	// encryptionConfig is kube-apiserver's EncryptionConfiguration for the
	// store (--encryption-config).
	encryptionConfig string
	// resource is Options.Resource, the first view.
	resource string
	// pausable puts a pauseProxy between the TUI and etcd (harness.pause):
	// etcd can go away and come back.
	pausable bool
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	o.seed.Now = testNow
	o.seed.Malformed = true
	c := etcdtest.Capsized(t, o.seed)
	srv, cli, store := c.Server, c.Client, c.Store(o.readOnly)
	var proxy *etcdtest.StallProxy
	var pause *pauseProxy
	proxied := ""
	switch {
	case o.stall:
		proxy = etcdtest.NewStallProxy(t, srv.Endpoint())
		proxied = proxy.Endpoint()
	case o.pausable:
		pause = newPauseProxy(t, srv.Endpoint())
		proxied = pause.endpoint()
	}
	if proxied != "" {
		var err error
		// The default command timeout: the TUI must not wait for it to
		// show a frozen etcd.
		store, err = etcdops.Open(context.Background(), etcdops.Config{Endpoints: []string{proxied}, ReadOnly: o.readOnly})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
	}
	if o.encryptionConfig != "" {
		crypt, err := etcdops.LoadEncryption(context.Background(), o.encryptionConfig)
		if err != nil {
			t.Fatal(err)
		}
		store.UseEncryption(crypt)
		t.Cleanup(crypt.Close)
	}
	h := &harness{t: t, cli: cli, store: store, msgs: make(chan tea.Msg, 4096),
		journal: filepath.Join(t.TempDir(), "session.jsonl"), stall: proxy, pause: pause, server: srv}
	m, err := New(store, Options{JournalPath: h.journal, Resource: o.resource, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	h.m = m
	t.Cleanup(m.Close) // runs before etcd stops
	if o.width == 0 {
		o.width, o.height = 80, 24
	}
	h.send(tea.WindowSizeMsg{Width: o.width, Height: o.height})
	h.run(m.Init())
	h.waitFor("first load", func() bool { return m.list.loaded && m.headerOK && m.busy == 0 })
	return h
}

func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { h.msgs <- cmd() }()
}

func (h *harness) send(msg tea.Msg) {
	if reflect.TypeOf(msg) == execMsgType {
		h.exec(msg)
		return
	}
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		start := time.Now()
		h.inModel.Store(start.UnixNano())
		_, cmd := h.m.Update(msg)
		h.inModel.Store(0)
		if d := time.Since(start); h.updateLimit > 0 && d > h.updateLimit {
			h.t.Errorf("Update(%T) took %s, longer than %s: %#v", msg, d.Round(time.Millisecond), h.updateLimit, msg)
		}
		h.checkFailure()
		h.run(cmd)
	}
}

// checkFailure fails the test at a panic the model caught: crash.go turns
// it into the end of the program, which a test would only see time out.
func (h *harness) checkFailure() {
	h.t.Helper()
	if f := h.m.failed.Load(); f != nil && !h.allowFailure {
		h.t.Fatalf("the TUI failed: %v\n%s", f.Value, f.Stack)
	}
}

// execMsgType is what the tea.Cmd from tea.Exec returns, a type bubbletea
// keeps to itself: only a Program runs it.
var execMsgType = reflect.TypeOf(tea.Exec(nil, nil)())

// exec runs a tea.Exec command as a real run does: a Program (no renderer,
// no terminal: input at EOF, output discarded) releases its terminal, runs
// the command, restores the terminal and sends the callback's message,
// which comes back to the model through msgs.
func (h *harness) exec(msg tea.Msg) {
	if h.terminal == nil {
		p := tea.NewProgram(forward{h.msgs}, tea.WithInput(strings.NewReader("")), tea.WithOutput(io.Discard),
			tea.WithoutRenderer(), tea.WithoutSignalHandler())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := p.Run(); err != nil {
				h.t.Errorf("the exec program: %v", err)
			}
		}()
		h.t.Cleanup(func() { p.Quit(); <-done })
		h.terminal = p
	}
	h.terminal.Send(msg)
}

// forward is the exec program's model: the messages it gets (the exec
// callback's, a repaint) go to the harness, except the exec message the
// Program hands it after running it.
type forward struct{ to chan<- tea.Msg }

func (f forward) Init() tea.Cmd { return nil }
func (f forward) View() string  { return "" }

func (f forward) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if reflect.TypeOf(msg) != execMsgType {
		f.to <- msg
	}
	return f, nil
}

// press sends keys: names such as "enter", "esc", "ctrl+a", "space", or
// text typed rune by rune.
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			h.send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			h.send(tea.KeyMsg{Type: tea.KeyEsc})
		case "ctrl+a":
			h.send(tea.KeyMsg{Type: tea.KeyCtrlA})
		case "ctrl+c":
			h.send(tea.KeyMsg{Type: tea.KeyCtrlC})
		case "ctrl+d":
			h.send(tea.KeyMsg{Type: tea.KeyCtrlD})
		case "ctrl+j":
			h.send(tea.KeyMsg{Type: tea.KeyCtrlJ})
		case "up":
			h.send(tea.KeyMsg{Type: tea.KeyUp})
		case "space":
			h.send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		case "down":
			h.send(tea.KeyMsg{Type: tea.KeyDown})
		default:
			for _, r := range k {
				h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
		}
	}
}

// watchdog fails the test when one Update or View runs longer than limit:
// one that never returns (a deadlock, or a wait for etcd) would otherwise
// hang the test. The test goroutine is the one stuck, so the watchdog
// reports from its own: every goroutine's stack, then a panic. about says
// how to replay.
func (h *harness) watchdog(limit time.Duration, about func() string) {
	stop := make(chan struct{})
	h.t.Cleanup(func() { close(stop) })
	go func() {
		tick := time.NewTicker(limit / 10)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if start := h.inModel.Load(); start != 0 && time.Since(time.Unix(0, start)) > limit {
				fmt.Fprintf(os.Stderr, "watchdog: an Update or View has run for more than %s: %s\n", limit, about())
				pprof.Lookup("goroutine").WriteTo(os.Stderr, 2) //nolint:errcheck // the report's best effort
				panic(fmt.Sprintf("watchdog: an Update or View has run for more than %s: %s", limit, about()))
			}
		}
	}()
}

// waitFor handles messages until cond holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(15 * time.Second)
	for !cond() {
		select {
		case msg := <-h.msgs:
			h.send(msg)
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s; screen:\n%s", what, h.screen())
		}
	}
}

// settle handles messages for a while (for "nothing happens" checks).
func (h *harness) settle(d time.Duration) {
	end := time.After(d)
	for {
		select {
		case msg := <-h.msgs:
			h.send(msg)
		case <-end:
			return
		}
	}
}

// screen is the rendered view without colours.
func (h *harness) screen() string {
	h.inModel.Store(time.Now().UnixNano())
	view := h.m.View()
	h.inModel.Store(0)
	h.checkFailure()
	return ansi.Strip(view)
}

func (h *harness) waitScreen(want string) {
	h.t.Helper()
	h.waitFor("screen to show "+want, func() bool { return strings.Contains(h.screen(), want) })
}

// checkSize asserts the view fills the terminal exactly and never wider.
func (h *harness) checkSize() {
	h.t.Helper()
	lines := strings.Split(h.m.View(), "\n")
	if len(lines) != h.m.height {
		h.t.Errorf("view has %d lines, terminal %d:\n%s", len(lines), h.m.height, h.screen())
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > h.m.width {
			h.t.Errorf("line %d is %d wide, terminal %d: %q", i, w, h.m.width, ansi.Strip(l))
		}
	}
}

func (h *harness) revision() int64 {
	h.t.Helper()
	rev, err := h.store.Revision(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return rev
}

// pods reads every decodable pod from etcd.
func (h *harness) pods() map[string]*corev1.Pod {
	h.t.Helper()
	out := map[string]*corev1.Pod{}
	_, err := h.store.List(context.Background(), etcdops.Query{Resource: etcdops.MustResolveResource("pods"), AllNamespaces: true}, func(it etcdops.Item) error {
		if p, ok := typedPod(it); ok {
			out[it.Namespace+"/"+it.Name] = p
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func typedPod(it etcdops.Item) (*corev1.Pod, bool) {
	if it.Object == nil {
		return nil, false
	}
	p, ok := it.Object.Typed.(*corev1.Pod)
	return p, ok
}

func (h *harness) terminatingPods() []string {
	var out []string
	for name, p := range h.pods() {
		if p.DeletionTimestamp != nil {
			out = append(out, name)
		}
	}
	return out
}

func (h *harness) node(name string) *corev1.Node {
	h.t.Helper()
	rec, found, err := h.store.Get(context.Background(), "/registry/minions/"+name)
	if err != nil || !found {
		h.t.Fatalf("node %s: found=%v err=%v", name, found, err)
	}
	obj, err := codec.Decode(rec.Value)
	if err != nil {
		h.t.Fatal(err)
	}
	return obj.Typed.(*corev1.Node)
}

// visibleNames are the NAME cells of the rows the table shows.
func (h *harness) visibleNames() []string {
	var out []string
	for _, idx := range h.m.list.visible {
		out = append(out, h.m.list.items[idx].name)
	}
	return out
}

// visibleRow is the row at a position of the display order.
func (h *harness) visibleRow(pos int) *row {
	h.t.Helper()
	if pos >= len(h.m.list.visible) {
		h.t.Fatalf("no row %d of %d:\n%s", pos, len(h.m.list.visible), h.screen())
	}
	return h.m.list.items[h.m.list.visible[pos]]
}

// lookup reads a key's object from etcd; found is false when it is absent.
func (h *harness) lookup(key string) (etcdops.Item, bool) {
	h.t.Helper()
	it, found, err := h.store.GetItem(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return it, found
}

// object reads a row's object from etcd: the rows keep none.
func (h *harness) object(key string) etcdops.Item {
	h.t.Helper()
	it, found, err := h.store.GetItem(context.Background(), key)
	if err != nil || !found {
		h.t.Fatalf("%s: found=%v err=%v", key, found, err)
	}
	return it
}

// addNewerField rewrites a protobuf object with field num (3 bytes) in the
// object's message: a field a newer Kubernetes wrote that lifeboat's Go
// type lacks.
func (h *harness) addNewerField(key string, num protowire.Number) {
	h.t.Helper()
	body, ok := bytes.CutPrefix(h.object(key).Value, []byte("k8s\x00"))
	if !ok {
		h.t.Fatalf("%s is not protobuf", key)
	}
	out := []byte("k8s\x00")
	for len(body) > 0 {
		n, typ, tagLen := protowire.ConsumeTag(body)
		valLen := protowire.ConsumeFieldValue(n, typ, body[tagLen:])
		if tagLen < 0 || valLen < 0 {
			h.t.Fatalf("%s: bad protobuf envelope", key)
		}
		if n == 2 { // the object, in the envelope
			raw, _ := protowire.ConsumeBytes(body[tagLen : tagLen+valLen])
			raw = protowire.AppendBytes(protowire.AppendTag(append([]byte(nil), raw...), num, protowire.BytesType), []byte("new"))
			out = protowire.AppendBytes(protowire.AppendTag(out, 2, protowire.BytesType), raw)
		} else {
			out = append(out, body[:tagLen+valLen]...)
		}
		body = body[tagLen+valLen:]
	}
	if _, err := h.cli.Put(context.Background(), key, string(out)); err != nil {
		h.t.Fatal(err)
	}
}

// showOnly switches to a view (":cm shop") and filters it to one row.
func (h *harness) showOnly(view, name string) {
	h.t.Helper()
	h.press(":", view, "enter")
	h.waitFor(view, func() bool { return h.m.list.loaded && len(h.visibleNames()) > 0 })
	h.press("/", name, "enter")
	h.waitFor("one row: "+name, func() bool { return len(h.visibleNames()) == 1 && h.visibleNames()[0] == name })
}

// on says whether the screen on top is a T.
func on[T screen](h *harness) bool {
	_, ok := h.m.top().(T)
	return ok
}

// topAs is the screen on top as a T; the test stops if another is.
func topAs[T screen](h *harness) T {
	h.t.Helper()
	s, ok := h.m.top().(T)
	if !ok {
		h.t.Fatalf("on %T, want %T:\n%s", h.m.top(), s, h.screen())
	}
	return s
}

// journalRows is how many writes the journal screen on top lists, -1 when
// another screen is on top.
func (h *harness) journalRows() int {
	if j, ok := h.m.top().(*journalScreen); ok {
		return len(j.rows)
	}
	return -1
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func boolString(b bool) string { return fmt.Sprint(b) }

// wantInt says what differs, "" when got is want.
func wantInt(what string, got, want int) string {
	if got != want {
		return fmt.Sprintf("%s %d, want %d", what, got, want)
	}
	return ""
}

// checkText reports each of want that text lacks, and each of avoid it has.
func checkText(t *testing.T, what, text string, want, avoid []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
	for _, a := range avoid {
		if strings.Contains(text, a) {
			t.Errorf("%s has %q:\n%s", what, a, text)
		}
	}
}
