package etcdops

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// RestoreRevision puts an object back as it was at an earlier revision, or
// as a snapshot holds it (PlanRestore). Unlike Restore, which undoes a
// journal, it is an ordinary write: undo reverses it.
const RestoreRevision Action = "restore-revision"

// ReadVersion reads the object info names as it was at revision rev (0:
// the newest this store has). A revision etcd compacted, or one at which
// the object did not exist, is an error that says where to look.
func (s *Store) ReadVersion(ctx context.Context, info KeyInfo, rev int64) (Record, error) {
	key := s.layout.Key(info.Resource, info.Namespace, info.Name)
	rec, found, _, err := s.getAt(ctx, key, rev)
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return Record{}, &UsageError{Err: fmt.Errorf("%s: etcd compacted its history past revision %d: see 'lifeboat history %s %s' for the versions it keeps", info, rev, info.Resource, info.Name)}
	case errors.Is(err, rpctypes.ErrFutureRev):
		return Record{}, &UsageError{Err: fmt.Errorf("%s: revision %d is past etcd's current revision: see 'lifeboat history %s %s'", info, rev, info.Resource, info.Name)}
	case err != nil:
		return Record{}, err
	case !found && rev == 0:
		return Record{}, &NotFoundError{Key: key, What: info}
	case !found:
		return Record{}, &UsageError{Err: fmt.Errorf("%s did not exist at revision %d (no key %s then): see 'lifeboat history %s %s' for its versions", info, rev, key, info.Resource, info.Name)}
	}
	return rec, nil
}

// PlanRestore plans putting the object info names back to want, a version
// read from this etcd's history or from a snapshot (source says which, for
// errors). The change goes through the write path as any other: preview,
// journal, and one single-key Txn.
//
//   - The key exists: want replaces it with kube-apiserver's OptimisticPut
//     on the mod_revision read now, keeping the key's lease. A key that
//     already holds want needs nothing.
//   - The key is gone: it is re-created only if it still does not exist,
//     as the apiserver's Create does (k8s.io/apiserver
//     pkg/storage/etcd3/store.go: OptimisticPut at revision 0, without a
//     get on failure), and without a lease: the old one belonged to the
//     deleted key and has expired or will.
//
// The bytes are written as stored. kube-apiserver stores objects with
// resourceVersion cleared (versioner.PrepareObjectForStorage in that same
// Create), so a version it wrote carries none, and etcd gives the write a
// new mod_revision, the object's new resourceVersion. A value that is not
// what the apiserver stores under the resource (checkStorable) is skipped.
func (s *Store) PlanRestore(ctx context.Context, info KeyInfo, want Record, source string) (*Plan, error) {
	key := s.layout.Key(info.Resource, info.Namespace, info.Name)
	current, found, rev, err := s.getAt(ctx, key, 0)
	if err != nil {
		return nil, err
	}
	// A version from a snapshot file comes encrypted as it was stored:
	// decrypt it as this key's value (the key is the authenticated data).
	want.Key = key
	s.open(ctx, &want)
	plan := &Plan{Operation: Operation{Action: RestoreRevision, Query: Query{Resource: info.Resource, Namespace: info.Namespace, Names: []string{info.Name}}}, Revision: rev}
	c := Change{KeyInfo: info, Action: RestoreRevision, Before: Record{Key: key}}
	if found {
		c.Before, c.Lease = current, current.Lease
	}
	switch {
	case found && bytes.Equal(current.Value, want.Value):
		// Already as wanted: a second restore changes nothing.
	default:
		if err := checkStorable(info.Resource, want.Value); err != nil {
			c.Skip = fmt.Errorf("%s: the version from %s cannot be restored: %w", info, source, err)
			break
		}
		if err := checkKey(info, want.Value); err != nil {
			c.Skip = fmt.Errorf("%s: the version from %s cannot be restored under its key: %w", info, source, err)
			break
		}
		if err := s.checkClusterReads(ctx, info.Resource, want.Value); err != nil {
			c.Skip = fmt.Errorf("%s: the version from %s cannot be restored: %w", info, source, err)
			break
		}
		c.After = want.Value
		if found {
			c.expect = current.Raw()
		}
	}
	plan.Changes = append(plan.Changes, c)
	return plan, nil
}

// creates reports whether the change writes a key that does not exist: a
// restore of a deleted object. Every key read from etcd has a mod_revision.
func (c *Change) creates() bool { return c.Before.ModRevision == 0 }

// deletes reports whether the change removes its key: the undo of a
// re-creation. Its After is empty but not nil (nil means no change); the
// journal records it as an absent after-image.
func (c *Change) deletes() bool { return c.After != nil && len(c.After) == 0 }

// holds reports whether a key, as read, holds value; an empty value is the
// key's absence (the before-image of a re-creation, the after-image of a
// deletion).
func holds(current Record, found bool, value []byte) bool {
	if len(value) == 0 {
		return !found
	}
	return found && bytes.Equal(current.Raw(), value)
}
