package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/table"
	"github.com/charmbracelet/lipgloss"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
)

// listState is a resource table: the loaded rows, the filter, the sort,
// the marks and the bubbles table showing the visible rows.
//
// It is built for 150,000 rows. The rows are sorted only when they or the
// sort change; a filter keeps the sorted order and only selects from it;
// and the bubbles table gets one slot per visible row, of which only a
// window around the cursor holds cells: bubbles renders only the rows
// around its cursor (table.UpdateViewport), and cells for the others are
// never made. Column widths fit a bounded sample of the rows.
type listState struct {
	view       listView
	cacheKey   string // the cache (cache.go) its rows come from
	items      []*row // in key order
	nodeLeases map[string]etcdops.LeaseStatus
	revision   int64
	loaded     bool

	filter          string    // the / filter's text, as typed
	rf              rowFilter // filter, parsed (filter.go)
	scratch         []byte    // a row's search text, while filtering
	selector        labels.Selector
	selectorText    string
	terminatingOnly bool
	sortCol         int
	sortDesc        bool
	marks           map[string]bool // by etcd key

	cols       []string
	aging      int   // agingCol
	order      []int // indices into items, sorted by the sort column
	sorted     bool  // order is sorted for items, sortCol and sortDesc
	visible    []int // the filtered subset of order: display order
	filteredBy filterKey
	// reselect is the key of the row selected when load replaced the
	// items: rebuild puts the cursor back on it when it is still there.
	reselect string

	tableRows            []table.Row // one per visible row; cells only in [filledFrom, filledTo)
	filledFrom, filledTo int
	natural              []int // widest cell of each column in the sample and the windows shown
	width                int
	table                table.Model
}

func newListState(k keyMap) listState {
	return listState{table: newTable(k), marks: map[string]bool{}, aging: -1}
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

// setView empties the table for another view. The table too, at once: until
// the view's rows are in, it shows the view's columns and no row, never
// the rows of the view before under the new one's name.
func (l *listState) setView(v listView) {
	l.view = v
	l.items, l.order, l.visible, l.nodeLeases, l.reselect = nil, nil, nil, nil, ""
	l.sorted, l.loaded = false, false
	l.marks = map[string]bool{}
	l.setFilter("", nil, "")
	l.terminatingOnly = false
	l.sortCol, l.sortDesc = 0, false
	l.cols, l.aging, l.natural, l.filteredBy = l.columns(), l.viewAgingCol(), nil, filterKey{}
	l.layout(time.Time{}, l.width, 0) // no row: no time is shown
}

func (l *listState) isPods() bool  { return !l.view.keys && is(l.view.res, podsResource) }
func (l *listState) isNodes() bool { return !l.view.keys && is(l.view.res, nodesResource) }

// load replaces the rows. order and visible are indices into the rows they
// were built for: kept past this point, they would name other rows of the
// new ones, or none when a delete shrank them (to nothing, after the last
// row of a view is deleted). So they go with the old rows, and only the
// selected row's key is kept, for rebuild to find it again.
func (l *listState) load(items []*row, leases map[string]etcdops.LeaseStatus, rev int64) {
	if k := l.selectedKey(); k != "" {
		l.reselect = k
	}
	l.items, l.nodeLeases, l.revision, l.loaded = items, leases, rev, true
	l.order, l.visible = l.order[:0], l.visible[:0]
	l.sorted, l.filteredBy = false, filterKey{}
	if len(l.marks) == 0 {
		return
	}
	// Marks on keys that are gone are dropped: they cannot be acted on.
	present := make(map[string]bool, len(l.marks))
	for _, r := range items {
		if l.marks[r.key] {
			present[r.key] = true
		}
	}
	for k := range l.marks {
		if !present[k] {
			delete(l.marks, k)
		}
	}
}

func (l *listState) setFilter(text string, sel labels.Selector, selText string) {
	l.filter, l.selector, l.selectorText = text, sel, selText
	l.rf = parseFilter(text)
}

func (l *listState) setSort(col int, desc bool) {
	l.sortCol, l.sortDesc, l.sorted = col, desc, false
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
		return render.KeyColumns()
	}
	cols := render.Columns(l.view.res, render.TableOptions{AllNamespaces: l.view.namespace == "", Compact: true})
	if l.isNodes() {
		cols = append(cols, "KUBELET-LEASE")
	}
	return cols
}

// skipped is how many of a row's stored cells (every namespace's columns)
// the view leaves out: NAMESPACE, in a view of one namespace.
func (l *listState) skipped() int {
	if !l.view.keys && l.view.res.Namespaced && l.view.namespace != "" {
		return 1
	}
	return 0
}

// cell is one column of a row as shown now: aging cells are formatted
// from the stored times.
func (l *listState) cell(r *row, col int, now time.Time) string {
	i := col + l.skipped()
	if i < len(r.cells) {
		if col == l.agingCol() && !r.since.IsZero() {
			return render.Ago(r.since, now)
		}
		return render.Safe(r.cells[i])
	}
	if l.isNodes() && col == len(l.cols)-1 {
		return leaseCell(l.nodeLeases[r.name], now)
	}
	return ""
}

