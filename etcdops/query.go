package etcdops

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// Item is one stored object: its key facts and, when it decodes, the object.
type Item struct {
	Record
	KeyInfo
	Object    *codec.Object // nil when DecodeErr is set, or untouched
	DecodeErr error         // the value is malformed: reported, never written
	// Newer lists the fields a newer Kubernetes wrote that the object's Go
	// type does not declare: not shown, kept by edits (codec.NewerFields).
	Newer []codec.NewerField

	// untouched: a plan found, without decoding, that its edits leave the
	// value as it is (codec.Untouched); Object is nil.
	untouched bool
}

// Encrypted reports whether the value is encrypted at rest (lifeboat shows its
// provider and key name but cannot edit it).
func (it Item) Encrypted() bool {
	return it.Object != nil && it.Object.Format == codec.FormatEncrypted
}

// UndecodableHint says, of an item whose value does not decode, what it
// breaks and what to do about it.
func (it Item) UndecodableHint() string {
	return fmt.Sprintf("kube-apiserver cannot LIST %s while it is there: 'lifeboat quarantine %s' moves it out of the way", it.Resource, it.Key)
}

// Query selects objects of one resource the way kubectl does.
type Query struct {
	Resource      Resource
	Namespace     string // "" with AllNamespaces false means "default", as kubectl
	AllNamespaces bool
	Names         []string
	Selector      labels.Selector // nil selects everything
	// Fields selects by the fields kube-apiserver selects by (see
	// ParseFieldSelector); nil selects everything.
	Fields fields.Selector
	Node   string // pods only: spec.nodeName
	// Revision reads the objects as they were at this etcd revision (0:
	// now): a write reads exactly what its preview showed.
	Revision int64
	// Needs is what the reader reads of each object: List decodes only
	// those fields into the Go type (codec.DecodeMasked), and judges the
	// rest of the bytes as kube-apiserver would. nil decodes everything; so
	// do field and node selectors, which read fields of their own.
	Needs *codec.Mask
}

// needs is the mask List decodes with: Needs, with the labels a label
// selector reads; everything for field and node selectors.
func (q Query) needs() *codec.Mask {
	switch {
	case q.Fields != nil || q.Node != "":
		return nil
	case q.Selector != nil && !q.Needs.Keeps("metadata.labels"):
		return q.Needs.With("metadata.labels")
	}
	return q.Needs
}

// ParseSelector parses a kubectl-style label selector ("app=web,tier!=db").
func ParseSelector(s string) (labels.Selector, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	sel, err := labels.Parse(s)
	if err != nil {
		return nil, usageErrorf("bad label selector %q: %v", s, err)
	}
	return sel, nil
}

// namespace is the one namespace the query reads, "" for every namespace
// (or a cluster-scoped resource). A field selector metadata.namespace=NS
// narrows every namespace to NS, as the apiserver's watch cache does.
func (q Query) namespace() string {
	if !q.Resource.Namespaced {
		return ""
	}
	if q.AllNamespaces {
		if q.Fields != nil {
			if ns, ok := q.Fields.RequiresExactMatch("metadata.namespace"); ok {
				return ns
			}
		}
		return ""
	}
	if q.Namespace == "" {
		return "default"
	}
	return q.Namespace
}

// Validate rejects selections that cannot mean what the user wants.
func (q Query) Validate() error {
	if q.Resource.Name != "" && !q.Resource.Stored() {
		return usageErrorf("%s are not stored in etcd: kube-apiserver works them out when asked (componentstatuses asks each component for its health), so there is nothing here to read", q.Resource)
	}
	if q.Node != "" && q.Resource.Name != "pods" {
		return usageErrorf("--node selects pods by spec.nodeName; it does not apply to %s", q.Resource)
	}
	if q.AllNamespaces && q.Namespace != "" {
		return usageErrorf("give either --namespace %s or --all-namespaces, not both", q.Namespace)
	}
	for _, n := range q.Names {
		if n == "" || strings.Contains(n, "/") {
			return usageErrorf("bad object name %q: names have no '/' (use -n NAMESPACE NAME)", n)
		}
	}
	return nil
}

