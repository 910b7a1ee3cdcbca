package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const frontendConfigKey = "/registry/configmaps/shop/frontend-config"

// edit rewrites the object at key as a client through the apiserver would
// (protobuf, resourceVersion cleared) and returns its new mod_revision.
func (c *cluster) edit(key string, change func(obj runtime.Object)) int64 {
	c.t.Helper()
	obj := decodeObject(c.t, key, c.get(key).Value)
	change(obj)
	value, err := codec.EncodeProtobuf(obj)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.cli.Put(context.Background(), key, string(value))
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Header.Revision
}

func (c *cluster) setConfig(key, value string) int64 {
	return c.edit(key, func(obj runtime.Object) { obj.(*corev1.ConfigMap).Data["UPSTREAM_CART_URL"] = value })
}

func (c *cluster) delete(key string) int64 {
	c.t.Helper()
	resp, err := c.cli.Delete(context.Background(), key)
	if err != nil || resp.Deleted != 1 {
		c.t.Fatalf("delete %s: %v (%d deleted)", key, err, resp.Deleted)
	}
	return resp.Header.Revision
}

// editedAndDeleted edits the shop's frontend-config three times, then
// deletes it, and returns the revisions of the four versions and the delete.
func editedAndDeleted(c *cluster) []int64 {
	revs := []int64{c.get(frontendConfigKey).ModRevision}
	for i := 1; i <= 3; i++ {
		revs = append(revs, c.setConfig(frontendConfigKey, fmt.Sprintf("http://cart-v%d:8080", i)))
	}
	return append(revs, c.delete(frontendConfigKey))
}

func TestHistoryCommand(t *testing.T) {
	c := newCluster(t, demo.Options{})
	revs := editedAndDeleted(c)

	t.Run("text", func(t *testing.T) {
		rev := c.revision()
		r := c.run("history", "cm", "frontend-config", "-n", "shop")
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
		for _, want := range []string{
			fmt.Sprintf("REVISION %d  created", revs[0]),
			fmt.Sprintf("REVISION %d  modified", revs[2]),
			fmt.Sprintf("REVISION %d  deleted", revs[4]),
			`-  UPSTREAM_CART_URL: http://cart-v1:8080`,
			`+  UPSTREAM_CART_URL: http://cart-v2:8080`,
			"configmaps/shop/frontend-config does not exist now.",
		} {
			if !strings.Contains(r.out, want) {
				t.Errorf("no %q in\n%s", want, r)
			}
		}
		if n := strings.Count(r.out, "REVISION "); n != 5 {
			t.Errorf("%d versions shown, want 5\n%s", n, r)
		}
	})

	t.Run("json", func(t *testing.T) {
		r := c.run("history", "configmaps", "frontend-config", "-n", "shop", "-o", "json")
		wantCode(t, r, exitOK)
		var doc historyJSON
		if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, r)
		}
		var got []string
		for _, v := range doc.Versions {
			got = append(got, fmt.Sprintf("%d %s", v.ModRevision, v.Event))
		}
		want := fmt.Sprintf("[%d created %d modified %d modified %d modified %d deleted]", revs[0], revs[1], revs[2], revs[3], revs[4])
		if fmt.Sprint(got) != want || doc.Exists || doc.CompactedAt != 0 {
			t.Errorf("versions %v (exists %v, compacted %d), want %s", got, doc.Exists, doc.CompactedAt, want)
		}
		if doc.Versions[0].TimeSource != "creationTimestamp" || doc.Versions[0].Object == nil {
			t.Errorf("first version: time from %q, object %v", doc.Versions[0].TimeSource, doc.Versions[0].Object)
		}
	})

	t.Run("deleted", func(t *testing.T) {
		for _, args := range [][]string{
			{"history", "cm", "-n", "shop", "--deleted"},
			{"history", "configmaps", "-A", "--deleted"},
			// The form doctor prints: the deletes of one object.
			{"history", "configmaps", "frontend-config", "-n", "shop", "--deleted"},
		} {
			r := c.run(args...)
			wantCode(t, r, exitOK)
			row := fmt.Sprintf("shop frontend-config %d %d absent", revs[4], revs[3])
			if !hasRow(r.out, row) {
				t.Errorf("%v: no row %q\n%s", args, row, r)
			}
		}
		r := c.run("history", "cm", "-n", "payments", "--deleted", "-o", "json")
		wantCode(t, r, exitOK)
		if r.out != "" {
			t.Errorf("deletions in payments, which has none:\n%s", r)
		}
	})

	t.Run("compacted", func(t *testing.T) {
		if _, err := c.cli.Compact(context.Background(), revs[2]); err != nil {
			t.Fatal(err)
		}
		r := c.run("history", "cm", "frontend-config", "-n", "shop")
		wantCode(t, r, exitOK)
		for _, want := range []string{
			fmt.Sprintf("History before revision %d was compacted", revs[2]),
			fmt.Sprintf("REVISION %d  oldest version kept", revs[2]),
		} {
			if !strings.Contains(r.out, want) {
				t.Errorf("no %q in\n%s", want, r)
			}
		}
	})
}

