// Package textutil holds small text helpers every layer shares, from
// etcdops and doctor up to the CLI; what reaches a terminal is escaped
// by package render, not here.
package textutil

import "strings"

// OneLine folds s onto one line: every run of white space (newlines
// included) becomes one space, and none leads or trails. Error messages
// of several lines (a YAML parser's, a multi-error) fit a status line, a
// table cell or a JSON field so.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
