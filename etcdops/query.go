package etcdops

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Item is one stored object: its key facts and, when it decodes, the object.
type Item struct {
	Record
	KeyInfo
	Object    *codec.Object // nil when DecodeErr is set
	DecodeErr error         // the value is malformed: reported, never written
}

// Encrypted reports whether the value is encrypted at rest (lifeboat shows its
// provider and key name but cannot edit it).
func (it Item) Encrypted() bool {
	return it.Object != nil && it.Object.Format == codec.FormatEncrypted
}

// Query selects objects of one resource the way kubectl does.
type Query struct {
	Resource      Resource
	Namespace     string // "" with AllNamespaces false means "default", as kubectl
	AllNamespaces bool
	Names         []string
	Selector      labels.Selector // nil selects everything
	Node          string          // pods only: spec.nodeName
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

func (q Query) namespace() string {
	if !q.Resource.Namespaced || q.AllNamespaces {
		return ""
	}
	if q.Namespace == "" {
		return "default"
	}
	return q.Namespace
}

// Validate rejects selections that cannot mean what the user wants.
func (q Query) Validate() error {
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
	if err := q.Validate(); err != nil {
		return 0, err
	}
	ns := q.namespace()
	// selected parses a key and says whether the query wants it; decode
	// turns it into an Item; emit applies the selectors that need the
	// decoded object and calls fn.
	selected := func(key string) (KeyInfo, bool) {
		info, ok := s.layout.Parse(key)
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
	emit := func(item Item) error {
		switch {
		case item.DecodeErr != nil:
			item.Object = nil
			item.DecodeErr = fmt.Errorf("%s: %w", item.KeyInfo, item.DecodeErr)
			return fn(item)
		case item.Encrypted():
			return fn(item)
		case q.Selector != nil && !q.Selector.Matches(labels.Set(item.Object.Meta.Labels)):
			return nil
		case q.Node != "" && PodNode(item.Object) != q.Node:
			return nil
		}
		return fn(item)
	}
	visit := func(rec Record) error {
		info, ok := selected(rec.Key)
		if !ok {
			return nil
		}
		item := Item{Record: rec, KeyInfo: info}
		item.Object, item.DecodeErr = codec.Decode(rec.Value)
		return emit(item)
	}

	// Named objects in a known namespace (or cluster-scoped): read just those.
	if len(q.Names) > 0 && (ns != "" || !q.Resource.Namespaced) {
		var rev int64
		for _, name := range q.Names {
			key := s.layout.Key(q.Resource, ns, name)
			resp, err := s.client.Get(ctx, key)
			if err != nil {
				return rev, fmt.Errorf("%s: read: %w", key, err)
			}
			rev = resp.Header.Revision
			if len(resp.Kvs) == 0 {
				return rev, &NotFoundError{Key: key, What: KeyInfo{Resource: q.Resource, Namespace: ns, Name: name}}
			}
			if err := visit(recordOf(resp.Kvs[0])); err != nil {
				return rev, err
			}
		}
		return rev, nil
	}
	prefix := s.layout.ResourcePrefix(q.Resource)
	if ns != "" {
		prefix = s.layout.NamespacePrefix(q.Resource, ns)
	}
	return s.scanPages(ctx, prefix, func(page []*mvccpb.KeyValue) error {
		items := make([]Item, 0, len(page))
		for _, kv := range page {
			if info, ok := selected(string(kv.Key)); ok {
				items = append(items, Item{Record: recordOf(kv), KeyInfo: info})
			}
		}
		decodeAll(items)
		for _, item := range items {
			if err := emit(item); err != nil {
				return err
			}
		}
		return nil
	})
}

// decodeAll decodes a page of items on every core: decoding, not etcd, is
// what bounds a scan of protobuf objects.
func decodeAll(items []Item) {
	workers := min(runtime.GOMAXPROCS(0), len(items))
	if workers <= 1 {
		for i := range items {
			items[i].Object, items[i].DecodeErr = codec.Decode(items[i].Value)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (len(items) + workers - 1) / workers
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(start+chunk, len(items))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range part {
				part[i].Object, part[i].DecodeErr = codec.Decode(part[i].Value)
			}
		}()
	}
	wg.Wait()
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
