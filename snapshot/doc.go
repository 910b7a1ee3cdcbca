// Package snapshot reads an etcd snapshot (etcdctl snapshot save) or a
// member's db file without an etcd: Open checks the file (a regular file,
// etcd's bbolt database, not damaged: DamagedError says where it is not)
// and returns a read-only clientv3.KV over every revision it holds, with
// a Watcher over its history. It writes nothing, ever.
//
// The engine (package etcdops) builds a Store over it (OpenSnapshot), so
// that get, history, restore --from-snapshot and the TUI read a snapshot
// as they read a live etcd; snapshot imports no lifeboat package but
// internal/regularfile.
package snapshot
