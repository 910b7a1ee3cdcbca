package etcdops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/journal"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A Txn whose response is lost (its leader failed with the proposal in
// flight, its connection was reset, its deadline passed) may or may not
// have been applied, and etcd has no way to ask about a request: only about
// keys. So lifeboat settles such a write by reading its key, with the rule
// below, and never by guessing: guessing "not written" and stopping leaves
// writes unreported (they are in etcd, not in the journal's commits);
// guessing either way and carrying on reports what did not happen.
//
// Sending the same Txn again is safe whatever happened to the first: both
// compare the key's mod_revision with the one read, and the first write of
// the two that applies changes it, so the other fails its compare. What
// has to be settled is what to report and journal, and whether to send it
// again at all.

// Resolution is how lifeboat settled a write whose outcome etcd did not
// report; a journal's "resolved" line records it, so the type and its
// values are the journal's (journal.ResolvedWritten, ...).
type Resolution = journal.Resolution

const (
	ResolvedWritten  = journal.ResolvedWritten
	ResolvedRetried  = journal.ResolvedRetried
	ResolvedConflict = journal.ResolvedConflict
)

// doubt is a change whose Txn's outcome etcd did not report.
type doubt struct {
	// floor is a revision a response showed before the first such Txn
	// was sent: the Txn applied, if at all, after it.
	floor int64
	// deadline ends the wait for etcd to answer (Store.doubtWait).
	deadline time.Time
	// err is why the Txn's outcome is unknown.
	err error
}

// settled is what reading the key of a doubtful write found.
type settled struct {
	how      Resolution
	revision int64 // ResolvedWritten: the revision the write got
	why      error // ResolvedConflict: what someone else did
}

// resolve settles a change's doubtful write by reading its key now
// (linearizably: the read sees every write etcd has applied):
//
//   - An update (the apiserver's OptimisticPut: compare mod_revision, put):
//     the key holds the after-image, byte for byte (for an encrypted value
//     the ciphertext lifeboat sent, which no one else can have made): it
//     was written, at the key's mod_revision. It still has the
//     mod_revision read: not written. Anything else: someone else wrote it.
//     Another writer can only have produced the same plaintext bytes by
//     making exactly the same edit to exactly the same value (a second
//     lifeboat, run at once): lifeboat then treats the write as its own,
//     and its undo puts back the value both started from.
//   - A create (compare mod_revision == 0, put): the same, with "absent"
//     as the value read. A key lifeboat created, and someone else deleted
//     again between the lost response and this read, looks absent, and is
//     created again: etcd keeps no trace of a key's absence that a read
//     could tell from never having been created, short of watching its
//     history to the present, which etcd 3.4 cannot bound (its progress
//     notifications may precede the events they vouch for).
//   - A delete (the apiserver's delete Txn: compare mod_revision, delete):
//     the key still has the mod_revision read: not deleted. Otherwise the
//     key's history says: the first change after the version lifeboat read
//     (found by reading the key at past revisions, see firstChange) was a
//     deletion: it was lifeboat's delete, even if the key was re-created
//     since. It was a write: someone else changed the key first, so
//     lifeboat's delete cannot have applied after it: a conflict. A key
//     that is merely gone does not say whose delete removed it. A delete
//     of exactly the version lifeboat read, by someone else, leaves etcd
//     as lifeboat's would have, and is indistinguishable from it (both
//     are the first change, and a deletion): lifeboat treats it as its own.
//
// While etcd has no leader, reads fail; resolve retries them until the
// doubt's deadline, then returns the error that ends the batch. A write
// that cannot be settled (etcd compacted the history a delete needs) is
// reported with its own error and the batch goes on.
func (w *windowWriter) resolve(ctx context.Context, c *Change, d *doubt) (settled, error) {
	s := w.store
	key := c.Before.Key
	resp, err := s.settleRead(ctx, d, c, key)
	if err != nil {
		return settled{}, err
	}
	var cur *mvccpb.KeyValue
	if len(resp.Kvs) > 0 {
		cur = resp.Kvs[0]
	}
	switch {
	case c.creates():
		switch {
		case cur == nil:
			return settled{how: ResolvedRetried}, nil
		case bytes.Equal(cur.Value, c.written()):
			return settled{how: ResolvedWritten, revision: cur.ModRevision}, nil
		}
		return settled{how: ResolvedConflict, why: fmt.Errorf("%s: %w: created by someone else (revision %d) while the outcome of lifeboat's create was unknown; left as they wrote it", c.KeyInfo, errConflict, cur.ModRevision)}, nil
	case cur != nil && cur.ModRevision == c.Before.ModRevision:
		return settled{how: ResolvedRetried}, nil
	case c.deletes():
		rev, deleted, err := s.firstChange(ctx, d, c, resp.Header.Revision, cur != nil)
		if err != nil {
			return settled{}, err
		}
		if deleted {
			return settled{how: ResolvedWritten, revision: rev}, nil
		}
		return settled{how: ResolvedConflict, why: fmt.Errorf("%s: %w: changed by someone else (by revision %d) while the outcome of lifeboat's delete was unknown; left as they wrote it", c.KeyInfo, errConflict, rev)}, nil
	case cur != nil && bytes.Equal(cur.Value, c.written()):
		return settled{how: ResolvedWritten, revision: cur.ModRevision}, nil
	case cur == nil:
		return settled{how: ResolvedConflict, why: fmt.Errorf("%s: %w: deleted by someone else while the outcome of lifeboat's write was unknown", c.KeyInfo, errConflict)}, nil
	}
	return settled{how: ResolvedConflict, why: fmt.Errorf("%s: %w: changed by someone else (now revision %d) while the outcome of lifeboat's write was unknown; left as they wrote it", c.KeyInfo, errConflict, cur.ModRevision)}, nil
}

