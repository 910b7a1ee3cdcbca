package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"go.etcd.io/etcd/server/v3/storage/schema"
)

// UsageError is a file that is not a snapshot lifeboat can read as asked
// (missing, not a regular file, not an etcd data file, locked by a running
// etcd): the user's to fix. etcdops.OpenSnapshot makes it an
// etcdops.UsageError (exit code 2 in the CLI).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// DamagedError is a snapshot file whose bytes are not what etcd or
// etcdctl wrote: cut short, changed or zeroed on a disk, in a copy or in a
// transfer. Open refuses it before reading from it; a read fails
// with it when the file changes while lifeboat has it open.
type DamagedError struct {
	Path   string
	Reason string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s is damaged: %s: use another backup, or another member's member/snap/db", e.Path, e.Reason)
}

func damaged(path, format string, args ...any) error {
	return &DamagedError{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// The layout of a bbolt file, as go.etcd.io/bbolt v1.4 writes it
// (internal/common: page.go, meta.go, bucket.go). Integers are in the
// machine's byte order: bbolt maps the file and reads them in place.
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	pageHeaderSize  = 16 // id u64, flags u16, count u16, overflow u32
	pageElementSize = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	metaSize        = 64 // magic, version, pageSize, flags u32; root, sequence, freelist, pgid, txid, checksum u64
	metaChecksumAt  = 56 // the checksum is FNV-1a 64 of the meta's bytes before it
	bucketHeader    = 16 // a bucket's value: root page u64, sequence u64, then an inline bucket's page
	branchPageFlag  = 0x01
	leafPageFlag    = 0x02
	bucketEntryFlag = 0x01
	noFreelist      = 1<<64 - 1
	// minPageSize is the smallest page bbolt looks for its second meta
	// page at; a meta page must hold the meta.
	minPageSize = 1024
	// maxTreeDepth bounds a bucket's B+tree: bbolt keeps two pages or
	// more under every branch page, so 64 levels hold more pages than any
	// file. A deeper tree is a damaged one.
	maxTreeDepth = 64
)

var native = binary.NativeEndian

// boltMeta is a meta page that passed bbolt's own validation.
type boltMeta struct {
	pageSize             uint64
	root, freelist, pgid uint64
	txid                 uint64
}

// errNotBolt is a meta page without bbolt's magic number.
var errNotBolt = errors.New("no bbolt meta page")

// parseMeta validates the meta page at the start of page as bbolt's
// Meta.Validate does: magic number, format version, checksum.
func parseMeta(page []byte, at int64) (boltMeta, error) {
	if len(page) < pageHeaderSize+4 || native.Uint32(page[pageHeaderSize:]) != boltMagic {
		return boltMeta{}, errNotBolt
	}
	if len(page) < pageHeaderSize+metaSize {
		return boltMeta{}, fmt.Errorf("the meta page at byte %d is cut short", at)
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	if v := native.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("the meta page at byte %d is of bbolt format version %d, not %d", at, v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumAt])
	if h.Sum64() != native.Uint64(m[metaChecksumAt:]) {
		return boltMeta{}, fmt.Errorf("the meta page at byte %d fails its checksum", at)
	}
	return boltMeta{
		pageSize: uint64(native.Uint32(m[8:])),
		root:     native.Uint64(m[16:]),
		freelist: native.Uint64(m[32:]),
		pgid:     native.Uint64(m[40:]),
		txid:     native.Uint64(m[48:]),
	}, nil
}

// snapshotFile is a snapshot file opened, locked and mapped for the checks
// made before bbolt reads it.
type snapshotFile struct {
	path string
	f    *os.File
	data []byte // the whole file, mapped read-only
	db   int64  // how much of it is the bbolt database: all, or all but etcdctl's sha256
	txid uint64 // the transaction of the meta page checked: the one bbolt reads
}

// openSnapshotFile opens path, a regular file, takes the shared lock bbolt
// takes for reading (a running etcd holds an exclusive one on its db, which
// it is writing: it would look damaged) and maps it, for check.
func openSnapshotFile(path string) (_ *snapshotFile, err error) {
	f, err := regularfile.Open(path)
	if err != nil {
		if errors.Is(err, regularfile.ErrNotRegular) {
			return nil, &UsageError{Err: fmt.Errorf("snapshot %w", err)}
		}
		return nil, &UsageError{Err: fmt.Errorf("snapshot %s: %w (give a file from 'etcdctl snapshot save' or a member's member/snap/db)", path, err)}
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err := lockShared(f, time.Second); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &UsageError{Err: fmt.Errorf("snapshot %s: locked by a running etcd: stop it, or read a copy ('etcdctl snapshot save')", path)}
		}
		return nil, fmt.Errorf("snapshot %s: lock: %w", path, err)
	}
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	if info.Size() == 0 {
		return nil, damaged(path, "it is empty (0 bytes)")
	}
	if int64(int(info.Size())) != info.Size() {
		return nil, fmt.Errorf("snapshot %s: %d bytes is more than this machine can map", path, info.Size())
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(info.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: map: %w", path, err)
	}
	return &snapshotFile{path: path, f: f, data: data}, nil
}

// unmap unmaps the file; the file stays open for bbolt, or to be closed.
func (sf *snapshotFile) unmap() { syscall.Munmap(sf.data) }

// lockShared takes a shared flock on f, as bbolt does for a read-only open,
// waiting up to timeout for an exclusive holder to let go. bbolt's own
// flock on the same file then finds it taken.
func lockShared(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// guard runs read, which reads memory mapped from a snapshot file, and
// makes what a damaged or shrinking file does to it an error: a page read
// past the end of the file (SIGBUS) or of the map (SIGSEGV) panics instead
// of crashing the process (debug.SetPanicOnFault, for this goroutine), and a
// panic of bbolt's on a page it did not expect is recovered.
func guard(path string, read func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(path, "reading it failed (did it change while lifeboat read it?): %v", r)
		}
	}()
	return read()
}