func TestHistorySecretsRedacted(t *testing.T) {
	c := newCluster(t, demo.Options{})
	key := "/registry/secrets/payments/payments-api-db"
	c.edit(key, func(obj runtime.Object) { obj.(*corev1.Secret).Data["password"] = []byte("rotated-hunter3") })
	tests := []struct {
		args   []string
		show   bool
		output string
	}{
		{[]string{"history", "secrets", "payments-api-db", "-n", "payments"}, false, "text"},
		{[]string{"history", "secrets", "payments-api-db", "-n", "payments", "-o", "json"}, false, "json"},
		{[]string{"history", "secrets", "payments-api-db", "-n", "payments", "--show-secrets"}, true, "text"},
	}
	for _, tt := range tests {
		r := c.run(tt.args...)
		wantCode(t, r, exitOK)
		// Secret data is base64 in YAML and JSON alike.
		shown := strings.Contains(r.out, "cm90YXRlZC1odW50ZXIz")
		if shown != tt.show || (!tt.show && !strings.Contains(r.out, "redacted")) {
			t.Errorf("%v: secret shown %v, want %v\n%s", tt.args, shown, tt.show, r)
		}
	}
}

func TestHistoryBadInput(t *testing.T) {
	c := newCluster(t, demo.Options{})
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"history", "cm", "-n", "shop"}, exitUsage, "needs one object name"},
		{[]string{"history", "cm", "a", "b", "-n", "shop"}, exitUsage, "needs one object name"},
		{[]string{"history", "cm", "frontend-config", "other", "-n", "shop", "--deleted"}, exitUsage, "takes one name"},
		{[]string{"history", "cm", "frontend-config", "-A"}, exitUsage, "-n NAMESPACE"},
		{[]string{"history", "widgets", "x"}, exitUsage, "unknown resource"},
		{[]string{"history", "cm", "no-such-config", "-n", "shop"}, exitError, "configmaps/shop/no-such-config: no version in etcd's history"},
	}
	for _, tt := range tests {
		r := c.run(tt.args...)
		wantCode(t, r, tt.code)
		if !strings.Contains(r.errOut, tt.want) || len(lines(r.errOut)) != 1 {
			t.Errorf("%v: want one line with %q\n%s", tt.args, tt.want, r)
		}
	}
}

// hasRow reports whether a table has a row of these space-separated cells.
func hasRow(table, row string) bool {
	for _, l := range lines(table) {
		if strings.Join(strings.Fields(l), " ") == row {
			return true
		}
	}
	return false
}

// exists reports whether key is in etcd now.
func (c *cluster) exists(key string) bool {
	c.t.Helper()
	resp, err := c.cli.Get(context.Background(), key, clientv3.WithCountOnly())
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Count == 1
}

