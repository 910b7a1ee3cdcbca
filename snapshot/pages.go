package snapshot

import (
	"bytes"
	"errors"
	"fmt"

	"go.etcd.io/etcd/server/v3/storage/schema"
)

// errNoKeyBucket is a bbolt file without etcd's bucket "key", nor "meta":
// some other program's database.
var errNoKeyBucket = errors.New("no key bucket")

// pageWalk checks the pages of a bbolt file that lifeboat has bbolt read:
// the root bucket's, and those of etcd's buckets "key" and "meta". It checks
// what bbolt's Tx.Check checks of a bucket (page types, no page reached
// twice, keys in order within a page and between their parent's keys, so
// that a Get finds every key a ForEach lists) and what Tx.Check takes for
// granted: every page, element, key and value within the file, and no
// cycle. It reads the file's bytes and never follows a pointer it did not
// check first.
type pageWalk struct {
	data     []byte // the database's pages, up to the meta page's high water mark
	pageSize uint64
	pages    uint64
	seen     []uint64 // a bit per page: reached already
}

// visitFunc is called with each element of a leaf page.
type visitFunc func(key, value []byte, flags uint32) error

// etcdBuckets checks the root bucket's tree at page root, then the trees of
// the buckets "key" and "meta" in it.
func (w *pageWalk) etcdBuckets(root uint64) error {
	var keyBucket, metaBucket []byte
	err := w.tree("the root bucket", root, nil, nil, 0, func(k, v []byte, flags uint32) error {
		if flags&bucketEntryFlag == 0 {
			return nil
		}
		switch {
		case bytes.Equal(k, schema.Key.Name()):
			keyBucket = v
		case bytes.Equal(k, schema.Meta.Name()):
			metaBucket = v
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case keyBucket == nil && metaBucket == nil:
		return errNoKeyBucket
	case keyBucket == nil:
		return fmt.Errorf("the root bucket holds etcd's bucket %q but not its bucket %q", schema.Meta.Name(), schema.Key.Name())
	}
	err = w.bucket(string(schema.Key.Name()), keyBucket, func(k, _ []byte, flags uint32) error {
		if flags&bucketEntryFlag != 0 {
			return fmt.Errorf("bucket %s holds a bucket at %x, where etcd keeps revisions", schema.Key.Name(), k)
		}
		return nil
	})
	if err != nil || metaBucket == nil {
		return err
	}
	return w.bucket(string(schema.Meta.Name()), metaBucket, func([]byte, []byte, uint32) error { return nil })
}

// bucket checks the bucket whose value in its parent is v: a header naming
// its root page, or, for a small bucket, a root page of 0 and its one leaf
// page inline, in the value itself.
func (w *pageWalk) bucket(name string, v []byte, visit visitFunc) error {
	where := "bucket " + name
	if len(v) < bucketHeader {
		return fmt.Errorf("%s: its header is cut short (%d bytes)", where, len(v))
	}
	if root := native.Uint64(v); root != 0 {
		return w.tree(where, root, nil, nil, 0, visit)
	}
	page := v[bucketHeader:]
	if len(page) < pageHeaderSize {
		return fmt.Errorf("%s: its inline page is cut short (%d bytes)", where, len(page))
	}
	if flags := native.Uint16(page[8:]); flags != leafPageFlag {
		return fmt.Errorf("%s: its inline page is not a leaf page (flags %#x)", where, flags)
	}
	return w.node(where, where+", inline page", page, nil, nil, 0, visit)
}

// tree checks the tree of pages from page id down, whose keys must lie in
// [lo, hi) (nil: unbounded).
func (w *pageWalk) tree(bucket string, id uint64, lo, hi []byte, depth int, visit visitFunc) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("%s: more than %d levels of pages", bucket, maxTreeDepth)
	}
	span, err := w.page(id)
	if err != nil {
		return fmt.Errorf("%s: %w", bucket, err)
	}
	return w.node(bucket, fmt.Sprintf("%s, page %d", bucket, id), span, lo, hi, depth, visit)
}

