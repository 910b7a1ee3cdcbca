package etcdops

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Record is one etcd key as read: its value and the revisions the apiserver
// derives resourceVersion from.
type Record struct {
	Key            string
	Value          []byte
	ModRevision    int64 // the object's resourceVersion
	CreateRevision int64
	Version        int64
	Lease          int64 // 0 when the key has no lease
	// Stored is what etcd holds when it is not Value: the ciphertext of a
	// value the store decrypted (see Store.open). Writes compare and
	// journal Raw; everything else reads Value.
	Stored []byte
	// DecryptErr says why an encrypted value could not be decrypted with
	// the encryption config given; Value is then the ciphertext.
	DecryptErr error
}

// Raw is what etcd holds for the key.
func (r Record) Raw() []byte {
	if r.Stored != nil {
		return r.Stored
	}
	return r.Value
}

// record is a key etcd returned, decrypted when the store can.
func (s *Store) record(ctx context.Context, kv *mvccpb.KeyValue) Record {
	rec := recordOf(kv)
	s.open(ctx, &rec)
	return rec
}

func recordOf(kv *mvccpb.KeyValue) Record {
	return Record{
		Key:            string(kv.Key),
		Value:          kv.Value,
		ModRevision:    kv.ModRevision,
		CreateRevision: kv.CreateRevision,
		Version:        kv.Version,
		Lease:          kv.Lease,
	}
}

// Get reads one key; found is false when it does not exist.
func (s *Store) Get(ctx context.Context, key string) (rec Record, found bool, err error) {
	rec, found, _, err = s.getAt(ctx, key, 0)
	return rec, found, err
}

// getAt reads one key as it was at revision rev (0: now) and returns the
// revision read at.
func (s *Store) getAt(ctx context.Context, key string, rev int64) (rec Record, found bool, readAt int64, err error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	var opts []clientv3.OpOption
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	resp, err := s.client.Get(ctx, key, opts...)
	if err != nil {
		return Record{}, false, rev, fmt.Errorf("%s: read: %w", key, s.describe(err))
	}
	readAt = resp.Header.Revision
	if rev > 0 {
		readAt = rev
	}
	if len(resp.Kvs) == 0 {
		return Record{}, false, readAt, nil
	}
	return s.record(ctx, resp.Kvs[0]), true, readAt, nil
}

// ScanPageSize is how many objects are decoded and handed on at a time:
// memory stays flat however large the cluster.
const ScanPageSize = 500

// rangeLimit is how many keys one range request returns. etcd counts every
// key in a request's range (mvcc's rangeKeys), so at 150,000 pods pages of
// 500 to the prefix's end cost etcd 14 s of CPU against 6 s for pages of
// 2,000; ranges end near their pages' ends now (rangeEnds), on etcd. The raw
// page is ~10 MB, and it is decoded ScanPageSize objects at a time.
const rangeLimit = 2000

// firstRangeLimit is the first range request's limit: the TUI's first
// screen waits for it, and 500 keys arrive and decode in a fraction of the
// time 2,000 take.
const firstRangeLimit = ScanPageSize

