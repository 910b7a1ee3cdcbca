package etcdops

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestOutcomeUnknown: the errors after which a write may or may not have
// been applied, as etcd's client returns them (its own errors as
// rpctypes.EtcdError, gRPC's as status errors), against those that say
// etcd refused it, or that stop the batch for another reason.
func TestOutcomeUnknown(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{rpctypes.ErrTimeoutDueToLeaderFail, true},
		{rpctypes.ErrTimeoutDueToConnectionLost, true},
		{rpctypes.ErrTimeout, true},
		{rpctypes.ErrLeaderChanged, true},
		{rpctypes.ErrNoLeader, true},
		{rpctypes.ErrStopped, true},
		{status.Error(codes.Unavailable, "error reading from server: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"), true},
		{status.Error(codes.Unavailable, "error reading from server: EOF"), true},
		{context.DeadlineExceeded, true},
		{status.Error(codes.DeadlineExceeded, "context deadline exceeded"), true},
		{status.Error(codes.Unknown, "raft: stopped"), true},
		{status.Error(codes.Unknown, "raft proposal dropped"), true},
		{status.Error(codes.Unknown, "etcdserver: request cancelled"), true},
		{fmt.Errorf("pods/a/b: %w", rpctypes.ErrTimeoutDueToLeaderFail), true},

		{rpctypes.ErrRequestTooLarge, false},
		{rpctypes.ErrCompacted, false},
		{rpctypes.ErrPermissionDenied, false},
		{rpctypes.ErrLeaseNotFound, false},
		{status.Error(codes.InvalidArgument, "etcdserver: duplicate key given in txn request"), false},
		{status.Error(codes.Unknown, "something else"), false},
		{context.Canceled, false},
		{errors.New("journal: write: no space left on device"), false},
	}
	for _, tt := range tests {
		if got := outcomeUnknown(tt.err); got != tt.want {
			t.Errorf("outcomeUnknown(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
