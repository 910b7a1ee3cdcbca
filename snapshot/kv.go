package snapshot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.etcd.io/etcd/server/v3/storage/schema"
)

// KV is a read-only clientv3.KV over a snapshot file, and with Watcher
// its history. Writes fail. Close it with its Watcher's Close.
type KV struct {
	path      string
	db        *bolt.DB
	keys      []string                 // sorted
	revs      map[string][]snapshotRev // per key, oldest first
	current   int64                    // the newest revision in the file
	compacted int64                    // etcd's compacted revision; 0 when none
}

type snapshotRev struct {
	mvcc.Revision
	tombstone bool
}

// Open opens an etcd snapshot (etcdctl snapshot save) or a member's
// member/snap/db file, read-only, with no etcd running: it checks the file
// (snapshotFile.check), opens it with bbolt and indexes it. Every read of
// the file's memory map goes through guard. A file that is not one is a
// *UsageError; one whose bytes are not what etcd wrote, a *DamagedError.
//
// The file is etcd's bbolt database. Bucket "key" maps each revision
// (8-byte main, '_', 8-byte sub, and a 't' for a tombstone: etcd's
// storage/mvcc revision format) to the mvccpb.KeyValue written then; bucket
// "meta" holds the compacted revision. Opening reads every entry once to
// index key -> revisions in memory (about 150 bytes a key plus 24 a
// revision: 100 MB for 500,000 keys of 4 revisions); values are read from
// the file when asked for.
func Open(ctx context.Context, path string) (*KV, error) {
	sf, err := openSnapshotFile(path)
	if err != nil {
		return nil, err
	}
	defer sf.unmap()
	s := &KV{path: path, revs: map[string][]snapshotRev{}}
	bboltOpened := false
	err = sf.check(ctx, func() error {
		bboltOpened = true
		db, err := bolt.Open(path, 0o400, &bolt.Options{
			ReadOnly: true,
			Timeout:  time.Second,
			// The file checked, still locked: bbolt closes it, even
			// when it fails to open it.
			OpenFile: func(string, int, os.FileMode) (*os.File, error) { return sf.f, nil },
		})
		if err != nil {
			return damaged(path, "bbolt cannot open it: %v", err)
		}
		s.db = db
		return guard(path, func() error {
			return db.View(func(tx *bolt.Tx) error {
				if uint64(tx.ID()) != sf.txid {
					return damaged(path, "bbolt reads transaction %d, lifeboat checked transaction %d", tx.ID(), sf.txid)
				}
				return s.index(tx)
			})
		})
	})
	switch {
	case err == nil:
		sort.Strings(s.keys)
		return s, nil
	case s.db != nil:
		s.db.Close()
	case !bboltOpened:
		sf.f.Close()
	}
	return nil, err
}

// maxRevision bounds the revisions lifeboat believes: 2^53, a million
// writes a second for 285 years. etcd counts revisions from 1 in an int64; a
// larger one, or a negative one, is a bit flipped in a revision's high
// bytes.
const maxRevision = 1 << 53

