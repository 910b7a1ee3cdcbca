package tui

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"
)

// rowFilter is the text of a table's / filter, read as k9s reads it:
//
//	/TEXT       a regular expression (Go syntax), case-insensitive, matched
//	            against the row's cells and its etcd key
//	/!TEXT      the rows it does not match
//	/-f TEXT    fuzzy: the letters of TEXT in order in the name
//	/-l SEL     a label selector (listScreen.applyFilter; not a rowFilter)
//
// TEXT that is not a regular expression ("[", "a(b") is matched as plain
// text, as k9s does, and err says why. TEXT with no regexp metacharacter
// is plain text too, matched with strings.Contains: at 150,000 rows that
// is several times cheaper than the regexp, and typing one more letter
// narrows the rows shown before (narrows).
type rowFilter struct {
	mode    filterMode
	inverse bool
	needle  string         // lowercased: the plain text (filterText) or the letters (filterFuzzy)
	re      *regexp.Regexp // filterRegexp
	err     error          // the text is no regular expression: matched as plain text
}

type filterMode int

const (
	filterNone filterMode = iota
	filterText
	filterRegexp
	filterFuzzy
)

// parseFilter reads the text typed after /.
func parseFilter(text string) rowFilter {
	if fuzzy, ok := cutFuzzy(text); ok {
		if fuzzy == "" {
			return rowFilter{}
		}
		return rowFilter{mode: filterFuzzy, needle: strings.ToLower(fuzzy)}
	}
	f := rowFilter{}
	if rest, ok := strings.CutPrefix(text, "!"); ok {
		f.inverse, text = true, rest
	}
	if text == "" {
		return rowFilter{}
	}
	if regexp.QuoteMeta(text) == text {
		f.mode, f.needle = filterText, strings.ToLower(text)
		return f
	}
	re, err := regexp.Compile("(?i)" + text)
	if err != nil {
		f.mode, f.needle, f.err = filterText, strings.ToLower(text), err
		return f
	}
	f.mode, f.re = filterRegexp, re
	return f
}

// cutFuzzy is the pattern of "-f TEXT".
func cutFuzzy(text string) (string, bool) {
	if text == "-f" {
		return "", true
	}
	if rest, ok := strings.CutPrefix(text, "-f "); ok {
		return strings.TrimSpace(rest), true
	}
	return "", false
}

// match says whether the filter lets a row through: text and regexps
// match the row's search text (row.searchText, built in scratch), fuzzy
// patterns its name (as k9s does).
func (f *rowFilter) match(r *row, scratch *[]byte) bool {
	var ok bool
	switch f.mode {
	case filterNone:
		return true
	case filterText:
		*scratch = r.searchText((*scratch)[:0])
		ok = bytes.Contains(*scratch, []byte(f.needle))
	case filterRegexp:
		// The search text is lowercased; the regexp is case-insensitive.
		*scratch = r.searchText((*scratch)[:0])
		ok = f.re.Match(*scratch)
	case filterFuzzy:
		name := r.name
		if name == "" {
			name = r.key
		}
		ok = subsequence(f.needle, strings.ToLower(name))
	}
	return ok != f.inverse
}

// narrows says whether every row next lets through is among those f did,
// so that next need only look at them: a longer plain text, or more
// letters of a fuzzy pattern. A regexp or an inverse filter is looked at
// on every row.
func (f rowFilter) narrows(next rowFilter) bool {
	switch {
	case f.mode == filterNone && !f.inverse:
		return true
	case f.inverse || next.inverse || f.mode != next.mode:
		return false
	case f.mode == filterText:
		return strings.Contains(next.needle, f.needle)
	case f.mode == filterFuzzy:
		return subsequence(f.needle, next.needle)
	}
	return false
}

// subsequence says whether the letters of pattern appear in s in order.
func subsequence(pattern, s string) bool {
	for _, c := range s {
		if pattern == "" {
			break
		}
		if r, n := utf8.DecodeRuneInString(pattern); r == c {
			pattern = pattern[n:]
		}
	}
	return pattern == ""
}

// describe is what the crumb says after the filter's text when its
// reading is not the plain one.
func (f *rowFilter) describe() string {
	switch {
	case f.err != nil:
		return "(plain text: not a regexp)"
	case f.mode == filterFuzzy:
		return "(fuzzy, names)"
	}
	return ""
}
