package etcdops_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// damagedSnapshot is a real snapshot with history (a ConfigMap edited,
// deleted, re-created; a compaction), saved as 'etcdctl snapshot save'
// saves one, its etcd stopped: the file's bytes.
func damagedSnapshotSource(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	c := etcdtest.Capsized(t, demo.Options{Now: testNow, Malformed: true})
	e := writeEditedConfigMap(t, c.Client, "shop", "edited")
	putObject(t, c.Client, e.key, configMap("shop", "edited", 1, testNow, testNow))
	if _, err := c.Client.Compact(ctx, e.revs[1]); err != nil {
		t.Fatal(err)
	}
	path := saveSnapshot(t, c.Client)
	c.Server.Close()
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

// readSnapshot opens path and reads from it what lifeboat reads (readAll),
// returning the first error instead of failing, and a panic as an error
// that says so. It gives up after a while: a reader must never hang.
func readSnapshot(path string) (r reads, openErr, readErr error) {
	type result struct {
		r                reads
		openErr, readErr error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if p := recover(); p != nil {
				res.readErr = fmt.Errorf("panic: %v", p)
			}
			done <- res
		}()
		ctx := context.Background()
		store, err := etcdops.OpenSnapshot(ctx, path, "")
		if err != nil {
			res.openErr = err
			return
		}
		defer store.Close()
		res.r, res.readErr = readAllErr(ctx, store)
	}()
	select {
	case res := <-done:
		return res.r, res.openErr, res.readErr
	case <-time.After(30 * time.Second):
		return reads{}, nil, errors.New("hung: no answer in 30s")
	}
}

// readAllErr is readAll, returning errors.
func readAllErr(ctx context.Context, store *etcdops.Store) (reads, error) {
	var r reads
	var err error
	if r.Revision, err = store.Revision(ctx); err != nil {
		return r, err
	}
	if _, err := store.Scan(ctx, "/registry/", func(rec etcdops.Record) error {
		r.Keys = append(r.Keys, rec)
		return nil
	}); err != nil {
		return r, err
	}
	pods, _ := etcdops.ResolveResource("pods")
	if _, err := store.List(ctx, etcdops.Query{Resource: pods, AllNamespaces: true}, func(it etcdops.Item) error {
		r.Pods = append(r.Pods, fmt.Sprintf("%s %d %v", it.Key, it.ModRevision, it.DecodeErr != nil))
		return nil
	}); err != nil {
		return r, err
	}
	cms, _ := etcdops.ResolveResource("configmaps")
	h, err := store.History(ctx, etcdops.KeyInfo{Resource: cms, Namespace: "shop", Name: "edited"})
	if err != nil {
		return r, err
	}
	for _, v := range h.Versions {
		r.History = append(r.History, v.ModRevision)
	}
	r.Compacted = h.CompactedAt
	dels, _, err := store.Deletions(ctx, "/registry/", true, r.Revision)
	if err != nil {
		return r, err
	}
	for _, d := range dels {
		r.Deleted = append(r.Deleted, fmt.Sprintf("%s %d %d", d.KeyInfo, d.Revision, d.Prev.ModRevision))
	}
	return r, nil
}