// check checks that the file is a whole etcd data file (the sha256 etcdctl
// appends, bbolt's meta pages, the file's size against the pages they
// count, every page of the buckets lifeboat reads: pageWalk) and, if so,
// runs read: bbolt's open and lifeboat's index.
//
// bbolt checks only its meta pages when it opens a file, and trusts every
// other page: a page number past the end of a cut-short file makes it read
// past the end of its memory map (a fault), a zeroed page fails one of its
// assertions (a panic), a page pointing back at its parent sends its cursor
// down forever. Its Tx.Check reads the same pages from a goroutine of its
// own, where no panic can be recovered, and loads the freelist, whose size
// it takes from the file. So lifeboat checks the pages itself, from its own
// map of the file, before bbolt reads one.
//
// The sha256 covers the whole database, gigabytes, and is computed while
// bbolt reads: when it does not match, that is the error, whatever else
// failed.
func (sf *snapshotFile) check(ctx context.Context, read func() error) error {
	metas, metaErr := sf.metas()
	if len(metas) == 0 && errors.Is(metaErr, errNotBolt) {
		if bytes.HasPrefix(boltFirstBytes(), sf.data) {
			return damaged(sf.path, "it ends after %d bytes, inside bbolt's first page", len(sf.data))
		}
		return &UsageError{Err: fmt.Errorf("snapshot %s: not an etcd data file: it does not start with bbolt's meta page (give a file from 'etcdctl snapshot save' or a member's member/snap/db)", sf.path)}
	}
	// etcdutl snapshot restore finds the sha256 so: a file 32 bytes longer
	// than a multiple of 512 ends with one, as bbolt files are whole pages.
	// A member's db has none.
	sf.db = int64(len(sf.data))
	hashed := make(chan error, 1)
	if sf.db%512 == sha256.Size {
		sf.db -= sha256.Size
		go func() { hashed <- guard(sf.path, func() error { return sf.checkHash(ctx) }) }()
	} else {
		hashed <- nil
	}
	err := guard(sf.path, func() error { return sf.checkPages(metas, metaErr) })
	if err == nil {
		err = read()
	}
	if herr := <-hashed; herr != nil {
		return herr
	}
	return err
}

