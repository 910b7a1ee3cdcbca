package etcdops_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// configMap is a ConfigMap as kube-apiserver stores it, written by a client
// at edited (its managedFields time) with data v=<version>.
func configMap(ns, name string, version int, created, edited time.Time) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", CreationTimestamp: metav1.NewTime(created)},
		Data:       map[string]string{"v": fmt.Sprint(version)},
	}
	if version > 1 {
		cm.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &metav1.Time{Time: edited}}}
	}
	return cm
}

// editedConfigMap is one ConfigMap written, edited three times and deleted:
// revs are the mod_revisions of the four writes and the delete.
type editedConfigMap struct {
	key   string
	revs  []int64
	times []time.Time
}

func writeEditedConfigMap(t *testing.T, cli *clientv3.Client, ns, name string) editedConfigMap {
	t.Helper()
	e := editedConfigMap{key: "/registry/configmaps/" + ns + "/" + name}
	for v := 1; v <= 4; v++ {
		at := testNow.Add(time.Duration(v) * time.Minute)
		e.revs = append(e.revs, putObject(t, cli, e.key, configMap(ns, name, v, testNow, at)))
		e.times = append(e.times, at)
	}
	e.revs = append(e.revs, deleteKey(t, cli, e.key))
	return e
}

// putObject stores obj as kube-apiserver does and returns its mod_revision.
func putObject(t testing.TB, cli *clientv3.Client, key string, obj runtime.Object) int64 {
	t.Helper()
	value, err := codec.EncodeProtobuf(obj)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Put(context.Background(), key, string(value))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

// deleteKey deletes key as kube-apiserver does (kine serves no plain
// DeleteRange) and returns the revision of the delete.
func deleteKey(t testing.TB, cli *clientv3.Client, key string) int64 {
	t.Helper()
	ctx := context.Background()
	get, err := cli.Get(ctx, key)
	if err != nil || len(get.Kvs) != 1 {
		t.Fatalf("delete %s: %v (%d keys)", key, err, len(get.Kvs))
	}
	resp, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", get.Kvs[0].ModRevision)).
		Then(clientv3.OpDelete(key)).Else(clientv3.OpGet(key)).Commit()
	if err != nil || !resp.Succeeded {
		t.Fatalf("delete %s: %v (succeeded %v)", key, err, resp != nil && resp.Succeeded)
	}
	return resp.Header.Revision
}

func currentRev(t testing.TB, cli *clientv3.Client) int64 {
	t.Helper()
	resp, err := cli.Get(context.Background(), "/health-of-test")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

func TestHistory(t *testing.T) {
	ctx := context.Background()
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	cm := etcdops.MustResolveResource("configmaps")
	e := writeEditedConfigMap(t, cli, "shop", "frontend-config")
	info := etcdops.KeyInfo{Resource: cm, Namespace: "shop", Name: "frontend-config"}

	h, err := store.History(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 5 || h.CompactedAt != 0 || h.Exists() {
		t.Fatalf("history: %d versions, compacted at %d, exists %v; want 5, 0, false", len(h.Versions), h.CompactedAt, h.Exists())
	}
	for i, v := range h.Versions {
		if v.ModRevision != e.revs[i] {
			t.Errorf("version %d at revision %d, want %d", i, v.ModRevision, e.revs[i])
		}
		if deleted := i == 4; v.Deleted != deleted {
			t.Errorf("version %d: deleted %v", i, v.Deleted)
		}
	}
	wantTimes := []struct {
		at     time.Time
		source string
	}{
		{testNow, etcdops.TimeCreation},
		{e.times[1], etcdops.TimeManagedField},
		{e.times[2], etcdops.TimeManagedField},
		{e.times[3], etcdops.TimeManagedField},
		{time.Time{}, ""},
	}
	for i, w := range wantTimes {
		if v := h.Versions[i]; !v.Time.Equal(w.at) || v.TimeSource != w.source {
			t.Errorf("version %d: time %v from %q, want %v from %q", i, v.Time, v.TimeSource, w.at, w.source)
		}
	}
	diff, err := h.Diff(2, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diff, "-  v: \"2\"") || !strings.Contains(diff, "+  v: \"3\"") {
		t.Errorf("diff of versions 2 and 3:\n%s", diff)
	}
	if diff, _ := h.Diff(4, false); !strings.Contains(diff, "-kind: ConfigMap") {
		t.Errorf("diff of the delete removes nothing:\n%s", diff)
	}
	for _, tc := range []struct {
		rev     int64
		want    int64 // mod_revision of the version current at rev, 0: none
		comment string
	}{
		{e.revs[0] - 1, 0, "before the creation"},
		{e.revs[0], e.revs[0], "at the creation"},
		{e.revs[2], e.revs[2], "at an edit"},
		{e.revs[4] - 1, e.revs[3], "just before the delete"},
		{e.revs[4], 0, "at the delete"},
	} {
		v, ok := h.At(tc.rev)
		if got := map[bool]int64{true: v.ModRevision}[ok]; got != tc.want {
			t.Errorf("At(%d) %s: version %d (found %v), want %d", tc.rev, tc.comment, got, ok, tc.want)
		}
	}

	t.Run("re-created: both lives", func(t *testing.T) {
		putObject(t, cli, e.key, configMap("shop", "frontend-config", 1, testNow, testNow))
		h, err := store.History(ctx, info)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Versions) != 6 || !h.Exists() || h.Versions[5].Version != 1 {
			t.Fatalf("history: %d versions (exists %v), want 6, the last a new creation", len(h.Versions), h.Exists())
		}
	})

	t.Run("compacted", func(t *testing.T) {
		if _, err := cli.Compact(ctx, e.revs[2]); err != nil {
			t.Fatal(err)
		}
		h, err := store.History(ctx, info)
		if err != nil {
			t.Fatal(err)
		}
		if h.CompactedAt != e.revs[2] {
			t.Errorf("compacted at %d, want %d", h.CompactedAt, e.revs[2])
		}
		if len(h.Versions) != 4 || h.Versions[0].ModRevision != e.revs[2] {
			t.Errorf("%d versions from revision %d, want 4 from %d: the one current at the compaction is kept", len(h.Versions), h.Versions[0].ModRevision, e.revs[2])
		}
	})
}

func TestDeletions(t *testing.T) {
	ctx := context.Background()
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	shop := writeEditedConfigMap(t, cli, "shop", "a")
	other := writeEditedConfigMap(t, cli, "other", "b")
	rev := currentRev(t, cli)
	tests := []struct {
		prefix string
		want   []string
	}{
		{"/registry/configmaps/shop/", []string{"configmaps/shop/a"}},
		{"/registry/configmaps/", []string{"configmaps/shop/a", "configmaps/other/b"}},
		{"/registry/pods/", nil},
	}
	for _, tt := range tests {
		dels, compacted, err := store.Deletions(ctx, tt.prefix, true, rev)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range dels {
			got = append(got, d.KeyInfo.String())
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || compacted != 0 {
			t.Errorf("%s: deleted %v (compacted %d), want %v", tt.prefix, got, compacted, tt.want)
		}
	}
	dels, _, _ := store.Deletions(ctx, "/registry/configmaps/", true, rev)
	if d := dels[0]; d.Revision != shop.revs[4] || d.Prev.ModRevision != shop.revs[3] {
		t.Errorf("delete at %d of the version at %d, want %d of %d", d.Revision, d.Prev.ModRevision, shop.revs[4], shop.revs[3])
	}
	if _, err := cli.Compact(ctx, other.revs[0]); err != nil {
		t.Fatal(err)
	}
	dels, compacted, err := store.Deletions(ctx, "/registry/configmaps/", true, rev)
	if err != nil {
		t.Fatal(err)
	}
	if compacted != other.revs[0] || len(dels) != 1 || dels[0].Name != "b" {
		t.Errorf("after compaction at %d: %d deletions, compacted %d; want only b's, %d", other.revs[0], len(dels), compacted, other.revs[0])
	}
}

// TestDeletionsAreExactOnEveryBackend: every delete etcd's history holds is
// found, every time, on every datastore: on etcd 3.4 a replay that ended on
// a progress notification missed deletes in most runs (etcd 3.4 may notify
// progress before the watcher caught up). Many rounds on one server, and
// fresh etcd processes (3.4 in CI): each round deletes a ConfigMap among
// unrelated writes and requires Deletions and History to find it.
func TestDeletionsAreExactOnEveryBackend(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		for round := range 12 {
			deleteAndFind(t, b, fmt.Sprintf("gone-%d", round), round)
		}
	})
	for server := range 4 {
		t.Run(fmt.Sprintf("fresh etcd process %d", server), func(t *testing.T) {
			deleteAndFind(t, etcdtest.StartBackend(t, etcdtest.EtcdProcess), "gone", 0)
		})
	}
}

// deleteAndFind writes and deletes a ConfigMap name among other writes,
// after earlier rounds deleted others, and requires every delete found.
func deleteAndFind(t *testing.T, b etcdtest.Backend, name string, earlier int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := etcdops.NewStore(b.Client, "", false)
	cms, _ := etcdops.ResolveResource("configmaps")
	// Unrelated writes before and after, as a live cluster has.
	for i := range 20 {
		if _, err := b.Client.Put(ctx, fmt.Sprintf("/registry/leases/kube-node-lease/n%d", i), name); err != nil {
			t.Fatal(err)
		}
	}
	writeEditedConfigMap(t, b.Client, "shop", name)
	if _, err := b.Client.Put(ctx, "/registry/leases/kube-system/kube-scheduler", name); err != nil {
		t.Fatal(err)
	}
	rev := currentRev(t, b.Client)
	dels, _, err := store.Deletions(ctx, "/registry/configmaps/shop/", true, rev)
	if err != nil {
		t.Fatal(err)
	}
	if len(dels) != earlier+1 || dels[earlier].Name != name {
		t.Fatalf("%s: %d deletions found, want %d ending with %s", b.Version, len(dels), earlier+1, name)
	}
	// One replay for several keys finds the same deletes, each under its
	// key; a key never deleted has none.
	key := "/registry/configmaps/shop/" + name
	byKey, _, err := store.DeletionsOf(ctx, []string{key, "/registry/configmaps/shop/never-deleted"}, rev)
	if err != nil {
		t.Fatal(err)
	}
	if got := byKey[key]; len(byKey) != 1 || len(got) != 1 || got[0].Revision != dels[earlier].Revision || got[0].Prev.ModRevision != dels[earlier].Prev.ModRevision {
		t.Fatalf("%s: DeletionsOf %v, want the delete of %s at revision %d", b.Version, byKey, name, dels[earlier].Revision)
	}
	h, err := store.History(ctx, etcdops.KeyInfo{Resource: cms, Namespace: "shop", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 5 || !h.Versions[4].Deleted || !strings.Contains(fmt.Sprint(h.Versions[0].Event(nil)), "created") {
		t.Fatalf("%s: history of %s has %d versions, want 5 from its creation to its delete", b.Version, name, len(h.Versions))
	}
}

// TestHistoryRedactsEveryVersionsSecrets: a Secret's data that one version
// holds and a later version copies into an annotation (after the data
// itself was changed) shows in no diff of the history, raw or base64.
func TestHistoryRedactsEveryVersionsSecrets(t *testing.T) {
	_, cli := etcdtest.Start(t)
	store := etcdops.NewStore(cli, "", false)
	const key = "/registry/secrets/shop/db"
	secret := func(data string, annotations map[string]string) *corev1.Secret {
		return &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db", Annotations: annotations},
			Data:       map[string][]byte{"password": []byte(data)}}
	}
	putObject(t, cli, key, secret("hunter2-first", nil))
	putObject(t, cli, key, secret("rotated-second", nil))
	putObject(t, cli, key, secret("rotated-second", map[string]string{"old": "hunter2-first", "old64": "aHVudGVyMi1maXJzdA=="}))
	res, _ := etcdops.ResolveResource("secrets")
	h, err := store.History(context.Background(), etcdops.KeyInfo{Resource: res, Namespace: "shop", Name: "db"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range h.Versions {
		diff, err := h.Diff(i, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"hunter2-first", "aHVudGVyMi1maXJzdA==", "rotated-second", "cm90YXRlZC1zZWNvbmQ="} {
			if strings.Contains(diff, leak) {
				t.Errorf("version %d's diff shows %q:\n%s", i+1, leak, diff)
			}
		}
	}
	if diff, _ := h.Diff(2, true); !strings.Contains(diff, "hunter2-first") {
		t.Errorf("--show-secrets: the copy is not shown:\n%s", diff)
	}
}