// List calls fn for every selected object, decoded. Values that do not
// decode (malformed) and encrypted values are passed on too, flagged, because
// the user must hear about them; selectors cannot be evaluated on them.
// It returns the revision the list was read at.
func (s *Store) List(ctx context.Context, q Query, fn func(Item) error) (int64, error) {
	return s.ListPages(ctx, q, func(items []Item) error {
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListPages is List a page (ScanPageSize keys, fewer after selection) at a
// time: memory holds one page however many objects there are.
func (s *Store) ListPages(ctx context.Context, q Query, fn func([]Item) error) (int64, error) {
	return s.listPages(ctx, q, nil, fn)
}

// listPages is ListPages for a plan: an item untouched says is passed on
// undecoded and marked so, with no selector applied to it.
func (s *Store) listPages(ctx context.Context, q Query, untouched func(*Item) bool, fn func([]Item) error) (int64, error) {
	if err := q.Validate(); err != nil {
		return 0, err
	}
	ns := q.namespace()
	selected := func(key string) (KeyInfo, bool) { return q.selectKey(s.layout, ns, key) }
	keep, needs := q.keep, q.needs()
	emit := func(items []Item) error {
		parallel.For(len(items), func(i int) {
			it := &items[i]
			s.open(ctx, &it.Record)
			if it.untouched = untouched != nil && untouched(it); !it.untouched {
				it.Object, it.DecodeErr = decodeStored(it.Resource, it.Value, needs)
				it.Newer = codec.NewerFields(it.Value, it.Object)
			}
		})
		out := items[:0]
		for i := range items {
			if keep(&items[i]) {
				out = append(out, items[i])
			}
		}
		if len(out) == 0 {
			return nil
		}
		return fn(out)
	}

	// Named objects in a known namespace (or cluster-scoped): read just those.
	if len(q.Names) > 0 && (ns != "" || !q.Resource.Namespaced) {
		rev := q.Revision
		var items []Item
		for _, name := range q.Names {
			key := s.layout.Key(q.Resource, ns, name)
			rec, found, r, err := s.getAt(ctx, key, rev)
			if err != nil {
				return rev, err
			}
			rev = r // every name is read at the first one's revision
			if !found {
				return rev, &NotFoundError{Key: key, What: KeyInfo{Resource: q.Resource, Namespace: ns, Name: name}}
			}
			if info, ok := selected(key); ok {
				items = append(items, Item{Record: rec, KeyInfo: info})
			}
		}
		return rev, emit(items)
	}
	prefix := s.layout.ResourcePrefix(q.Resource)
	if ns != "" {
		prefix = s.layout.NamespacePrefix(q.Resource, ns)
	}
	return s.scanPagesAt(ctx, prefix, q.Revision, func(page []*mvccpb.KeyValue) error {
		for len(page) > 0 {
			chunk := page[:min(ScanPageSize, len(page))]
			page = page[len(chunk):]
			items := make([]Item, 0, len(chunk))
			for _, kv := range chunk {
				if info, ok := selected(string(kv.Key)); ok {
					items = append(items, Item{Record: recordOf(kv), KeyInfo: info})
				}
			}
			if err := emit(items); err != nil {
				return err
			}
		}
		return nil
	})
}

// Names lists the names of the objects q selects by their keys alone
// (namespace and names: label and field selectors need the values),
// reading keys only, in key order: what shell completion offers. A name
// found in several namespaces is listed once.
func (s *Store) Names(ctx context.Context, q Query) ([]string, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	ns := q.namespace()
	prefix := s.layout.ResourcePrefix(q.Resource)
	if ns != "" {
		prefix = s.layout.NamespacePrefix(q.Resource, ns)
	}
	var names []string
	seen := map[string]bool{}
	_, err := s.scanPagesAt(ctx, prefix, 0, func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			if info, ok := q.selectKey(s.layout, ns, string(kv.Key)); ok && !seen[info.Name] {
				seen[info.Name] = true
				names = append(names, info.Name)
			}
		}
		return nil
	}, clientv3.WithKeysOnly())
	return names, err
}

// Filtered says whether the query selects by what only a decoded object
// says (labels, fields, node): an item that does not decode cannot be
// matched, so it is not known whether the query wants it.
func (q Query) Filtered() bool {
	return q.Selector != nil || q.Fields != nil || q.Node != ""
}

// selectKey parses a key and says whether the query wants it, by what the
// key says (namespace ns, "" for every one, and names).
func (q Query) selectKey(layout Layout, ns, key string) (KeyInfo, bool) {
	info, ok := layout.Parse(key)
	if !ok || (ns != "" && info.Namespace != ns) || (len(q.Names) > 0 && !contains(q.Names, info.Name)) {
		return info, false
	}
	// Keep the resolved resource (kind, short names): Parse only knows
	// what the key says.
	if info.Resource.StoragePath == q.Resource.StoragePath {
		info.Resource = q.Resource
	}
	return info, true
}

// keep applies the selectors that need the decoded object. Items that do
// not decode, and encrypted ones, are kept, flagged: the user must hear
// about them.
func (q Query) keep(item *Item) bool {
	switch {
	case item.untouched:
		return true
	case item.DecodeErr != nil:
		item.Object = nil
		item.DecodeErr = fmt.Errorf("%s: %w", item.KeyInfo, item.DecodeErr)
		return true
	case item.Encrypted():
		return true
	case q.Selector != nil && !q.Selector.Matches(labels.Set(item.Object.Meta.Labels)):
		return false
	case q.Fields != nil && !q.Fields.Matches(fieldSet(item.KeyInfo, item.Object)):
		return false
	case q.Node != "" && PodNode(item.Object) != q.Node:
		return false
	}
	return true
}

// Count is how many keys the query's list would read (before selectors on
// the decoded object), with one count-only range, as kube-apiserver counts
// the objects of a resource.
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	if err := q.Validate(); err != nil {
		return 0, err
	}
	ns := q.namespace()
	if len(q.Names) > 0 && (ns != "" || !q.Resource.Namespaced) {
		return len(q.Names), nil
	}
	prefix := s.layout.ResourcePrefix(q.Resource)
	if ns != "" {
		prefix = s.layout.NamespacePrefix(q.Resource, ns)
	}
	rctx, cancel := s.requestContext(ctx)
	defer cancel()
	resp, err := s.client.Get(rctx, prefix, clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix)), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", prefix, s.describe(err))
	}
	return int(resp.Count), nil
}