// agingCol is the column shown from row.since, -1 when none. It is asked
// for every cell and every comparison of a sort: setView works it out once.
func (l *listState) agingCol() int { return l.aging }

func (l *listState) viewAgingCol() int {
	if l.view.keys {
		return -1
	}
	if i := agingCell(l.view.res); i >= 0 {
		return i - l.skipped()
	}
	return -1
}

// tableRow is a row as the table shows it: the mark, then the columns.
func (l *listState) tableRow(r *row, now time.Time) table.Row {
	out := make(table.Row, 1+len(l.cols))
	out[0] = " "
	if l.marks[r.key] {
		out[0] = "✓"
	}
	for c := range l.cols {
		out[1+c] = l.cell(r, c, now)
	}
	return out
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

// rebuild sorts (when the rows or the sort changed), filters and lays out
// the table, keeping the cursor on the same key when it is still visible.
func (l *listState) rebuild(now time.Time, width int) {
	selected := cmp.Or(l.selectedKey(), l.reselect)
	l.reselect = ""
	l.cols = l.columns()
	// Typing one more character of a filter only narrows what is shown:
	// look at those rows, not at all of them again.
	from, key := l.order, l.filterKey()
	if l.sorted && l.filteredBy.narrowedBy(key) {
		from = l.visible
	}
	l.filteredBy = key
	if !l.sorted {
		l.sortRows()
		from = l.order
	}
	visible := l.visible[:0]
	for _, i := range from {
		if l.matches(l.items[i]) {
			visible = append(visible, i)
		}
	}
	l.visible = visible
	cursor := min(l.table.Cursor(), len(l.visible)-1)
	if selected != "" {
		for pos, i := range l.visible {
			if l.items[i].key == selected {
				cursor = pos
				break
			}
		}
	}
	l.natural = nil // a new sample
	l.layout(now, width, max(cursor, 0))
}

// filterKey is what the visible rows were selected by.
type filterKey struct {
	filter          rowFilter
	selector        string
	terminatingOnly bool
	valid           bool
}

func (l *listState) filterKey() filterKey {
	return filterKey{filter: l.rf, selector: l.selectorText, terminatingOnly: l.terminatingOnly, valid: true}
}

// narrowedBy says whether every row next selects is among those k did.
func (k filterKey) narrowedBy(next filterKey) bool {
	return k.valid && k.selector == next.selector && k.terminatingOnly == next.terminatingOnly && k.filter.narrows(next.filter)
}

// matches says whether the filters let a row through.
func (l *listState) matches(r *row) bool {
	if l.terminatingOnly && l.isPods() && !r.terminating {
		return false
	}
	if l.selector != nil && (!r.labels.known() || !l.selector.Matches(r.labels)) {
		return false
	}
	return l.rf.match(r, &l.scratch)
}

// sortRows orders every row by the sort column: times by time, numbers by
// value, text by text, then by the etcd key so the order is stable. Rows
// arrive in key order, often already sorted (NAMESPACE, NAME): checking
// costs one pass.
func (l *listState) sortRows() {
	l.order = l.order[:0]
	for i := range l.items {
		l.order = append(l.order, i)
	}
	col := min(l.sortCol, len(l.cols)-1)
	aging := col >= 0 && col == l.agingCol()
	lease := l.isNodes() && col == len(l.cols)-1
	compare := func(a, b int) int {
		ra, rb := l.items[a], l.items[b]
		switch {
		case col < 0:
		case aging || lease:
			ta, tb := ra.since, rb.since
			if lease {
				ta, tb = l.nodeLeases[ra.name].RenewTime, l.nodeLeases[rb.name].RenewTime
			}
			if !ta.Equal(tb) {
				// Oldest first (the longest stuck, the stalest lease);
				// no time last.
				if ta.IsZero() != tb.IsZero() {
					return boolOrder(!ta.IsZero())
				}
				return ta.Compare(tb)
			}
		default:
			if c := compareCells(l.cell(ra, col, time.Time{}), l.cell(rb, col, time.Time{})); c != 0 {
				return c
			}
		}
		return strings.Compare(ra.key, rb.key)
	}
	if l.sortDesc {
		asc := compare
		compare = func(a, b int) int { return asc(b, a) }
	}
	if !slices.IsSortedFunc(l.order, compare) {
		slices.SortFunc(l.order, compare)
	}
	l.sorted = true
}

// boolOrder is -1 when first sorts first.
func boolOrder(first bool) int {
	if first {
		return -1
	}
	return 1
}

// compareCells compares numbers by value, anything else as text.
func compareCells(a, b string) int {
	if a == b {
		return 0
	}
	na, errA := strconv.ParseInt(a, 10, 64)
	nb, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(na, nb)
	}
	return strings.Compare(a, b)
}

// fitSample is how many rows, from the top of the display order, column
// widths are fitted to (with the rows around the cursor): measuring
// 150,000 rows' cells costs more than showing them.
const fitSample = 500

