package journal

import (
	"fmt"
	"strconv"
)

// A journal names the etcd cluster it was written in: its begin line holds
// the cluster ID and the ID of the member that answered, from an etcd
// response header, in hex as etcdctl and etcd's logs print them
// (docs/design.md, "The journal"). Undo compares the cluster ID with the
// one its --endpoints reach, so that a journal of another cluster is
// refused in one line instead of one conflict per key.

// ClusterIdentity is which etcd cluster answered, and which of its members.
// kine (k3s) fills in neither: both are 0. etcdops.Store.Cluster reports it
// (etcdops.ClusterIdentity is this type).
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

// Resolution is how lifeboat settled a write whose outcome etcd did not
// report (etcdops/resolve.go; etcdops.Resolution is this type), as a
// "resolved" line records it.
type Resolution string

const (
	// ResolvedWritten: etcd had applied it. The key holds the after-image
	// (an update or a create), or its first change after the value read
	// was a deletion (a delete).
	ResolvedWritten Resolution = "written"
	// ResolvedRetried: etcd had not applied it. The key still held the
	// value read (the same mod_revision; absent, for a create), so the
	// same Txn was sent again; the result says how that went.
	ResolvedRetried Resolution = "retried"
	// ResolvedConflict: someone else wrote the key first; it is left as
	// they wrote it and reported as a conflict.
	ResolvedConflict Resolution = "conflict"
)
