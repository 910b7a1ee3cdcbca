package snapshot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/snapshot"
	bolt "go.etcd.io/bbolt"
)

// TestOpenRefuses: a file that is not an etcd data file is the user's to
// fix (*UsageError); one cut to nothing is damaged (*DamagedError).
// etcdops' snapshot tests read real snapshots through a Store.
func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not.db")
	os.WriteFile(notDB, []byte("hello"), 0o600)
	zero := filepath.Join(dir, "zero.db")
	os.WriteFile(zero, nil, 0o600)
	emptyDB := filepath.Join(dir, "empty.db")
	db, err := bolt.Open(emptyDB, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, tc := range []struct {
		path, want string
		damaged    bool
	}{
		{filepath.Join(dir, "missing.db"), "no such file", false},
		{notDB, "etcdctl snapshot save", false},
		{emptyDB, "not an etcd v3 data file", false},
		{zero, "it is empty (0 bytes)", true},
	} {
		kv, err := snapshot.Open(context.Background(), tc.path)
		if err == nil {
			kv.Watcher().Close()
			t.Errorf("%s: opened, want %q", filepath.Base(tc.path), tc.want)
			continue
		}
		var usage *snapshot.UsageError
		var dmg *snapshot.DamagedError
		if !strings.Contains(err.Error(), tc.want) || errors.As(err, &usage) == tc.damaged || errors.As(err, &dmg) != tc.damaged {
			t.Errorf("%s: %v (%T), want %q (damaged: %v)", filepath.Base(tc.path), err, err, tc.want, tc.damaged)
		}
	}
}
