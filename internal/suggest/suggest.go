// Package suggest finds the name a user most likely meant when they typed
// one that does not exist: a resource ("podz"), a plan file's field
// ("allNamespace"), a field selector's field ("spec.nodename"). It answers
// only when the typo is small: a wrong guess at 3 a.m. costs more than
// none.
package suggest

import (
	"strings"
	"unicode/utf8"
)

// Closest is the candidate nearest to typed, or "" when none is near
// enough (see Near). Case is ignored; on a tie the earlier candidate wins.
func Closest(typed string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == typed {
			continue
		}
		d := distance(strings.ToLower(typed), strings.ToLower(c))
		if d <= limit(typed) && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// Near says whether candidate is a small typo away from typed: at most one
// edit (an insertion, a deletion, a substitution or two swapped letters)
// in a word of up to four letters, two up to ten, three beyond.
func Near(typed, candidate string) bool {
	return distance(strings.ToLower(typed), strings.ToLower(candidate)) <= limit(typed)
}

func limit(typed string) int {
	switch n := utf8.RuneCountInString(typed); {
	case n <= 4:
		return 1
	case n <= 10:
		return 2
	}
	return 3
}

// distance is the optimal string alignment distance between a and b: the
// edits of Levenshtein plus the swap of two adjacent letters, the most
// common typo ("nmaespace").
func distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// rows i-2, i-1 and i of the dynamic programming table.
	prev2, prev, cur := make([]int, len(t)+1), make([]int, len(t)+1), make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