// layout gives the table its columns and one slot per visible row, with
// cells in the window around the cursor.
func (l *listState) layout(now time.Time, width, cursor int) {
	l.width = width
	if cap(l.tableRows) >= len(l.visible) {
		clear(l.tableRows[:cap(l.tableRows)])
		l.tableRows = l.tableRows[:len(l.visible)]
	} else {
		l.tableRows = make([]table.Row, len(l.visible))
	}
	l.filledFrom, l.filledTo = 0, 0
	if l.natural == nil {
		l.natural = make([]int, 1+len(l.cols))
		for pos := range min(fitSample, len(l.visible)) {
			l.measure(l.tableRow(l.items[l.visible[pos]], now))
		}
	}
	l.fill(now, cursor)
	l.table.SetRows(nil) // columns first: rows must never be wider than them
	l.table.SetColumns(l.fittedColumns())
	l.table.SetRows(l.tableRows)
	l.table.SetCursor(cursor)
}

// render lays the rows out again as they are (marks, ages), without
// sorting or filtering.
func (l *listState) render(now time.Time, width int) {
	l.layout(now, width, max(l.table.Cursor(), 0))
}

// fill gives cells to the rows bubbles renders around the cursor (it
// renders from cursor-height to cursor+height) and drops the rest. A
// column that needs more room than the sample gave is widened.
func (l *listState) fill(now time.Time, cursor int) {
	h := l.table.Height() + 2
	from, to := max(cursor-h, 0), min(cursor+h, len(l.visible))
	for pos := l.filledFrom; pos < l.filledTo; pos++ {
		if pos < from || pos >= to {
			l.tableRows[pos] = nil
		}
	}
	wider := false
	for pos := from; pos < to; pos++ {
		if l.tableRows[pos] == nil {
			l.tableRows[pos] = l.tableRow(l.items[l.visible[pos]], now)
			wider = l.measure(l.tableRows[pos]) || wider
		}
	}
	l.filledFrom, l.filledTo = from, to
	if wider && len(l.table.Columns()) > 0 {
		l.table.SetRows(nil)
		l.table.SetColumns(l.fittedColumns())
	}
}

// follow fills the window after the cursor moved.
func (l *listState) follow(now time.Time) {
	l.fill(now, l.table.Cursor())
	l.table.SetRows(l.tableRows) // renders the filled window
}

// measure widens natural to the row's cells; true when one grew.
func (l *listState) measure(r table.Row) bool {
	grew := false
	for i, c := range r {
		if i < len(l.natural) {
			if w := cellWidth(c); w > l.natural[i] {
				l.natural[i], grew = w, true
			}
		}
	}
	return grew
}

// cellWidth is lipgloss.Width, without its cost for plain ASCII.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return lipgloss.Width(s)
		}
	}
	return len(s)
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

// minWidths keep what identifies a row readable in 80 columns, with
// kubectl's pod columns beside it (READY, RESTARTS and AGE fit in three)
// and since when a pod is terminating.
var minWidths = map[string]int{
	"NAME": 34, "KEY": 34, "OBJECT": 34, "NAMESPACE": 10, "NODE": 8, "STATUS": 11,
	"READY": 3, "RESTARTS": 3, "AGE": 3,
	"TERMINATING-SINCE": 7, "KIND": 11, "ACTION": 13, "REVISION": 8, "STATE": 9, "TIME": 8,
}

// cellPadding is the space after each cell (the styles pad right by one).
const cellPadding = 1

// fittedColumns fits the columns to the widest cells measured.
func (l *listState) fittedColumns() []table.Column {
	titles := append([]string{" "}, l.headings(min(l.sortCol, len(l.cols)-1))...)
	widths := make([]int, len(titles))
	for i, t := range titles {
		widths[i] = max(lipgloss.Width(t), l.natural[i])
	}
	return fitWidths(titles, widths, l.width)
}

// fitColumns sizes columns to their content; see fitWidths.
func fitColumns(titles []string, rows []table.Row, width int) []table.Column {
	widths := make([]int, len(titles))
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
	return fitWidths(titles, widths, width)
}

// fitWidths takes the columns' natural widths and, while the table is
// wider than the terminal, shrinks the widest column that is above its
// minimum. Names and keys keep up to 36 columns: they are what the
// operator reads. bubbles' table pads each cell by one on both sides.
func fitWidths(titles []string, widths []int, width int) []table.Column {
	mins := make([]int, len(titles))
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

func (l *listState) selectedItem() (*row, bool) {
	c := l.table.Cursor()
	if c < 0 || c >= len(l.visible) {
		return nil, false
	}
	return l.items[l.visible[c]], true
}

func (l *listState) selectedKey() string {
	r, ok := l.selectedItem()
	if !ok {
		return ""
	}
	return r.key
}

// targets are the marked rows, or the selected one when none is marked.
func (l *listState) targets() []*row {
	var out []*row
	if len(l.marks) > 0 {
		for _, r := range l.items {
			if l.marks[r.key] {
				out = append(out, r)
			}
		}
	}
	if len(out) == 0 {
		if r, ok := l.selectedItem(); ok {
			out = append(out, r)
		}
	}
	return out
}
