package tui

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/doctor"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// doctorScreen is :doctor: doctor.Diagnose's findings, most severe first,
// under the outage's headline, with the selected one's evidence, advice and
// fixes under the table. Enter jumps
// to the objects a finding is about.
type doctorScreen struct {
	m         *Model
	diagnosis *doctor.Diagnosis
	err       error
	loading   bool
	table     table.Model
	ready     bool
}

type doctorMsg struct {
	diagnosis *doctor.Diagnosis
	err       error
}

// openDoctor shows the screen and diagnoses the cluster.
func (m *Model) openDoctor() tea.Cmd {
	d, ok := m.top().(*doctorScreen)
	if !ok {
		d = &doctorScreen{m: m}
		m.push(d)
	}
	return d.diagnose()
}

// diagnose runs the doctor again.
func (d *doctorScreen) diagnose() tea.Cmd {
	d.loading = true
	d.resize(d.m.bodyWidth(), d.m.bodyHeight())
	store, now, ctx := d.m.store, d.m.now(), d.m.etcd.ioCtx
	return deliver(d, func() tea.Msg {
		diagnosis, err := doctor.Diagnose(ctx, store, now)
		return doctorMsg{diagnosis: diagnosis, err: err}
	})
}

// doctorDetailLines is how many lines under the table show the selected
// finding's evidence, advice and fixes; one line above it is the headline.
const doctorDetailLines = 8

func (d *doctorScreen) resize(w, h int) {
	if !d.ready {
		d.table = newTable(d.m.keys)
		d.ready = true
	}
	var rows []table.Row
	if d.diagnosis != nil {
		for _, f := range d.diagnosis.Findings {
			rows = append(rows, table.Row{strings.ToUpper(string(f.Severity)), f.Area, render.Safe(f.Title)})
		}
	}
	d.table.SetRows(nil)
	d.table.SetColumns(fitColumns([]string{"SEVERITY", "AREA", "FINDING"}, rows, w))
	d.table.SetRows(rows)
	d.table.SetWidth(w)
	d.table.SetHeight(max(h-doctorDetailLines-1, 3))
	if c := d.table.Cursor(); c < 0 || c >= len(rows) {
		d.table.SetCursor(0)
	}
}

func (d *doctorScreen) selectedFinding() (doctor.Finding, bool) {
	if d.diagnosis == nil {
		return doctor.Finding{}, false
	}
	c := d.table.Cursor()
	if c < 0 || c >= len(d.diagnosis.Findings) {
		return doctor.Finding{}, false
	}
	return d.diagnosis.Findings[c], true
}

// owns ctrl+r: it diagnoses again (the caches need no list).
func (d *doctorScreen) owns(msg tea.KeyMsg) bool { return key.Matches(msg, d.m.keys.Refresh) }

func (d *doctorScreen) update(msg tea.Msg) tea.Cmd {
	m := d.m
	if msg, ok := msg.(doctorMsg); ok {
		d.diagnosis, d.err, d.loading = msg.diagnosis, msg.err, false
		d.resize(m.bodyWidth(), m.bodyHeight())
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
	case key.Matches(msg, m.keys.Refresh):
		return d.diagnose()
	case key.Matches(msg, m.keys.GoTo):
		f, ok := d.selectedFinding()
		if !ok {
			return nil
		}
		return d.jumpTo(f)
	case !tableMoves(m.keys, msg):
		m.unbound(msg)
		return nil
	}
	var cmd tea.Cmd
	d.table, cmd = d.table.Update(keyMsg)
	return cmd
}

// jumpTo lists the objects a finding is about: their resource, in their
// namespace when they share one, filtered to the one name when there is
// one. The finding's fix is kept in the status line, to act on there.
func (d *doctorScreen) jumpTo(f doctor.Finding) tea.Cmd {
	m := d.m
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
	m.backToList()
	cmd := m.list.visit(listView{res: res, namespace: ns})
	if len(infos) == 1 {
		// The / filter is a regular expression: the name is matched as it is.
		m.list.setFilter(regexp.QuoteMeta(infos[0].Name), nil, "")
		m.list.rebuild(m.now(), m.bodyWidth())
	}
	if len(f.Fix) > 0 {
		m.setStatus(false, "fix: %s", f.Fix[0])
	}
	return cmd
}

func (d *doctorScreen) title() string {
	switch {
	case d.loading:
		return styleCrumb.Render(" doctor ") + " reading etcd…"
	case d.diagnosis == nil:
		return styleCrumb.Render(" doctor ")
	}
	n := d.diagnosis.Problems()
	verdict := "no problem found"
	if n > 0 {
		verdict = count(n, "problem", "problems")
	}
	return styleCrumb.Render(" doctor ") + fmt.Sprintf(" %s · revision %d · %d keys · enter: go to its objects", verdict, d.diagnosis.Revision, d.diagnosis.Keys)
}

func (d *doctorScreen) body() string {
	if d.err != nil {
		return styleBad.Render(render.Line(d.err.Error()))
	}
	if d.diagnosis == nil {
		return styleMuted.Render("reading etcd…")
	}
	var detail []string
	if f, ok := d.selectedFinding(); ok {
		for _, e := range f.Evidence {
			detail = append(detail, "  "+render.Safe(e))
		}
		for _, a := range f.Advice {
			detail = append(detail, styleMuted.Render("  advice: ")+render.Safe(a))
		}
		for _, fix := range f.Fix {
			detail = append(detail, styleKey.Render("  fix: ")+render.Safe(fix))
		}
	}
	if len(detail) > doctorDetailLines {
		more := len(detail) - doctorDetailLines + 1
		detail = append(detail[:doctorDetailLines-1], styleMuted.Render(fmt.Sprintf("  … %d more line(s): lifeboat doctor prints them all", more)))
	}
	headline := render.Line(d.diagnosis.Headline())
	if d.diagnosis.Outage.Began().IsZero() {
		headline = styleMuted.Render(headline)
	} else {
		headline = styleBadBold.Render(headline)
	}
	return headline + "\n" + d.table.View() + "\n" + strings.Join(detail, "\n")
}

func (d *doctorScreen) hints() string {
	k := d.m.keys
	return hintLine(nil, k.Back, k.GoTo, k.Refresh, k.Quit)
}