// errUnsettled marks a doubtful write that etcd answered about, but not
// enough to settle it: reported on its key, not the end of the batch.
var errUnsettled = errors.New("outcome unknown")

// firstChange finds the first change to a deleted change's key after the
// version lifeboat read (mod_revision c.Before.ModRevision), which the key
// no longer holds at revision now: its revision, and whether it was a
// deletion that lifeboat's delete can have made.
//
// Whether the key holds that version at a revision only ever goes from yes
// to no (a mod_revision never comes back), so a binary search of reads at
// past revisions finds it, between a revision at which the key held it and
// now. The lower end is the later of the doubt's floor (a revision seen
// before the delete was sent) and the version's own mod_revision; a key that
// no longer held the version there was changed by someone else before
// lifeboat's delete was sent. Reads at past revisions need etcd to keep
// them: the floor is seconds old, while kube-apiserver compacts to five
// minutes ago.
func (s *Store) firstChange(ctx context.Context, d *doubt, c *Change, now int64, existsNow bool) (rev int64, deleted bool, err error) {
	was := c.Before.ModRevision
	held := func(rev int64) (holds, exists bool, err error) {
		resp, err := s.settleRead(ctx, d, c, c.Before.Key, clientv3.WithRev(rev), clientv3.WithKeysOnly())
		if err != nil {
			return false, false, err
		}
		if len(resp.Kvs) == 0 {
			return false, false, nil
		}
		return resp.Kvs[0].ModRevision == was, true, nil
	}
	lo, hi, hiExists := max(d.floor, was), now, existsNow
	if lo >= hi {
		// etcd was at now before the delete was sent, and the key had
		// changed by then.
		return now, false, nil
	}
	holds, _, err := held(lo)
	if err != nil {
		return 0, false, err
	}
	if !holds {
		return lo, false, nil // changed before the delete was sent
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		holds, exists, err := held(mid)
		if err != nil {
			return 0, false, err
		}
		if holds {
			lo = mid
		} else {
			hi, hiExists = mid, exists
		}
	}
	return hi, !hiExists, nil
}

// settleRead reads a doubtful write's key (linearizably, with the options
// given) and notes the revision. While etcd cannot answer (no leader yet,
// the member gone), it tries again, each read with the per-request deadline,
// until the doubt's deadline; then it returns the error that ends the
// batch. ctx ending stops the wait too, leaving the write unsettled.
func (s *Store) settleRead(ctx context.Context, d *doubt, c *Change, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	for pause := 50 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		rctx, cancel := s.requestContext(context.WithoutCancel(ctx))
		resp, err := s.client.Get(rctx, key, opts...)
		cancel()
		if err == nil {
			s.noteRevision(resp.Header.Revision)
			return resp, nil
		}
		switch {
		case errors.Is(err, rpctypes.ErrCompacted):
			return nil, fmt.Errorf("%s: %w: lifeboat's delete was sent, its response lost, and etcd compacted the history that would tell whether the key's deletion was lifeboat's: check it with 'lifeboat history'", c.KeyInfo, errUnsettled)
		case !outcomeUnknown(err):
			return nil, fmt.Errorf("%s: the outcome of the write is unknown (%v), and reading the key failed: %w", c.KeyInfo, d.err, s.describe(err))
		case time.Now().After(d.deadline):
			return nil, s.noAnswer(c, d, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: %w: stopped while waiting for etcd to say whether the write was applied (%v); the journal has the write: run the same command again to settle it", c.KeyInfo, errUnsettled, d.err)
		case <-time.After(min(pause, time.Until(d.deadline))):
		}
	}
}

// noAnswer is the error that ends a batch when etcd did not settle a
// doubtful write within the wait: it names the endpoints and says what to
// do.
func (s *Store) noAnswer(c *Change, d *doubt, err error) error {
	return fmt.Errorf("%s: the outcome of its write is unknown (%v), and etcd gave no answer for %s (%d command timeouts) to settle it: %w; "+
		"etcd may have no leader or no quorum: once 'etcdctl --endpoints %s endpoint status --cluster' shows a leader, run the same command again "+
		"(what was written is already fine; the journal has this write)",
		c.KeyInfo, d.err, s.doubtWait(), DoubtWaits, s.describe(err), strings.Join(s.endpoints, ","))
}

// Doubts counts the writes of a batch whose outcome etcd did not report,
// by how each was settled.
type Doubts struct{ Written, Retried, Conflicts int }

// Add counts one key's result.
func (d *Doubts) Add(r *Result) {
	switch r.InDoubt {
	case ResolvedWritten:
		d.Written++
	case ResolvedRetried:
		d.Retried++
	case ResolvedConflict:
		d.Conflicts++
	}
}

// Total is how many writes were in doubt.
func (d Doubts) Total() int { return d.Written + d.Retried + d.Conflicts }

// String says how the doubtful writes were settled, for a batch's last lines.
func (d Doubts) String() string {
	return fmt.Sprintf("%d write(s) whose outcome etcd did not report (a leader change, a lost connection, a timeout), each settled by reading its key: "+
		"%d had been written, %d had not and were sent again, %d conflict(s)", d.Total(), d.Written, d.Retried, d.Conflicts)
}
