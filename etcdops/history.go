package etcdops

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// Version is one revision of a key that etcd's MVCC history still holds.
type Version struct {
	// Record is the key as stored at Record.ModRevision. For a deletion
	// only Key and ModRevision (the revision of the delete) are set.
	Record
	Deleted bool
	// Time is when the object says it was written, zero when it says
	// nothing (and for deletions): etcd keeps no write times. TimeSource
	// names the field it comes from.
	Time       time.Time
	TimeSource string
}

// Time sources, as History reports them.
const (
	TimeCreation     = "creationTimestamp"
	TimeManagedField = "managedFields"
	TimeDeletion     = "deletionTimestamp"
)

// History is every version of one key still in etcd's history, oldest first.
type History struct {
	KeyInfo
	Key      string
	Versions []Version
	// Revision is the etcd revision the history was read up to.
	Revision int64
	// CompactedAt is etcd's compacted revision when the history reaches
	// back to it: versions before it are gone. 0 when nothing was lost.
	CompactedAt int64
	secretsOnce sync.Once
	secrets     []string // secretValues
}

// first reports whether v is the first version of its key's life: etcd
// counts versions from 1; kine counts none (Version 0), and there the first
// is the one written at the key's create revision.
func (v Version) first() bool {
	return v.Version == 1 || v.Version == 0 && !v.Deleted && v.ModRevision == v.CreateRevision
}

// Exists reports whether the key exists at h.Revision.
func (h *History) Exists() bool {
	return len(h.Versions) > 0 && !h.Versions[len(h.Versions)-1].Deleted
}

// At returns the version that was current at revision rev: the newest one
// written at or before it. ok is false when the key did not exist then.
func (h *History) At(rev int64) (Version, bool) {
	i := sort.Search(len(h.Versions), func(i int) bool { return h.Versions[i].ModRevision > rev })
	if i == 0 || h.Versions[i-1].Deleted {
		return Version{}, false
	}
	return h.Versions[i-1], true
}