// versionAt is the value key had at revision rev.
func (c *cluster) versionAt(key string, rev int64) string {
	c.t.Helper()
	resp, err := c.cli.Get(context.Background(), key, clientv3.WithRev(rev))
	if err != nil || len(resp.Kvs) != 1 {
		c.t.Fatalf("%s at %d: %v", key, rev, err)
	}
	return string(resp.Kvs[0].Value)
}

func TestRestoreCommand(t *testing.T) {
	c := newCluster(t, demo.Options{})
	revs := editedAndDeleted(c)
	restore := func(rev int64, args ...string) []string {
		return append([]string{"restore", "cm", "frontend-config", "-n", "shop", "--revision", fmt.Sprint(rev)}, args...)
	}

	t.Run("dry run and no terminal write nothing", func(t *testing.T) {
		for _, args := range [][]string{restore(revs[3], "--dry-run"), restore(revs[3])} {
			rev := c.revision()
			r := c.run(args...)
			c.assertUnchanged(rev, r)
			if r.code == exitOK && !strings.Contains(r.out, "+  UPSTREAM_CART_URL: http://cart-v3:8080") {
				t.Errorf("%v: no preview of the re-created object\n%s", args, r)
			}
			if r.code != exitOK && !strings.Contains(r.errOut, "no --yes") {
				t.Errorf("%v: want a refusal without --yes\n%s", args, r)
			}
		}
	})

	j := c.journal("restore.jsonl")
	t.Run("re-created", func(t *testing.T) {
		r := c.run(append(restore(revs[3], "--yes", "-o", "json"), "--journal", j)...)
		wantCode(t, r, exitOK)
		res := jsonLines(t, r.out)
		if len(res) != 1 || res[0]["action"] != "restore-revision" || res[0]["changed"] != true || res[0]["oldRevision"] != 0.0 {
			t.Fatalf("results %v\n%s", res, r)
		}
		now := c.get(frontendConfigKey)
		if now.Value != c.versionAt(frontendConfigKey, revs[3]) || now.Lease != 0 || float64(now.ModRevision) != res[0]["newRevision"] {
			t.Errorf("etcd holds %+v, want the version of revision %d", now, revs[3])
		}
	})

	t.Run("again: nothing to do", func(t *testing.T) {
		rev := c.revision()
		r := c.run(restore(revs[3], "--yes")...)
		wantCode(t, r, exitOK)
		c.assertUnchanged(rev, r)
		if !strings.Contains(r.errOut, "Nothing to do.") {
			t.Errorf("second restore:\n%s", r)
		}
	})

	t.Run("an older revision over the live object", func(t *testing.T) {
		r := c.run(restore(revs[1], "--yes")...)
		wantCode(t, r, exitOK)
		if c.get(frontendConfigKey).Value != c.versionAt(frontendConfigKey, revs[1]) {
			t.Errorf("not restored to revision %d:\n%s", revs[1], r)
		}
		if !strings.Contains(r.out, "-  UPSTREAM_CART_URL: http://cart-v3:8080") || !strings.Contains(r.out, "+  UPSTREAM_CART_URL: http://cart-v1:8080") {
			t.Errorf("preview:\n%s", r)
		}
	})

	t.Run("undo deletes the re-created object", func(t *testing.T) {
		// The restore to revs[1] changed the key since the re-creation:
		// undo leaves it, and deletes it once it holds the re-created
		// version again.
		r := c.run("undo", j, "--yes")
		wantCode(t, r, exitPartial)
		if !strings.Contains(r.errOut, "changed by someone else since lifeboat wrote it") || !c.exists(frontendConfigKey) {
			t.Fatalf("undo over a later write:\n%s", r)
		}
		r = c.run(restore(revs[3], "--yes")...)
		wantCode(t, r, exitOK)
		undo := c.journal("undo.jsonl")
		r = c.run("undo", j, "--yes", "--journal", undo)
		wantCode(t, r, exitOK)
		if c.exists(frontendConfigKey) {
			t.Errorf("undo left the re-created object:\n%s", r)
		}
		// And an undo of that undo re-creates it.
		r = c.run("undo", undo, "--yes")
		wantCode(t, r, exitOK)
		if !c.exists(frontendConfigKey) || c.get(frontendConfigKey).Value != c.versionAt(frontendConfigKey, revs[3]) {
			t.Errorf("undo of the undo did not re-create it:\n%s", r)
		}
	})
}

