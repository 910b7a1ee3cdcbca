package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// Options configure the TUI.
type Options struct {
	// JournalPath is where this session's writes are journaled; the file is
	// created at the first write. "" means a new file in JournalDir.
	JournalPath string
	// JournalDir holds the journals; "" means etcdops.DefaultJournalDir.
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

	prompt  promptLine
	spinner spinner.Model

	sessionJournal *etcdops.Journal
	status         string
	statusBad      bool
	quitting       bool
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

// Init starts the first lists; each cache's watch follows its list.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.resync(), m.spinner.Tick, tickCmd(clockTick, clockMsg{}))
}

// Update is bubbletea's event handler: it keeps the shared state (caches,
// header, liveness) itself and routes keys and screen results to the
// screens.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	case tea.MouseMsg:
		return m, m.top().update(msg)
	case forScreen:
		return m, msg.to.update(msg.msg)
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case syncedMsg:
		return m, m.onSynced(msg)
	case cacheEventsMsg:
		return m, m.onCacheEvents(msg)
	case refreshMsg:
		m.refreshPending = false
		return m, m.refresh()
	case retryMsg:
		return m, m.onRetry()
	case clockMsg:
		return m, m.onClock()
	case loadTickMsg:
		return m, m.onLoadTick(msg)
	case probeMsg:
		return m, m.onProbe(msg)
	case detailMsg:
		m.showDetail(msg.detail)
		return m, nil
	case historyMsg:
		m.showHistory(msg)
		return m, nil
	case describeMsg:
		m.showDescription(msg)
		return m, nil
	case readErrMsg:
		m.setStatus(true, "%s", m.ioError(msg.err))
		return m, nil
	case planMsg:
		return m, m.onPlan(msg)
	case editSourceMsg:
		return m, m.onEditSource(msg)
	case editedMsg:
		return m, m.onEdited(msg)
	}
	if m.prompt.open {
		var cmd tea.Cmd
		m.prompt.input, cmd = m.prompt.input.Update(msg) // cursor blink
		return m, cmd
	}
	return m, nil
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

// runCommand handles ":<what>".
func (m *Model) runCommand(cmd string) tea.Cmd {
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
	if err != nil {
		m.setStatus(true, "%s", err)
		return nil
	}
	m.backToList()
	m.setStatus(false, "")
	return m.list.visit(view)
}

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
		// A name only a CRD declares: ask the CRDs in etcd (a short read,
		// on this rare path only).
		ctx, cancel := m.ioContext()
		res, err = m.store.ResolveResource(ctx, fields[0])
		cancel()
	}
	if err != nil {
		return listView{}, err
	}
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
