package tui

import (
	"errors"
	"fmt"
	"runtime/debug"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/editor"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// A bug must not leave the operator of a broken cluster in a broken
// terminal, not knowing what was written. bubbletea catches a panic, but
// one in a tea.Cmd it reports while the screen is still the TUI's, and it
// cannot catch one on a goroutine it did not start. So the TUI catches its
// own, wherever its code runs: in Update, View and Init, in every tea.Cmd
// (guard), in the summaries the informers compute on their goroutines
// (guardSummary), in the goroutine that writes a batch (startApply) and in
// the editor (guardedExec). The first panic is kept (Model.failed) and the
// program quits the ordinary way, which restores the terminal; Run then
// returns it as a *PanicError naming the session journal.

// PanicError is a panic the TUI caught: the program quit and the terminal
// is restored when Run returns it.
type PanicError struct {
	Value any    // what was panicked with
	Stack []byte // the stack of the goroutine that panicked
	// Journal is the session journal, "" when the session wrote nothing.
	Journal string
}

func (e *PanicError) Error() string {
	if e.Journal == "" {
		return fmt.Sprintf("the TUI failed: %v; this session wrote nothing", e.Value)
	}
	p := e.Journal
	return fmt.Sprintf("the TUI failed: %v; writes made this session are journaled in %s ('lifeboat journal show %s', 'lifeboat undo %s')", e.Value, p, p, p)
}

// panicMsg wakes Update after a panic outside it: it quits.
type panicMsg struct{}

// fail keeps the first panic; it may be called from any goroutine. A panic
// outside Update wakes the program, whose next Update quits.
func (m *Model) fail(value any, stack []byte) {
	if m.failed.CompareAndSwap(nil, &PanicError{Value: value, Stack: stack}) && m.program != nil {
		go m.program.Send(panicMsg{})
	}
}

// recoverUpdate, deferred by Update, turns a panic into the end of the
// program. Whatever the screens were doing is left half done: nothing of
// it is trusted again, not even View (it draws nothing from now on).
func (m *Model) recoverUpdate(model *tea.Model, cmd *tea.Cmd) {
	if r := recover(); r != nil {
		m.fail(r, debug.Stack())
		m.quitting = true
		*model, *cmd = m, tea.Quit
	}
}

// guard makes a panic in cmd, or in the commands of a tea.Batch it
// returns, a failure of the program instead of a crash bubbletea reports
// over the TUI's screen.
func (m *Model) guard(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				m.fail(r, debug.Stack())
				msg = panicMsg{}
			}
		}()
		msg = cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			guarded := make(tea.BatchMsg, len(batch))
			for i, c := range batch {
				guarded[i] = m.guard(c)
			}
			return guarded
		}
		return msg
	}
}

// guardSummary catches a panic in a summary (a table printer meeting an
// object it never saw) on the informer's goroutines, where nothing else
// would: the row stands for the object until the program quits.
func (m *Model) guardSummary(summarize func(etcdops.Item) *row) func(etcdops.Item) *row {
	return func(it etcdops.Item) (r *row) {
		defer func() {
			if v := recover(); v != nil {
				m.fail(fmt.Sprintf("%v (summarizing %s)", v, render.Safe(it.Key)), debug.Stack())
				r = &row{key: it.Key, namespace: it.Namespace, name: it.Name, malformed: true}
			}
		}()
		return summarize(it)
	}
}

// errEditorPanicked ends an editor session that panicked.
var errEditorPanicked = errors.New("the editor session panicked")

// guardedExec runs the editor loop, which bubbletea runs on its event loop
// (tea.Exec), catching a panic in it.
type guardedExec struct {
	*editor.Session
	m *Model
}

func (g guardedExec) Run() (err error) {
	defer func() {
		if r := recover(); r != nil {
			g.m.fail(r, debug.Stack())
			err = errEditorPanicked
		}
	}()
	return g.Session.Run()
}