func TestRestoreBadInput(t *testing.T) {
	c := newCluster(t, demo.Options{})
	revs := editedAndDeleted(c)
	if _, err := c.cli.Compact(context.Background(), revs[2]); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"restore", "cm", "frontend-config", "-n", "shop"}, exitUsage, "needs --revision"},
		{[]string{"restore", "cm", "-n", "shop", "--revision", "5"}, exitUsage, "one object"},
		{[]string{"restore", "cm", "frontend-config", "-n", "shop", "--revision", fmt.Sprint(revs[1])}, exitUsage, "compacted"},
		{[]string{"restore", "cm", "frontend-config", "-n", "shop", "--revision", fmt.Sprint(revs[4])}, exitUsage, "configmaps/shop/frontend-config did not exist at revision"},
		{[]string{"restore", "cm", "frontend-config", "-n", "shop", "--revision", fmt.Sprint(revs[3]), "--yes", "--readonly"}, exitError, "--readonly"},
	}
	for _, tt := range tests {
		rev := c.revision()
		r := c.run(tt.args...)
		wantCode(t, r, tt.code)
		c.assertUnchanged(rev, r)
		if errLine := lines(r.errOut)[len(lines(r.errOut))-1]; !strings.HasPrefix(errLine, "lifeboat: ") || !strings.Contains(errLine, tt.want) {
			t.Errorf("%v: want an error line with %q\n%s", tt.args, tt.want, r)
		}
	}
}

