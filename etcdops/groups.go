package etcdops

import (
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
)

// ChangeGroups collects a preview's changes. A few are kept whole and shown
// one diff each; past that, changes are grouped by the edit they make (the
// same fields removed or changed: codec.Summarize), and a group keeps its
// count, its first names and one example, so a preview of 20,000 pods is a
// few diffs long and its memory does not grow with the number of objects.
type ChangeGroups struct {
	limit  int // changes kept whole before grouping
	few    []*Change
	groups map[string]*ChangeGroup
	order  []*ChangeGroup
	total  int
}

// ChangeGroup is the changes that make the same edit.
type ChangeGroup struct {
	Shape   []string // codec.Summarize of the edit
	Count   int
	Names   []string // the first MaxGroupNames, as kubectl names them
	Example Change   // the first one, to show as a diff
}

// MaxGroupNames is how many names a group keeps, for --show-all.
const MaxGroupNames = 100000

// NewChangeGroups keeps up to limit changes whole.
func NewChangeGroups(limit int) *ChangeGroups {
	return &ChangeGroups{limit: limit, groups: map[string]*ChangeGroup{}}
}

// Add counts one change; unchanged and skipped ones are ignored.
func (g *ChangeGroups) Add(c *Change) {
	if !c.Changed() {
		return
	}
	g.total++
	if g.total <= g.limit {
		keep := *c
		g.few = append(g.few, &keep)
	}
	g.group(c)
}

func (g *ChangeGroups) group(c *Change) {
	var shape []string
	switch {
	case c.deletedBecause() != "":
		shape = []string{c.deletedBecause()}
	case c.deletes():
		shape = []string{"deleted"}
	case c.creates():
		shape = []string{"created"}
	default:
		var err error
		if shape, err = codec.Summarize(c.Before.Value, c.After); err != nil {
			shape = []string{"(" + err.Error() + ")"}
		}
	}
	key := c.Resource.String() + "\x00" + strings.Join(shape, "\x00")
	grp, ok := g.groups[key]
	if !ok {
		grp = &ChangeGroup{Shape: shape, Example: *c}
		g.groups[key] = grp
		g.order = append(g.order, grp)
	}
	grp.Count++
	if len(grp.Names) < MaxGroupNames {
		grp.Names = append(grp.Names, c.KeyInfo.Ref())
	}
}

// Grouped reports whether there are more changes than are shown one by one.
func (g *ChangeGroups) Grouped() bool { return g.total > g.limit }

// Few are the changes when there are no more than the limit.
func (g *ChangeGroups) Few() []*Change { return g.few }

// Groups are the groups in the order their first change was seen.
func (g *ChangeGroups) Groups() []*ChangeGroup { return g.order }
