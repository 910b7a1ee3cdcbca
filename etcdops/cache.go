package etcdops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
)

// Informer is an in-memory summary of the objects under one key prefix,
// kept current the way client-go's informers and the apiserver's watch cache
// (k8s.io/apiserver pkg/storage/cacher) are: one List at a revision R, then a
// Watch from R+1 whose events replace or delete single entries, decoding only
// the value that changed. A full List happens again only through Resync,
// which the caller runs when the watch ends (ErrCompacted, etcd unreachable).
//
// It keeps, per key, only what its summarize function returns for the
// decoded Item: neither the stored value nor the decoded object, which
// are tens of times larger (a pod is ~5 KiB of protobuf, more decoded):
// 150,000 pods' Items take gigabytes, a table row of each a few hundred
// bytes. Whoever needs the whole object reads it again (Store.GetItem).
//
// An Informer does no I/O on its own: Resync lists and Watch/Next follow
// the watch in the caller's goroutine, so a front end decides where I/O runs.
// It never writes. Its methods are safe for concurrent use.
type Informer[T any] struct {
	store     *Store
	prefix    string
	res       Resource // zero for a raw key informer
	namespace string
	raw       bool
	needs     *codec.Mask
	summarize func(Item) T

	mu      sync.Mutex
	items   map[string]T
	ordered orderedValues[T] // items in key order, kept while it is cheap
	listRev int64            // revision of the last List: events at or below it are in items
	rev     int64            // newest revision seen, by the List or the watch
	epoch   int              // bumped by every Resync: the watches of an older List are ignored
	synced  bool
	lists   int // Resync calls, for tests (export_test.go)
}

// NewInformer caches a summary of each object of one resource: of one
// namespace, or of all when namespace is "" (or the resource is
// cluster-scoped). summarize gets what List returns: decoded (only the
// fields needs keeps, Query.Needs), with malformed and encrypted values
// flagged. It runs on every core while a List's pages arrive, and must not
// keep the Item's Value or Object.
func NewInformer[T any](s *Store, res Resource, namespace string, needs *codec.Mask, summarize func(Item) T) *Informer[T] {
	if !res.Namespaced {
		namespace = ""
	}
	prefix := s.layout.ResourcePrefix(res)
	if namespace != "" {
		prefix = s.layout.NamespacePrefix(res, namespace)
	}
	return &Informer[T]{store: s, prefix: prefix, res: res, namespace: namespace, needs: needs, summarize: summarize, items: map[string]T{}}
}

// NewKeyInformer caches a summary of every key under a raw prefix
// (`lifeboat ls`): summarize gets each value decoded when it can be, its
// KeyInfo parsed when the key names an object.
func NewKeyInformer[T any](s *Store, prefix string, summarize func(Item) T) *Informer[T] {
	return &Informer[T]{store: s, prefix: prefix, raw: true, summarize: summarize, items: map[string]T{}}
}

// Resync lists everything under the prefix (paged, one consistent revision,
// decoded and summarized on every core) and replaces the cache with it. On
// error the cache keeps what it had. Watches started before it are ignored
// from now on: start a new one with Watch.
func (inf *Informer[T]) Resync(ctx context.Context) (int64, error) {
	inf.mu.Lock()
	inf.lists++
	// The first list fills the cache as its pages arrive, so that a front
	// end can show the first page of 150,000 pods at once (Len counts
	// them); a re-list builds a new map and swaps it in whole.
	first := !inf.synced && len(inf.items) == 0
	items, ordered := map[string]T{}, orderedValues[T]{valid: true}
	if first {
		items = inf.items
	}
	inf.mu.Unlock()
	addPage := func(page []Item) {
		summaries := make([]T, len(page))
		parallel.For(len(page), func(i int) { summaries[i] = inf.summarize(page[i]) })
		if first {
			inf.mu.Lock()
			defer inf.mu.Unlock()
		}
		for i, it := range page {
			items[it.Key] = summaries[i]
			if first {
				inf.ordered.add(it.Key, summaries[i])
			} else {
				ordered.add(it.Key, summaries[i])
			}
		}
	}
	var rev int64
	var err error
	if inf.raw {
		rev, err = inf.store.ScanItems(ctx, inf.prefix, nil, func(page []Item) error {
			addPage(page)
			return nil
		})
	} else {
		q := Query{Resource: inf.res, Namespace: inf.namespace, AllNamespaces: inf.namespace == "", Needs: inf.needs}
		rev, err = inf.store.ListPages(ctx, q, func(page []Item) error {
			addPage(page)
			return nil
		})
	}
	if err != nil {
		return rev, err
	}
	inf.mu.Lock()
	defer inf.mu.Unlock()
	if !first {
		inf.ordered = ordered
	}
	inf.items, inf.listRev, inf.rev, inf.synced = items, rev, rev, true
	inf.epoch++
	return rev, nil
}

