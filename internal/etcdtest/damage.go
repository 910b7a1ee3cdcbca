package etcdtest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
)

// Damaged says what a reader must make of a damaged snapshot file.
type Damaged int

const (
	// MustRefuse: the file can tell that it is damaged (etcdctl's sha256
	// no longer matches, or its size is not the pages its meta page
	// counts): it must be refused as damaged.
	MustRefuse Damaged = iota
	// Intact: the database's bytes are all there, unchanged; only what
	// follows them changed (etcdctl's sha256 dropped, whole pages
	// appended, as bbolt grows a member's db ahead of its pages). It may
	// be read, and then reads as the original.
	Intact
	// Undetectable: bytes changed inside a database that has no checksum
	// of its pages (a member's db): it is refused as damaged or read, and
	// what is read may differ, but reading never panics or hangs.
	Undetectable
)

func (d Damaged) String() string {
	return [...]string{"must be refused", "intact", "undetectable"}[d]
}

// SnapshotDamage is a snapshot file damaged in one of the ways a disk, a
// copy or a transfer damages a file.
type SnapshotDamage struct {
	Name   string
	Data   []byte
	Expect Damaged
}

// DamageSnapshot damages saved, a file 'etcdctl snapshot save' wrote (a
// bbolt database and the sha256 of it), and the database alone without the
// sha256 (as a member's member/snap/db, which has none), every way it
// knows: cut short at every page boundary and at offsets inside the meta
// pages, bits flipped in every page's header and at random, every page
// zeroed, garbage appended. The same saved file gives the same damages.
func DamageSnapshot(saved []byte) []SnapshotDamage {
	// Page 0's meta: page header (16 bytes), magic, version, page size.
	ps := int(binary.NativeEndian.Uint32(saved[16+8:]))
	db := saved[:len(saved)-sha256.Size]
	pages := len(db) / ps
	rng := rand.New(rand.NewPCG(17, 2026))
	var out []SnapshotDamage
	add := func(expect Damaged, data []byte, format string, args ...any) {
		out = append(out, SnapshotDamage{Name: fmt.Sprintf(format, args...), Data: data, Expect: expect})
	}
	files := []struct {
		name    string
		data    []byte
		changed Damaged // what a change of its bytes is
	}{
		{"snapshot", saved, MustRefuse},
		{"db", db, Undetectable},
	}

	// Cut short: a copy or a transfer that stopped, a full disk.
	cuts := []int{0, 1, 10, 19, 20, 23, 24, 79, 80, 100, ps - 1, ps + 1, 2*ps - 1, 2*ps + 100, len(db) - 1}
	for p := 1; p < pages; p++ {
		cuts = append(cuts, p*ps)
	}
	for range 20 {
		cuts = append(cuts, rng.IntN(len(db)))
	}
	for _, f := range files {
		for _, n := range cuts {
			add(MustRefuse, f.data[:n], "%s cut at byte %d", f.name, n)
		}
	}
	add(Intact, db, "snapshot without its sha256")
	for _, n := range []int{1, 31} {
		add(MustRefuse, saved[:len(saved)-n], "snapshot without the last %d bytes of its sha256", n)
	}

	// A bit flipped: a disk or memory error. Every page's header (id,
	// flags, element count, overflow count), the meta pages' fields, and
	// random bytes.
	var offsets []int
	for p := range pages {
		for _, at := range []int{0, 8, 10, 12} {
			offsets = append(offsets, p*ps+at)
		}
	}
	for at := 16; at < 16+64; at += 4 {
		offsets = append(offsets, at, ps+at)
	}
	for range 100 {
		offsets = append(offsets, rng.IntN(len(db)))
	}
	for _, f := range files {
		for _, at := range offsets {
			bit := byte(1) << rng.IntN(8)
			add(f.changed, flipped(f.data, at, bit), "%s with bit %#02x flipped at byte %d", f.name, bit, at)
		}
	}
	for _, at := range []int{len(db), len(saved) - 1} {
		add(MustRefuse, flipped(saved, at, 1), "snapshot with its sha256 flipped at byte %d", at)
	}

	// A page zeroed: a lost write, a sparse copy.
	for _, f := range files {
		for p := range pages {
			page := f.data[p*ps : (p+1)*ps]
			if allZero(page) {
				continue // already zero: zeroing changes nothing
			}
			b := clone(f.data)
			clear(b[p*ps : (p+1)*ps])
			add(f.changed, b, "%s with page %d zeroed", f.name, p)
		}
	}

	// Garbage appended. A member's db is whole pages and may be longer
	// than its pages count (bbolt grows the file ahead); a snapshot is a
	// database and 32 bytes of sha256. Whole pages appended to whole pages
	// is what a member's db looks like: intact. Anything else can be told.
	for _, f := range files {
		for _, n := range []int{1, 31, 32, 512, ps - 32, ps, 3*ps + 7} {
			b := append(clone(f.data), garbage(rng, n)...)
			expect := MustRefuse
			if len(b)%ps == 0 {
				expect = Intact
			}
			add(expect, b, "%s with %d bytes of garbage appended", f.name, n)
		}
	}
	return out
}

func flipped(b []byte, at int, bit byte) []byte {
	b = clone(b)
	b[at] ^= bit
	return b
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func garbage(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}
