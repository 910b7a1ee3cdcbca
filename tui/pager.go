package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// pager is the scrollable text of the YAML, describe, history and help
// screens, as less and k9s' detail views have it: the moving keys and the
// mouse wheel scroll; a line wider than the screen ends in a marker, and
// ←/→ (h/l) scroll sideways, or w wraps it; / searches (each edit moves to
// the first match), n and N go to the next and the previous match.
type pager struct {
	m       *Model
	content string
	lines   []string // content, one entry a line
	plain   []string // the lines without colours, lowercased: what / searches

	width, height int
	y, x          int // the first line shown (of rows), the first column (not wrapped)
	wrap          bool

	query   string
	matches []match
	current int // index in matches, -1 before n

	// rows are the lines as shown: one per line, or a wrapped line's parts.
	rows []pagerRow
}

// match is one occurrence of the search: a line and its columns.
type match struct{ line, from, to int }

// pagerRow is one screen row: part of a line, which starts at column col.
type pagerRow struct {
	line, col int
	text      string
}

// horizontalStep is how far ←/→ scroll: a few words.
const horizontalStep = 16

func newPager(m *Model, w, h int) pager {
	return pager{m: m, width: max(w, 1), height: max(h, 1), current: -1}
}

// setContent shows new text, keeping the place and the search (a live
// update of the object on screen).
func (p *pager) setContent(s string) {
	p.content = s
	p.lines = strings.Split(strings.TrimRight(s, "\n"), "\n")
	p.plain = make([]string, len(p.lines))
	for i, l := range p.lines {
		p.plain[i] = strings.ToLower(ansi.Strip(l))
	}
	p.find()
	p.layout()
}

func (p *pager) resize(w, h int) {
	p.width, p.height = max(w, 1), max(h, 1)
	p.layout()
}

// layout cuts the lines into rows (wrapping them when wrap is on) and
// keeps the offsets within the text.
func (p *pager) layout() {
	p.rows = p.rows[:0]
	for i, l := range p.lines {
		if !p.wrap || ansi.StringWidth(l) <= p.width {
			p.rows = append(p.rows, pagerRow{line: i, text: l})
			continue
		}
		col := 0
		for _, part := range strings.Split(ansi.Hardwrap(l, p.width, true), "\n") {
			p.rows = append(p.rows, pagerRow{line: i, col: col, text: part})
			col += ansi.StringWidth(part)
		}
	}
	if p.wrap {
		p.x = 0
	}
	p.scrollTo(p.y)
}

func (p *pager) scrollTo(y int) {
	p.y = max(min(y, len(p.rows)-p.height), 0)
}

// find lists the matches of the query, case-insensitive, in every line.
func (p *pager) find() {
	p.matches = p.matches[:0]
	q := strings.ToLower(p.query)
	if q == "" {
		p.current = -1
		return
	}
	for i, l := range p.plain {
		for from := 0; ; {
			at := strings.Index(l[from:], q)
			if at < 0 {
				break
			}
			start := from + at
			p.matches = append(p.matches, match{line: i, from: ansi.StringWidth(l[:start]), to: ansi.StringWidth(l[:start+len(q)])})
			from = start + len(q)
		}
	}
	if p.current >= len(p.matches) {
		p.current = len(p.matches) - 1
	}
}

// search looks for text and shows its first match from the top line on.
func (p *pager) search(text string) {
	p.query, p.current = text, -1
	p.find()
	p.next(1)
}

// next shows the next match (dir 1) or the one before (-1), from the
// current match, or from the top of the screen before the first n.
func (p *pager) next(dir int) {
	n := len(p.matches)
	if n == 0 {
		return
	}
	if p.current < 0 {
		first := 0
		if len(p.rows) > 0 {
			top := p.rows[p.y]
			for first < n && (p.matches[first].line < top.line || p.matches[first].line == top.line && p.matches[first].to <= top.col) {
				first++
			}
		}
		p.current = first % n
		if dir < 0 {
			p.current = (first - 1 + n) % n
		}
	} else {
		p.current = (p.current + dir + n) % n
	}
	p.reveal(p.matches[p.current])
}

// reveal scrolls until the match is on screen: its row a third down,
// and, not wrapped, its columns in view.
func (p *pager) reveal(mt match) {
	for r, row := range p.rows {
		if row.line == mt.line && (r+1 == len(p.rows) || p.rows[r+1].line != mt.line || p.rows[r+1].col > mt.from) {
			if r < p.y || r >= p.y+p.height {
				p.scrollTo(r - p.height/3)
			}
			break
		}
	}
	if !p.wrap && (mt.from < p.x || mt.to > p.x+p.width-1) {
		p.x = max(mt.to-p.width+horizontalStep, 0)
		if mt.from < p.x {
			p.x = mt.from
		}
	}
}

