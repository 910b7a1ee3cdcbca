package tui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
)

// listView is what a table lists: one resource, or raw keys under a prefix.
type listView struct {
	res       etcdops.Resource
	namespace string // "" is every namespace
	keys      bool
	keyPrefix string
}

// scope is what the crumb and the header say: "all", the namespace, or ""
// for cluster-scoped resources and raw keys.
func (v listView) scope() string {
	switch {
	case v.keys || !v.res.Namespaced:
		return ""
	case v.namespace == "":
		return "all"
	}
	return v.namespace
}

func (v listView) String() string {
	if v.keys {
		return "keys " + v.keyPrefix
	}
	return v.res.String()
}

// listState is a resource table: the loaded items, the filter, the sort,
// the marks and the bubbles table showing the visible rows.
type listState struct {
	view       listView
	cacheKey   string // the cache (cache.go) its rows come from
	items      []etcdops.Item
	nodeLeases map[string]etcdops.LeaseStatus
	revision   int64
	loaded     bool

	filter          string
	selector        labels.Selector
	selectorText    string
	terminatingOnly bool
	sortCol         int
	sortDesc        bool
	marks           map[string]bool // by etcd key

	cols    []string
	visible []int // indices into items, in display order
	table   table.Model
}

func newListState(k keyMap) listState {
	return listState{table: newTable(k), marks: map[string]bool{}}
}

// newTable is a bubbles table with lifeboat's keys and colours.
func newTable(k keyMap) table.Model {
	t := table.New(table.WithFocused(true), table.WithKeyMap(tableKeyMap(k)))
	st := table.DefaultStyles()
	st.Header = st.Header.Bold(true).Foreground(colorInfo).Padding(0, cellPadding, 0, 0)
	st.Cell = st.Cell.Padding(0, cellPadding, 0, 0)
	st.Selected = st.Selected.Foreground(lipgloss.Color("0")).Background(colorInfo).Bold(true)
	t.SetStyles(st)
	return t
}

func (l *listState) setView(v listView) {
	l.view = v
	l.items, l.visible, l.nodeLeases = nil, nil, nil
	l.loaded = false
	l.marks = map[string]bool{}
	l.filter, l.selector, l.selectorText = "", nil, ""
	l.terminatingOnly = false
	l.sortCol, l.sortDesc = 0, false
	l.table.SetCursor(0)
}

func (l *listState) isPods() bool  { return !l.view.keys && l.view.res.Name == "pods" }
func (l *listState) isNodes() bool { return !l.view.keys && l.view.res.Name == "nodes" }

func (l *listState) load(items []etcdops.Item, leases map[string]etcdops.LeaseStatus, rev int64) {
	l.items, l.nodeLeases, l.revision, l.loaded = items, leases, rev, true
	// Marks on keys that are gone are dropped: they cannot be acted on.
	present := make(map[string]bool, len(items))
	for _, it := range items {
		present[it.Key] = true
	}
	for k := range l.marks {
		if !present[k] {
			delete(l.marks, k)
		}
	}
}

func (l *listState) setFilter(text string, sel labels.Selector, selText string) {
	l.filter, l.selector, l.selectorText = text, sel, selText
}

func (l *listState) filterText() string {
	if l.selectorText != "" {
		return "l " + l.selectorText
	}
	return l.filter
}

func (l *listState) resize(w, h int) {
	l.table.SetWidth(w)
	l.table.SetHeight(max(h, 3))
}

// columns are the headings: a mark column, then those `get` prints.
func (l *listState) columns() []string {
	if l.view.keys {
		return []string{"KEY", "KIND", "FORMAT", "SIZE", "REVISION", "LEASE"}
	}
	cols := etcdops.Columns(l.view.res, l.view.namespace == "")
	if l.isNodes() {
		cols = append(cols, "KUBELET-LEASE")
	}
	return cols
}

func (l *listState) cells(it etcdops.Item, now time.Time) []string {
	if l.view.keys {
		kind, format := "", string(detectFormat(it))
		switch {
		case it.DecodeErr != nil:
			kind = "<malformed>"
		case it.Encrypted():
			kind = "<" + it.Object.Encryption.String() + ">"
		case it.Object != nil:
			kind = it.Object.Kind
		}
		lease := "-"
		if it.Lease != 0 {
			lease = fmt.Sprintf("%x", it.Lease)
		}
		return []string{it.Key, kind, format, strconv.Itoa(len(it.Value)), strconv.FormatInt(it.ModRevision, 10), lease}
	}
	row := etcdops.Row(l.view.res, it, l.view.namespace == "", now)
	if l.isNodes() {
		row = append(row, leaseCell(l.nodeLeases[it.Name], now))
	}
	return row
}

