package tui

import (
	"bytes"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// journalState lists what this session wrote, from its journal file.
type journalState struct {
	entries []etcdops.JournalEntry
	rows    []journalRow
	err     error
	stale   bool
	table   table.Model
	ready   bool
}

// journalRow is one committed write (or one journaled write that never
// committed) of the session.
type journalRow struct {
	entry  etcdops.JournalEntry // the "write" entry, AfterRevision filled from its commit
	undone bool                 // a later restore of this key undid it
}

func (j *journalState) set(entries []etcdops.JournalEntry, err error) {
	j.entries, j.err, j.stale = entries, err, false
	j.rows = journalRows(entries)
}

// journalRows pairs writes with commits, in the order they were written,
// and marks writes that a later restore of the same key undid.
func journalRows(entries []etcdops.JournalEntry) []journalRow {
	var rows []journalRow
	last := map[string]int{}
	for _, e := range entries {
		switch e.Type {
		case "write":
			last[e.Key] = len(rows)
			rows = append(rows, journalRow{entry: e})
		case "committed":
			if i, ok := last[e.Key]; ok {
				rows[i].entry.AfterRevision = e.AfterRevision
			}
		}
	}
	// A write superseded by the same write again (a grouped Txn retried key
	// by key) is not shown twice.
	var out []journalRow
	for i, r := range rows {
		if r.entry.AfterRevision == 0 {
			dup := false
			for _, later := range rows[i+1:] {
				if later.entry.Key == r.entry.Key && bytes.Equal(later.entry.Before, r.entry.Before) {
					dup = true
				}
			}
			if dup {
				continue
			}
		}
		out = append(out, r)
	}
	for i := range out {
		if out[i].entry.Action == etcdops.Restore || out[i].entry.AfterRevision == 0 {
			continue
		}
		for _, later := range out[i+1:] {
			if later.entry.Key == out[i].entry.Key && later.entry.Action == etcdops.Restore && later.entry.AfterRevision != 0 {
				out[i].undone = true
			}
		}
	}
	return out
}

func (j *journalState) layout(w, h int) {
	if !j.ready {
		j.table = newTable(newKeyMap())
		j.ready = true
	}
	rows := make([]table.Row, len(j.rows))
	for i, r := range j.rows {
		e := r.entry
		state := "committed"
		switch {
		case e.AfterRevision == 0:
			state = "not written"
		case r.undone:
			state = "undone"
		}
		obj := e.Resource + "/"
		if e.Namespace != "" {
			obj += e.Namespace + "/"
		}
		obj += e.Name
		newRev := "-"
		if e.AfterRevision != 0 {
			newRev = fmt.Sprint(e.AfterRevision)
		}
		rows[i] = table.Row{e.Time.Local().Format("15:04:05"), string(e.Action), obj, fmt.Sprintf("%d -> %s", e.BeforeRevision, newRev), state}
	}
	j.table.SetRows(nil)
	j.table.SetColumns(fitColumns([]string{"TIME", "ACTION", "OBJECT", "REVISION", "STATE"}, rows, w))
	j.table.SetRows(rows)
	j.table.SetWidth(w)
	j.table.SetHeight(max(h, 3))
	if c := j.table.Cursor(); c >= len(rows) || c < 0 {
		j.table.SetCursor(max(len(rows)-1, 0))
	}
}

// openJournal shows the journal view, reading the session's journal file.
func (m *Model) openJournal() tea.Cmd {
	if m.screen != screenJournal {
		m.push(screenJournal)
	}
	if m.sessionJournal == nil {
		m.journal.set(nil, nil)
		m.journal.layout(m.bodyWidth(), m.bodyHeight())
		return nil
	}
	return readJournalCmd(m.sessionJournal.Path())
}

// pendingUndo is, for one key, the journal entries of its writes that no
// restore undid yet (with their commits): what PlanUndo should reverse.
// Restores themselves are not undone from here (`lifeboat undo` can).
func pendingUndo(entries []etcdops.JournalEntry, keyName string) []etcdops.JournalEntry {
	start := 0
	for i, e := range entries {
		if e.Key == keyName && e.Type == "write" && e.Action == etcdops.Restore {
			start = i + 1
		}
	}
	var out []etcdops.JournalEntry
	for _, e := range entries[start:] {
		if e.Key != keyName {
			continue
		}
		if e.Type == "write" && e.Action == etcdops.Restore {
			continue
		}
		out = append(out, e)
	}
	// Only the restore's own commit may follow it; drop a leading commit.
	for len(out) > 0 && out[0].Type != "write" {
		out = out[1:]
	}
	return out
}

func (m *Model) journalKey(msg tea.KeyMsg) tea.Cmd {
	j := &m.journal
	switch {
	case key.Matches(msg, m.keys.Back), key.Matches(msg, m.keys.Journal):
		m.back()
		return nil
	case key.Matches(msg, m.keys.UndoOne), key.Matches(msg, m.keys.UndoAll):
		if m.readOnly {
			m.setStatus(true, "read-only mode (--readonly): undo is disabled")
			return nil
		}
		var keys []string
		if key.Matches(msg, m.keys.UndoAll) {
			seen := map[string]bool{}
			for i := len(j.rows) - 1; i >= 0; i-- {
				if k := j.rows[i].entry.Key; !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		} else if c := j.table.Cursor(); c >= 0 && c < len(j.rows) {
			r := j.rows[c]
			if r.entry.Action == etcdops.Restore {
				m.setStatus(true, "this entry is an undo: use `lifeboat undo %s` to undo an undo", m.JournalPath())
				return nil
			}
			if r.undone {
				m.setStatus(true, "already undone")
				return nil
			}
			keys = []string{r.entry.Key}
		}
		var entries []etcdops.JournalEntry
		for _, k := range keys {
			entries = append(entries, pendingUndo(j.entries, k)...)
		}
		if len(entries) == 0 {
			m.setStatus(false, "nothing to undo")
			return nil
		}
		title := fmt.Sprintf("undo %d object(s)", len(keys))
		m.busy++
		return m.undoPlanCmd(title, entries)
	}
	var cmd tea.Cmd
	j.table, cmd = j.table.Update(msg)
	return cmd
}

func (m *Model) journalTitle() string {
	path := m.JournalPath()
	if path == "" {
		path = "(none yet: created at the first write)"
	}
	return styleCrumb.Render(" journal ") + fmt.Sprintf(" %d write(s) · %s", len(m.journal.rows), path)
}

func (m *Model) journalBody() string {
	j := &m.journal
	switch {
	case j.err != nil:
		return styleBad.Render(j.err.Error())
	case len(j.rows) == 0:
		return styleMuted.Render("This session has written nothing yet.")
	}
	return j.table.View()
}
