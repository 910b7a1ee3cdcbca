package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

// TestDamagedSnapshotCommands: get, decode, history and restore
// --from-snapshot, given a damaged snapshot (one in five of the damages of
// etcdtest.DamageSnapshot: cut short, bits flipped, pages zeroed, garbage
// appended), end with exit 1 and one line "FILE is damaged: ..." when the
// file can tell, print what the undamaged file prints when only bytes
// after the database changed, and never panic; restore --yes writes
// nothing from a damaged file and makes no journal.
func TestDamagedSnapshotCommands(t *testing.T) {
	c := newCluster(t, demo.Options{})
	path := c.saveSnapshot()
	c.delete(frontendConfigKey) // the backup holds what the live etcd lost
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	commands := []func(file string) []string{
		func(f string) []string { return []string{"get", "cm", "-A", "--snapshot", f} },
		func(f string) []string { return []string{"decode", "--snapshot", f, frontendConfigKey} },
		func(f string) []string {
			return []string{"history", "cm", "frontend-config", "-n", "shop", "--snapshot", f}
		},
		func(f string) []string {
			return []string{"restore", "cm", "frontend-config", "-n", "shop", "--from-snapshot", f, "--dry-run"}
		},
	}
	original := make([]result, len(commands))
	for i, args := range commands {
		if original[i] = c.run(args(path)...); original[i].code != exitOK {
			t.Fatalf("%v on the undamaged snapshot:\n%s", args(path), original[i])
		}
	}

	dir := t.TempDir()
	counts := map[etcdtest.Damaged][2]int{} // refused, read
	for i, d := range etcdtest.DamageSnapshot(saved) {
		if i%5 != 0 {
			continue
		}
		file := filepath.Join(dir, fmt.Sprintf("damaged-%d.db", i))
		if err := os.WriteFile(file, d.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		refused := 0
		for k, args := range commands {
			r := c.run(args(file)...)
			line, ended := strings.CutSuffix(r.errOut, "\n")
			isDamaged := r.code == exitError && r.out == "" && ended && !strings.Contains(line, "\n") &&
				strings.HasPrefix(line, "lifeboat: "+file+" is damaged: ")
			switch {
			case isDamaged:
				refused++
			case d.Expect == etcdtest.MustRefuse:
				t.Errorf("%s: %v: want exit 1 and one line %q, got %s", d.Name, args(file)[0], file+" is damaged: ...", r)
			case d.Expect == etcdtest.Intact && (r.code != original[k].code || r.out != original[k].out):
				t.Errorf("%s: %v: want what the undamaged file gives\n%s\nundamaged:\n%s", d.Name, args(file)[0], r, original[k])
			case strings.Contains(r.errOut, "panic") || strings.Contains(r.errOut, "goroutine "):
				t.Errorf("%s: %v:\n%s", d.Name, args(file)[0], r)
			}
		}
		n := counts[d.Expect]
		if refused > 0 {
			n[0]++
		} else {
			n[1]++
		}
		counts[d.Expect] = n
		if d.Expect == etcdtest.MustRefuse {
			rev := c.revision()
			r := c.run("restore", "cm", "frontend-config", "-n", "shop", "--from-snapshot", file, "--yes")
			c.assertUnchanged(rev, r)
			if r.code != exitError {
				t.Errorf("%s: restore --yes: want exit 1\n%s", d.Name, r)
			}
			if _, err := os.Stat(c.journal(fmt.Sprintf("journal-%d.jsonl", c.n))); err == nil {
				t.Errorf("%s: restore --yes made a journal\n%s", d.Name, r)
			}
		}
		os.Remove(file)
	}
	for _, e := range []etcdtest.Damaged{etcdtest.MustRefuse, etcdtest.Intact, etcdtest.Undetectable} {
		t.Logf("damaged files that %s: %d refused as damaged, %d read", e, counts[e][0], counts[e][1])
	}
}
