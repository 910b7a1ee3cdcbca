package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/editor"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// e edits one object as `lifeboat edit` does, with the same loop
// (internal/editor): the TUI reads the object, suspends itself while the
// editor runs, and shows the edit in the preview every write takes.

type (
	// editSourceMsg is the object read to edit, or why it cannot be.
	editSourceMsg struct {
		src *etcdops.EditSource
		err error
	}
	// editedMsg ends the editor: a plan, nil when the object was saved
	// unchanged, or err.
	editedMsg struct {
		info etcdops.KeyInfo
		plan *etcdops.Plan
		err  error
	}
)

// startEdit reads the object; onEditSource opens the editor.
func (m *Model) startEdit(info etcdops.KeyInfo) tea.Cmd {
	if m.refuseWrite() {
		return nil
	}
	store := m.store
	ctx, cancel := m.ioContext()
	m.busy++
	m.setStatus(false, "reading %s to edit…", render.Safe(info.String()))
	return func() tea.Msg {
		defer cancel()
		src, err := store.ReadForEdit(ctx, info)
		if err == nil {
			// Refused before the editor opens: the TUI has no
			// --allow-field-loss.
			err = src.CheckFieldLoss(false)
		}
		return editSourceMsg{src: src, err: err}
	}
}

// onEditSource suspends the TUI and runs the editor loop on the terminal.
func (m *Model) onEditSource(msg editSourceMsg) tea.Cmd {
	m.busy = max(m.busy-1, 0)
	switch {
	case m.cancelledByOutage(msg.err):
		m.setStatus(true, "edit: %s", m.ioError(msg.err))
		return nil
	case msg.err != nil:
		m.setStatus(true, "%s", editRefusal(msg.err))
		return nil
	}
	info := msg.src.Info
	session := editor.New(m.store, msg.src, false)
	m.setStatus(false, "editing %s in %s…", render.Safe(info.String()), render.Safe(editor.Name()))
	return tea.Exec(guardedExec{Session: session, m: m}, func(err error) tea.Msg {
		return editedMsg{info: info, plan: session.Plan, err: err}
	})
}

// onEdited previews the edit; y writes it through the journal.
func (m *Model) onEdited(msg editedMsg) tea.Cmd {
	what := render.Safe(msg.info.String())
	switch {
	case msg.err != nil:
		// Most errors name the object already.
		why := strings.TrimPrefix(textutil.OneLine(msg.err.Error()), msg.info.String()+": ")
		m.setStatus(true, "edit %s: %s: nothing written", what, render.Safe(why))
		return nil
	case msg.plan == nil:
		m.setStatus(false, "edit %s cancelled: saved unchanged, nothing written", what)
		return nil
	}
	plan := msg.plan
	m.busy++
	return m.plannedCmd("edit "+what, false, func(context.Context) (*etcdops.Plan, error) { return plan, nil })
}

// editRefusal is why an object cannot be edited here. Fields a newer
// Kubernetes wrote are never dropped from the TUI: it names them and the
// command that would.
func editRefusal(err error) string {
	var loss *etcdops.FieldLossError
	if !errors.As(err, &loss) {
		return render.Safe(textutil.OneLine(err.Error()))
	}
	cmd := fmt.Sprintf("lifeboat edit %s %s", loss.Info.Resource, loss.Info.Name)
	if loss.Info.Namespace != "" {
		cmd += " -n " + loss.Info.Namespace
	}
	return render.Safe(fmt.Sprintf("%s; nothing written: the TUI never drops them, '%s --allow-field-loss' does", textutil.OneLine(loss.Error()), cmd))
}
