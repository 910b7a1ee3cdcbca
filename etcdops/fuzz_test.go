package etcdops_test

// Fuzz targets for what lifeboat reads from files a user names: a snapshot,
// a journal, a plan. None may panic on any input (make fuzz runs them; plain
// go test runs their seeds and any input saved under testdata/fuzz/).

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/journal"
)

// fuzzSnapshotSeed is a small real snapshot: an embedded etcd with a few
// ConfigMaps written, edited, deleted and compacted, defragmented so that
// its file is a few pages, saved as 'etcdctl snapshot save' saves it.
func fuzzSnapshotSeed(t testing.TB) []byte {
	t.Helper()
	ctx := context.Background()
	srv, cli := etcdtest.Start(t)
	a, b := "/registry/configmaps/shop/a", "/registry/configmaps/shop/b"
	putObject(t, cli, a, configMap("shop", "a", 1, testNow, testNow))
	putObject(t, cli, b, configMap("shop", "b", 1, testNow, testNow))
	rev := putObject(t, cli, a, configMap("shop", "a", 2, testNow, testNow.Add(time.Minute)))
	deleteKey(t, cli, b)
	putObject(t, cli, a, configMap("shop", "a", 3, testNow, testNow.Add(2*time.Minute)))
	if _, err := cli.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Defragment(ctx, srv.Endpoint()); err != nil {
		t.Fatal(err)
	}
	rc, err := cli.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	saved, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

// FuzzSnapshot: OpenSnapshot of any file either refuses it (damaged, or
// not an etcd data file), having read nothing it did not check first, or
// opens it, and then every read lifeboat makes works or fails, without a
// panic. Seeds: a real snapshot, and its database without the sha256 (as a
// member's db), where changed bytes reach the page checks.
func FuzzSnapshot(f *testing.F) {
	saved := fuzzSnapshotSeed(f)
	f.Add(saved)
	f.Add(saved[:len(saved)-sha256.Size])
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "snapshot.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		store, err := etcdops.OpenSnapshot(ctx, path, "")
		if err != nil {
			var dmg *etcdops.SnapshotDamagedError
			var usage *etcdops.UsageError
			switch {
			case errors.As(err, &dmg) && strings.HasPrefix(dmg.Reason, "reading it failed"):
				t.Fatalf("the checks let bbolt read a damaged page: %v", err)
			case dmg == nil && !errors.As(err, &usage):
				t.Fatalf("%v: neither damaged nor a usage error", err)
			}
			return
		}
		defer store.Close()
		// Reading a file of a few pages takes milliseconds: a read that
		// waits for the command timeout is a hang.
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		readAllErr(ctx, store)
		if ctx.Err() != nil {
			t.Fatalf("reading it took more than 5s")
		}
	})
}

// fuzzJournalSeeds are real journals: an edit and a delete of two
// ConfigMaps in an embedded etcd, and the undo of both.
func fuzzJournalSeeds(t testing.TB) [][]byte {
	t.Helper()
	ctx := context.Background()
	_, cli := etcdtest.Start(t)
	putObject(t, cli, "/registry/configmaps/shop/a", configMap("shop", "a", 1, testNow, testNow))
	putObject(t, cli, "/registry/configmaps/shop/b", configMap("shop", "b", 1, testNow, testNow))
	store := etcdops.NewStore(cli, "", false)
	cms, _ := etcdops.ResolveResource("configmaps")
	dir := t.TempDir()
	write := func(name string, plans ...*etcdops.Plan) []byte {
		path := filepath.Join(dir, name)
		j, err := journal.Create(path, journal.Info{Command: "fuzz " + name, Endpoints: cli.Endpoints(), Prefix: "/registry"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range plans {
			if _, err := store.Apply(ctx, p, etcdops.ApplyOptions{Journal: j}); err != nil {
				t.Fatal(err)
			}
		}
		j.Close()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	plan := func(op etcdops.Operation) *etcdops.Plan {
		p, err := planOf(ctx, store, op)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	repair := write("repair.jsonl",
		plan(etcdops.Operation{Action: etcdops.EditObject, Query: etcdops.Query{Resource: cms, Namespace: "shop", Names: []string{"a"}}, Patch: []byte(`{"data":{"v":"edited"}}`)}),
		plan(etcdops.Operation{Action: etcdops.DeleteObjects, Query: etcdops.Query{Resource: cms, Namespace: "shop", Names: []string{"b"}}}))
	jf, err := journal.Read(filepath.Join(dir, "repair.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	undoPlan, err := store.PlanUndo(ctx, jf)
	if err != nil {
		t.Fatal(err)
	}
	undo := write("undo.jsonl", undoPlan)
	return [][]byte{repair, undo, repair[:len(repair)-10]} // the last: a torn last line
}

// FuzzJournal: reading any file as a journal (undo FILE, journal show FILE,
// journal ls) reads it or refuses it, without a panic.
func FuzzJournal(f *testing.F) {
	for _, seed := range fuzzJournalSeeds(f) {
		f.Add(seed)
	}
	f.Add([]byte(""))
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "journal.jsonl")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if jf, err := journal.Read(path); err == nil {
			jf.Writes()
		}
		if _, err := journal.List(dir); err != nil {
			t.Fatalf("journal ls of a directory with one bad journal: %v", err)
		}
	})
}

// FuzzPlanFile: any plan file is parsed into operations that validate, or
// refused as a usage error (exit 2), without a panic. Seeds: the plans the
// command-line tests apply, good and bad.
func FuzzPlanFile(f *testing.F) {
	plans, err := filepath.Glob(filepath.Join("..", "cmd", "lifeboat", "testdata", "plan-*.yaml"))
	if err != nil || len(plans) == 0 {
		f.Fatalf("no plans in ../cmd/lifeboat/testdata: %v", err)
	}
	for _, p := range plans {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := etcdops.ParsePlanFile("plan.yaml", data)
		var usage *etcdops.UsageError
		if err != nil && !errors.As(err, &usage) {
			t.Fatalf("%v: not a usage error", err)
		}
		for _, op := range ops {
			op.Validate()
		}
	})
}
