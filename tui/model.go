package tui

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/journal"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// Options configure the TUI.
type Options struct {
	// JournalPath is where this session's writes are journaled; the file is
	// created at the first write. "" means a new file in JournalDir.
	JournalPath string
	// JournalDir holds the journals; "" means journal.DefaultDir.
	JournalDir string
	// Resource is the first view ("pods" by default).
	Resource string
	// Now is the clock for ages and lease liveness; nil means time.Now.
	Now func() time.Time
}

// Model is the router of the screens (screen.go) and owns what they share:
// the store, the informer caches, the header, the status and prompt lines,
// the session journal, and the stack of screens esc goes back through. It
// is used through a pointer: tea.Cmds built by its methods record what they
// started (generations, busy counts).
type Model struct {
	store    *etcdops.Store
	opts     Options
	ctx      context.Context
	cancel   context.CancelFunc
	readOnly bool
	endpoint string
	keys     keyMap

	width, height int

	// list is the resource table, always at the bottom of the stack;
	// stack holds the screens above it, the top one last.
	list  *listScreen
	stack []screen
	// firstView is Options.Resource when only the CRDs in etcd can say
	// what it names: Init reads them, and the list starts on pods.
	firstView string

	header   headerData
	headerOK bool
	revision int64    // newest etcd revision seen (lists and watches)
	etcd     liveness // whether etcd answers (liveness.go)
	busy     int

	// Informer caches (cache.go): pods, nodes, leases and the view's.
	caches         map[string]*cache
	cacheGen       int
	fullLists      int // full lists started: only at start, re-sync and ctrl+r
	refreshPending bool
	refreshCost    time.Duration
	ticks          int

	// viewGen numbers the commands and view switches: a name read from
	// the CRDs is shown only if nothing else was asked for since.
	viewGen int

	prompt  promptLine
	spinner spinner.Model

	sessionJournal *journal.Journal
	status         string
	statusBad      bool
	quitting       bool

	// failed is the first panic caught (crash.go), from any goroutine;
	// program, set by run, is woken by one caught outside Update.
	failed  atomic.Pointer[PanicError]
	program *tea.Program
}

// New builds the model over an open store. Close releases what it started.
func New(store *etcdops.Store, opts Options) (*Model, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	first := opts.Resource
	if first == "" {
		first = "pods"
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Model{
		store:    store,
		opts:     opts,
		ctx:      ctx,
		cancel:   cancel,
		readOnly: store.ReadOnly(),
		endpoint: strings.Join(store.Endpoints(), ","),
		keys:     newKeyMap(),
		width:    80,
		height:   24,
		prompt:   newPromptLine(),
		spinner:  spinner.New(spinner.WithSpinner(spinner.Dot)),
	}
	m.etcd = newLiveness(ctx)
	m.list = newListScreen(m)
	m.addBaseCaches()
	view, err := m.resolveView(first)
	if errors.Is(err, errNeedsCRDs) {
		// The CRDs are read by Init's commands, never here: the screen
		// opens at once, on pods, even when etcd hangs.
		m.firstView = first
		view, err = m.resolveView("pods")
	}
	if err != nil {
		cancel()
		return nil, err
	}
	m.list.setView(view)
	m.list.cacheKey = m.ensureCache(view).key
	return m, nil
}

// Close stops the watch and every pending command, and closes the session
// journal.
func (m *Model) Close() {
	m.cancel()
	if m.sessionJournal != nil {
		m.sessionJournal.Close()
	}
}

// JournalPath is the session journal's path, "" before the first write.
func (m *Model) JournalPath() string {
	if m.sessionJournal == nil {
		return ""
	}
	return m.sessionJournal.Path()
}

func (m *Model) now() time.Time { return m.opts.Now() }

// Init starts the first lists (each cache's watch follows its list), and
// resolves a first view only a CRD names.
func (m *Model) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			m.fail(r, debug.Stack())
			m.quitting = true
			cmd = tea.Quit
		}
	}()
	var first tea.Cmd
	if m.firstView != "" {
		first = m.resolveCmd(m.firstView, true)
	}
	return m.guard(tea.Batch(m.resync(), first, m.spinner.Tick, tickCmd(clockTick, clockMsg{})))
}

// Update is bubbletea's event handler (crash.go catches what it panics).
func (m *Model) Update(msg tea.Msg) (model tea.Model, cmd tea.Cmd) {
	if m.failed.Load() != nil {
		m.quitting = true
		return m, tea.Quit
	}
	defer m.recoverUpdate(&model, &cmd)
	return m, m.guard(m.route(msg))
}