// decodeAll decrypts and decodes a page of items on every core: decoding,
// not etcd, is what bounds a scan of protobuf objects. needs, when not
// nil, is what the reader reads of each item's resource (Query.Needs).
func (s *Store) decodeAll(ctx context.Context, items []Item, needs func(Resource) *codec.Mask) {
	parallel.For(len(items), func(i int) {
		s.open(ctx, &items[i].Record)
		var mask *codec.Mask
		if needs != nil {
			mask = needs(items[i].Resource)
		}
		items[i].Object, items[i].DecodeErr = decodeStored(items[i].Resource, items[i].Value, mask)
	})
}

// NotFoundError says a named object does not exist.
type NotFoundError struct {
	Key  string
	What KeyInfo
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s not found (no key %s): check the name and -n/--namespace, or --prefix", e.What, e.Key)
}

// PodNode is the node a pod is bound to ("" when unscheduled or not a pod).
func PodNode(obj *codec.Object) string {
	if pod, ok := obj.Typed.(*corev1.Pod); ok {
		return pod.Spec.NodeName
	}
	return obj.NestedString("spec", "nodeName")
}

// DeletionRequested is when a deletion was asked for: the apiserver stores
// deletionTimestamp as that moment plus the grace period (the time the
// object may be removed), which lies in the future during the grace period.
func DeletionRequested(deletionTimestamp time.Time, gracePeriodSeconds *int64) time.Time {
	if gracePeriodSeconds == nil {
		return deletionTimestamp
	}
	return deletionTimestamp.Add(-time.Duration(*gracePeriodSeconds) * time.Second)
}
