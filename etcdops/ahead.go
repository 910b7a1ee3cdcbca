package etcdops

import "context"

// decodeAhead runs a scan in three stages, each on its own goroutine: scan
// reads pages and hands over their items (emit), decode decodes a page of
// them (on every core), and fn, called from the caller's goroutine in key
// order, consumes them. So a page is decoded while fn still works on the
// one before it, and fn's own work (a table's rows, a plan, doctor's
// census) does not leave the cores waiting: on two cores this is most of
// what a read of every pod costs beyond etcd's reply.
//
// An error from fn stops the scan; it is the error returned. Otherwise the
// scan's error and revision are.
func decodeAhead(ctx context.Context, scan func(ctx context.Context, emit func([]Item) error) (int64, error), decode func([]Item) []Item, fn func([]Item) error) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: each stage holds one page, and a page read ahead is
	// memory (10 MB of pods; an undelete's peak grew 20 MiB with one
	// more).
	read := make(chan []Item)
	decoded := make(chan []Item)
	var (
		rev     int64
		scanErr error
	)
	go func() {
		defer close(read)
		rev, scanErr = scan(ctx, func(items []Item) error {
			select {
			case read <- items:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	go func() {
		defer close(decoded)
		for items := range read {
			if ctx.Err() != nil {
				continue // drain: the scan stops at its next page
			}
			items = decode(items)
			select {
			case decoded <- items:
			case <-ctx.Done():
			}
		}
	}()
	var fnErr error
	for items := range decoded {
		if fnErr == nil && len(items) > 0 {
			if fnErr = fn(items); fnErr != nil {
				cancel()
			}
		}
	}
	// decoded is closed after read is, which the scan closes when it has
	// returned: rev and scanErr are set.
	if fnErr != nil {
		return rev, fnErr
	}
	return rev, scanErr
}