// route keeps the shared state (caches, header, liveness) itself and
// routes keys and screen results to the screens.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.top().update(msg)
	case forScreen:
		return msg.to.update(msg.msg)
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return cmd
	case syncedMsg:
		return m.onSynced(msg)
	case cacheEventsMsg:
		return m.onCacheEvents(msg)
	case refreshMsg:
		m.refreshPending = false
		return m.refresh()
	case retryMsg:
		return m.onRetry()
	case clockMsg:
		return m.onClock()
	case loadTickMsg:
		return m.onLoadTick(msg)
	case probeMsg:
		return m.onProbe(msg)
	case resolvedMsg:
		return m.onResolved(msg)
	case editSourceMsg:
		return m.onEditSource(msg)
	case editedMsg:
		return m.onEdited(msg)
	}
	if m.prompt.open {
		var cmd tea.Cmd
		m.prompt.input, cmd = m.prompt.input.Update(msg) // cursor blink
		return cmd
	}
	return nil
}

// keyOwner is a screen that takes some of the keys the Model handles
// everywhere else: the doctor's ctrl+r diagnoses again.
type keyOwner interface {
	owns(msg tea.KeyMsg) bool
}

// handleKey routes a key: the prompt first, then the keys that work
// everywhere, then the screen on top.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if msg.Type == tea.KeyCtrlC {
		return m.quit()
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		return m.burst(msg)
	}
	if m.prompt.open {
		return m.promptKey(msg)
	}
	top := m.top()
	if s, ok := top.(modal); ok && s.modal() {
		return top.update(msg)
	}
	if o, ok := top.(keyOwner); ok && o.owns(msg) {
		return top.update(msg)
	}
	switch k := m.keys; {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		if _, ok := top.(*helpScreen); ok {
			m.back()
			return nil
		}
		m.push(newHelpScreen(m))
		return nil
	case key.Matches(msg, k.Command):
		return m.ask(":", "", m.runCommand, nil)
	case key.Matches(msg, k.Journal):
		if _, ok := top.(*journalScreen); ok {
			m.back()
			return nil
		}
		return m.openJournal("")
	case key.Matches(msg, k.Refresh):
		return m.resync()
	}
	return top.update(msg)
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.cancel()
	return tea.Quit
}

// top is the screen on screen.
func (m *Model) top() screen {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return m.list
}

// push shows s above the current screen; back returns to it.
func (m *Model) push(s screen) {
	s.resize(m.bodyWidth(), m.bodyHeight())
	m.stack = append(m.stack, s)
}

// back leaves the screen on top (never the list).
func (m *Model) back() {
	if n := len(m.stack); n > 0 {
		m.stack = m.stack[:n-1]
	}
}

// backToList leaves every screen above the list (after a write, say).
func (m *Model) backToList() {
	m.stack = nil
}

// setStatus sets the status line. Its text often carries keys, names or
// errors about values: render.Line makes it one terminal-safe line.
func (m *Model) setStatus(bad bool, format string, args ...any) {
	m.status, m.statusBad = render.Line(fmt.Sprintf(format, args...)), bad
}

// runCommand handles ":<what>". The newest command wins: a name still
// being read from the CRDs (resolveCmd) switches nothing once another
// command ran.
func (m *Model) runCommand(cmd string) tea.Cmd {
	m.viewGen++
	if name, ok := strings.CutPrefix(cmd, "journal "); ok {
		return m.openJournal(strings.TrimSpace(name))
	}
	switch cmd {
	case "":
		return nil
	case "q", "q!", "quit", "exit":
		return m.quit()
	case "journal", "j":
		return m.openJournal("")
	case "doctor":
		return m.openDoctor()
	case "help", "?":
		m.push(newHelpScreen(m))
		return nil
	}
	view, err := m.resolveView(cmd)
	switch {
	case errors.Is(err, errNeedsCRDs):
		return m.resolveCmd(cmd, false)
	case err != nil:
		m.setStatus(true, "%s", err)
		return nil
	}
	m.backToList()
	m.setStatus(false, "")
	return m.list.visit(view)
}

// errNeedsCRDs says a name is none lifeboat knows of itself: only the
// CustomResourceDefinitions in etcd can say what it names (resolveCmd).
var errNeedsCRDs = errors.New("a custom resource's name: the CRDs in etcd resolve it")

