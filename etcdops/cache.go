package etcdops

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Informer is an in-memory copy of the objects under one key prefix, kept
// current the way client-go's informers and the apiserver's watch cache
// (k8s.io/apiserver pkg/storage/cacher) are: one List at a revision R, then a
// Watch from R+1 whose events replace or delete single entries, decoding only
// the value that changed. A full List happens again only through Resync,
// which the caller runs when the watch ends (ErrCompacted, etcd unreachable).
//
// An Informer does no I/O on its own: Resync lists and Watch/Next follow
// the watch in the caller's goroutine, so a front end decides where I/O runs.
// It never writes. Its methods are safe for concurrent use.
type Informer struct {
	store     *Store
	prefix    string
	res       Resource // zero for a raw key informer
	namespace string
	raw       bool

	mu      sync.Mutex
	items   map[string]Item
	listRev int64 // revision of the last List: events at or below it are in items
	rev     int64 // newest revision seen, by the List or the watch
	epoch   int   // bumped by every Resync: the watches of an older List are ignored
	synced  bool
	lists   int
}

// NewInformer caches the objects of one resource: of one namespace, or of
// all when namespace is "" (or the resource is cluster-scoped). Items are
// what List returns: decoded, with malformed and encrypted values flagged.
func (s *Store) NewInformer(res Resource, namespace string) *Informer {
	if !res.Namespaced {
		namespace = ""
	}
	prefix := s.layout.ResourcePrefix(res)
	if namespace != "" {
		prefix = s.layout.NamespacePrefix(res, namespace)
	}
	return &Informer{store: s, prefix: prefix, res: res, namespace: namespace, items: map[string]Item{}}
}

// NewKeyInformer caches every key under a raw prefix (`lifeboat ls`): each
// value decoded when it can be, its KeyInfo parsed when the key names an
// object.
func (s *Store) NewKeyInformer(prefix string) *Informer {
	return &Informer{store: s, prefix: prefix, raw: true, items: map[string]Item{}}
}

// Prefix is the key prefix the informer lists and watches.
func (inf *Informer) Prefix() string { return inf.prefix }

// Resync lists everything under the prefix (paged, one consistent revision,
// decoded on every core) and replaces the cache with it. On error the cache
// keeps what it had. Watches started before it are ignored from now on:
// start a new one with Watch.
func (inf *Informer) Resync(ctx context.Context) (int64, error) {
	inf.mu.Lock()
	inf.lists++
	inf.mu.Unlock()
	items := map[string]Item{}
	// The first list fills the cache as its pages arrive, so that a front
	// end can show the first page of 150,000 pods at once (Loaded counts
	// them); a re-list builds a new map and swaps it in whole.
	inf.mu.Lock()
	first := !inf.synced && len(inf.items) == 0
	if first {
		items = inf.items
		if items == nil {
			items = map[string]Item{}
			inf.items = items
		}
	}
	inf.mu.Unlock()
	add := func(it Item) {
		if first {
			inf.mu.Lock()
			defer inf.mu.Unlock()
		}
		items[it.Key] = it
	}
	var rev int64
	var err error
	if inf.raw {
		rev, err = inf.store.scanPages(ctx, inf.prefix, func(page []*mvccpb.KeyValue) error {
			batch := make([]Item, len(page))
			for i, kv := range page {
				batch[i] = Item{Record: recordOf(kv)}
				batch[i].KeyInfo, _ = inf.store.layout.Parse(batch[i].Key)
			}
			decodeAll(batch)
			for _, it := range batch {
				if it.DecodeErr != nil {
					it.Object = nil
				}
				add(it)
			}
			return nil
		})
	} else {
		q := Query{Resource: inf.res, Namespace: inf.namespace, AllNamespaces: inf.namespace == ""}
		rev, err = inf.store.List(ctx, q, func(it Item) error {
			add(it)
			return nil
		})
	}
	if err != nil {
		return rev, err
	}
	inf.mu.Lock()
	defer inf.mu.Unlock()
	inf.items, inf.listRev, inf.rev, inf.synced = items, rev, rev, true
	inf.epoch++
	return rev, nil
}