// Scan calls fn for every key under keyPrefix in key order. All pages are
// read at the revision of the first one, so the scan is one consistent
// snapshot even while others write. The next page is fetched while fn works
// on the current one, so decoding overlaps etcd's reads; on etcd its range
// ends a little past where the page is guessed to end (rangeEnds). It
// returns the revision read at.
func (s *Store) Scan(ctx context.Context, keyPrefix string, fn func(Record) error) (int64, error) {
	return s.scanPages(ctx, keyPrefix, func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			if err := fn(s.record(ctx, kv)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScanItems is Scan a page of items at a time: each decoded (on every core)
// when it can be, its KeyInfo parsed when its key names an object. It is
// what `lifeboat ls` and the TUI's :keys show of raw keys, and what doctor
// reads. needs, when not nil, is what the reader reads of the objects of
// each resource (Query.Needs: nil for everything).
func (s *Store) ScanItems(ctx context.Context, keyPrefix string, needs func(Resource) *codec.Mask, fn func([]Item) error) (int64, error) {
	return s.scanPages(ctx, keyPrefix, func(kvs []*mvccpb.KeyValue) error {
		for len(kvs) > 0 {
			chunk := kvs[:min(ScanPageSize, len(kvs))]
			kvs = kvs[len(chunk):]
			page := make([]Item, len(chunk))
			for i, kv := range chunk {
				page[i] = Item{Record: recordOf(kv)}
				page[i].KeyInfo, _ = s.layout.Parse(page[i].Key)
			}
			s.decodeAll(ctx, page, needs)
			if err := fn(page); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScanRaw is Scan a page of stored key-values at a time, nothing decoded:
// the bare read the benchmark holds lifeboat's readers to.
func (s *Store) ScanRaw(ctx context.Context, keyPrefix string, fn func([]*mvccpb.KeyValue) error) (int64, error) {
	return s.scanPages(ctx, keyPrefix, fn)
}

// scanPages is Scan a page at a time.
func (s *Store) scanPages(ctx context.Context, keyPrefix string, fn func([]*mvccpb.KeyValue) error) (int64, error) {
	return s.scanPagesAt(ctx, keyPrefix, 0, fn)
}

// scanPagesAt is scanPages at revision rev (0: now), each range with the
// options extra (clientv3.WithKeysOnly) too.
func (s *Store) scanPagesAt(ctx context.Context, keyPrefix string, rev int64, fn func([]*mvccpb.KeyValue) error, extra ...clientv3.OpOption) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// kine (k3s) serves a range as a listing of the "directory" its range
	// end names (pkg/server/list.go: the end minus one, up to and with a
	// "/"), so "/registry/pods/sh" would list /registry/pods/sh/ and miss
	// every shop pod. Range over the directory from keyPrefix on, as the
	// apiserver pages, and stop at the first key past keyPrefix: the same
	// keys from etcd, and the same request when keyPrefix ends in "/".
	dir := keyPrefix
	if i := strings.LastIndexByte(keyPrefix, '/'); i >= 0 && i < len(keyPrefix)-1 {
		dir = keyPrefix[:i+1]
	}
	ends := rangeEnds{origin: dir, scanEnd: clientv3.GetPrefixRangeEnd(dir)}
	fetch := func(start, end string, rev int64, limit int64) <-chan scanPage {
		ch := make(chan scanPage, 1)
		go func() {
			opts := append([]clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(limit)}, extra...)
			if rev > 0 {
				opts = append(opts, clientv3.WithRev(rev))
			}
			rctx, cancel := s.requestContext(ctx)
			defer cancel()
			resp, err := s.client.Get(rctx, start, opts...)
			ch <- scanPage{resp, start, end, err}
		}()
		return ch
	}
	// The first page is small: a screen shows it while the rest loads.
	next := fetch(keyPrefix, ends.scanEnd, rev, min(s.rangeLimit, firstRangeLimit))
	for {
		page := <-next
		if page.err != nil {
			return rev, fmt.Errorf("scan %s: %w", keyPrefix, s.describe(page.err))
		}
		if rev == 0 {
			rev = page.resp.Header.Revision
		}
		kvs := page.resp.Kvs
		more := page.resp.More && len(kvs) > 0
		var from string // where the next request starts; "": none
		switch {
		case more:
			// The next page starts just after the last key of this one.
			from = string(kvs[len(kvs)-1].Key) + "\x00"
		case page.end != ends.scanEnd:
			// The range was a guess and held no more: go on from its end.
			from = page.end
		}
		if past := sort.Search(len(kvs), func(i int) bool { return !bytes.HasPrefix(kvs[i].Key, []byte(keyPrefix)) }); past < len(kvs) {
			kvs, from = kvs[:past], ""
		}
		if from != "" {
			end := ends.scanEnd
			if boundsRanges(page.resp.Header) {
				var first, last []byte
				if len(kvs) > 0 {
					first, last = kvs[0].Key, kvs[len(kvs)-1].Key
				}
				ends.observe(page.start, page.end, len(kvs), first, last, more)
				end = ends.after(from, s.rangeLimit)
			}
			next = fetch(from, end, rev, s.rangeLimit)
		}
		if err := fn(kvs); err != nil {
			return rev, err
		}
		if from == "" {
			return rev, nil
		}
	}
}

type scanPage struct {
	resp       *clientv3.GetResponse
	start, end string // the range the page was asked for
	err        error
}