// resolveView turns ":<arg>" into a view with no I/O; errNeedsCRDs when the
// name must be looked up in the CRDs stored in etcd.
func (m *Model) resolveView(arg string) (listView, error) {
	fields := strings.Fields(arg)
	if len(fields) == 0 {
		return listView{}, errors.New("no resource given")
	}
	if fields[0] == "keys" || fields[0] == "key" || fields[0] == "ls" {
		prefix := strings.TrimRight(m.store.Layout().Prefix, "/") + "/"
		if len(fields) > 1 {
			prefix = fields[1]
		}
		return listView{keys: true, keyPrefix: prefix}, nil
	}
	res, err := etcdops.ResolveResource(fields[0])
	if err != nil || res.Custom {
		return listView{}, errNeedsCRDs
	}
	return viewOf(arg, fields, res)
}

// resolvedMsg is a resource name read from the CRDs in etcd, for the
// command or view switch numbered gen (Model.viewGen).
type resolvedMsg struct {
	gen   int
	first bool // the first view (Options.Resource): no view to go back to
	view  listView
	err   error
}

// resolveCmd looks up a name only a CRD declares ("crontabs", "ct") in the
// CRDs stored in etcd, then switches to it (onResolved). The read is in the
// Cmd: an etcd that hangs freezes no key, and the outage cancels it.
func (m *Model) resolveCmd(arg string, first bool) tea.Cmd {
	m.busy++
	m.setStatus(false, "reading the custom resource definitions for %q…", arg)
	store, gen := m.store, m.viewGen
	ctx, cancel := m.ioContext()
	return func() tea.Msg {
		defer cancel()
		fields := strings.Fields(arg)
		res, err := store.ResolveResource(ctx, fields[0])
		if err != nil {
			return resolvedMsg{gen: gen, first: first, err: err}
		}
		view, err := viewOf(arg, fields, res)
		return resolvedMsg{gen: gen, first: first, view: view, err: err}
	}
}

// onResolved shows the view a name resolved to, unless another view was
// asked for since.
func (m *Model) onResolved(msg resolvedMsg) tea.Cmd {
	m.busy = max(m.busy-1, 0)
	if msg.gen != m.viewGen {
		return nil
	}
	if msg.err != nil {
		m.setStatus(true, "%s", m.ioError(msg.err))
		return nil
	}
	if s, ok := m.top().(modal); ok && s.modal() {
		// A preview opened since, or a write runs: leaving it would lose
		// the diff the operator is reading, or the write's progress.
		m.setStatus(false, "%s is not shown: a preview is open; close it and ask again", render.Safe(msg.view.String()))
		return nil
	}
	m.backToList()
	m.setStatus(false, "")
	if msg.first {
		return m.switchView(msg.view)
	}
	return m.list.visit(msg.view)
}

// viewOf is the view of res that ":<arg>" (split in fields) asks for.
func viewOf(arg string, fields []string, res etcdops.Resource) (listView, error) {
	// k9s: ":pods shop" is one namespace, ":pods" or ":pods all" every one.
	ns := ""
	switch {
	case len(fields) == 1:
	case len(fields) == 2:
		ns = fields[1]
	case len(fields) == 3 && (fields[1] == "-n" || fields[1] == "--namespace"):
		ns = fields[2]
	default:
		return listView{}, fmt.Errorf(":%s: give a resource and at most a namespace (:pods shop); filter with /", arg)
	}
	switch ns {
	case "all", "-A", "--all-namespaces", "*":
		ns = ""
	}
	if ns != "" {
		if !res.Namespaced {
			return listView{}, fmt.Errorf(":%s: %s are cluster-scoped, they have no namespace", arg, res)
		}
		if strings.Contains(ns, "/") {
			return listView{}, fmt.Errorf(":%s: bad namespace %q", arg, ns)
		}
	}
	return listView{res: res, namespace: ns}, nil
}

// layout sizes every screen to the terminal.
func (m *Model) layout() {
	w, h := m.bodyWidth(), m.bodyHeight()
	m.list.resize(w, h)
	for _, s := range m.stack {
		s.resize(w, h)
	}
	m.prompt.input.Width = max(w-4, 10)
}

func (m *Model) bodyWidth() int { return max(m.width, 20) }

// bodyHeight is what is left below the header and above the two bottom
// lines (status and key hints).
func (m *Model) bodyHeight() int {
	return max(m.height-m.headerHeight()-1-2, 3)
}
