package render

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"text/tabwriter"
)

// TestTableIsTabwriter: Table prints byte for byte what text/tabwriter
// (kubectl's settings) prints for the same rows, their cells made
// terminal-safe: a tab, or an escape sequence, inside a cell is shown
// escaped and aligned as such.
func TestTableIsTabwriter(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
	}{
		{"pods", [][]string{
			{"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE", "TERMINATING-SINCE"},
			{"shop", "cart-pl6p7bx8w7-2wn48", "1/1", "Running", "0", "3d", "worker-1", "-"},
			{"kube-system", "coredns-5d78c9869d-x2x7k", "0/1", "Terminating", "12", "41m", "worker-12", "5m"},
		}},
		{"empty and wide cells", [][]string{
			{"KEY", "KIND", "LEASE"},
			{"/registry/pods/ünïcode/名前", "", "-"},
			{"", "Pod", ""},
		}},
		{"a tab inside a cell", [][]string{{"A", "B"}, {"x\ty", "z"}}},
		{"escape sequences", [][]string{{"NAME", "NODE"}, {"title\x1b]0;pwned\x07", "clear\x1b[2J"}, {"rtl\u202e", "nul\x00"}}},
		{"header only", [][]string{{"NAME", "AGE"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want, got bytes.Buffer
			tw := tabwriter.NewWriter(&want, 0, 8, 3, ' ', 0)
			table := NewTable(&got)
			for _, row := range tt.rows {
				writeRow(tw, safeCells(row))
				table.Row(row)
			}
			tw.Flush()
			if err := table.Flush(); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("aligned table:\n%s\ntabwriter:\n%s", strings.ReplaceAll(got.String(), " ", "·"), strings.ReplaceAll(want.String(), " ", "·"))
			}
		})
	}
}

func safeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Safe(c)
	}
	return out
}

// writeRow writes a row for tabwriter: cells separated by tabs.
func writeRow(w io.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		io.WriteString(w, c)
	}
	io.WriteString(w, "\n")
}

// TestTableKeepsWidths: rows added after a Flush (a watch's) line up with
// those above, and MinWidth makes room ahead for wider cells to come.
func TestTableKeepsWidths(t *testing.T) {
	var b bytes.Buffer
	table := NewTable(&b)
	table.MinWidth(0, len("MODIFIED"))
	table.Row([]string{"EVENT", "NAME", "STATUS"})
	table.Row([]string{"ADDED", "web-0", "Running"})
	if err := table.Flush(); err != nil {
		t.Fatal(err)
	}
	table.Row([]string{"MODIFIED", "web-0", "Terminating"})
	if err := table.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "EVENT      NAME    STATUS\n" +
		"ADDED      web-0   Running\n" +
		"MODIFIED   web-0   Terminating\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