// History reads every version of the object info names that etcd still
// keeps (docs/design.md, "History, restore and snapshots"). The live
// version is walked back one Get at a time: a version at mod_revision M
// that is not the key's first (Version > 1) was preceded by the one
// current at M-1, back to the key's create_revision. Versions from before
// a delete are found by a watch of the key from the oldest revision etcd
// keeps, filtered to deletes, whose prev_kv is the last version before each
// delete; each is walked back the same way. A Get that hits the compacted
// revision ends the walk and sets CompactedAt.
func (s *Store) History(ctx context.Context, info KeyInfo) (*History, error) {
	key := s.layout.Key(info.Resource, info.Namespace, info.Name)
	h := &History{KeyInfo: info, Key: key}
	current, found, rev, err := s.getAt(ctx, key, 0)
	if err != nil {
		return nil, err
	}
	h.Revision = rev
	dels, compacted, err := s.Deletions(ctx, key, false, rev)
	if err != nil {
		return nil, err
	}
	h.CompactedAt = compacted
	seen := map[int64]bool{}
	add := func(v Version) {
		if !seen[v.ModRevision] {
			seen[v.ModRevision] = true
			h.Versions = append(h.Versions, v)
		}
	}
	var lastVersions []Record
	if found {
		lastVersions = append(lastVersions, current)
	}
	for _, d := range dels {
		add(Version{Record: Record{Key: key, ModRevision: d.Revision}, Deleted: true})
		lastVersions = append(lastVersions, d.Prev)
	}
	for _, last := range lastVersions {
		walked, err := s.walkBack(ctx, last, seen)
		for _, rec := range walked {
			add(Version{Record: rec})
		}
		if errors.Is(err, rpctypes.ErrCompacted) {
			if h.CompactedAt == 0 {
				// The watch saw no compaction, yet a Get did: etcd
				// compacted in between. The oldest version read is
				// the best bound there is.
				h.CompactedAt = walked[len(walked)-1].ModRevision
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: history: %w", info, err)
		}
	}
	sort.Slice(h.Versions, func(i, j int) bool { return h.Versions[i].ModRevision < h.Versions[j].ModRevision })
	for i := range h.Versions {
		h.Versions[i].Time, h.Versions[i].TimeSource = versionTime(h.Versions[i])
	}
	if h.CompactedAt > 0 && len(h.Versions) > 0 && h.Versions[0].first() {
		// The oldest version is the key's creation: nothing of this key
		// was lost to compaction, whatever else was.
		h.CompactedAt = 0
	}
	return h, nil
}

// Versions returns the key's current version and the ones before it,
// newest first, back to its creation or to etcd's compacted revision:
// History since the key was last created, without the replay of the
// whole history that finding its deletes takes. None when the key does
// not exist.
func (s *Store) Versions(ctx context.Context, key string) ([]Record, error) {
	current, found, _, err := s.getAt(ctx, key, 0)
	if err != nil || !found {
		return nil, err
	}
	versions, err := s.walkBack(ctx, current, map[int64]bool{})
	if errors.Is(err, rpctypes.ErrCompacted) {
		err = nil // what is left is what there is
	}
	return versions, err
}

// walkBack returns rec and the versions before it, newest first, back to
// the key's creation or to etcd's compacted revision (then with
// rpctypes.ErrCompacted), or to a version already in seen.
func (s *Store) walkBack(ctx context.Context, rec Record, seen map[int64]bool) ([]Record, error) {
	out := []Record{rec}
	for rec.ModRevision > rec.CreateRevision && rec.Version != 1 {
		prev, found, _, err := s.getAt(ctx, rec.Key, rec.ModRevision-1)
		if err != nil {
			return out, err
		}
		if !found || seen[prev.ModRevision] {
			return out, nil
		}
		out = append(out, prev)
		rec = prev
	}
	return out, nil
}

// versionTime is the newest time the object carries about its own writes:
// creationTimestamp for a key's first version; otherwise the newest of its
// managedFields times (the apiserver stamps each write there) and its
// deletionTimestamp. A later version that carries neither has no time: its
// creationTimestamp says nothing about when it was written.
func versionTime(v Version) (time.Time, string) {
	if v.Deleted {
		return time.Time{}, ""
	}
	obj, err := codec.Decode(v.Value)
	if err != nil || obj.Format == codec.FormatEncrypted {
		return time.Time{}, ""
	}
	meta := obj.Meta
	created := meta.CreationTimestamp.Time
	if v.first() && !created.IsZero() {
		return created.UTC(), TimeCreation
	}
	var newest time.Time
	source := ""
	for _, mf := range meta.ManagedFields {
		if mf.Time != nil && mf.Time.After(newest) {
			newest, source = mf.Time.Time, TimeManagedField
		}
	}
	if meta.DeletionTimestamp != nil && meta.DeletionTimestamp.After(newest) {
		newest, source = meta.DeletionTimestamp.Time, TimeDeletion
	}
	if newest.IsZero() {
		return time.Time{}, ""
	}
	return newest.UTC(), source
}

// Event says what the write of v did, given the version before it (nil:
// none kept).
func (v Version) Event(prev *Version) string {
	switch {
	case v.Deleted:
		return "deleted"
	case v.first():
		return "created"
	case prev == nil:
		return "oldest version kept"
	}
	return "modified"
}

// Diff is the unified YAML diff from the version before version i (none
// for the first) to it, as Change.Diff renders it; a deletion diffs to
// nothing. Without showSecrets, Secrets are redacted with the values of
// every version: a later version may copy an earlier one's data into an
// annotation, where a diff of two versions alone would show it.
func (h *History) Diff(i int, showSecrets bool) (string, error) {
	v := h.Versions[i]
	var b []byte
	var before *Version
	if i > 0 && !h.Versions[i-1].Deleted {
		before = &h.Versions[i-1]
		b = before.Value
	}
	if v.Deleted && len(b) == 0 {
		return "", nil
	}
	var a []byte
	rv := v.ModRevision
	if v.Deleted {
		rv = before.ModRevision
	} else {
		a = v.Value
	}
	opts := codec.RenderOptions{ResourceVersion: rv, ShowSecrets: showSecrets}
	if !showSecrets {
		opts.Redact = h.secretValues()
	}
	// Both sides show one resourceVersion, so only the edit shows.
	return diffValues(h.KeyInfo.String(), b, a, opts)
}

// secretValues are the Secret values every version holds, as stored and
// encoded, once.
func (h *History) secretValues() []string {
	h.secretsOnce.Do(func() {
		for _, v := range h.Versions {
			if v.Deleted {
				continue
			}
			if obj, err := DecodeStored(h.Resource, v.Value); err == nil {
				h.secrets = append(h.secrets, obj.SecretValues()...)
			}
		}
	})
	return h.secrets
}

// diffValues is the unified YAML diff between two stored values; an empty
// value is an absent key (before a creation, after a deletion). A value
// that does not decode (a quarantine and its undo move such values) shows
// as one comment line saying so. Secrets are redacted on both sides with
// the values of both (codec.DiffStored): a value only one side holds must
// not show where the other copied it.
func diffValues(name string, before, after []byte, opts codec.RenderOptions) (string, error) {
	return codec.DiffStored(name, before, after, opts)
}
