package etcdops

// SetBeforeTxn lets tests write concurrently between lifeboat's read and its
// compare-and-swap.
func (s *Store) SetBeforeTxn(hook func(key string)) { s.beforeTxn = hook }

// SetRangeLimit makes scans read n keys per range request, so that a test
// crosses several requests with few keys.
func (s *Store) SetRangeLimit(n int64) { s.rangeLimit = n }
