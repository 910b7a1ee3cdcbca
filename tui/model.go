package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
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

// screen is what the body of the UI shows.
type screen int

const (
	screenList screen = iota
	screenDetail
	screenPreview
	screenApplying
	screenSummary
	screenJournal
	screenDoctor
	screenHelp
)

// promptKind says what the one-line input at the bottom is for.
type promptKind int

const (
	promptNone promptKind = iota
	promptCommand
	promptFilter
	promptReveal
)

// Model is the TUI's state. It is used through a pointer: tea.Cmds built by
// its methods record what they started (generations, busy counts).
type Model struct {
	store    *etcdops.Store
	opts     Options
	ctx      context.Context
	cancel   context.CancelFunc
	readOnly bool
	endpoint string
	keys     keyMap

	width, height int

	screen  screen
	history []screen // Esc pops

	header   headerData
	headerOK bool
	revision int64 // newest etcd revision seen (lists and watches)
	connErr  error // set while etcd does not answer: the banner
	retrying bool
	busy     int

	// Informer caches (cache.go): pods, nodes, leases and the view's.
	caches         map[string]*cache
	cacheGen       int
	fullLists      int // full lists started: only at start, re-sync and ctrl+r
	refreshPending bool
	refreshCost    time.Duration
	ticks          int

	list    listState
	views   []listView // resources visited, for Esc
	detail  detailState
	preview previewState
	summary summaryState
	journal journalState
	doctor  doctorState

	prompt     textinput.Model
	promptKind promptKind
	spinner    spinner.Model
	progress   progress.Model
	help       help.Model
	helpView   viewport.Model
	applyCh    <-chan tea.Msg
	applyDone  int
	applyTotal int

	// filterHeld holds the live filter while a burst of typed keys is
	// taken one by one; filterDue says one of them changed it.
	filterHeld, filterDue bool

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
		help:     help.New(),
	}
	m.prompt = textinput.New()
	m.prompt.CharLimit = 256
	m.spinner = spinner.New(spinner.WithSpinner(spinner.Dot))
	m.progress = progress.New(progress.WithDefaultGradient())
	m.list = newListState(m.keys)
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

// Update is bubbletea's event handler.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	case tea.MouseMsg:
		return m, m.handleMouse(msg)
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
		// etcd answered nothing for a while: list everything again, the
		// watches may have missed events.
		m.retrying = false
		return m, m.resync()
	case clockMsg:
		return m, m.onClock()
	case loadTickMsg:
		return m, m.onLoadTick(msg)
	case probeMsg:
		return m, m.onProbe(msg)
	case detailMsg:
		m.detail.set(msg.detail, m.bodyWidth(), m.bodyHeight())
		if m.screen != screenDetail {
			m.push(screenDetail)
		}
		return m, nil
	case detailErrMsg:
		m.setStatus(true, "%s", msg.err)
		return m, nil
	case planMsg:
		return m, m.onPlan(msg)
	case editSourceMsg:
		return m, m.onEditSource(msg)
	case editedMsg:
		return m, m.onEdited(msg)
	case applyProgressMsg:
		m.applyDone, m.applyTotal = msg.done, msg.total
		return m, waitApplyCmd(m.applyCh)
	case applyDoneMsg:
		return m, m.onApplied(msg)
	case journalMsg:
		m.journal.set(msg.file, msg.err)
		m.journal.layout(m.bodyWidth(), m.bodyHeight())
		return m, nil
	case doctorMsg:
		m.doctorDone(msg)
		return m, nil
	}
	if m.promptKind != promptNone {
		var cmd tea.Cmd
		m.prompt, cmd = m.prompt.Update(msg) // cursor blink
		return m, cmd
	}
	return m, nil
}

// handleKey routes a key: the prompt first, then the screen.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if msg.Type == tea.KeyCtrlC {
		return m.quit()
	}
	// Keys typed faster than the terminal is read arrive as one message
	// (":nodes"): take them one by one, so ':' still opens the prompt.
	// The filter they type is applied once, after the last of them.
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		var cmds []tea.Cmd
		m.filterHeld = true
		for _, r := range msg.Runes {
			cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
		}
		m.filterHeld = false
		if m.filterDue && m.promptKind == promptFilter {
			m.liveFilter()
		}
		m.filterDue = false
		return tea.Batch(cmds...)
	}
	if m.promptKind != promptNone {
		return m.promptKey(msg)
	}
	switch m.screen {
	case screenPreview:
		return m.previewKey(msg)
	case screenApplying:
		return nil // writes in flight finish; keys wait
	}
	// Keys that work on every other screen.
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		if m.screen == screenHelp {
			m.back()
			return nil
		}
		m.openHelp()
		return nil
	case key.Matches(msg, m.keys.Command):
		m.openPrompt(promptCommand, ":", "")
		return textinput.Blink
	case key.Matches(msg, m.keys.Filter) && m.screen == screenList:
		m.openPrompt(promptFilter, "/", m.list.filterText())
		return textinput.Blink
	case key.Matches(msg, m.keys.Refresh):
		return m.resync()
	}
	switch m.screen {
	case screenList:
		return m.listKey(msg)
	case screenDetail:
		return m.detailKey(msg)
	case screenSummary:
		return m.summaryKey(msg)
	case screenJournal:
		return m.journalKey(msg)
	case screenDoctor:
		return m.doctorKey(msg)
	case screenHelp:
		if key.Matches(msg, m.keys.Back) {
			m.back()
			return nil
		}
		var cmd tea.Cmd
		m.helpView, cmd = m.helpView.Update(msg)
		return cmd
	}
	return nil
}

