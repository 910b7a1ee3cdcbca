package etcdops

import (
	"bytes"
	"math/big"
	"slices"
	"strings"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

// rangeEnds chooses where each range request of a paged scan ends.
//
// etcd counts every key from a range request's start to its end, whatever
// its limit: mvcc's treeIndex.Revisions walks the whole range under the
// index's read lock, in etcd 3.4 to 3.6. A scan that pages through N keys
// with the prefix's end on every request so walks N²/2L keys: 5.6 million
// at 150,000 pods in pages of 2,000, a quarter of etcd's CPU for the read
// in etcd's own profile, and the lock held for milliseconds at a time
// against every write. A request that ends a little past where its page
// will end walks little more than its page. rangeEnds guesses that point
// from the last response: the next L keys take about the key space per key
// that the last request's keys took, twice over for headroom.
//
// The ends shape the requests, never what a scan returns: a scan goes on
// from its last key while a range has more and from the range's end when
// it has none, so its requests tile the prefix whatever the guesses are
// (TestScanRangesTileThePrefix gives it keys laid out to mislead them).
type rangeEnds struct {
	// origin is what every key of the scan starts with; a key's position
	// is the positionBytes bytes after it, as a big-endian number.
	origin string
	// scanEnd is the end of the whole scan, and no guess goes past it.
	scanEnd string
	// perKey is the key space per key in the last range; nil: unknown,
	// and the next request ends at scanEnd.
	perKey *big.Int
	// empties is how many ranges in a row held no key.
	empties int
}

// positionBytes is how much of a key past the origin places it: keys that
// differ only later sort together, and a page of them gives no guess.
const positionBytes = 64

// rangeHeadroom is how many times a page's keys the next request's range
// is guessed to hold: too few, and a request returns less than a page.
const rangeHeadroom = 2

// boundsRanges reports whether a store answers range requests with ends of
// any key, as etcd does, from a response header of its. kine (k3s) lists
// the "directory" a range end names (pkg/server/list.go), so a guessed end
// would miss keys there; kine's headers carry a revision and nothing else
// (pkg/server/limited.go), an etcd member's its cluster, its ID and its
// raft term.
func boundsRanges(h *etcdserverpb.ResponseHeader) bool {
	return h != nil && h.ClusterId != 0 && h.MemberId != 0 && h.RaftTerm != 0
}

// observe takes what a request for [start, end) returned: n keys from
// first to last, and whether the range had more.
func (r *rangeEnds) observe(start, end string, n int, first, last []byte, more bool) {
	r.perKey = nil
	span := new(big.Int)
	switch {
	case more && n > 1:
		span.Sub(r.position(last), r.position(first))
		n--
	case more && n == 1:
		span.Sub(r.position(last), r.position([]byte(start)))
	case !more && end != r.scanEnd:
		span.Sub(r.position([]byte(end)), r.position([]byte(start)))
	default:
		return
	}
	if n > 0 {
		r.empties = 0
	} else {
		// Past a group of keys (the pods of a ReplicaSet, a namespace's)
		// the next group starts where a shorter prefix of their keys
		// changes. Each empty range in a row reaches a byte further than
		// the last: climbing 20 bytes takes 6 requests, not 20.
		r.empties++
		span.Lsh(span, uint(8*(r.empties-1)))
		n = 1
	}
	if span.Quo(span, big.NewInt(int64(n))); span.Sign() > 0 {
		r.perKey = span
	}
}

// after is where a request of limit keys that starts at from should end.
func (r *rangeEnds) after(from string, limit int64) string {
	if r.perKey == nil || limit < 1 || !strings.HasPrefix(from, r.origin) {
		return r.scanEnd
	}
	start := r.position([]byte(from))
	pos := new(big.Int).Mul(r.perKey, big.NewInt(rangeHeadroom*limit))
	pos.Add(pos, start)
	if pos.BitLen() > 8*positionBytes {
		return r.scanEnd
	}
	// Round up to three bytes past the first where the end differs from
	// the start: a short key, further on by a 65,536th of the guess at most.
	s, e := start.FillBytes(make([]byte, positionBytes)), pos.FillBytes(make([]byte, positionBytes))
	if keep := min(positionBytes, commonPrefixLen(s, e)+3); slices.ContainsFunc(e[keep:], func(b byte) bool { return b != 0 }) {
		unit := uint(8 * (positionBytes - keep))
		pos.Rsh(pos, unit).Add(pos, big.NewInt(1)).Lsh(pos, unit)
	}
	if pos.BitLen() > 8*positionBytes {
		return r.scanEnd
	}
	// Trailing zeros only lengthen the key: the shorter one still sorts
	// after from, as its last byte that is not zero is greater than from's.
	// And as it starts with the origin, it sorts before the scan's end.
	end := r.origin + string(bytes.TrimRight(pos.FillBytes(make([]byte, positionBytes)), "\x00"))
	if end <= from {
		// Cannot be, as above; a request that ended there would stall the scan.
		return r.scanEnd
	}
	return end
}

func commonPrefixLen(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// position is key's position: the positionBytes bytes after the origin,
// padded with zeros. Keys sort as their positions do, ties aside.
func (r *rangeEnds) position(key []byte) *big.Int {
	var b [positionBytes]byte
	if len(key) > len(r.origin) {
		copy(b[:], key[len(r.origin):])
	}
	return new(big.Int).SetBytes(b[:])
}
