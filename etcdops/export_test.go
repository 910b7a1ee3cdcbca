package etcdops

// SetBeforeTxn lets tests write concurrently between lifeboat's read and its
// compare-and-swap.
func (s *Store) SetBeforeTxn(hook func(key string)) { s.beforeTxn = hook }
