package tui

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/journal"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// journalScreen shows one journal: the session's, or any file opened with
// :journal FILE (one the CLI wrote, say). Undo works from either.
type journalScreen struct {
	m      *Model
	file   *journal.File
	rows   []journal.Write
	err    error
	table  table.Model
	ready  bool
	newest bool // select the newest entry at the next layout
}

// journalMsg is a journal file read for the journal screen.
type journalMsg struct {
	file *journal.File
	err  error
}

func (j *journalScreen) set(jf *journal.File, err error) {
	j.file, j.err = jf, err
	j.rows = nil
	if jf != nil {
		j.rows = jf.Writes()
	}
	j.newest = true
}

func (j *journalScreen) resize(w, h int) {
	if !j.ready {
		j.table = newTable(newKeyMap())
		j.ready = true
	}
	rows := make([]table.Row, len(j.rows))
	for i, r := range j.rows {
		obj := r.Resource + "/"
		if r.Namespace != "" {
			obj += r.Namespace + "/"
		}
		obj += r.Name
		newRev := "-"
		if r.AfterRevision != 0 {
			newRev = fmt.Sprint(r.AfterRevision)
		}
		rows[i] = table.Row{r.Time.Local().Format("15:04:05"), string(r.Action), render.Safe(obj), fmt.Sprintf("%d -> %s", r.BeforeRevision, newRev), string(r.State)}
	}
	j.table.SetRows(nil)
	j.table.SetColumns(fitColumns([]string{"TIME", "ACTION", "OBJECT", "REVISION", "STATE"}, rows, w))
	j.table.SetRows(rows)
	j.table.SetWidth(w)
	j.table.SetHeight(max(h, 3))
	if c := j.table.Cursor(); j.newest || c >= len(rows) || c < 0 {
		// The newest write is what the operator just did: selected and
		// in view, as the last row.
		j.table.SetCursor(max(len(rows)-1, 0))
		j.table.GotoBottom()
		j.newest = false
	}
}

// openJournal shows a journal: the session's when path is "", else the
// file at path (or of that name in the journal directory).
func (m *Model) openJournal(path string) tea.Cmd {
	j, ok := m.top().(*journalScreen)
	if !ok {
		j = &journalScreen{m: m}
		m.push(j)
	}
	find, dir := path != "", m.journalDir()
	if !find {
		if m.sessionJournal == nil {
			j.set(nil, nil)
			j.resize(m.bodyWidth(), m.bodyHeight())
			return nil
		}
		path = m.sessionJournal.Path()
	}
	// Looking for the file (a stat) is in the Cmd too: Update touches no
	// disk, which may hang as an etcd does.
	return deliver(j, func() tea.Msg {
		if find {
			path = journal.Find(dir, path)
		}
		jf, err := journal.Read(path)
		return journalMsg{file: jf, err: err}
	})
}

func (m *Model) journalDir() string {
	if m.opts.JournalDir != "" {
		return m.opts.JournalDir
	}
	return journal.DefaultDir()
}

func (j *journalScreen) update(msg tea.Msg) tea.Cmd {
	m := j.m
	if msg, ok := msg.(journalMsg); ok {
		j.set(msg.file, msg.err)
		j.resize(m.bodyWidth(), m.bodyHeight())
		return nil
	}
	keyMsg, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	switch msg := keyMsg; {
	case key.Matches(msg, m.keys.Back):
		m.back()
		return nil
	case key.Matches(msg, m.keys.UndoOne), key.Matches(msg, m.keys.UndoAll):
		if m.readOnly {
			m.setStatus(true, "read-only mode (--readonly): undo is disabled")
			return nil
		}
		if m.refuseWrite() {
			return nil
		}
		jf := j.file
		if jf == nil || len(j.rows) == 0 {
			m.setStatus(false, "nothing to undo")
			return nil
		}
		store := m.store
		if key.Matches(msg, m.keys.UndoAll) {
			m.busy++
			return m.plannedCmd(fmt.Sprintf("undo journal %s", filepath.Base(jf.Path)), true, func(ctx context.Context) (*etcdops.Plan, error) {
				return store.PlanUndo(ctx, jf)
			})
		}
		c := j.table.Cursor()
		if c < 0 || c >= len(j.rows) {
			return nil
		}
		w := j.rows[c]
		switch w.State {
		case journal.WriteUndone:
			m.setStatus(true, "already undone")
			return nil
		case journal.WriteNotWritten:
			m.setStatus(true, "this write never committed: nothing to undo")
			return nil
		}
		m.busy++
		title := fmt.Sprintf("undo %s of %s (restore revision %d's value)", w.Action, render.Safe(w.Key), w.BeforeRevision)
		return m.plannedCmd(title, true, func(ctx context.Context) (*etcdops.Plan, error) {
			return store.PlanUndoWrite(ctx, jf, w)
		})
	case !tableMoves(m.keys, msg):
		m.unbound(msg)
		return nil
	}
	var cmd tea.Cmd
	j.table, cmd = j.table.Update(keyMsg)
	return cmd
}

func (j *journalScreen) title() string {
	path := "(none yet: created at the first write)"
	switch {
	case j.file != nil:
		path = j.file.Path
	case j.m.JournalPath() != "":
		path = j.m.JournalPath()
	}
	return styleCrumb.Render(" journal ") + " " + count(len(j.rows), "write", "writes") + " · " + render.Safe(path)
}

func (j *journalScreen) body() string {
	switch {
	case j.err != nil:
		return styleBad.Render(j.err.Error())
	case len(j.rows) == 0:
		return styleMuted.Render("This session has written nothing yet. Open another journal with :journal FILE.")
	}
	body := j.table.View()
	if j.file != nil && j.file.Torn != nil {
		body = styleWarn.Render(render.Line(j.file.Torn.Error())) + "\n" + body
	}
	return body
}

func (j *journalScreen) hints() string {
	k := j.m.keys
	bs := []key.Binding{k.Back}
	if !j.m.readOnly {
		bs = append(bs, k.UndoOne, k.UndoAll)
	}
	return hintLine(nil, append(bs, k.Quit)...)
}
