package etcdops

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// WatchEvent is one change under a watched prefix, or the error that ended
// the watch.
type WatchEvent struct {
	// Record is the key as written; for a delete only Key and ModRevision
	// (the revision of the delete) are set.
	Record  Record
	Deleted bool
	// Prev is the key as it was before the event (etcd's prev_kv), nil
	// when the event created it or etcd no longer had it.
	Prev *Record
	// Revision is the etcd revision of the response that carried the event:
	// the cluster revision the watcher has caught up to.
	Revision int64
	// Err, when set, is the last event: the watch ended (compaction, etcd
	// unreachable, canceled) and must be restarted after a fresh List.
	Err error
}

// ErrCompacted says a watch started from a revision etcd no longer keeps:
// the caller must list again and watch from the list's revision.
var ErrCompacted = errors.New("etcd compacted the history the watch needed")

// Watch follows every change under keyPrefix from fromRevision on (0: from
// now), as the apiserver's watch cache does (pkg/storage/etcd3/watcher.go:
// a prefix watch from the revision of the last list). Events come in
// revision order on the returned channel, which is closed when ctx is done
// or after an event with Err set. It never writes.
//
// Watching needs a leader: without one (etcd partitioned), the watch ends
// with an error instead of hanging silently, so a front end can tell the
// operator and retry.
func (s *Store) Watch(ctx context.Context, keyPrefix string, fromRevision int64) <-chan WatchEvent {
	out := make(chan WatchEvent, 64)
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV()}
	if fromRevision > 0 {
		opts = append(opts, clientv3.WithRev(fromRevision))
	}
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	wch := s.client.Watch(wctx, keyPrefix, opts...)
	send := func(ev WatchEvent) bool {
		select {
		case out <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(out)
		defer cancel()
		for resp := range wch {
			if resp.CompactRevision != 0 {
				send(WatchEvent{Revision: resp.Header.Revision, Err: fmt.Errorf("watch %s from revision %d: %w (compacted up to %d): list again", keyPrefix, fromRevision, ErrCompacted, resp.CompactRevision)})
				return
			}
			if err := resp.Err(); err != nil {
				if errors.Is(err, rpctypes.ErrCompacted) {
					err = fmt.Errorf("%w: %v", ErrCompacted, err)
				}
				send(WatchEvent{Revision: resp.Header.Revision, Err: fmt.Errorf("watch %s: %w", keyPrefix, err)})
				return
			}
			for _, ev := range resp.Events {
				we := WatchEvent{Record: s.record(ctx, ev.Kv), Revision: resp.Header.Revision}
				if ev.Type == clientv3.EventTypeDelete {
					we.Deleted = true
					we.Record = Record{Key: string(ev.Kv.Key), ModRevision: ev.Kv.ModRevision}
				}
				if ev.PrevKv != nil {
					prev := s.record(ctx, ev.PrevKv)
					we.Prev = &prev
				}
				if !send(we) {
					return
				}
			}
			if fromRevision <= resp.Header.Revision {
				fromRevision = resp.Header.Revision + 1
			}
		}
		// The client closes the channel when ctx ends or the client closes.
		if ctx.Err() == nil {
			send(WatchEvent{Err: fmt.Errorf("watch %s: etcd closed the watch (unreachable or no leader)", keyPrefix)})
		}
	}()
	return out
}

// ItemEventType is what happened to an object, in the words of a
// Kubernetes watch.
type ItemEventType string

const (
	Added    ItemEventType = "ADDED"
	Modified ItemEventType = "MODIFIED"
	Deleted  ItemEventType = "DELETED"
)

// ItemEvent is one change to an object a query selects, or the error that
// ended the watch.
type ItemEvent struct {
	Type ItemEventType
	// Item is the object as written; for DELETED, as it was last (its
	// ModRevision is the revision of the delete).
	Item     Item
	Revision int64
	Err      error
}

// WatchItems follows the objects q selects from fromRevision on (0: now),
// as a Kubernetes watch with the same selectors delivers them: an object
// that starts to match is ADDED, one that stops matching (its labels
// changed) is DELETED, as kube-apiserver's watch cache filters events.
// Values that do not decode are delivered with DecodeErr set, as List
// delivers them. The channel closes when ctx is done or after an event
// with Err set. It never writes.
func (s *Store) WatchItems(ctx context.Context, q Query, fromRevision int64) <-chan ItemEvent {
	out := make(chan ItemEvent, 64)
	if err := q.Validate(); err != nil {
		out <- ItemEvent{Err: err}
		close(out)
		return out
	}
	ns := q.namespace()
	prefix := s.layout.ResourcePrefix(q.Resource)
	if ns != "" {
		prefix = s.layout.NamespacePrefix(q.Resource, ns)
	}
	// item decodes a record the query's key selection wants and says
	// whether the query keeps it.
	item := func(rec *Record) (Item, bool) {
		if rec == nil {
			return Item{}, false
		}
		info, ok := q.selectKey(s.layout, ns, rec.Key)
		if !ok {
			return Item{}, false
		}
		it := Item{Record: *rec, KeyInfo: info}
		it.Object, it.DecodeErr = DecodeStored(it.Resource, it.Value)
		return it, q.keep(&it)
	}
	go func() {
		defer close(out)
		for ev := range s.Watch(ctx, prefix, fromRevision) {
			ie := ItemEvent{Revision: ev.Revision, Err: ev.Err}
			if ev.Err == nil {
				prev, wasIn := item(ev.Prev)
				cur, isIn := Item{}, false
				if !ev.Deleted {
					cur, isIn = item(&ev.Record)
				}
				switch {
				case isIn && wasIn:
					ie.Type, ie.Item = Modified, cur
				case isIn:
					ie.Type, ie.Item = Added, cur
				case wasIn:
					prev.ModRevision = ev.Record.ModRevision
					ie.Type, ie.Item = Deleted, prev
				default:
					continue
				}
			}
			select {
			case out <- ie:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