// index reads every revision of bucket "key" once, and the compacted
// revision from bucket "meta", and checks each record against what etcd
// writes (server/storage/mvcc/kvstore_txn.go): revisions in order, each
// value a KeyValue of its own revision.
func (s *KV) index(tx *bolt.Tx) error {
	keys := tx.Bucket(schema.Key.Name())
	if keys == nil {
		return &UsageError{Err: fmt.Errorf("snapshot %s: no %q bucket: not an etcd v3 data file", s.path, schema.Key.Name())}
	}
	if meta := tx.Bucket(schema.Meta.Name()); meta != nil {
		for _, name := range [][]byte{schema.ScheduledCompactKeyName, schema.FinishedCompactKeyName} {
			v := meta.Get(name)
			if v == nil {
				continue
			}
			r, tombstone, ok := parseRevision(v)
			if !ok || tombstone {
				return damaged(s.path, "bucket meta's %s holds %x, not a revision", name, v)
			}
			s.compacted = max(s.compacted, r.Main)
		}
	}
	var prev []byte
	err := keys.ForEach(func(k, v []byte) error {
		r, tombstone, ok := parseRevision(k)
		switch {
		case !ok || r.Main < 1:
			return damaged(s.path, "bucket key holds %x, not an etcd revision", k)
		case prev != nil && bytes.Equal(prev[:revBytesLen], k[:revBytesLen]):
			return damaged(s.path, "revision %d.%d is stored twice", r.Main, r.Sub)
		case v == nil:
			return damaged(s.path, "revision %d.%d is a bucket, not a value", r.Main, r.Sub)
		}
		prev = k
		var kv mvccpb.KeyValue
		if err := kv.Unmarshal(v); err != nil {
			return damaged(s.path, "revision %d: %v", r.Main, err)
		}
		if err := checkRecord(r, tombstone, &kv); err != nil {
			return damaged(s.path, "revision %d of %q: %v", r.Main, kv.Key, err)
		}
		key := string(kv.Key)
		if _, ok := s.revs[key]; !ok {
			s.keys = append(s.keys, key)
		}
		s.revs[key] = append(s.revs[key], snapshotRev{Revision: r, tombstone: tombstone})
		s.current = max(s.current, r.Main)
		return nil
	})
	// etcd's current revision starts at 1, and is never below the
	// compacted one, even when the compaction removed every key at it
	// (mvcc NewStore, kvstore.restore): a snapshot of an etcd nobody wrote
	// to has no key, and is at revision 1. Watchers wait for a progress
	// notification at a revision, which 0 is not.
	s.current = max(s.current, s.compacted, 1)
	return err
}

// revBytesLen is the length of a revision key without its tombstone mark.
const revBytesLen = 17

// parseRevision reads an etcd revision key (8 bytes main, '_', 8 bytes
// sub, and 't' for a tombstone: mvcc/revision.go), which mvcc.BytesToRev
// would read without a check; ok is false for anything else, and for a
// revision past maxRevision (main or sub negative included).
func parseRevision(b []byte) (r mvcc.Revision, tombstone, ok bool) {
	switch {
	case len(b) == revBytesLen+1 && b[revBytesLen] == 't':
		tombstone = true
	case len(b) != revBytesLen:
		return r, false, false
	}
	if b[8] != '_' {
		return r, false, false
	}
	main, sub := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[9:17])
	if main > maxRevision || sub > maxRevision {
		return r, false, false
	}
	return mvcc.Revision{Main: int64(main), Sub: int64(sub)}, tombstone, true
}

// checkRecord checks the KeyValue stored at revision r: a key, and for a
// put (a tombstone holds only the key) its own revision as mod_revision,
// a create_revision up to it and a version from 1.
func checkRecord(r mvcc.Revision, tombstone bool, kv *mvccpb.KeyValue) error {
	switch {
	case len(kv.Key) == 0:
		return errors.New("no key")
	case tombstone:
		return nil
	case kv.ModRevision != r.Main:
		return fmt.Errorf("its value says it was written at revision %d", kv.ModRevision)
	case kv.CreateRevision < 1 || kv.CreateRevision > r.Main:
		return fmt.Errorf("its value says it was created at revision %d", kv.CreateRevision)
	case kv.Version < 1:
		return fmt.Errorf("its value is of version %d", kv.Version)
	}
	return nil
}

// errSnapshotReadOnly refuses every write to a snapshot.
var errSnapshotReadOnly = errors.New("a snapshot file is read-only: lifeboat writes only to a live etcd (restore ... --from-snapshot FILE puts an object from it back)")

func (s *KV) Put(context.Context, string, string, ...clientv3.OpOption) (*clientv3.PutResponse, error) {
	return nil, errSnapshotReadOnly
}

func (s *KV) Delete(context.Context, string, ...clientv3.OpOption) (*clientv3.DeleteResponse, error) {
	return nil, errSnapshotReadOnly
}

func (s *KV) Compact(context.Context, int64, ...clientv3.CompactOption) (*clientv3.CompactResponse, error) {
	return nil, errSnapshotReadOnly
}

func (s *KV) Txn(context.Context) clientv3.Txn { return readOnlyTxn{} }

