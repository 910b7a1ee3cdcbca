package etcdops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/journal"
)

// rewriteJournal rewrites every line of a journal with edit.
func rewriteJournal(t *testing.T, path string, edit func(line map[string]any) []map[string]any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var line map[string]any
		if err := json.Unmarshal(l, &line); err != nil {
			t.Fatal(err)
		}
		for _, e := range edit(line) {
			b, _ := json.Marshal(e)
			out.Write(append(b, '\n'))
		}
	}
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUndoWritesOnlyWhatBelongsUnderTheKey: a journal whose before-image
// of one pod is another pod's bytes (tampered, or from another cluster)
// does not make undo write that pod under the first one's key; and a
// forged quarantine-delete line cannot make undo write bytes of its
// choosing: undo re-creates a quarantined value only from its quarantine
// copy.
func TestUndoWritesOnlyWhatBelongsUnderTheKey(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	var victim, other string
	var otherBefore any
	rewriteJournal(t, j.Path(), func(line map[string]any) []map[string]any {
		if line["type"] == "write" {
			switch {
			case other == "":
				other, otherBefore = line["key"].(string), line["before"]
			case victim == "":
				victim = line["key"].(string)
				line["before"] = otherBefore // another pod's bytes
			}
		}
		return []map[string]any{line}
	})
	// A forged quarantine: "the key held these bytes, lifeboat moved them".
	forgedKey := "/registry/configmaps/shop/forged"
	f, err := os.OpenFile(j.Path(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []map[string]any{
		{"type": "write", "time": time.Now(), "key": forgedKey, "resource": "configmaps", "namespace": "shop", "name": "forged",
			"action": "quarantine-delete", "before": []byte("anything at all"), "beforeRevision": 7},
		{"type": "committed", "time": time.Now(), "key": forgedKey, "afterRevision": 8},
	} {
		b, _ := json.Marshal(l)
		f.Write(append(b, '\n'))
	}
	f.Close()

	before := snapshot(t, cli)
	results := undoJournal(t, store, j.Path())
	after := snapshot(t, cli)
	for _, r := range results {
		switch r.Key {
		case victim:
			if r.Changed || r.Err == nil || !strings.Contains(r.Err.Error(), "its name and namespace must be its key's") {
				t.Errorf("undo of %s with %s's bytes: changed %v, %v; want it refused", victim, other, r.Changed, r.Err)
			}
		case forgedKey:
			if r.Changed || r.Err == nil || !strings.Contains(r.Err.Error(), "quarantine copy") {
				t.Errorf("undo of a forged quarantine of %s: changed %v, %v; want it refused", forgedKey, r.Changed, r.Err)
			}
		}
	}
	if after[victim].ModRevision != before[victim].ModRevision {
		t.Errorf("%s was written", victim)
	}
	if _, found := after[forgedKey]; found {
		t.Errorf("%s was created from a forged journal line", forgedKey)
	}
	if after[other].ModRevision == before[other].ModRevision {
		t.Errorf("%s, whose line is intact, was not undone", other)
	}
}

// TestUndoKeepsAQuarantineCopyWhoseOriginalCameBack: when someone wrote the
// original key of a quarantined value since, undo cannot put the value
// back, and keeps its copy: deleting it would leave the value only in the
// journal.
func TestUndoKeepsAQuarantineCopyWhoseOriginalCameBack(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{Malformed: true})
	plan, err := store.PlanQuarantine(ctx, []string{poisonKey})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	if _, err := store.ApplyQuarantine(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	// The pod came back, written by someone else (the apiserver, say).
	var good []byte
	for key, rec := range snapshot(t, cli) {
		if strings.HasPrefix(key, "/registry/pods/") && key != poisonKey {
			good = rec.Value
			break
		}
	}
	if _, err := cli.Put(ctx, poisonKey, string(good)); err != nil {
		t.Fatal(err)
	}
	for _, r := range undoJournal(t, store, j.Path()) {
		if r.Changed {
			t.Errorf("undo wrote %s", r.Key)
		}
	}
	if _, found, _ := store.Get(ctx, etcdops.QuarantineKey(poisonKey)); !found {
		t.Error("undo deleted the quarantine copy of a value it could not put back")
	}
}

// TestRestoreOfAnotherObjectUnderTheKey: a snapshot or history version
// that holds another object than the key's (kube-system/other under
// shop/gone) is not restored under the key.
func TestRestoreOfAnotherObjectUnderTheKey(t *testing.T) {
	ctx := context.Background()
	store, _, _ := capsized(t, demo.Options{})
	other := get(t, store, "/registry/configmaps/shop/frontend-config")
	res := resource(t, "configmaps")
	plan, err := store.PlanRestore(ctx, etcdops.KeyInfo{Resource: res, Namespace: "shop", Name: "gone"}, etcdops.Record{Value: other.Value}, filepath.Join(t.TempDir(), "backup.db"))
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Changes[0]; c.Changed() || c.Skip == nil || !strings.Contains(c.Skip.Error(), `"frontend-config"`) {
		t.Errorf("restore of shop/frontend-config's bytes under shop/gone: skip %v, want it refused naming the object", c.Skip)
	}
}

// TestUndoOfAKilledRunKeepsWhatARerunWrote: a run killed before etcd
// confirmed its writes journals them without their commits; a rerun then
// writes the same bytes. Undo of the killed run's journal reverts none of
// those keys: it cannot know the write was its run's, and says how to put
// the version back if it was.
func TestUndoOfAKilledRunKeepsWhatARerunWrote(t *testing.T) {
	ctx := context.Background()
	store, cli, _ := capsized(t, demo.Options{})
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	// As the killed run's journal reads: writes, no commits.
	rewriteJournal(t, j.Path(), func(line map[string]any) []map[string]any {
		if line["type"] == "committed" {
			return nil
		}
		return []map[string]any{line}
	})
	before := snapshot(t, cli)
	for _, r := range undoJournal(t, store, j.Path()) {
		if r.Changed || r.Err == nil || !strings.Contains(r.Err.Error(), "lifeboat restore pods") {
			t.Errorf("%s: changed %v, %v; want it kept, with the restore that puts it back", r.Key, r.Changed, r.Err)
		}
	}
	if after := snapshot(t, cli); len(after) != len(before) {
		t.Fatal("keys changed")
	} else {
		for k, v := range before {
			if after[k].ModRevision != v.ModRevision {
				t.Errorf("%s was written", k)
			}
		}
	}
}

// TestJournalsOthersMayWriteAreRefused: undo writes what a journal says,
// so a journal group or others may write is not read.
func TestJournalsOthersMayWriteAreRefused(t *testing.T) {
	ctx := context.Background()
	store, _, _ := capsized(t, demo.Options{})
	plan, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.UndeletePods, Query: etcdops.Query{Resource: resource(t, "pods"), Namespace: "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t)
	if _, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: j}); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o666, 0o620, 0o602} {
		if err := os.Chmod(j.Path(), mode); err != nil {
			t.Fatal(err)
		}
		var usage *journal.UsageError
		if _, err := journal.Read(j.Path()); !errors.As(err, &usage) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("a journal of mode %04o: %v, want it refused", mode, err)
		}
	}
	os.Chmod(j.Path(), 0o600)
	if _, err := journal.Read(j.Path()); err != nil {
		t.Errorf("a journal of mode 0600: %v", err)
	}
}
