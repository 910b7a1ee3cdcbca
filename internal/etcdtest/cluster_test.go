package etcdtest

import (
	"context"
	"testing"
	"time"
)

// TestClusterLeaderFailover: StartCluster's members elect a leader, a new
// one takes over when StopLeader stops it, and Restart brings the member
// back into the cluster, with the writes it missed.
func TestClusterLeaderFailover(t *testing.T) {
	for _, backend := range []string{Embedded, EtcdProcess} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			c := StartCluster(t, backend)
			if _, err := c.Client.Put(ctx, "before", "1"); err != nil {
				t.Fatal(err)
			}
			stopped, err := c.StopLeader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			leader, err := c.Leader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if leader == stopped {
				t.Fatalf("member %d is leader again, though stopped", leader)
			}
			t.Logf("member %d stopped; member %d leader after %s", stopped, leader, time.Since(start))
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			put, err := c.Client.Put(wctx, "during", "2")
			if err != nil {
				t.Fatalf("write with a new leader: %v", err)
			}
			if err := c.Restart(stopped); err != nil {
				t.Fatal(err)
			}
			// The restarted member serves the write it missed.
			st, err := c.Client.Status(ctx, c.Endpoints[stopped])
			if err != nil {
				t.Fatal(err)
			}
			if st.Leader == 0 || st.Header.Revision < put.Header.Revision {
				t.Errorf("restarted member: leader %x, revision %d; want a leader and revision %d or later", st.Leader, st.Header.Revision, put.Header.Revision)
			}
		})
	}
}
