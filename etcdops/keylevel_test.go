package etcdops

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// TestKeyLevel: errors about one request's content (as the etcd client
// returns them: rpctypes.EtcdError, whose gRPC code status.Code cannot
// see) fail that key; errors about etcd stop the batch.
func TestKeyLevel(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{rpctypes.ErrLeaseNotFound, true},
		{fmt.Errorf("put /registry/events/a/b: %w", rpctypes.ErrLeaseNotFound), true},
		{rpctypes.ErrRequestTooLarge, true},
		{rpctypes.ErrEmptyKey, true},
		{rpctypes.ErrKeyNotFound, true},
		{rpctypes.ErrNoLeader, false},
		{rpctypes.ErrTimeout, false},
		{context.DeadlineExceeded, false},
		{errors.New("connection refused"), false},
	} {
		if got := keyLevel(tt.err); got != tt.want {
			t.Errorf("keyLevel(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
