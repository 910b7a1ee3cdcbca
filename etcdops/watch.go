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
