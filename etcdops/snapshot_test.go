package etcdops_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// saveSnapshot saves cli's etcd to a file as 'etcdctl snapshot save' does
// (Maintenance.Snapshot, the stream with its sha256 trailer).
func saveSnapshot(t testing.TB, cli *clientv3.Client) string {
	t.Helper()
	rc, err := cli.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	path := filepath.Join(t.TempDir(), "snapshot.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// reads is what lifeboat reads from a store: every key, pods and
// configmaps as listed, a history and the deletions.
type reads struct {
	Revision  int64
	Keys      []etcdops.Record
	Pods      []string
	History   []int64
	Compacted int64
	Deleted   []string
}

func readAll(t *testing.T, store *etcdops.Store) reads {
	t.Helper()
	ctx := context.Background()
	var r reads
	r.Revision = revision(t, store)
	if _, err := store.Scan(ctx, "/registry/", func(rec etcdops.Record) error {
		r.Keys = append(r.Keys, rec)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.List(ctx, etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}, func(it etcdops.Item) error {
		r.Pods = append(r.Pods, fmt.Sprintf("%s %d %v", it.Key, it.ModRevision, it.DecodeErr != nil))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h, err := store.History(ctx, etcdops.KeyInfo{Resource: resource(t, "configmaps"), Namespace: "shop", Name: "edited"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range h.Versions {
		r.History = append(r.History, v.ModRevision)
	}
	r.Compacted = h.CompactedAt
	dels, _, err := store.Deletions(ctx, "/registry/", true, r.Revision)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dels {
		r.Deleted = append(r.Deleted, fmt.Sprintf("%s %d %d", d.KeyInfo, d.Revision, d.Prev.ModRevision))
	}
	return r
}

// TestSnapshotReads reads a snapshot with its etcd stopped and finds what
// the live etcd showed: keys, objects, history and deletions.
func TestSnapshotReads(t *testing.T) {
	ctx := context.Background()
	c := etcdtest.Capsized(t, demo.Options{Now: testNow, Malformed: true})
	srv, cli := c.Server, c.Client
	e := writeEditedConfigMap(t, cli, "shop", "edited")
	putObject(t, cli, e.key, configMap("shop", "edited", 1, testNow, testNow)) // a second life
	if _, err := cli.Compact(ctx, e.revs[1]); err != nil {
		t.Fatal(err)
	}
	live := readAll(t, etcdops.NewStore(cli, "", false))
	path := saveSnapshot(t, cli)
	srv.Close()

	store, err := etcdops.OpenSnapshot(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	got := readAll(t, store)
	if !reflect.DeepEqual(got, live) {
		t.Errorf("snapshot reads differ from the live etcd's:\nsnapshot: %+v\nlive:     %+v", got.summary(), live.summary())
	}
	if live.Compacted != e.revs[1] || len(live.History) != 5 || len(live.Deleted) != 1 {
		t.Errorf("live etcd: history %v compacted at %d, deletions %v", live.History, live.Compacted, live.Deleted)
	}

	t.Run("revisions", func(t *testing.T) {
		key := "/registry/configmaps/shop/edited"
		for _, tc := range []struct {
			rev  int64
			want error
		}{
			{e.revs[0], rpctypes.ErrCompacted},
			{live.Revision + 1, rpctypes.ErrFutureRev},
		} {
			if _, err := store.ReadVersion(ctx, etcdops.KeyInfo{Resource: resource(t, "configmaps"), Namespace: "shop", Name: "edited"}, tc.rev); err == nil {
				t.Errorf("revision %d: read, want %v", tc.rev, tc.want)
			}
		}
		rec, found, err := store.Get(ctx, key)
		if err != nil || !found || rec.ModRevision != live.History[len(live.History)-1] {
			t.Errorf("Get %s: %+v %v %v", key, rec, found, err)
		}
	})

	t.Run("writes refused", func(t *testing.T) {
		plan, err := planOf(ctx, store, undeleteAll(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: newJournal(t)}); !errors.Is(err, etcdops.ErrReadOnly) {
			t.Errorf("Apply on a snapshot: %v, want ErrReadOnly", err)
		}
	})
}

func (r reads) summary() string {
	return fmt.Sprintf("revision %d, %d keys, %d pods, history %v (compacted %d), deleted %v", r.Revision, len(r.Keys), len(r.Pods), r.History, r.Compacted, r.Deleted)
}

func TestSnapshotOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not.db")
	os.WriteFile(notDB, []byte("hello"), 0o600)
	emptyDB := filepath.Join(dir, "empty.db")
	db, err := bolt.Open(emptyDB, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, cli := etcdtest.Start(t)
	locked := saveSnapshot(t, cli)
	held, err := bolt.Open(locked, 0o600, nil) // as a running etcd holds its db
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.db"), "no such file"},
		{notDB, "etcdctl snapshot save"},
		{emptyDB, "not an etcd v3 data file"},
		{locked, "locked by a running etcd"},
	} {
		_, err := etcdops.OpenSnapshot(context.Background(), tc.path, "")
		var usage *etcdops.UsageError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &usage) {
			t.Errorf("%s: %v, want a usage error with %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}