// checkPages checks bbolt's meta pages and, from the root bucket down, the
// pages of etcd's buckets key and meta.
func (sf *snapshotFile) checkPages(metas []boltMeta, metaErr error) error {
	if len(metas) == 0 {
		return damaged(sf.path, "neither of bbolt's two meta pages is intact: %v", metaErr)
	}
	// bbolt reads the meta page of the newest transaction that is intact
	// (DB.meta): check the one it will read.
	m := metas[0]
	if len(metas) == 2 && metas[1].txid > m.txid {
		m = metas[1]
	}
	sf.txid = m.txid
	pageSize := m.pageSize
	switch {
	case pageSize < minPageSize:
		return damaged(sf.path, "its meta page says pages are %d bytes, fewer than bbolt's smallest, %d", pageSize, minPageSize)
	case uint64(sf.db)%pageSize != 0:
		what := "cut short or appended to"
		if sf.db != int64(len(sf.data)) {
			what = "etcdctl's sha256 at the end is not after the last page"
		}
		return damaged(sf.path, "%d bytes is not a whole number of %d-byte pages: %s", sf.db, pageSize, what)
	case m.pgid > uint64(sf.db)/pageSize:
		return damaged(sf.path, "its meta page counts %d pages of %d bytes, %d bytes, but the file holds %d: it was cut short", m.pgid, pageSize, m.pgid*pageSize, sf.db)
	case m.root < 2 || m.root >= m.pgid:
		return damaged(sf.path, "its meta page puts the root bucket at page %d, outside pages 2 to %d", m.root, m.pgid-1)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid):
		return damaged(sf.path, "its meta page puts the freelist at page %d, outside pages 2 to %d", m.freelist, m.pgid-1)
	}
	w := &pageWalk{data: sf.data[:m.pgid*pageSize], pageSize: pageSize, pages: m.pgid, seen: make([]uint64, (m.pgid+63)/64)}
	switch err := w.etcdBuckets(m.root); {
	case errors.Is(err, errNoKeyBucket):
		return &UsageError{Err: fmt.Errorf("snapshot %s: no %q bucket: not an etcd v3 data file", sf.path, schema.Key.Name())}
	case err != nil:
		return damaged(sf.path, "%v", err)
	}
	return nil
}

// boltFirstBytes is how every bbolt file begins: page 0's header (id 0, a
// meta page) and its meta's magic number and version. A file shorter than
// that which begins so was cut short.
func boltFirstBytes() []byte {
	b := make([]byte, pageHeaderSize+8)
	native.PutUint16(b[8:], 0x04) // meta page
	native.PutUint32(b[pageHeaderSize:], boltMagic)
	native.PutUint32(b[pageHeaderSize+4:], boltVersion)
	return b
}

// metas finds the file's valid meta pages as bbolt's Open does: the page
// size from page 0's meta, or else from the first valid meta found at 1 KiB,
// 2 KiB, ... 16 MiB (getPageSize); then the metas at pages 0 and 1. With
// none valid, the error says why: errNotBolt when no page has bbolt's magic
// number.
func (sf *snapshotFile) metas() ([]boltMeta, error) {
	data := sf.data
	why := errNotBolt
	note := func(err error) {
		if errors.Is(why, errNotBolt) {
			why = err
		}
	}
	var pageSize uint64
	if m, err := parseMeta(data, 0); err == nil {
		pageSize = m.pageSize
	} else {
		note(err)
		for i := range 15 {
			at := int64(minPageSize) << i
			if at >= int64(len(data))-minPageSize {
				break
			}
			m, err := parseMeta(data[at:], at)
			if err == nil {
				pageSize = m.pageSize
				break
			}
			note(err)
		}
	}
	if pageSize == 0 {
		return nil, why
	}
	var metas []boltMeta
	for _, at := range []uint64{0, pageSize} {
		if at >= uint64(len(data)) {
			note(fmt.Errorf("the file ends before its second meta page, at byte %d", at))
			continue
		}
		m, err := parseMeta(data[at:], int64(at))
		if err != nil {
			note(err)
			continue
		}
		metas = append(metas, m)
	}
	if len(metas) == 0 {
		return nil, why
	}
	return metas, nil
}

// checkHash checks the sha256 'etcdctl snapshot save' appends to the
// database against the database.
func (sf *snapshotFile) checkHash(ctx context.Context) error {
	h := sha256.New()
	// In slices, to stop when the command is interrupted: a backup can be
	// gigabytes.
	const slice = 64 << 20
	for off := int64(0); off < sf.db; off += slice {
		if err := ctx.Err(); err != nil {
			return err
		}
		h.Write(sf.data[off:min(off+slice, sf.db)])
	}
	if !bytes.Equal(h.Sum(nil), sf.data[sf.db:]) {
		return damaged(sf.path, "its content does not match the sha256 'etcdctl snapshot save' wrote at its end: bytes changed since it was saved")
	}
	return nil
}