// orderedValues is an informer's values in key order, as a List delivers
// them: Items hands it out without sorting 150,000 keys again. A watch
// event invalidates it; Items rebuilds it once.
type orderedValues[T any] struct {
	valid  bool
	last   string
	values []T
}

// add appends a value whose key follows every key before it; any other
// key invalidates the order.
func (o *orderedValues[T]) add(key string, v T) {
	if !o.valid || (len(o.values) > 0 && key <= o.last) {
		*o = orderedValues[T]{}
		return
	}
	o.values = append(o.values, v)
	o.last = key
}

// item turns a watched record into the Item List would have returned; false
// when List would have skipped the key.
func (inf *Informer[T]) item(rec Record) (Item, bool) {
	it := Item{Record: rec}
	if inf.raw {
		it.KeyInfo, _ = inf.store.layout.Parse(rec.Key)
		it.Object, it.DecodeErr = DecodeStored(it.Resource, rec.Value)
		if it.DecodeErr != nil {
			it.Object = nil
		}
		return it, true
	}
	info, ok := inf.store.layout.Parse(rec.Key)
	if !ok || (inf.namespace != "" && info.Namespace != inf.namespace) {
		return it, false
	}
	if info.Resource.StoragePath == inf.res.StoragePath {
		info.Resource = inf.res
	}
	it.KeyInfo = info
	it.Object, it.DecodeErr = decodeStored(info.Resource, rec.Value, inf.needs)
	if it.DecodeErr != nil {
		it.Object = nil
		it.DecodeErr = fmt.Errorf("%s: %w", info, it.DecodeErr)
	}
	return it, true
}

// InformerWatch follows the etcd watch of one Resync of an Informer.
type InformerWatch[T any] struct {
	inf   *Informer[T]
	epoch int
	ctx   context.Context
	ch    <-chan WatchEvent
}

// Watch starts the watch that keeps the cache current: from the last
// List's revision + 1, so no change is missed or applied twice. Call it after
// a successful Resync; ctx ends it.
func (inf *Informer[T]) Watch(ctx context.Context) *InformerWatch[T] {
	inf.mu.Lock()
	epoch, from, synced := inf.epoch, inf.listRev+1, inf.synced
	inf.mu.Unlock()
	w := &InformerWatch[T]{inf: inf, epoch: epoch, ctx: ctx}
	if !synced {
		ch := make(chan WatchEvent, 1)
		ch <- WatchEvent{Err: errors.New("informer: Watch before a successful Resync")}
		close(ch)
		w.ch = ch
		return w
	}
	w.ch = inf.store.Watch(ctx, inf.prefix, from)
	return w
}

// informerBatch bounds how many queued events Next applies at once.
const informerBatch = 512

