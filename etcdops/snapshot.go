package etcdops

import (
	"context"
	"errors"

	"github.com/lifeboat-k8s/lifeboat/snapshot"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// SnapshotDamagedError is a snapshot file whose bytes are not what etcd or
// etcdctl wrote (package snapshot): OpenSnapshot refuses it before reading
// from it; a read fails with it when the file changes while lifeboat has
// it open.
type SnapshotDamagedError = snapshot.DamagedError

// OpenSnapshot opens an etcd snapshot (etcdctl snapshot save) or a member's
// member/snap/db file, read-only, with no etcd running, as a Store: every
// read (Get, Scan, List, History, Deletions) works on it as on a live etcd
// at the snapshot's revision; every write is refused (docs/design.md,
// "History, restore and snapshots"). Package snapshot reads the file and
// serves it as a read-only clientv3.KV and Watcher; the Store reads them
// as it reads a live etcd's.
func OpenSnapshot(ctx context.Context, path, prefix string) (*Store, error) {
	snap, err := snapshot.Open(ctx, path)
	if err != nil {
		var usage *snapshot.UsageError
		if errors.As(err, &usage) {
			return nil, &UsageError{Err: err}
		}
		return nil, err
	}
	cli := clientv3.NewCtxClient(ctx)
	cli.KV = snap
	cli.Watcher = snap.Watcher()
	s := NewStore(cli, prefix, true)
	s.endpoints = []string{"snapshot " + path}
	s.snapshot = path
	s.ownClient = true // Close closes the Watcher, which closes the file
	return s, nil
}