// saveSnapshot saves the cluster's etcd to a file as 'etcdctl snapshot
// save' does (Maintenance.Snapshot).
func (c *cluster) saveSnapshot() string {
	c.t.Helper()
	rc, err := c.cli.Snapshot(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	defer rc.Close()
	path := filepath.Join(c.t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, rc); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// TestSnapshotCommands: get, ls, decode and history read a snapshot saved
// from an etcd, with that etcd stopped, and print what they printed live.
func TestSnapshotCommands(t *testing.T) {
	ec := etcdtest.Capsized(t, demo.Options{Now: testNow, Malformed: true})
	srv, c := ec.Server, clusterOf(t, ec)
	editedAndDeleted(c)
	reads := [][]string{
		{"get", "pods", "-A"},
		{"get", "cm", "-A", "-o", "yaml"},
		{"get", "secrets", "payments-api-db", "-n", "payments", "-o", "json"},
		{"ls"},
		{"ls", "/registry/pods/default/", "-o", "json"},
		{"history", "cm", "frontend-config", "-n", "shop"},
		{"history", "cm", "-A", "--deleted", "-o", "json"},
	}
	live := make([]result, len(reads))
	for i, args := range reads {
		live[i] = c.run(args...)
	}
	podKey := "/registry/pods/kube-system/" + corednsPod(t, c)
	liveDecode := lifeboat(t, []byte(c.get(podKey).Value), "decode")
	path := c.saveSnapshot()
	srv.Close() // from here on, no etcd

	for i, args := range reads {
		r := c.run(append(args, "--snapshot", path)...)
		if r.code != live[i].code || r.out != live[i].out {
			t.Errorf("%v: from the snapshot\n%s\nlive\n%s", args, r, live[i])
		}
	}
	r := c.run("decode", "--snapshot", path, podKey)
	if r.code != exitOK || r.out != liveDecode.out {
		t.Errorf("decode --snapshot:\n%s\nlive:\n%s", r, liveDecode)
	}
	// apply --dry-run previews a plan on the backup; writing to it is refused.
	plan := c.journal("plan.yaml")
	if err := os.WriteFile(plan, []byte("operations:\n- action: undelete-pods\n  allNamespaces: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.run("apply", "-f", plan, "--dry-run", "--snapshot", path)
	if r.code != exitPartial || !strings.Contains(r.errOut, "undelete-pods: 40 would change") {
		t.Errorf("apply --dry-run --snapshot:\n%s", r)
	}
	if r = c.run("apply", "-f", plan, "--yes", "--snapshot", path); r.code != exitUsage {
		t.Errorf("apply --yes --snapshot: want exit %d\n%s", exitUsage, r)
	}
	// doctor diagnoses the backup: the poison value and the silent nodes.
	r = c.run("doctor", "--snapshot", path)
	if r.code != exitPartial || !strings.Contains(r.out, "fix: lifeboat quarantine /registry/pods/default/poison") || !strings.Contains(r.out, "have a silent kubelet") {
		t.Errorf("doctor --snapshot:\n%s", r)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"decode", "--snapshot", path, "/registry/pods/default/nothing"}, exitUsage, "no key /registry/pods/default/nothing in snapshot"},
		{[]string{"decode", "--snapshot", path}, exitUsage, "takes one key"},
		{[]string{"get", "pods", "--snapshot", filepath.Join(t.TempDir(), "missing.db")}, exitUsage, "missing.db"},
		{[]string{"pods", "undelete", "-A", "--yes", "--snapshot", path}, exitUsage, "snapshot"},
	} {
		r := c.run(tc.args...)
		wantCode(t, r, tc.code)
		if !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: no %q in\n%s", tc.args, tc.want, r)
		}
	}
}

// corednsPod is the name of a CoreDNS pod of the seed.
func corednsPod(t *testing.T, c *cluster) string {
	t.Helper()
	resp, err := c.cli.Get(context.Background(), "/registry/pods/kube-system/coredns", clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(1))
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("no coredns pod: %v", err)
	}
	return strings.TrimPrefix(string(resp.Kvs[0].Key), "/registry/pods/kube-system/")
}

// TestRestoreFromSnapshot: the ConfigMap someone deleted comes back from a
// backup into the live etcd, through the write path.
func TestRestoreFromSnapshot(t *testing.T) {
	c := newCluster(t, demo.Options{})
	saved := c.get(frontendConfigKey)
	path := c.saveSnapshot()
	c.setConfig(frontendConfigKey, "http://edited-after-the-backup:8080")
	c.delete(frontendConfigKey)

	rev := c.revision()
	r := c.run("restore", "cm", "frontend-config", "-n", "shop", "--from-snapshot", path, "--dry-run")
	wantCode(t, r, exitOK)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.out, "+  UPSTREAM_CART_URL: http://cart.shop.svc.cluster.local:8080") {
		t.Errorf("preview:\n%s", r)
	}
	r = c.run("restore", "cm", "frontend-config", "-n", "shop", "--from-snapshot", path, "--yes")
	wantCode(t, r, exitOK)
	if now := c.get(frontendConfigKey); now.Value != saved.Value || now.ModRevision <= rev {
		t.Errorf("etcd holds %+v, want the backup's value at a new revision\n%s", now, r)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--revision", fmt.Sprint(saved.ModRevision - 1)}, "did not exist at revision"},
		{[]string{"--revision", fmt.Sprint(rev + 100)}, "past etcd's current revision"},
	} {
		r := c.run(append([]string{"restore", "cm", "frontend-config", "-n", "shop", "--from-snapshot", path}, tc.args...)...)
		wantCode(t, r, exitUsage)
		if !strings.Contains(r.errOut, "snapshot "+path) || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: no %q in\n%s", tc.args, tc.want, r)
		}
	}
}