func leaseCell(st etcdops.LeaseStatus, now time.Time) string {
	switch {
	case !st.Found:
		return "<none>"
	case st.RenewTime.IsZero():
		return "never renewed"
	case st.Alive(now):
		return duration.HumanDuration(st.Age(now)) + " ago"
	}
	return duration.HumanDuration(st.Age(now)) + " ago STALE"
}

// terminating reports whether the item is a pod being deleted.
func terminating(it etcdops.Item) bool {
	return it.Object != nil && it.Object.Meta.DeletionTimestamp != nil
}

// rebuild filters, sorts and lays out the table, keeping the cursor on the
// same key when it is still visible.
func (l *listState) rebuild(now time.Time, width int) {
	selected := l.selectedKey()
	l.cols = l.columns()
	type row struct {
		idx   int
		cells []string
	}
	var rows []row
	filter := strings.ToLower(l.filter)
	for i, it := range l.items {
		if l.terminatingOnly && l.isPods() && !terminating(it) {
			continue
		}
		if l.selector != nil {
			if it.Object == nil || !l.selector.Matches(labels.Set(it.Object.Meta.Labels)) {
				continue
			}
		}
		cells := l.cells(it, now)
		if filter != "" && !strings.Contains(strings.ToLower(strings.Join(cells, " ")+" "+it.Key), filter) {
			continue
		}
		rows = append(rows, row{i, cells})
	}
	col := min(l.sortCol, len(l.cols)-1)
	sort.SliceStable(rows, func(a, b int) bool {
		less := l.less(rows[a].idx, rows[b].idx, rows[a].cells, rows[b].cells, col)
		if l.sortDesc {
			return l.less(rows[b].idx, rows[a].idx, rows[b].cells, rows[a].cells, col)
		}
		return less
	})
	l.visible = l.visible[:0]
	tableRows := make([]table.Row, len(rows))
	for i, r := range rows {
		l.visible = append(l.visible, r.idx)
		mark := " "
		if l.marks[l.items[r.idx].Key] {
			mark = "✓"
		}
		tableRows[i] = append(table.Row{mark}, r.cells...)
	}
	l.table.SetRows(nil) // columns first: rows must never be wider than them
	l.table.SetColumns(fitColumns(append([]string{" "}, l.headings(col)...), tableRows, width))
	l.table.SetRows(tableRows)
	cursor := 0
	for i, idx := range l.visible {
		if l.items[idx].Key == selected {
			cursor = i
		}
	}
	if selected == "" {
		cursor = min(l.table.Cursor(), max(len(rows)-1, 0))
	}
	l.table.SetCursor(cursor)
}

// headings mark the sort column with an arrow.
func (l *listState) headings(col int) []string {
	out := append([]string(nil), l.cols...)
	if col >= 0 && col < len(out) {
		arrow := "↑"
		if l.sortDesc {
			arrow = "↓"
		}
		out[col] += arrow
	}
	return out
}

// less orders two rows by one column: times by time, numbers by value,
// text by text, then by the etcd key so the order is stable.
func (l *listState) less(a, b int, ca, cb []string, col int) bool {
	if col >= 0 && col < len(ca) {
		ia, ib := l.items[a], l.items[b]
		if l.isPods() && l.cols[col] == "TERMINATING-SINCE" {
			ta, tb := deletionTime(ia), deletionTime(ib)
			if !ta.Equal(tb) {
				// Oldest deletions (the longest stuck) first.
				if ta.IsZero() != tb.IsZero() {
					return !ta.IsZero()
				}
				return ta.Before(tb)
			}
		} else if ca[col] != cb[col] {
			na, errA := strconv.ParseInt(ca[col], 10, 64)
			nb, errB := strconv.ParseInt(cb[col], 10, 64)
			if errA == nil && errB == nil {
				return na < nb
			}
			return ca[col] < cb[col]
		}
	}
	return l.items[a].Key < l.items[b].Key
}