// TestSnapshotDamaged: a snapshot damaged as disks, copies and transfers
// damage files (etcdtest.DamageSnapshot: cut short, bits flipped, pages
// zeroed, garbage appended) is refused with one error that says it is
// damaged, before anything is read from it; never a panic, a fault or a
// hang. Damage the file cannot tell (a changed byte in a member's db,
// which has no checksum of its pages) is read without one. The refusals
// come from the checks made before bbolt reads the file, never from a
// panic contained while reading it.
func TestSnapshotDamaged(t *testing.T) {
	saved := damagedSnapshotSource(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "snapshot.db")
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	original, openErr, readErr := readSnapshot(path)
	if openErr != nil || readErr != nil || len(original.Keys) == 0 || len(original.History) == 0 || len(original.Deleted) == 0 {
		t.Fatalf("the undamaged snapshot: %v %v %s", openErr, readErr, original.summary())
	}

	// Tallied by kind of damage (its name without numbers) and what it
	// must be.
	type tally struct{ variants, refused, read int }
	tallies := map[string]*tally{}
	var kinds []string
	number := regexp.MustCompile(`\b(0x[0-9a-f]+|[0-9]+)\b`)
	for i, d := range etcdtest.DamageSnapshot(saved) {
		file := filepath.Join(dir, fmt.Sprintf("damaged-%d.db", i))
		if err := os.WriteFile(file, d.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, openErr, readErr := readSnapshot(file)
		os.Remove(file)
		kind := number.ReplaceAllString(d.Name, "N") + ": " + d.Expect.String()
		tl := tallies[kind]
		if tl == nil {
			tl = &tally{}
			tallies[kind] = tl
			kinds = append(kinds, kind)
		}
		tl.variants++
		var dmg *etcdops.SnapshotDamagedError
		switch {
		case readErr != nil && (strings.HasPrefix(readErr.Error(), "panic") || strings.HasPrefix(readErr.Error(), "hung")):
			t.Errorf("%s: %v", d.Name, readErr)
		case openErr != nil && !errors.As(openErr, &dmg):
			t.Errorf("%s: %v, want it refused as damaged", d.Name, openErr)
		case openErr != nil && (!strings.HasPrefix(openErr.Error(), file+" is damaged: ") || strings.Contains(openErr.Error(), "\n")):
			t.Errorf("%s: %q, want one line %q", d.Name, openErr, file+" is damaged: ...")
		case openErr != nil && strings.HasPrefix(dmg.Reason, "reading it failed"):
			t.Errorf("%s: %v: the checks let bbolt read a damaged page", d.Name, openErr)
		case openErr != nil:
			tl.refused++
		case d.Expect == etcdtest.MustRefuse:
			t.Errorf("%s: read (%s), want it refused as damaged", d.Name, got.summary())
		case d.Expect == etcdtest.Intact && (readErr != nil || !reflect.DeepEqual(got, original)):
			t.Errorf("%s: read %s, %v; want what the undamaged file reads: %s", d.Name, got.summary(), readErr, original.summary())
		default:
			tl.read++
		}
	}
	for _, k := range kinds {
		tl := tallies[k]
		t.Logf("%s: %d files, %d refused as damaged, %d read", k, tl.variants, tl.refused, tl.read)
	}
}

// TestSnapshotCutWhileOpen: a snapshot cut short while lifeboat has it
// open (another 'etcdctl snapshot save' to the same path) faults the
// reads of its memory map: each read fails with the damaged error, and
// the process goes on.
func TestSnapshotCutWhileOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snapshot.db")
	if err := os.WriteFile(path, damagedSnapshotSource(t), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := etcdops.OpenSnapshot(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := os.Truncate(path, 3*4096); err != nil {
		t.Fatal(err)
	}
	pods, _ := etcdops.ResolveResource("pods")
	_, err = store.List(ctx, etcdops.Query{Resource: pods, AllNamespaces: true}, func(etcdops.Item) error { return nil })
	var dmg *etcdops.SnapshotDamagedError
	if !errors.As(err, &dmg) || !strings.Contains(err.Error(), "reading it failed") {
		t.Errorf("a list from a snapshot cut short under it: %v, want a damaged error", err)
	}
}

// TestSnapshotOfAnUnwrittenEtcd: a snapshot of an etcd nobody wrote to has
// no key; it is at revision 1, as that etcd was, and a replay of its
// history (history --deleted) ends at once, as on the live etcd, instead of
// waiting for a progress notification at revision 0 until the command
// times out. FuzzSnapshot found it (testdata/fuzz/FuzzSnapshot).
func TestSnapshotOfAnUnwrittenEtcd(t *testing.T) {
	srv, cli := etcdtest.Start(t)
	path := saveSnapshot(t, cli)
	srv.Close()
	store, err := etcdops.OpenSnapshot(context.Background(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := readAllErr(ctx, store)
	if err != nil || r.Revision != 1 || len(r.Keys) != 0 || len(r.Deleted) != 0 {
		t.Errorf("read %s, %v; want revision 1 and nothing else", r.summary(), err)
	}
}

// TestSnapshotOfAMemberDB: a stopped member's own member/snap/db (no
// sha256, meta pages of two transactions, pages freed and reused, no
// freelist page: etcd does not sync it) passes every check and reads as
// the live etcd read, as a saved snapshot does (TestSnapshotReads).
func TestSnapshotOfAMemberDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := embedetcd.Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	e := writeEditedConfigMap(t, cli, "shop", "edited")
	putObject(t, cli, e.key, configMap("shop", "edited", 1, testNow, testNow))
	for i := range 200 { // pages written, then freed
		putObject(t, cli, fmt.Sprintf("/registry/configmaps/default/churn-%d", i%20), configMap("default", "churn", i+1, testNow, testNow))
	}
	if _, err := cli.Compact(ctx, e.revs[1]); err != nil {
		t.Fatal(err)
	}
	live, err := readAllErr(ctx, etcdops.NewStore(cli, "", false))
	if err != nil {
		t.Fatal(err)
	}
	cli.Close()
	srv.Close()

	db := filepath.Join(dir, "member", "snap", "db")
	got, openErr, readErr := readSnapshot(db)
	if openErr != nil || readErr != nil || !reflect.DeepEqual(got, live) {
		t.Errorf("%s: %v %v\nread: %s\nlive: %s", db, openErr, readErr, got.summary(), live.summary())
	}
}
