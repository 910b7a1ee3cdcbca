package etcdops

import (
	"context"
	"fmt"
	"net/url"
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

// progressPoll is how often Deletions asks etcd whether its watch has
// caught up: etcd answers a progress request only once the watcher has
// sent every event up to the current revision (3.4 and 3.5+ alike; kine
// answers it too), and says nothing while it is still catching up.
const progressPoll = 50 * time.Millisecond

// Deletions lists the deletes of key, or of every key under it when prefix
// is set, from the oldest revision etcd keeps up to revision upTo, oldest
// first. compacted is etcd's compacted revision (0 when it keeps
// everything): deletes before it are gone.
//
// etcd has no request that lists deleted keys; a watch does, replaying
// history: a watch from revision 1 tells the compacted revision (its first
// response carries CompactRevision), a second one from there replays every
// event with its prev_kv. The replay ends when a progress notification
// says the watcher has caught up to upTo.
func (s *Store) Deletions(ctx context.Context, key string, prefix bool, upTo int64) (dels []Deletion, compacted int64, err error) {
	from := int64(1)
	for range 3 {
		dels, past, err := s.replayDeletes(ctx, key, prefix, from, upTo)
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
func (s *Store) replayDeletes(ctx context.Context, key string, prefix bool, from, upTo int64) (dels []Deletion, compactedPast int64, err error) {
	// A gRPC watch stream of its own (clientv3 shares one per outgoing
	// metadata): etcd answers a progress request only once every watcher
	// on the stream has caught up, and the TUI's informers watch on the
	// shared one. gRPC sends metadata only as printable ASCII, and a key
	// may hold any bytes: escaped, it still tells the streams apart.
	ctx = metadata.AppendToOutgoingContext(ctx, "lifeboat-replay", url.PathEscape(key))
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithRev(from), clientv3.WithPrevKV()}
	if prefix {
		opts = append(opts, clientv3.WithPrefix())
	}
	wch := s.client.Watch(ctx, key, opts...)
	poll := time.NewTicker(progressPoll)
	defer poll.Stop()
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
				if ev.Type != clientv3.EventTypeDelete {
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
			}
			if resp.IsProgressNotify() && resp.Header.Revision >= upTo {
				return dels, 0, nil
			}
		}
	}
}
