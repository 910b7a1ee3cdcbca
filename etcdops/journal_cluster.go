package etcdops

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// A journal names the etcd cluster it was written in: its begin line holds
// the cluster ID and the ID of the member that answered, from an etcd
// response header, in hex as etcdctl and etcd's logs print them
// (docs/design.md, "The journal"). Undo compares the cluster ID with the
// one its --endpoints reach, so that a journal of another cluster is
// refused in one line instead of one conflict per key.

// ClusterIdentity is which etcd cluster answered, and which of its members.
// kine (k3s) fills in neither: both are 0.
type ClusterIdentity struct {
	ClusterID uint64
	MemberID  uint64
}

// FormatClusterID is an etcd cluster or member ID as etcdctl prints it, in
// hex; "none" for 0, what a datastore without one (kine) reports.
func FormatClusterID(id uint64) string {
	if id == 0 {
		return "none"
	}
	return strconv.FormatUint(id, 16)
}

// String is the cluster ID, with the member that answered.
func (c ClusterIdentity) String() string {
	if c.ClusterID == 0 && c.MemberID == 0 {
		return "none (the datastore reports no cluster ID, as kine does)"
	}
	return FormatClusterID(c.ClusterID) + " (member " + FormatClusterID(c.MemberID) + ")"
}

// hexID is id as a journal stores it: hex, "0" for none.
func hexID(id uint64) string { return strconv.FormatUint(id, 16) }

// parseClusterIdentity reads a begin line's clusterID and memberID; nil
// when the line has neither (a journal from before lifeboat recorded them).
func parseClusterIdentity(cluster, member string) (*ClusterIdentity, error) {
	if cluster == "" && member == "" {
		return nil, nil
	}
	var id ClusterIdentity
	var err error
	if id.ClusterID, err = strconv.ParseUint(cluster, 16, 64); err != nil {
		return nil, fmt.Errorf("clusterID %q is not a hex etcd cluster ID", cluster)
	}
	if member != "" {
		if id.MemberID, err = strconv.ParseUint(member, 16, 64); err != nil {
			return nil, fmt.Errorf("memberID %q is not a hex etcd member ID", member)
		}
	}
	return &id, nil
}

// Cluster says which etcd cluster the store's endpoints reach, from the
// header of a read of one key (as Revision reads): asked once, then
// remembered. kine answers with zeros. A store opened on a snapshot file
// has no cluster to ask, and says so.
func (s *Store) Cluster(ctx context.Context) (ClusterIdentity, error) {
	if s.snapshot != "" {
		return ClusterIdentity{}, fmt.Errorf("snapshot %s: a snapshot file has no etcd cluster to ask for its ID", s.snapshot)
	}
	s.identityMu.Lock()
	defer s.identityMu.Unlock()
	if s.identity != nil {
		return *s.identity, nil
	}
	rctx, cancel := s.requestContext(ctx)
	defer cancel()
	resp, err := s.client.Get(rctx, s.healthKey(), clientv3.WithKeysOnly())
	if err != nil {
		return ClusterIdentity{}, fmt.Errorf("read etcd's cluster ID: %w", s.describe(err))
	}
	s.noteRevision(resp.Header.Revision)
	id := ClusterIdentity{ClusterID: resp.Header.ClusterId, MemberID: resp.Header.MemberId}
	s.identity = &id
	return id, nil
}

// identifyJournal gives j, before its first line is written, the cluster
// its writes go to.
func (s *Store) identifyJournal(ctx context.Context, j *Journal) error {
	if !j.needsCluster() {
		return nil
	}
	id, err := s.Cluster(ctx)
	if err != nil {
		return fmt.Errorf("journal %s: %w: nothing written", j.path, err)
	}
	j.setCluster(id)
	// The begin entry now, as every journal's first line: a run stopped
	// before its first write still leaves it.
	return j.append(nil)
}

// UndoOptions change what PlanUndo and PlanUndoWrite accept.
type UndoOptions struct {
	// ForceCluster undoes a journal written in another etcd cluster than
	// the one the store reaches (by cluster ID): after etcd was restored
	// from a snapshot into a new cluster, whose ID differs on purpose.
	// Each key is still restored only while it holds what the journal
	// wrote.
	ForceCluster bool
}

// OtherClusterError refuses to undo a journal written in another etcd
// cluster: its keys may have the same names, but they are not the writes
// this journal made.
type OtherClusterError struct {
	Journal   string
	Written   ClusterIdentity // the journal's
	Reached   ClusterIdentity // the store's
	Endpoints []string
}

// Error is one line, the two cluster IDs first: the TUI shows it in its
// one status line, after the journal's name.
func (e *OtherClusterError) Error() string {
	return fmt.Sprintf("journal written in etcd cluster %s, but --endpoints reach cluster %s: nothing written; undo it against the cluster it was written in, or, if this is that cluster under a new ID (etcd restored from a snapshot into a new cluster), run 'lifeboat undo %s --force-cluster'",
		FormatClusterID(e.Written.ClusterID), FormatClusterID(e.Reached.ClusterID), e.Journal)
}

// checkJournalCluster says whether jf may be undone through s: only in
// the etcd cluster it was written in, unless opts.ForceCluster. A journal
// that records no cluster (written before lifeboat recorded one) is undone
// as before, with a warning.
func (s *Store) checkJournalCluster(ctx context.Context, jf *JournalFile, opts []UndoOptions) (warnings []string, err error) {
	force := false
	for _, o := range opts {
		force = force || o.ForceCluster
	}
	if jf.Info.Cluster == nil {
		return []string{fmt.Sprintf("journal %s does not say which etcd cluster it was written in (a lifeboat from before journals recorded it wrote it): undoing it as before, each key only while it holds what the journal wrote", jf.Path)}, nil
	}
	reached, err := s.Cluster(ctx)
	if err != nil {
		return nil, err
	}
	if reached.ClusterID == jf.Info.Cluster.ClusterID {
		return nil, nil
	}
	if !force {
		return nil, &OtherClusterError{Journal: jf.Path, Written: *jf.Info.Cluster, Reached: reached, Endpoints: s.endpoints}
	}
	return []string{fmt.Sprintf("journal %s was written in etcd cluster %s, not in cluster %s that --endpoints %s reach: undoing it there (--force-cluster), each key only while it holds what the journal wrote",
		jf.Path, FormatClusterID(jf.Info.Cluster.ClusterID), FormatClusterID(reached.ClusterID), strings.Join(s.endpoints, ","))}, nil
}
