package etcdops

import (
	"math/rand/v2"
	"testing"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestRangeEndsGuess(t *testing.T) {
	type response struct {
		start, end, first, last string
		n                       int
		more                    bool
	}
	tests := []struct {
		name     string
		observed []response
		from     string
		limit    int64
		want     string
	}{
		{name: "nothing observed: the scan's end", from: "/p/a", limit: 10, want: "/p0"},
		{
			name: "a full page: twice its keys' space per key, a limit's worth",
			// 10 keys from a0 to a9: one position of the second byte each;
			// 20 of them past a9 is aM.
			observed: []response{{start: "/p/", end: "/p0", first: "/p/a0", last: "/p/a9", n: 10, more: true}},
			from:     "/p/a9\x00", limit: 10, want: "/p/aM",
		},
		{
			name:     "a page of one key: the space from the request's start",
			observed: []response{{start: "/p/a", end: "/p0", first: "/p/b", last: "/p/b", n: 1, more: true}},
			from:     "/p/b\x00", limit: 1, want: "/p/d",
		},
		{
			name:     "an empty guess: at least as sparse as the whole range",
			observed: []response{{start: "/p/b", end: "/p/c", n: 0}},
			from:     "/p/c", limit: 10, want: "/p/w",
		},
		{
			name:     "a guess held fewer than a page: their space per key",
			observed: []response{{start: "/p/b", end: "/p/f", first: "/p/b1", last: "/p/e", n: 2}},
			from:     "/p/f", limit: 2, want: "/p/n",
		},
		{
			name:     "keys that differ late: a narrow guess",
			observed: []response{{start: "/p/", end: "/p0", first: "/p/x\x00\x00\x00\x00\x00\x00\x00", last: "/p/x\x00\x00\x00\x00\x00\x00\x01", n: 2, more: true}},
			from:     "/p/x\x00\x00\x00\x00\x00\x00\x01\x00", limit: 1, want: "/p/x\x00\x00\x00\x00\x00\x00\x03",
		},
		{
			name:     "rounded up three bytes past where it leaves from: a short key",
			observed: []response{{start: "/p/", end: "/p0", first: "/p/a", last: "/p/a\x00\x00\x00\x00\x01", n: 2, more: true}},
			from:     "/p/a\x00\x00\x00\x00\x01\x00", limit: 1 << 40, want: "/p/c\x00\x01",
		},
		{
			name:     "past the scan's end: the scan's end",
			observed: []response{{start: "/p/", end: "/p0", first: "/p/a", last: "/p/z", n: 2, more: true}},
			from:     "/p/z\x00", limit: 10, want: "/p0",
		},
		{
			name:     "keys alike in their first 64 bytes: no guess",
			observed: []response{{start: "/p/", end: "/p0", first: "/p/" + string(make([]byte, 64)) + "a", last: "/p/" + string(make([]byte, 64)) + "b", n: 2, more: true}},
			from:     "/p/" + string(make([]byte, 64)) + "b\x00", limit: 10, want: "/p0",
		},
		{
			name: "the last range ended the scan: no guess",
			observed: []response{
				{start: "/p/", end: "/p0", first: "/p/a0", last: "/p/a9", n: 10, more: true},
				{start: "/p/a9\x00", end: "/p0", first: "/p/b", last: "/p/b", n: 1},
			},
			from: "/p/b\x00", limit: 10, want: "/p0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rangeEnds{origin: "/p/", scanEnd: "/p0"}
			for _, o := range tt.observed {
				r.observe(o.start, o.end, o.n, []byte(o.first), []byte(o.last), o.more)
			}
			if got := r.after(tt.from, tt.limit); got != tt.want {
				t.Errorf("after(%q, %d) = %q, want %q", tt.from, tt.limit, got, tt.want)
			}
		})
	}
}

// Whatever it observed, a guess ends after the request's start and no later
// than the scan's end: the scan can neither stall nor leave its prefix.
func TestRangeEndsStayInTheScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	key := func() string {
		b := make([]byte, 1+rng.IntN(80))
		for i := range b {
			b[i] = []byte{0x00, 0x01, 'a', 'z', 0xfe, 0xff}[rng.IntN(6)]
		}
		return "/p/" + string(b)
	}
	for _, scan := range []rangeEnds{{origin: "/p/", scanEnd: "/p0"}, {origin: "", scanEnd: "\x00"}} {
		r := scan
		for range 20000 {
			a, b := key(), key()
			if a > b {
				a, b = b, a
			}
			r.observe(key(), []string{scan.scanEnd, key()}[rng.IntN(2)], rng.IntN(3000), []byte(a), []byte(b), rng.IntN(2) == 0)
			from := key()
			end := r.after(from, 1+rng.Int64N(5000))
			if end != scan.scanEnd && (end <= from || (scan.scanEnd != "\x00" && end > scan.scanEnd)) {
				t.Fatalf("after(%q) = %q: not after it and before %q", from, end, scan.scanEnd)
			}
		}
	}
}

func TestBoundsRangesOnlyOnEtcd(t *testing.T) {
	for _, tt := range []struct {
		name   string
		header *etcdserverpb.ResponseHeader
		want   bool
	}{
		{"etcd", &etcdserverpb.ResponseHeader{ClusterId: 1, MemberId: 2, RaftTerm: 3, Revision: 9}, true},
		{"kine: a revision only", &etcdserverpb.ResponseHeader{Revision: 9}, false},
		{"no raft term", &etcdserverpb.ResponseHeader{ClusterId: 1, MemberId: 2, Revision: 9}, false},
		{"no header", nil, false},
	} {
		if got := boundsRanges(tt.header); got != tt.want {
			t.Errorf("%s: boundsRanges = %v, want %v", tt.name, got, tt.want)
		}
	}
}
