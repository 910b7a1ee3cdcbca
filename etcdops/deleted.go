package etcdops

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"
)

// Deletion is one delete of a key that etcd's history still holds.
type Deletion struct {
	KeyInfo
	Revision int64  // the revision of the delete
	Prev     Record // the last version before the delete
}

// progressPoll is how often Deletions asks kine whether its watch has
// caught up: kine answers a progress request once the watch is synced.
const progressPoll = 50 * time.Millisecond

// Deletions lists the deletes of key, or of every key under it when prefix
// is set, from the oldest revision etcd keeps up to revision upTo, oldest
// first. compacted is etcd's compacted revision (0 when it keeps
// everything): deletes before it are gone.
//
// etcd has no request that lists deleted keys; a watch does, replaying
// history: a watch from revision 1 tells the compacted revision (its first
// response carries CompactRevision), a second one from there replays every
// event with its prev_kv. The replay must know when it has seen every
// event up to upTo, and a watch of the key alone cannot tell: after its last
// event it is silent, and a progress notification is no proof (etcd 3.4
// may send one before the watcher caught up, and lifeboat then missed
// deletes in most runs). So on etcd the replay watches every key and ends on
// upTo's own event, which exists (upTo is a revision etcd reported, and
// every revision is a write) and comes after every event before it; it
// keeps key's deletes. That reads the whole history etcd keeps, which
// kube-apiserver compacts every five minutes and which is quiet while it
// is down. kine (k3s) serves a watch of one prefix only; there the replay
// ends on kine's progress answer, which kine sends only once the watch is
// synced.
func (s *Store) Deletions(ctx context.Context, key string, prefix bool, upTo int64) (dels []Deletion, compacted int64, err error) {
	return s.deletions(ctx, replayOf{key: key, prefix: prefix}, upTo)
}

// DeletionsOf lists the deletes of each of keys (those deleted only), as
// Deletions does, in
// one replay of etcd's history rather than one per key (on kine, which
// watches one prefix at a time, one per key).
func (s *Store) DeletionsOf(ctx context.Context, keys []string, upTo int64) (map[string][]Deletion, int64, error) {
	out := map[string][]Deletion{}
	if len(keys) == 0 {
		return out, 0, nil
	}
	if s.servesOnlyPrefixWatches(ctx) {
		var compacted int64
		for _, key := range keys {
			dels, c, err := s.Deletions(ctx, key, false, upTo)
			if err != nil {
				return nil, 0, err
			}
			if len(dels) > 0 {
				out[key] = dels
			}
			compacted = max(compacted, c)
		}
		return out, compacted, nil
	}
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	dels, compacted, err := s.deletions(ctx, replayOf{key: fmt.Sprintf("%d keys", len(keys)), keys: set}, upTo)
	for _, d := range dels {
		out[d.Prev.Key] = append(out[d.Prev.Key], d)
	}
	return out, compacted, err
}

// replayOf is what a replay keeps the deletes of: key (and every key
// under it, with prefix), or the keys of a set.
type replayOf struct {
	key    string
	prefix bool
	keys   map[string]bool
}

func (r replayOf) wanted(k []byte) bool {
	if r.keys != nil {
		return r.keys[string(k)]
	}
	return string(k) == r.key || r.prefix && strings.HasPrefix(string(k), r.key)
}

func (s *Store) deletions(ctx context.Context, of replayOf, upTo int64) (dels []Deletion, compacted int64, err error) {
	key := of.key
	from := int64(1)
	for range 3 {
		dels, past, err := s.replayDeletes(ctx, of, from, upTo)
		if err != nil || past == 0 {
			return dels, compacted, err
		}
		// Replay from the compacted revision; a compaction while
		// replaying moves it again.
		from, compacted = past, past
	}
	return nil, 0, fmt.Errorf("watch %s: etcd kept compacting while lifeboat replayed its history: try again", key)
}

