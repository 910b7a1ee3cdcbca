package textutil

import "testing"

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"plain":                      "plain",
		"  two\nlines\t and  tabs\n": "two lines and tabs",
		"a\r\n\r\nb":                 "a b",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