func (s *KV) Do(ctx context.Context, op clientv3.Op) (clientv3.OpResponse, error) {
	if !op.IsGet() {
		return clientv3.OpResponse{}, errSnapshotReadOnly
	}
	resp, err := s.Get(ctx, string(op.KeyBytes()), opOptions(op)...)
	if err != nil {
		return clientv3.OpResponse{}, err
	}
	return resp.OpResponse(), nil
}

// opOptions rebuilds the options of a Get op that Get reads.
func opOptions(op clientv3.Op) []clientv3.OpOption {
	opts := []clientv3.OpOption{clientv3.WithRev(op.Rev()), clientv3.WithLimit(op.Limit())}
	if end := op.RangeBytes(); len(end) > 0 {
		opts = append(opts, clientv3.WithRange(string(end)))
	}
	if op.IsKeysOnly() {
		opts = append(opts, clientv3.WithKeysOnly())
	}
	if op.IsCountOnly() {
		opts = append(opts, clientv3.WithCountOnly())
	}
	return opts
}

// Get reads keys as etcd's Range does, with the options lifeboat passes:
// a key or a range (WithRange, WithPrefix, WithFromKey), WithRev,
// WithLimit, WithKeysOnly, WithCountOnly; WithSerializable changes nothing
// here. Keys come in key order.
func (s *KV) Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	op := clientv3.OpGet(key, opts...)
	rev := op.Rev()
	switch {
	case rev > s.current:
		return nil, rpctypes.ErrFutureRev
	case rev > 0 && rev < s.compacted:
		return nil, rpctypes.ErrCompacted
	case rev <= 0:
		rev = s.current
	}
	resp := &clientv3.GetResponse{Header: s.header()}
	err := s.view(func(values *bolt.Bucket) error {
		for _, k := range s.keysIn([]byte(key), op.RangeBytes()) {
			r, ok := s.at(k, rev)
			if !ok {
				continue
			}
			resp.Count++
			if op.IsCountOnly() || (op.Limit() > 0 && int64(len(resp.Kvs)) >= op.Limit()) {
				continue
			}
			kv, err := s.read(values, k, r)
			if err != nil {
				return err
			}
			if op.IsKeysOnly() {
				kv.Value = nil
			}
			resp.Kvs = append(resp.Kvs, kv)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	resp.More = int64(len(resp.Kvs)) < resp.Count && !op.IsCountOnly()
	return resp, ctx.Err()
}

func (s *KV) header() *pb.ResponseHeader {
	return &pb.ResponseHeader{Revision: s.current}
}

// keysIn lists the indexed keys from key up to end, as etcd reads a range:
// no end is the key alone, "\x00" every key from key on.
func (s *KV) keysIn(key, end []byte) []string {
	if len(end) == 0 {
		if _, ok := s.revs[string(key)]; ok {
			return []string{string(key)}
		}
		return nil
	}
	from := sort.SearchStrings(s.keys, string(key))
	to := len(s.keys)
	if !bytes.Equal(end, []byte{0}) {
		to = sort.SearchStrings(s.keys, string(end))
	}
	if from >= to {
		return nil
	}
	return s.keys[from:to]
}

// at is the revision of key current at rev; false when the key did not
// exist then (never written yet, or deleted).
func (s *KV) at(key string, rev int64) (snapshotRev, bool) {
	revs := s.revs[key]
	i := sort.Search(len(revs), func(i int) bool { return revs[i].Main > rev })
	if i == 0 || revs[i-1].tombstone {
		return snapshotRev{}, false
	}
	return revs[i-1], true
}

// view reads bucket "key" in a read transaction, guarded: the file was
// checked whole when it was opened, but it may since have been cut short
// or overwritten under lifeboat (another 'etcdctl snapshot save' to the
// same path), which faults the reads of its map.
func (s *KV) view(read func(values *bolt.Bucket) error) error {
	return guard(s.path, func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			values := tx.Bucket(schema.Key.Name())
			if values == nil {
				return damaged(s.path, "its bucket key is gone: the file changed while lifeboat read it")
			}
			return read(values)
		})
	})
}

