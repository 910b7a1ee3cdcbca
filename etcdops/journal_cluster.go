package etcdops

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/journal"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A journal names the etcd cluster it was written in (package journal,
// docs/design.md "The journal"): Store.Cluster says which one the store
// reaches, and undo refuses a journal of another.

// ClusterIdentity is which etcd cluster answered, and which of its members
// (kine fills in neither: both are 0). The journal records it, so the
// type is the journal's.
type ClusterIdentity = journal.ClusterIdentity

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
func (s *Store) identifyJournal(ctx context.Context, j *journal.Journal) error {
	if !j.NeedsCluster() {
		return nil
	}
	id, err := s.Cluster(ctx)
	if err != nil {
		return fmt.Errorf("journal %s: %w: nothing written", j.Path(), err)
	}
	j.SetCluster(id)
	// The begin entry now, as every journal's first line: a run stopped
	// before its first write still leaves it.
	return j.Append(nil)
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
		journal.FormatClusterID(e.Written.ClusterID), journal.FormatClusterID(e.Reached.ClusterID), e.Journal)
}

// checkJournalCluster says whether jf may be undone through s: only in
// the etcd cluster it was written in, unless opts.ForceCluster. A journal
// that records no cluster (written before lifeboat recorded one) is undone
// as before, with a warning.
func (s *Store) checkJournalCluster(ctx context.Context, jf *journal.File, opts []UndoOptions) (warnings []string, err error) {
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
		jf.Path, journal.FormatClusterID(jf.Info.Cluster.ClusterID), journal.FormatClusterID(reached.ClusterID), strings.Join(s.endpoints, ","))}, nil
}
