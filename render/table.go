package render

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// Table prints rows with their columns aligned exactly as
// text/tabwriter.NewWriter(w, 0, 8, 3, ' ', 0) aligns a table whose rows all
// have the same number of cells (kubectl's format): every cell but a row's
// last is padded to its column's widest cell plus three spaces.
//
// Unlike tabwriter it keeps each row as one string and the column widths
// as it goes, and writes through one buffer. At 150,000 pods tabwriter held
// a 32-byte struct per cell (43 MB) and wrote each cell and its padding
// straight to stdout: millions of write syscalls, a quarter of `get`'s CPU.
// Like tabwriter it must hold every row until the last: the widths depend
// on all of them.
type Table struct {
	w      io.Writer
	rows   []string // cells joined by '\t'
	widths []int    // in runes, as tabwriter counts them
}

// NewTable is a table that prints to w when flushed.
func NewTable(w io.Writer) *Table { return &Table{w: w} }

// Row adds a row. Every cell is made terminal-safe (Safe): cells show
// keys, names and values, which may hold anything. So a tab in a cell is
// shown escaped, and never separates cells.
func (t *Table) Row(cells []string) {
	safe := make([]string, len(cells))
	for i, cell := range cells {
		safe[i] = Safe(cell)
	}
	line := strings.Join(safe, "\t")
	for i, cell := range safe {
		if i == len(t.widths) {
			t.widths = append(t.widths, 0)
		}
		t.widths[i] = max(t.widths[i], utf8.RuneCountInString(cell))
	}
	t.rows = append(t.rows, line)
}

// MinWidth makes column col at least width runes wide: rows printed
// later (a watch's) line up with those before as long as none is wider.
func (t *Table) MinWidth(col, width int) {
	for len(t.widths) <= col {
		t.widths = append(t.widths, 0)
	}
	t.widths[col] = max(t.widths[col], width)
}

// Flush writes every row and forgets them; the column widths stay.
func (t *Table) Flush() error {
	const padding = 3
	bw := bufio.NewWriterSize(t.w, 64<<10)
	spaces := strings.Repeat(" ", padding+widest(t.widths))
	for _, line := range t.rows {
		for i := 0; ; i++ {
			cell, rest, more := strings.Cut(line, "\t")
			bw.WriteString(cell)
			if !more {
				break
			}
			bw.WriteString(spaces[:t.widths[i]+padding-utf8.RuneCountInString(cell)])
			line = rest
		}
		bw.WriteByte('\n')
	}
	t.rows = nil
	return bw.Flush()
}

func widest(widths []int) int {
	m := 0
	for _, w := range widths {
		m = max(m, w)
	}
	return m
}