func deletionTime(it etcdops.Item) time.Time {
	if it.Object == nil || it.Object.Meta.DeletionTimestamp == nil {
		return time.Time{}
	}
	return it.Object.Meta.DeletionTimestamp.Time
}

// minWidths keep what identifies a row readable in 80 columns.
var minWidths = map[string]int{
	"NAME": 34, "KEY": 34, "OBJECT": 34, "NAMESPACE": 10, "NODE": 8, "PHASE": 7, "READY": 7,
	"TERMINATING-SINCE": 6, "KIND": 11, "ACTION": 13, "REVISION": 8, "STATE": 9, "TIME": 8,
}

// cellPadding is the space after each cell (the styles pad right by one).
const cellPadding = 1

// fitColumns sizes columns to their content and, while the table is wider
// than the terminal, shrinks the widest column that is above its minimum.
// Names and keys keep up to 36 columns: they are what the operator reads.
// bubbles' table pads each cell by one on both sides.
func fitColumns(titles []string, rows []table.Row, width int) []table.Column {
	widths := make([]int, len(titles))
	mins := make([]int, len(titles))
	for i, t := range titles {
		widths[i] = lipgloss.Width(t)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], lipgloss.Width(c))
			}
		}
	}
	for i, t := range titles {
		mins[i] = min(widths[i], minWidths[strings.TrimRight(t, "↑↓")])
		if mins[i] == 0 {
			mins[i] = min(widths[i], 4)
		}
	}
	avail := width - cellPadding*len(titles)
	total := 0
	for _, w := range widths {
		total += w
	}
	for total > avail {
		widest := -1
		for i, w := range widths {
			if w > mins[i] && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		total--
	}
	cols := make([]table.Column, len(titles))
	for i, t := range titles {
		cols[i] = table.Column{Title: t, Width: widths[i]}
	}
	return cols
}

func (l *listState) selectedItem() (etcdops.Item, bool) {
	c := l.table.Cursor()
	if c < 0 || c >= len(l.visible) {
		return etcdops.Item{}, false
	}
	return l.items[l.visible[c]], true
}

func (l *listState) selectedKey() string {
	it, ok := l.selectedItem()
	if !ok {
		return ""
	}
	return it.Key
}

// targets are the marked items, or the selected one when none is marked.
func (l *listState) targets() []etcdops.Item {
	var out []etcdops.Item
	for _, it := range l.items {
		if l.marks[it.Key] {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		if it, ok := l.selectedItem(); ok {
			out = append(out, it)
		}
	}
	return out
}

// listKey handles keys on a table.
func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	l := &m.list
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		switch {
		case l.filter != "" || l.selector != nil:
			l.setFilter("", nil, "")
		case len(l.marks) > 0:
			l.marks = map[string]bool{}
		case l.terminatingOnly:
			l.terminatingOnly = false
		case len(m.views) > 0:
			prev := m.views[len(m.views)-1]
			m.views = m.views[:len(m.views)-1]
			return m.switchView(prev)
		}
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.View):
		if it, ok := l.selectedItem(); ok {
			return yamlCmd(it, false, false)
		}
		return nil
	case key.Matches(msg, k.Raw):
		if it, ok := l.selectedItem(); ok {
			return yamlCmd(it, true, false)
		}
		return nil
	case key.Matches(msg, k.Journal):
		return m.openJournal("")
	case key.Matches(msg, k.Mark):
		if it, ok := l.selectedItem(); ok {
			if l.marks[it.Key] {
				delete(l.marks, it.Key)
			} else {
				l.marks[it.Key] = true
			}
			l.rebuild(m.now(), m.bodyWidth())
			l.table.MoveDown(1)
		}
		return nil
	case key.Matches(msg, k.MarkAll):
		all := true
		for _, idx := range l.visible {
			all = all && l.marks[l.items[idx].Key]
		}
		for _, idx := range l.visible {
			if all {
				delete(l.marks, l.items[idx].Key)
			} else {
				l.marks[l.items[idx].Key] = true
			}
		}
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.Terminating):
		if !l.isPods() {
			m.setStatus(false, "T shows only terminating pods: switch with :pods")
			return nil
		}
		l.terminatingOnly = !l.terminatingOnly
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.Sort):
		l.sortCol = (l.sortCol + 1) % max(len(l.cols), 1)
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.SortReverse):
		l.sortDesc = !l.sortDesc
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.SortName):
		for i, c := range l.cols {
			if c == "NAME" || c == "KEY" {
				if l.sortCol == i {
					l.sortDesc = !l.sortDesc
				}
				l.sortCol = i
			}
		}
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.Undelete), key.Matches(msg, k.Untaint), key.Matches(msg, k.Uncordon):
		return m.startAction(msg)
	}
	var cmd tea.Cmd
	l.table, cmd = l.table.Update(msg)
	return cmd
}