// openHelp shows every key in a scrollable page.
func (m *Model) openHelp() {
	m.helpView = viewport.New(m.bodyWidth(), m.bodyHeight())
	m.helpView.SetContent(m.helpBody())
	m.push(screenHelp)
}

func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	var cmd tea.Cmd
	switch m.screen {
	case screenDetail:
		m.detail.viewport, cmd = m.detail.viewport.Update(msg)
	case screenPreview:
		m.preview.viewport, cmd = m.preview.viewport.Update(msg)
	case screenSummary:
		m.summary.viewport, cmd = m.summary.viewport.Update(msg)
	}
	return cmd
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.cancel()
	return tea.Quit
}

func (m *Model) push(s screen) {
	m.history = append(m.history, m.screen)
	m.screen = s
}

func (m *Model) back() {
	if n := len(m.history); n > 0 {
		m.screen = m.history[n-1]
		m.history = m.history[:n-1]
		return
	}
	m.screen = screenList
}

// backTo leaves every screen above the list (after a write, the list).
func (m *Model) backTo(s screen) {
	m.history = nil
	m.screen = s
}

// setStatus sets the status line. Its text often carries keys, names or
// errors about values: render.Line makes it one terminal-safe line.
func (m *Model) setStatus(bad bool, format string, args ...any) {
	m.status, m.statusBad = render.Line(fmt.Sprintf(format, args...)), bad
}

// openPrompt shows the input line.
func (m *Model) openPrompt(kind promptKind, prefix, value string) {
	m.promptKind = kind
	m.prompt.Prompt = prefix
	m.prompt.SetValue(value)
	m.prompt.CursorEnd()
	m.prompt.Focus()
}

func (m *Model) closePrompt() {
	m.promptKind = promptNone
	m.prompt.Blur()
	m.prompt.SetValue("")
}

func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	kind := m.promptKind
	if kind == promptReveal {
		m.closePrompt()
		if msg.String() == "y" || msg.String() == "Y" {
			return yamlCmd(m.detail.item, false, true)
		}
		m.setStatus(false, "secret data stays redacted")
		return nil
	}
	switch msg.Type {
	case tea.KeyEsc:
		m.closePrompt()
		return nil
	case tea.KeyEnter:
		value := strings.TrimSpace(m.prompt.Value())
		m.closePrompt()
		if kind == promptCommand {
			return m.runCommand(value)
		}
		return m.applyFilter(value)
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Update(msg)
	if kind == promptFilter {
		if m.filterHeld {
			m.filterDue = true
		} else {
			m.liveFilter()
		}
	}
	return cmd
}

// liveFilter filters as the text is typed, as k9s does; label selectors
// apply on Enter.
func (m *Model) liveFilter() {
	if v := m.prompt.Value(); !isSelectorFilter(v) {
		m.list.setFilter(v, nil, "")
		m.list.rebuild(m.now(), m.bodyWidth())
	}
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
		m.openHelp()
		return nil
	}
	view, err := m.resolveView(cmd)
	if err != nil {
		m.setStatus(true, "%s", err)
		return nil
	}
	m.views = append(m.views, m.list.view)
	m.backTo(screenList)
	m.setStatus(false, "")
	return m.switchView(view)
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

// applyFilter handles "/<text>" and "/l <selector>".
func (m *Model) applyFilter(v string) tea.Cmd {
	if isSelectorFilter(v) {
		text := strings.TrimSpace(v[strings.IndexByte(v, 'l')+1:])
		sel, err := etcdops.ParseSelector(text)
		if err != nil {
			m.setStatus(true, "%s", err)
			return nil
		}
		m.list.setFilter("", sel, text)
	} else {
		m.list.setFilter(v, nil, "")
	}
	m.list.rebuild(m.now(), m.bodyWidth())
	return nil
}

func isSelectorFilter(v string) bool {
	return strings.HasPrefix(v, "l ") || strings.HasPrefix(v, "-l ") || strings.HasPrefix(v, "l=") || v == "l" || v == "-l"
}

// ioFailed shows the banner and schedules one retry.
func (m *Model) ioFailed(err error) tea.Cmd {
	var usage *etcdops.UsageError
	if errors.As(err, &usage) {
		m.setStatus(true, "%s", err)
		return nil
	}
	m.connErr = err
	if m.retrying || m.ctx.Err() != nil {
		return nil
	}
	m.retrying = true
	return tickCmd(retryDelay, retryMsg{})
}

// layout sizes the components to the terminal.
func (m *Model) layout() {
	w, h := m.bodyWidth(), m.bodyHeight()
	m.list.resize(w, h)
	m.list.rebuild(m.now(), w)
	m.detail.resize(w, h)
	m.preview.resize(w, h)
	m.summary.resize(w, h)
	m.journal.layout(w, h)
	m.layoutDoctor()
	m.progress.Width = min(max(w-20, 10), 60)
	m.prompt.Width = max(w-4, 10)
	m.helpView.Width, m.helpView.Height = w, h
}

func (m *Model) bodyWidth() int { return max(m.width, 20) }

// bodyHeight is what is left below the header and above the two bottom
// lines (status and key hints).
func (m *Model) bodyHeight() int {
	return max(m.height-m.headerHeight()-1-2, 3)
}