// replayDeletes replays the events of key from revision from up to upTo
// and keeps the deletes. When etcd compacted past from, it returns the
// compacted revision instead.
func (s *Store) replayDeletes(ctx context.Context, of replayOf, from, upTo int64) (dels []Deletion, compactedPast int64, err error) {
	key, prefix := of.key, of.prefix
	// A gRPC watch stream of its own (clientv3 shares one per outgoing
	// metadata): etcd answers a progress request only once every watcher
	// on the stream has caught up, and the TUI's informers watch on the
	// shared one. gRPC sends metadata only as printable ASCII, and a key
	// may hold any bytes: escaped, it still tells the streams apart.
	if from > upTo {
		return nil, 0, nil
	}
	ctx = metadata.AppendToOutgoingContext(ctx, "lifeboat-replay", url.PathEscape(key))
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	kine := s.servesOnlyPrefixWatches(ctx)
	opts := []clientv3.OpOption{clientv3.WithRev(from), clientv3.WithPrevKV()}
	watched := key
	switch {
	case !kine:
		// Every key: the replay ends on upTo's event, whatever its key.
		watched = "\x00"
		opts = append(opts, clientv3.WithFromKey())
	case prefix:
		opts = append(opts, clientv3.WithPrefix(), clientv3.WithProgressNotify())
	default:
		// kine sends progress only to watches that ask for it.
		opts = append(opts, clientv3.WithProgressNotify())
	}
	wch := s.client.Watch(ctx, watched, opts...)
	poll := time.NewTicker(progressPoll)
	defer poll.Stop()
	if !kine {
		poll.Stop()
	}
	idle := time.NewTimer(s.timeout)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("watch %s: %w", key, ctx.Err())
		case <-idle.C:
			return nil, 0, fmt.Errorf("watch %s: %w", key, s.describe(context.DeadlineExceeded))
		case <-poll.C:
			// Errors come back on the watch channel, or as the idle
			// timeout.
			_ = s.client.RequestProgress(ctx)
		case resp, ok := <-wch:
			if !ok {
				return nil, 0, fmt.Errorf("watch %s: etcd closed the watch (unreachable or no leader)", key)
			}
			idle.Reset(s.timeout)
			if resp.CompactRevision != 0 {
				return nil, resp.CompactRevision, nil
			}
			if err := resp.Err(); err != nil {
				return nil, 0, fmt.Errorf("watch %s: %w", key, s.describe(err))
			}
			for _, ev := range resp.Events {
				if ev.Kv.ModRevision > upTo {
					return dels, 0, nil
				}
				done := ev.Kv.ModRevision == upTo && !kine
				if ev.Type != clientv3.EventTypeDelete || !of.wanted(ev.Kv.Key) {
					if done && lastOfRevision(resp.Events, ev) {
						return dels, 0, nil
					}
					continue
				}
				d := Deletion{Revision: ev.Kv.ModRevision}
				d.KeyInfo, _ = s.layout.Parse(string(ev.Kv.Key))
				if ev.PrevKv != nil {
					d.Prev = s.record(ctx, ev.PrevKv)
				} else {
					d.Prev = Record{Key: string(ev.Kv.Key)}
				}
				dels = append(dels, d)
				if done && lastOfRevision(resp.Events, ev) {
					return dels, 0, nil
				}
			}
			if kine && resp.IsProgressNotify() && resp.Header.Revision >= upTo {
				return dels, 0, nil
			}
		}
	}
}

// lastOfRevision reports whether ev is the last event of its revision in
// events: a Txn's events share a revision and arrive in one response.
func lastOfRevision(events []*clientv3.Event, ev *clientv3.Event) bool {
	return events[len(events)-1] == ev || events[slices.Index(events, ev)+1].Kv.ModRevision != ev.Kv.ModRevision
}

// servesOnlyPrefixWatches reports whether the store is kine (k3s), which
// watches one prefix. An etcd member's Status names a raft term (at least
// one election happened); kine answers Status without raft, or fails it.
func (s *Store) servesOnlyPrefixWatches(ctx context.Context) bool {
	s.kineOnce.Do(func() {
		ctx, cancel := s.requestContext(ctx)
		defer cancel()
		for _, ep := range s.client.Endpoints() {
			if st, err := s.client.Status(ctx, ep); err == nil && st.RaftTerm > 0 {
				return
			}
		}
		s.kine = true
	})
	return s.kine
}