// startAction turns u/t/c on the marked (or selected) rows into operations
// and asks the engine for the plan: the preview comes next.
func (m *Model) startAction(msg tea.KeyMsg) tea.Cmd {
	l := &m.list
	k := m.keys
	if m.readOnly {
		m.setStatus(true, "read-only mode (--readonly): repairs are disabled, nothing is written")
		return nil
	}
	if m.connErr != nil {
		m.setStatus(true, "etcd is not answering: what you see is stale, and nothing can be written until it is back")
		return nil
	}
	var action etcdops.Action
	switch {
	case key.Matches(msg, k.Undelete):
		if !l.isPods() {
			m.setStatus(true, "u undeletes pods: switch with :pods")
			return nil
		}
		action = etcdops.UndeletePods
	case key.Matches(msg, k.Untaint):
		if !l.isNodes() {
			m.setStatus(true, "t untaints nodes: switch with :nodes")
			return nil
		}
		action = etcdops.UntaintNodes
	default:
		if !l.isNodes() {
			m.setStatus(true, "c uncordons nodes: switch with :nodes")
			return nil
		}
		action = etcdops.UncordonNodes
	}
	targets := l.targets()
	if len(targets) == 0 {
		m.setStatus(true, "nothing selected")
		return nil
	}
	// One operation per namespace: the engine reads named objects of one
	// namespace at a time, exactly as `lifeboat pods undelete -n NS NAME...`.
	byNS := map[string][]string{}
	var order []string
	for _, it := range targets {
		if _, ok := byNS[it.Namespace]; !ok {
			order = append(order, it.Namespace)
		}
		byNS[it.Namespace] = append(byNS[it.Namespace], it.Name)
	}
	var ops []etcdops.Operation
	for _, ns := range order {
		q := etcdops.Query{Resource: l.view.res, Namespace: ns, Names: byNS[ns]}
		ops = append(ops, etcdops.Operation{Action: action, Query: q})
	}
	title := fmt.Sprintf("%s: %d %s", actionTitle(ops[0]), len(targets), l.view.res.Name)
	m.setStatus(false, "planning %s…", title)
	m.busy++
	return m.planCmd(title, ops)
}

func actionTitle(op etcdops.Operation) string {
	switch op.Action {
	case etcdops.UndeletePods:
		return "undelete"
	case etcdops.UncordonNodes:
		return "uncordon"
	case etcdops.UntaintNodes:
		return "untaint"
	}
	return op.String()
}

func detectFormat(it etcdops.Item) string {
	if it.Object != nil {
		return string(it.Object.Format)
	}
	return "malformed"
}

// listTitle is the crumb above the table.
func (m *Model) listTitle() string {
	l := &m.list
	name := l.view.String()
	if scope := l.view.scope(); scope != "" {
		name += "(" + scope + ")"
	}
	parts := []string{styleCrumb.Render(" " + name + " "), fmt.Sprintf("[%d/%d]", len(l.visible), len(l.items))}
	if l.terminatingOnly {
		parts = append(parts, styleWarn.Render("terminating only"))
	}
	if l.selectorText != "" {
		parts = append(parts, "selector: "+styleValue.Render(l.selectorText))
	} else if l.filter != "" {
		parts = append(parts, "filter: "+styleValue.Render("/"+l.filter))
	}
	if n := len(l.marks); n > 0 {
		parts = append(parts, styleWarn.Render(fmt.Sprintf("%d marked", n)))
	}
	if !l.loaded {
		parts = append(parts, m.spinner.View()+"loading")
	}
	return strings.Join(parts, " ")
}

func (m *Model) listBody() string {
	l := &m.list
	if l.loaded && len(l.items) == 0 {
		return styleMuted.Render(fmt.Sprintf("No %s found (under %s).", l.view, m.store.Layout().Prefix))
	}
	if l.loaded && len(l.visible) == 0 {
		return styleMuted.Render("Nothing matches the filter. Esc clears it.")
	}
	return l.table.View()
}