// read reads the KeyValue of key written at r, as index found it.
func (s *KV) read(values *bolt.Bucket, key string, r snapshotRev) (*mvccpb.KeyValue, error) {
	k := mvcc.RevToBytes(r.Revision, mvcc.NewRevBytes())
	if r.tombstone {
		k = append(k, 't')
	}
	v := values.Get(k)
	if v == nil {
		return nil, damaged(s.path, "revision %d of %q is gone: the file changed while lifeboat read it", r.Main, key)
	}
	var kv mvccpb.KeyValue
	if err := kv.Unmarshal(v); err != nil {
		return nil, damaged(s.path, "revision %d of %q: %v: the file changed while lifeboat read it", r.Main, key, err)
	}
	if string(kv.Key) != key {
		return nil, damaged(s.path, "revision %d holds %q, not %q: the file changed while lifeboat read it", r.Main, kv.Key, key)
	}
	return &kv, nil
}

// readOnlyTxn refuses every Txn: lifeboat's only Txns are writes.
type readOnlyTxn struct{}

func (t readOnlyTxn) If(...clientv3.Cmp) clientv3.Txn  { return t }
func (t readOnlyTxn) Then(...clientv3.Op) clientv3.Txn { return t }
func (t readOnlyTxn) Else(...clientv3.Op) clientv3.Txn { return t }
func (t readOnlyTxn) Commit() (*clientv3.TxnResponse, error) {
	return nil, errSnapshotReadOnly
}

// snapshotWatcher replays a snapshot's history as etcd replays a watch from
// an old revision: every event from the start revision on, in revision
// order, each with its prev_kv, then a progress notification at the
// snapshot's revision (nothing more ever happens in a file).
type snapshotWatcher struct{ kv *KV }

func (w snapshotWatcher) Watch(ctx context.Context, key string, opts ...clientv3.OpOption) clientv3.WatchChan {
	ch := make(chan clientv3.WatchResponse, 2)
	op := clientv3.OpGet(key, opts...)
	go func() {
		defer close(ch)
		responses := w.kv.replay(op)
		if responses == nil {
			return
		}
		for _, resp := range responses {
			select {
			case ch <- resp:
			case <-ctx.Done():
				return
			}
		}
		<-ctx.Done()
	}()
	return ch
}

// replay is what a watch of op's keys from op.Rev() receives.
func (s *KV) replay(op clientv3.Op) []clientv3.WatchResponse {
	from := max(op.Rev(), 1)
	if from < s.compacted {
		return []clientv3.WatchResponse{{Header: *s.header(), CompactRevision: s.compacted}}
	}
	var events []*clientv3.Event
	err := s.view(func(values *bolt.Bucket) error {
		for _, k := range s.keysIn(op.KeyBytes(), op.RangeBytes()) {
			revs := s.revs[k]
			for i, r := range revs {
				if r.Main < from {
					continue
				}
				ev := &clientv3.Event{Type: mvccpb.PUT}
				kv, err := s.read(values, k, r)
				if err != nil {
					return err
				}
				if r.tombstone {
					ev.Type = mvccpb.DELETE
					kv.ModRevision = r.Main
				}
				ev.Kv = kv
				if i > 0 && !revs[i-1].tombstone {
					if ev.PrevKv, err = s.read(values, k, revs[i-1]); err != nil {
						return err
					}
				}
				events = append(events, ev)
			}
		}
		return nil
	})
	if err != nil {
		// The file changed under lifeboat (it was checked whole when
		// opened): Watch closes the channel, as etcd ends a watch it
		// cannot serve.
		return nil
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Kv.ModRevision < events[j].Kv.ModRevision })
	progress := clientv3.WatchResponse{Header: *s.header()}
	if len(events) == 0 {
		return []clientv3.WatchResponse{progress}
	}
	return []clientv3.WatchResponse{{Header: *s.header(), Events: events}, progress}
}

// RequestProgress is answered already: replay ends with a progress
// notification.
func (w snapshotWatcher) RequestProgress(context.Context) error { return nil }

// Close closes the snapshot file: the Store's Close ends here.
func (w snapshotWatcher) Close() error { return w.kv.db.Close() }

// Watcher is a clientv3.Watcher over the snapshot's history: a watch from
// any revision replays every event from it on (with prev_kv), then a
// progress notification. Its Close closes the file.
func (s *KV) Watcher() clientv3.Watcher { return snapshotWatcher{s} }