// update handles the keys that move the text, w, /, n and N, and the
// mouse wheel.
func (p *pager) update(msg tea.Msg) tea.Cmd {
	if mouse, ok := msg.(tea.MouseMsg); ok {
		switch mouse.Button {
		case tea.MouseButtonWheelUp:
			p.scrollTo(p.y - 3)
		case tea.MouseButtonWheelDown:
			p.scrollTo(p.y + 3)
		}
		return nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	keys := p.m.keys
	switch {
	case key.Matches(k, keys.Up):
		p.scrollTo(p.y - 1)
	case key.Matches(k, keys.Down):
		p.scrollTo(p.y + 1)
	case key.Matches(k, keys.PageUp):
		p.scrollTo(p.y - p.height)
	case key.Matches(k, keys.PageDown), k.String() == " ":
		p.scrollTo(p.y + p.height)
	case key.Matches(k, keys.Top):
		p.scrollTo(0)
	case key.Matches(k, keys.Bottom):
		p.scrollTo(len(p.rows))
	case key.Matches(k, keys.Left):
		p.x = max(p.x-horizontalStep, 0)
	case key.Matches(k, keys.Right):
		if !p.wrap && p.x+p.width < p.widest() {
			p.x += horizontalStep
		}
	case key.Matches(k, keys.Wrap):
		p.wrap = !p.wrap
		p.layout()
	case key.Matches(k, keys.Search):
		return p.m.ask("/", p.query, func(v string) tea.Cmd {
			p.search(v)
			return nil
		}, p.search)
	case key.Matches(k, keys.NextMatch), key.Matches(k, keys.PrevMatch):
		if p.query == "" {
			p.m.setStatus(false, "no search: / searches")
			return nil
		}
		dir := 1
		if key.Matches(k, keys.PrevMatch) {
			dir = -1
		}
		p.next(dir)
	default:
		p.m.unbound(k)
	}
	return nil
}

// widest is the width of the longest line.
func (p *pager) widest() int {
	w := 0
	for _, l := range p.plain {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// view is the rows on screen, matches highlighted, each cut to the width
// with a marker where the line goes on (› to the right, ‹ to the left).
func (p *pager) view() string {
	out := make([]string, 0, p.height)
	for r := p.y; r < len(p.rows) && r < p.y+p.height; r++ {
		row := p.rows[r]
		text := p.highlight(row)
		if p.wrap {
			out = append(out, text)
			continue
		}
		// As less -S: a line wholly to the left of the view shows blank.
		w := ansi.StringWidth(text)
		left, right := p.x > 0 && w > p.x, w > p.x+p.width
		cut := ansi.Cut(text, p.x, p.x+p.width)
		if right {
			cut = ansi.Cut(cut, 0, p.width-1) + styleMarker.Render("›")
		}
		if left {
			cut = styleMarker.Render("‹") + ansi.Cut(cut, 1, p.width)
		}
		out = append(out, cut)
	}
	return strings.Join(out, "\n")
}

// highlight shows the matches in a row: the line's colours give way to
// the search's.
func (p *pager) highlight(row pagerRow) string {
	var plain string
	var b strings.Builder
	at, end := row.col, 0
	for i, mt := range p.matches {
		if mt.line != row.line {
			continue
		}
		if plain == "" {
			plain = ansi.Strip(row.text)
			end = row.col + ansi.StringWidth(plain)
		}
		from, to := max(mt.from, row.col), min(mt.to, end)
		if from >= to {
			continue
		}
		style := styleMatch
		if i == p.current {
			style = styleMatchCurrent
		}
		b.WriteString(ansi.Cut(plain, at-row.col, from-row.col))
		b.WriteString(style.Render(ansi.Cut(plain, from-row.col, to-row.col)))
		at = to
	}
	if at == row.col {
		return row.text // no match in this row
	}
	b.WriteString(ansi.Cut(plain, at-row.col, end-row.col))
	return b.String()
}

// clearSearch forgets the search; false when there was none.
func (p *pager) clearSearch() bool {
	if p.query == "" {
		return false
	}
	p.query, p.current = "", -1
	p.find()
	return true
}

// percent is how far down the text the view is.
func (p *pager) percent() float64 {
	if len(p.rows) <= p.height {
		return 100
	}
	return float64(p.y) / float64(len(p.rows)-p.height) * 100
}

// status is what the title says of the view: the scroll, the wrap, the
// search and its place.
func (p *pager) status() string {
	parts := []string{fmt.Sprintf("%3.0f%%", p.percent())}
	if p.wrap {
		parts = append(parts, "wrapped")
	} else if p.x > 0 {
		parts = append(parts, fmt.Sprintf("col %d", p.x+1))
	}
	switch {
	case p.query == "":
	case len(p.matches) == 0:
		parts = append(parts, styleBad.Render("/"+p.query+": no match"))
	case p.current < 0:
		parts = append(parts, fmt.Sprintf("/%s: %d matches", p.query, len(p.matches)))
	default:
		parts = append(parts, fmt.Sprintf("/%s: %d/%d", p.query, p.current+1, len(p.matches)))
	}
	return strings.Join(parts, "  ")
}

// textScreen is a screen of text: esc leaves it, the pager's keys move
// it. The help and history screens are ones.
type textScreen struct {
	m     *Model
	pager pager
}

func newTextScreen(m *Model, content string) textScreen {
	t := textScreen{m: m, pager: newPager(m, m.bodyWidth(), m.bodyHeight())}
	t.pager.setContent(content)
	return t
}

func (t *textScreen) resize(w, h int) { t.pager.resize(w, h) }

func (t *textScreen) update(msg tea.Msg) tea.Cmd {
	if keyMsg, ok := msg.(tea.KeyMsg); ok && key.Matches(keyMsg, t.m.keys.Back) {
		if !t.pager.clearSearch() {
			t.m.back()
		}
		return nil
	}
	return t.pager.update(msg)
}

func (t *textScreen) body() string { return t.pager.view() }