// page is page id with its overflow pages, as bbolt's Tx.page reads it,
// once: a page reached twice is a cycle or two parents.
func (w *pageWalk) page(id uint64) ([]byte, error) {
	if id < 2 || id >= w.pages {
		return nil, fmt.Errorf("page %d is outside the file's pages 2 to %d", id, w.pages-1)
	}
	p := w.data[id*w.pageSize:]
	if got := native.Uint64(p); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(native.Uint32(p[12:]))
	end := id + 1 + overflow
	if end > w.pages {
		return nil, fmt.Errorf("page %d and its %d overflow pages run past the file's last page, %d", id, overflow, w.pages-1)
	}
	for q := id; q < end; q++ {
		if w.seen[q/64]&(1<<(q%64)) != 0 {
			return nil, fmt.Errorf("page %d is reached twice", q)
		}
		w.seen[q/64] |= 1 << (q % 64)
	}
	return w.data[id*w.pageSize : end*w.pageSize], nil
}

// node checks one branch or leaf page of bucket, span (its bytes, overflow
// pages included), and the pages below it; where names it in errors.
func (w *pageWalk) node(bucket, where string, span []byte, lo, hi []byte, depth int, visit visitFunc) error {
	flags := native.Uint16(span[8:])
	count := int(native.Uint16(span[10:]))
	if pageHeaderSize+count*pageElementSize > len(span) {
		return fmt.Errorf("%s: its %d elements do not fit in its %d bytes", where, count, len(span))
	}
	// slice is the key or value of element i: pos counts from the element.
	slice := func(i int, pos, n uint64) ([]byte, error) {
		start := uint64(pageHeaderSize+i*pageElementSize) + pos
		if start+n > uint64(len(span)) {
			return nil, fmt.Errorf("%s: element %d points past the page's end", where, i)
		}
		return span[start : start+n], nil
	}
	// inOrder checks key i against the one before it and the page's bounds.
	var prev []byte
	inOrder := func(i int, key []byte) error {
		switch {
		case i > 0 && bytes.Compare(prev, key) >= 0:
			return fmt.Errorf("%s: key %d (%x) is not after key %d (%x)", where, i, key, i-1, prev)
		case lo != nil && bytes.Compare(key, lo) < 0:
			return fmt.Errorf("%s: key %d (%x) is before its parent's key (%x)", where, i, key, lo)
		case hi != nil && bytes.Compare(key, hi) >= 0:
			return fmt.Errorf("%s: key %d (%x) is not before the next parent key (%x)", where, i, key, hi)
		}
		prev = key
		return nil
	}
	elem := func(i int) []byte { return span[pageHeaderSize+i*pageElementSize:] }
	switch flags {
	case branchPageFlag:
		if count == 0 {
			return fmt.Errorf("%s: a branch page with no elements", where)
		}
		keys := make([][]byte, count)
		for i := range count {
			e := elem(i)
			key, err := slice(i, uint64(native.Uint32(e)), uint64(native.Uint32(e[4:])))
			if err != nil {
				return err
			}
			if err := inOrder(i, key); err != nil {
				return err
			}
			keys[i] = key
		}
		for i := range count {
			next := hi
			if i+1 < count {
				next = keys[i+1]
			}
			if err := w.tree(bucket, native.Uint64(elem(i)[8:]), keys[i], next, depth+1, visit); err != nil {
				return err
			}
		}
	case leafPageFlag:
		for i := range count {
			e := elem(i)
			pos, ksize, vsize := uint64(native.Uint32(e[4:])), uint64(native.Uint32(e[8:])), uint64(native.Uint32(e[12:]))
			kv, err := slice(i, pos, ksize+vsize)
			if err != nil {
				return err
			}
			key, value := kv[:ksize], kv[ksize:]
			if err := inOrder(i, key); err != nil {
				return err
			}
			if err := visit(key, value, native.Uint32(e)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: neither a branch nor a leaf page (flags %#x)", where, flags)
	}
	return nil
}