// Next waits for the next watch event, takes every event already queued
// with it, and applies them to the cache: a put replaces the entry (only its
// value is decoded and summarized), a delete removes it. changed says
// whether the cache changed. A non-nil error ends the watch: Resync, then
// Watch again (errors.Is(err, ErrCompacted) when etcd compacted the history
// it needed).
func (w *InformerWatch[T]) Next() (changed bool, err error) {
	ev, ok := <-w.ch
	if !ok {
		return false, w.closed()
	}
	batch := []WatchEvent{ev}
	for len(batch) < informerBatch && ev.Err == nil {
		select {
		case ev, ok = <-w.ch:
			if !ok {
				changed = w.apply(batch)
				return changed, w.closed()
			}
			batch = append(batch, ev)
			continue
		default:
		}
		break
	}
	changed = w.apply(batch)
	if last := batch[len(batch)-1]; last.Err != nil {
		return changed, last.Err
	}
	return changed, nil
}

func (w *InformerWatch[T]) closed() error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("watch %s: closed", w.inf.prefix)
}

// apply decodes and summarizes outside the lock, then applies under it,
// unless a Resync made this watch stale.
func (w *InformerWatch[T]) apply(batch []WatchEvent) bool {
	inf := w.inf
	summaries := make([]T, len(batch))
	keep := make([]bool, len(batch))
	for i, ev := range batch {
		if ev.Err != nil || ev.Deleted || !strings.HasPrefix(ev.Record.Key, inf.prefix) {
			continue
		}
		var it Item
		if it, keep[i] = inf.item(ev.Record); keep[i] {
			summaries[i] = inf.summarize(it)
		}
	}
	inf.mu.Lock()
	defer inf.mu.Unlock()
	if w.epoch != inf.epoch {
		return false
	}
	changed := false
	for i, ev := range batch {
		if ev.Err != nil {
			continue
		}
		if ev.Revision > inf.rev {
			inf.rev = ev.Revision
		}
		// Events at or below the List's revision are in the List already
		// (several keys of one Txn share a revision: compare with the
		// List's, never with the last event's).
		if ev.Record.ModRevision <= inf.listRev || !strings.HasPrefix(ev.Record.Key, inf.prefix) {
			continue
		}
		if ev.Deleted {
			if _, ok := inf.items[ev.Record.Key]; ok {
				delete(inf.items, ev.Record.Key)
				changed = true
			}
			continue
		}
		if keep[i] {
			inf.items[ev.Record.Key] = summaries[i]
			changed = true
		}
	}
	if changed {
		inf.ordered = orderedValues[T]{}
	}
	return changed
}

// Items is a copy of the cache, in key order.
func (inf *Informer[T]) Items() []T {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	if !inf.ordered.valid || len(inf.ordered.values) != len(inf.items) {
		keys := make([]string, 0, len(inf.items))
		for k := range inf.items {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		inf.ordered = orderedValues[T]{valid: true}
		for _, k := range keys {
			inf.ordered.add(k, inf.items[k])
		}
	}
	return slices.Clone(inf.ordered.values)
}

// Range calls fn for every cached summary, in no order, until it returns
// false. fn must not call the informer's methods.
func (inf *Informer[T]) Range(fn func(key string, v T) bool) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	for k, v := range inf.items {
		if !fn(k, v) {
			return
		}
	}
}

// Get is the cached summary of one etcd key.
func (inf *Informer[T]) Get(key string) (T, bool) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	v, ok := inf.items[key]
	return v, ok
}

// Len is the number of cached items.
func (inf *Informer[T]) Len() int {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return len(inf.items)
}

// Revision is the newest etcd revision the cache reflects.
func (inf *Informer[T]) Revision() int64 {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return inf.rev
}

// Synced reports whether a List has filled the cache.
func (inf *Informer[T]) Synced() bool {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return inf.synced
}

// LeaseStatusOf reads a decoded Lease item without decoding it again.
func LeaseStatusOf(it Item) (LeaseStatus, error) {
	switch {
	case it.DecodeErr != nil:
		return LeaseStatus{Namespace: it.Namespace, Name: it.Name, Found: true}, it.DecodeErr
	case it.Object == nil:
		return leaseStatus(it.Namespace, it.Name, it.Value)
	}
	return leaseStatusOf(it.Namespace, it.Name, it.Object)
}
