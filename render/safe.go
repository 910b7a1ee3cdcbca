package render

import (
	"fmt"
	"strings"
	"unicode"
)

// Safe returns s with every character that could drive a terminal or
// reorder the text around it shown as a Go escape (\x1b, \u202e): C0 and
// C1 controls (ESC starts CSI and OSC sequences), DEL, and the Unicode
// bidirectional overrides and isolates. An etcd key can hold any bytes;
// printing it raw would let whoever wrote it rewrite the operator's screen.
func Safe(s string) string {
	return escape(s, false)
}

// SafeText is Safe for the text a template prints (-o jsonpath, -o
// go-template): newlines and tabs stay, as they lay the text out; what
// could drive the terminal (ESC, a carriage return, a bidi override, in
// a value or in the template) is escaped all the same.
func SafeText(s string) string {
	return escape(s, true)
}

func escape(s string, layout bool) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case layout && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == unicode.ReplacementChar:
			b.WriteString(`\ufffd`)
		case unsafeRune(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Line is s on one line and terminal-safe: each run of white space,
// newlines included, becomes one space, then Safe escapes what is left.
// It is what a warning, a skip line, an error or a status line prints of
// an error or any text that may carry a key, a name or a value.
func Line(s string) string {
	return Safe(strings.Join(strings.Fields(s), " "))
}

func needsEscape(s string) bool {
	for _, r := range s {
		if unsafeRune(r) || r == unicode.ReplacementChar {
			return true
		}
	}
	return false
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
