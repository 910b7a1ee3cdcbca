package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// doctorState is the :doctor screen: etcdops.Doctor's findings, most severe
// first, with the selected one's evidence and fixes under the table. Enter
// jumps to the objects a finding is about.
type doctorState struct {
	diagnosis *etcdops.Diagnosis
	err       error
	loading   bool
	table     table.Model
	ready     bool
}

type doctorMsg struct {
	diagnosis *etcdops.Diagnosis
	err       error
}

// openDoctor shows the screen and diagnoses the cluster again.
func (m *Model) openDoctor() tea.Cmd {
	if m.screen != screenDoctor {
		m.push(screenDoctor)
	}
	m.doctor.loading = true
	m.layoutDoctor()
	store, now, ctx := m.store, m.now(), m.ctx
	return func() tea.Msg {
		d, err := store.Doctor(ctx, now)
		return doctorMsg{diagnosis: d, err: err}
	}
}

func (m *Model) doctorDone(msg doctorMsg) {
	m.doctor.diagnosis, m.doctor.err, m.doctor.loading = msg.diagnosis, msg.err, false
	m.layoutDoctor()
}

// doctorDetailLines is how many lines under the table show the selected
// finding's evidence and fixes.
const doctorDetailLines = 8

func (m *Model) layoutDoctor() {
	d := &m.doctor
	if !d.ready {
		d.table = newTable(m.keys)
		d.ready = true
	}
	var rows []table.Row
	if d.diagnosis != nil {
		for _, f := range d.diagnosis.Findings {
			rows = append(rows, table.Row{strings.ToUpper(string(f.Severity)), f.Area, render.Safe(f.Title)})
		}
	}
	w := m.bodyWidth()
	d.table.SetRows(nil)
	d.table.SetColumns(fitColumns([]string{"SEVERITY", "AREA", "FINDING"}, rows, w))
	d.table.SetRows(rows)
	d.table.SetWidth(w)
	d.table.SetHeight(max(m.bodyHeight()-doctorDetailLines, 3))
	if c := d.table.Cursor(); c < 0 || c >= len(rows) {
		d.table.SetCursor(0)
	}
}

func (m *Model) selectedFinding() (etcdops.Finding, bool) {
	d := &m.doctor
	if d.diagnosis == nil {
		return etcdops.Finding{}, false
	}
	c := d.table.Cursor()
	if c < 0 || c >= len(d.diagnosis.Findings) {
		return etcdops.Finding{}, false
	}
	return d.diagnosis.Findings[c], true
}

func (m *Model) doctorKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Back):
		m.back()
		return nil
	case key.Matches(msg, m.keys.Refresh):
		return m.openDoctor()
	case key.Matches(msg, m.keys.GoTo):
		f, ok := m.selectedFinding()
		if !ok {
			return nil
		}
		return m.jumpTo(f)
	}
	var cmd tea.Cmd
	m.doctor.table, cmd = m.doctor.table.Update(msg)
	return cmd
}

// jumpTo lists the objects a finding is about: their resource, in their
// namespace when they share one, filtered to the one name when there is
// one. The finding's fix is kept in the status line, to act on there.
func (m *Model) jumpTo(f etcdops.Finding) tea.Cmd {
	layout := m.store.Layout()
	var infos []etcdops.KeyInfo
	for _, k := range f.Keys {
		if info, ok := layout.Parse(k); ok {
			infos = append(infos, info)
		}
	}
	if len(infos) == 0 {
		m.setStatus(false, "this finding is about no object lifeboat lists")
		return nil
	}
	res, ns := infos[0].Resource, infos[0].Namespace
	for _, info := range infos[1:] {
		if info.Resource.StoragePath != res.StoragePath {
			m.setStatus(false, "the finding's objects are of several resources: see its evidence")
			return nil
		}
		if info.Namespace != ns {
			ns = ""
		}
	}
	if resolved, err := etcdops.ResolveResource(res.Name); err == nil {
		res = resolved
	}
	m.views = append(m.views, m.list.view)
	m.backTo(screenList)
	cmd := m.switchView(listView{res: res, namespace: ns})
	if len(infos) == 1 {
		m.list.setFilter(infos[0].Name, nil, "")
		m.list.rebuild(m.now(), m.bodyWidth())
	}
	if len(f.Fix) > 0 {
		m.setStatus(false, "fix: %s", f.Fix[0])
	}
	return cmd
}

func (m *Model) doctorTitle() string {
	d := &m.doctor
	switch {
	case d.loading:
		return styleCrumb.Render(" doctor ") + " reading etcd…"
	case d.diagnosis == nil:
		return styleCrumb.Render(" doctor ")
	}
	n := d.diagnosis.Problems()
	verdict := "no problem found"
	if n > 0 {
		verdict = fmt.Sprintf("%d problem(s)", n)
	}
	return styleCrumb.Render(" doctor ") + fmt.Sprintf(" %s · revision %d · %d keys · enter: go to its objects", verdict, d.diagnosis.Revision, d.diagnosis.Keys)
}

func (m *Model) doctorBody() string {
	d := &m.doctor
	if d.err != nil {
		return styleBad.Render(render.Line(d.err.Error()))
	}
	if d.diagnosis == nil {
		return styleMuted.Render("reading etcd…")
	}
	var detail []string
	if f, ok := m.selectedFinding(); ok {
		for _, e := range f.Evidence {
			detail = append(detail, "  "+render.Safe(e))
		}
		for _, fix := range f.Fix {
			detail = append(detail, styleKey.Render("  fix: ")+render.Safe(fix))
		}
	}
	if len(detail) > doctorDetailLines {
		more := len(detail) - doctorDetailLines + 1
		detail = append(detail[:doctorDetailLines-1], styleMuted.Render(fmt.Sprintf("  … %d more line(s): lifeboat doctor prints them all", more)))
	}
	return d.table.View() + "\n" + strings.Join(detail, "\n")
}
