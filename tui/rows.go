package tui

import (
	"encoding/binary"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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
	labels labelSet // unknown (zero) when the value does not decode

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

// finish interns the cells many rows share (namespaces, nodes, phases).
func (r *row) finish() {
	for i, c := range r.cells {
		if c != r.name && c != r.key {
			r.cells[i] = intern(c)
		}
	}
}

// searchText appends to buf what / matches: the row's cells (the aging
// one blank) and key, lowercased. It is built when a filter looks, not
// kept: at 150,000 pods the rows' search texts took 17 MB.
func (r *row) searchText(buf []byte) []byte {
	for i, c := range r.cells {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, c...)
	}
	buf = append(append(buf, ' '), r.key...)
	for i, b := range buf {
		switch {
		case b >= utf8.RuneSelf:
			return append(buf[:0], strings.ToLower(string(buf))...)
		case 'A' <= b && b <= 'Z':
			buf[i] = b + 'a' - 'A'
		}
	}
	return buf
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

// labelSet is an object's labels, encoded in one interned string (each
// label, in key order, as its key's length, the key, its value's length,
// the value): the pods of one ReplicaSet share it, and a row holds one
// handle. At 150,000 pods a list of strings per row took 29 MB. The zero
// labelSet is unknown: the value does not decode. It implements
// labels.Labels.
type labelSet struct {
	h unique.Handle[string]
}

func newLabelSet(m map[string]string) labelSet {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b []byte
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(m[k])))
		b = append(b, m[k]...)
	}
	return labelSet{unique.Make(string(b))}
}

// known says whether the labels are known: the value decoded.
func (s labelSet) known() bool { return s.h != unique.Handle[string]{} }

// Lookup is the value of the label key, and whether the set has it.
func (s labelSet) Lookup(key string) (string, bool) {
	if !s.known() {
		return "", false
	}
	enc := s.h.Value()
	for len(enc) > 0 {
		var k, v string
		k, enc = cutLength(enc)
		v, enc = cutLength(enc)
		if k == key {
			return v, true
		}
	}
	return "", false
}

// cutLength splits a length-prefixed string off the front of enc.
func cutLength(enc string) (string, string) {
	var n uint64
	for i := 0; i < len(enc) && i < binary.MaxVarintLen64; i++ {
		b := enc[i]
		n |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			rest := enc[i+1:]
			if uint64(len(rest)) < n {
				return "", ""
			}
			return rest[:n], rest[n:]
		}
	}
	return "", ""
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
