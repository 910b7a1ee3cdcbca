package tui

import (
	"slices"
	"strings"
	"time"
	"unique"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	corev1 "k8s.io/api/core/v1"
)

// row is everything the TUI keeps of one object: what its table row, the
// filters, the header counts and the nodes view's lease column need,
// computed once when the object is listed or changes by watch. It has no
// stored value and no decoded object: at 150,000 pods those are gigabytes,
// the rows a few hundred bytes each. What needs the whole object (the YAML
// view, raw key facts) reads its key again (openDetail, readDetailCmd); actions name
// the rows' objects and read them at the time of the action.
type row struct {
	key             string
	namespace, name string
	modRevision     int64
	// cells are the columns `get` prints with every namespace (keys: the
	// keys view's); a cell that ages (TERMINATING-SINCE, RENEWED) is "" here
	// and formatted from since when shown.
	cells  []string
	search string   // cells and key, lowercased, with no aging cell: what / matches
	labels labelSet // nil when the value does not decode

	malformed   bool // the value does not decode
	terminating bool // a pod with a deletionTimestamp
	// since is when a pod's deletion was asked for, or a lease last renewed.
	since time.Time

	node     *nodeFacts           // nodes only
	lease    *etcdops.LeaseStatus // leases that read
	leaseErr error                // leases that do not
}

// nodeFacts are what the header counts of a node.
type nodeFacts struct {
	ready, tainted, cordoned bool
}

// The built-in resources whose rows carry more than their cells.
var (
	podsResource   = etcdops.MustResolveResource("pods")
	nodesResource  = etcdops.MustResolveResource("nodes")
	leasesResource = etcdops.MustResolveResource("leases")
	// namespacesResource: enter on one lists its pods.
	namespacesResource = etcdops.MustResolveResource("namespaces")
)

// is says whether res is the built-in resource b. Not by its plural: a
// CRD may declare pods.example.com, whose objects have no pod's columns
// or fields. Their keys are elsewhere (the group is in the path), so the
// storage path tells them apart, as the caches do (Model.cacheKey).
func is(res, b etcdops.Resource) bool { return res.StoragePath == b.StoragePath }

// rowSummarizer is the informer summary of a resource's items, computed on
// the informer's goroutines. now only fills cells that are replaced when
// shown.
func rowSummarizer(res etcdops.Resource, now func() time.Time) func(etcdops.Item) *row {
	sheet := render.NewSheet(res, render.TableOptions{AllNamespaces: true, Compact: true})
	aging := agingCell(res)
	pods, nodes, leases := is(res, podsResource), is(res, nodesResource), is(res, leasesResource)
	return func(it etcdops.Item) *row {
		r := &row{key: it.Key, namespace: intern(it.Namespace), name: it.Name, modRevision: it.ModRevision, malformed: it.DecodeErr != nil}
		r.cells = sheet.Row(it, now())
		if it.Object != nil && !it.Encrypted() {
			r.labels = newLabelSet(it.Object.Meta.Labels)
		}
		if leases {
			if st, err := etcdops.LeaseStatusOf(it); err != nil {
				r.leaseErr = err
			} else {
				r.lease = &st
			}
		}
		switch {
		case render.ItemProblem(it) != "":
		case pods:
			if ts := it.Object.Meta.DeletionTimestamp; ts != nil {
				r.terminating = true
				r.since = etcdops.DeletionRequested(ts.Time, it.Object.Meta.DeletionGracePeriodSeconds)
				blank(r.cells, aging)
			}
		case nodes:
			if n, ok := it.Object.AsTyped().(*corev1.Node); ok {
				r.node = &nodeFacts{ready: nodeReady(n), tainted: len(repairableTaints(n)) > 0, cordoned: n.Spec.Unschedulable}
			}
		case r.lease != nil:
			r.since = r.lease.RenewTime
			blank(r.cells, aging)
		}
		r.finish()
		return r
	}
}

// blank empties the aging cell, formatted when shown, if the printer has
// one (render's columns are its own to change).
func blank(cells []string, aging int) {
	if aging >= 0 && aging < len(cells) {
		cells[aging] = ""
	}
}

// keyRowSummarizer is the summary of a raw key (:keys).
func keyRowSummarizer(it etcdops.Item) *row {
	r := &row{key: it.Key, namespace: intern(it.Namespace), name: it.Name, modRevision: it.ModRevision, malformed: it.DecodeErr != nil}
	if it.DecodeErr == nil && !it.Encrypted() {
		r.labels = newLabelSet(it.Object.Meta.Labels)
	}
	r.cells = render.KeyFactsOf(it).Row()
	r.finish()
	return r
}

// finish interns the cells many rows share (namespaces, nodes, phases) and
// builds the search text.
func (r *row) finish() {
	for i, c := range r.cells {
		if c != r.name && c != r.key {
			r.cells[i] = intern(c)
		}
	}
	r.search = strings.ToLower(strings.Join(r.cells, " ") + " " + r.key)
}

// agingCell is the index, in a row's stored cells, of the cell that is
// formatted from row.since when shown; -1 when there is none.
func agingCell(res etcdops.Resource) int {
	return slices.IndexFunc(render.Columns(res, render.TableOptions{AllNamespaces: true, Compact: true}), func(c string) bool {
		return (is(res, podsResource) && c == "TERMINATING-SINCE") || (is(res, leasesResource) && c == "RENEWED")
	})
}

// intern returns the one copy of s that every row shares: 150,000 pods
// have a handful of namespaces, phases and finalizer lists, and a few
// thousand node names and label values.
func intern(s string) string { return unique.Make(s).Value() }

// labelSet is an object's labels as a sorted list of key, value pairs: a
// map per row costs several times more. It implements labels.Labels.
type labelSet []string

func newLabelSet(m map[string]string) labelSet {
	if len(m) == 0 {
		return labelSet{}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(labelSet, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, intern(k), intern(m[k]))
	}
	return out
}

// Lookup is the value of the label key, and whether the set has it.
func (s labelSet) Lookup(key string) (string, bool) {
	for i := 0; i+1 < len(s); i += 2 {
		if s[i] == key {
			return s[i+1], true
		}
	}
	return "", false
}

// Has reports whether the set has the label key.
func (s labelSet) Has(key string) bool {
	_, ok := s.Lookup(key)
	return ok
}

// Get is the value of the label key, "" when absent.
func (s labelSet) Get(key string) string {
	v, _ := s.Lookup(key)
	return v
}
