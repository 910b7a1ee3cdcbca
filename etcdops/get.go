package etcdops

import (
	"context"
	"fmt"
)

// GetItem reads one key and decodes it as List would: a front end that
// keeps only summaries (Informer) reads the whole object again when it
// shows it. found is false when the key does not exist; a value that does
// not decode is returned with DecodeErr set, not as an error.
func (s *Store) GetItem(ctx context.Context, key string) (it Item, found bool, err error) {
	rec, found, err := s.Get(ctx, key)
	if err != nil || !found {
		return Item{}, found, err
	}
	it = Item{Record: rec}
	it.KeyInfo, _ = s.layout.Parse(key)
	it.Object, it.DecodeErr = DecodeStored(it.Resource, rec.Value)
	if it.DecodeErr != nil {
		it.Object = nil
		it.DecodeErr = fmt.Errorf("%s: %w", key, it.DecodeErr)
	}
	return it, true, nil
}
