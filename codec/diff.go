package codec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// diffContext is the number of unchanged lines around each hunk, as diff -u.
const diffContext = 3

// UnifiedDiff returns the unified diff between two YAML documents, with
// "--- a/<name>" and "+++ b/<name>" headers, or "" when they are equal.
func UnifiedDiff(name string, before, after []byte) string {
	b, a := string(before), string(after)
	if b == a {
		return ""
	}
	d, err := udiff.ToUnified("a/"+name, "b/"+name, b, udiff.Lines(b, a), diffContext)
	if err != nil {
		// Cannot happen: the edits come from the same strings. Still show
		// the operator something rather than nothing.
		return fmt.Sprintf("--- a/%s\n+++ b/%s\n(diff failed: %v)\n", name, name, err)
	}
	return d
}

// DiffStored is the unified YAML diff between two stored values of the
// object name, as every preview and history shows it. An empty value is an
// absent key (before a creation, after a deletion); a value that does not
// decode (a quarantine and its undo move such values) shows as one comment
// line saying so.
//
// Unless opts.ShowSecrets, each side of a Secret is redacted with the
// values of both (and opts.Redact): a side redacted with only its own would
// show, in an annotation, a value only the other side's data holds: an
// edit that adds an annotation holding the old data, or that drops the
// data and keeps an annotation copying it.
func DiffStored(name string, before, after []byte, opts RenderOptions) (string, error) {
	values := [2][]byte{before, after}
	var objs [2]*Object
	var text [2][]byte
	for i, value := range values {
		if len(value) == 0 {
			continue
		}
		o, err := Decode(value)
		if errors.Is(err, ErrMalformed) {
			text[i] = undecodable(value, err)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		objs[i] = o
	}
	if !opts.ShowSecrets {
		opts.Redact = slices.Clone(opts.Redact) // appended to: not the caller's array
		for _, o := range objs {
			if o != nil {
				opts.Redact = append(opts.Redact, o.SecretValues()...)
			}
		}
	}
	for i, o := range objs {
		if o == nil {
			continue
		}
		y, err := o.YAML(opts)
		switch {
		case errors.Is(err, ErrMalformed):
			text[i] = undecodable(values[i], err)
		case err != nil:
			return "", fmt.Errorf("%s: %w", name, err)
		default:
			text[i] = y
		}
	}
	return UnifiedDiff(name, text[0], text[1]), nil
}

// undecodable is the one line a diff shows for a value that does not decode.
func undecodable(value []byte, err error) []byte {
	return fmt.Appendf(nil, "# %d bytes that do not decode: %s\n", len(value), strings.Join(strings.Fields(err.Error()), " "))
}