// item turns a watched record into the Item List would have returned; false
// when List would have skipped the key.
func (inf *Informer) item(rec Record) (Item, bool) {
	it := Item{Record: rec}
	if inf.raw {
		it.KeyInfo, _ = inf.store.layout.Parse(rec.Key)
		it.Object, it.DecodeErr = codec.Decode(rec.Value)
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
	it.Object, it.DecodeErr = codec.Decode(rec.Value)
	if it.DecodeErr != nil {
		it.Object = nil
		it.DecodeErr = fmt.Errorf("%s: %w", info, it.DecodeErr)
	}
	return it, true
}

// InformerWatch follows the etcd watch of one Resync of an Informer.
type InformerWatch struct {
	inf   *Informer
	epoch int
	ctx   context.Context
	ch    <-chan WatchEvent
}

// Watch starts the watch that keeps the cache current: from the last
// List's revision + 1, so no change is missed or applied twice. Call it after
// a successful Resync; ctx ends it.
func (inf *Informer) Watch(ctx context.Context) *InformerWatch {
	inf.mu.Lock()
	epoch, from, synced := inf.epoch, inf.listRev+1, inf.synced
	inf.mu.Unlock()
	w := &InformerWatch{inf: inf, epoch: epoch, ctx: ctx}
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
// value is decoded), a delete removes it. changed says whether the cache
// changed. A non-nil error ends the watch: Resync, then Watch again
// (errors.Is(err, ErrCompacted) when etcd compacted the history it needed).
func (w *InformerWatch) Next() (changed bool, err error) {
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

func (w *InformerWatch) closed() error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("watch %s: closed", w.inf.prefix)
}

// apply decodes outside the lock, then applies under it, unless a Resync
// made this watch stale.
func (w *InformerWatch) apply(batch []WatchEvent) bool {
	inf := w.inf
	decoded := make([]Item, len(batch))
	keep := make([]bool, len(batch))
	for i, ev := range batch {
		if ev.Err != nil || ev.Deleted || !strings.HasPrefix(ev.Record.Key, inf.prefix) {
			continue
		}
		decoded[i], keep[i] = inf.item(ev.Record)
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
			inf.items[ev.Record.Key] = decoded[i]
			changed = true
		}
	}
	return changed
}

// Items is a copy of the cache, in key order.
func (inf *Informer) Items() []Item {
	inf.mu.Lock()
	out := make([]Item, 0, len(inf.items))
	for _, it := range inf.items {
		out = append(out, it)
	}
	inf.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Range calls fn for every cached item, in no order, until it returns false.
// fn must not call the informer's methods.
func (inf *Informer) Range(fn func(Item) bool) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	for _, it := range inf.items {
		if !fn(it) {
			return
		}
	}
}

// Get is one cached item by etcd key.
func (inf *Informer) Get(key string) (Item, bool) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	it, ok := inf.items[key]
	return it, ok
}

// Len is the number of cached items.
func (inf *Informer) Len() int {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return len(inf.items)
}

// Revision is the newest etcd revision the cache reflects.
func (inf *Informer) Revision() int64 {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return inf.rev
}

// Synced reports whether a List has filled the cache.
func (inf *Informer) Synced() bool {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return inf.synced
}

// Lists is how many full Lists (Resync calls) the informer has made.
func (inf *Informer) Lists() int {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	return inf.lists
}

// LeaseStatusOf reads a cached Lease item without decoding it again.
func LeaseStatusOf(it Item) (LeaseStatus, error) {
	switch {
	case it.DecodeErr != nil:
		return LeaseStatus{Namespace: it.Namespace, Name: it.Name, Found: true}, it.DecodeErr
	case it.Object == nil:
		return leaseStatus(it.Namespace, it.Name, it.Value)
	}
	return leaseStatusOf(it.Namespace, it.Name, it.Object)
}
