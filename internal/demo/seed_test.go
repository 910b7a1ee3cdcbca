package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

var now = time.Date(2026, time.May, 14, 3, 17, 0, 0, time.UTC)

// decoder is apimachinery's own storage serializer, independent of lifeboat's
// codec: what it cannot read, an apiserver could not either.
var decoder = protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)

func decode(t *testing.T, key string, value []byte) runtime.Object {
	t.Helper()
	obj, _, err := decoder.Decode(value, nil, nil)
	if err != nil {
		t.Fatalf("%s: decode: %v", key, err)
	}
	return obj
}

// stored is one key as etcd holds it.
type stored struct {
	Key   string
	Value []byte
	Lease int64
}

func getAll(t *testing.T, cli *clientv3.Client, prefix string) []stored {
	t.Helper()
	resp, err := cli.Get(context.Background(), prefix, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	var out []stored
	for _, kv := range resp.Kvs {
		out = append(out, stored{string(kv.Key), kv.Value, kv.Lease})
	}
	return out
}

func TestCapsized(t *testing.T) {
	_, cli := etcdtest.Start(t)
	ctx := context.Background()
	sum, err := demo.Capsized(ctx, cli, demo.Options{Now: now, Malformed: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Nodes != 8 || sum.TaintedNodes != 5 || sum.TerminatingPods != 40 || sum.Pods < 60 {
		t.Errorf("summary = %+v, want 8 nodes, 5 tainted, 40 of 60+ pods terminating", sum)
	}

	layout := etcdops.Layout{}
	kvs := getAll(t, cli, "/registry/")
	if len(kvs) != sum.Keys {
		t.Errorf("%d keys under /registry/, summary says %d", len(kvs), sum.Keys)
	}
	var pods, terminating, nodes, events, custom int
	for _, kv := range kvs {
		info, ok := layout.Parse(kv.Key)
		if !ok {
			t.Errorf("%s: not an object key", kv.Key)
			continue
		}
		switch kv.Key {
		case "/registry/pods/default/poison":
			if string(kv.Value) != "not an object" {
				t.Errorf("%s = %q", kv.Key, kv.Value)
			}
			continue
		case "/registry/secrets/payments/card-processor-token":
			if !bytes.HasPrefix(kv.Value, []byte("k8s:enc:aescbc:v1:key1:")) || len(kv.Value) < 60 {
				t.Errorf("%s = %q, want an aescbc value", kv.Key, kv.Value)
			}
			if obj, err := codec.Decode(decrypter(t, cli)("/registry", kv.Key)); err != nil || obj.Kind != "Secret" {
				t.Errorf("%s does not decrypt to a Secret with demo.EncryptionConfig: %v", kv.Key, err)
			}
			continue
		}
		if info.Resource.Name == "customresourcedefinitions" {
			// Stored as the apiserver does (e2e/storage_test.go checks it
			// against a real one): JSON apiextensions.k8s.io/v1beta1.
			custom++
			obj, err := codec.Decode(kv.Value)
			if err != nil || obj.Format != codec.FormatJSON || obj.APIVersion != "apiextensions.k8s.io/v1beta1" ||
				obj.Meta.Name != info.Name || obj.Meta.ResourceVersion != "" || obj.NestedString("spec", "names", "kind") != "CronTab" {
				t.Errorf("%s: stored CRD %+v, %v; want JSON v1beta1 without resourceVersion", kv.Key, obj, err)
			}
			continue
		}
		if info.Resource.Custom {
			custom++
			var obj map[string]any
			if err := json.Unmarshal(kv.Value, &obj); err != nil {
				t.Errorf("%s: %v", kv.Key, err)
				continue
			}
			md, _ := obj["metadata"].(map[string]any)
			if md["name"] != info.Name || md["uid"] == "" || md["resourceVersion"] != nil {
				t.Errorf("%s: metadata %v", kv.Key, md)
			}
			continue
		}
		if !bytes.HasPrefix(kv.Value, []byte("k8s\x00")) {
			t.Errorf("%s: value starts %q, want protobuf", kv.Key, kv.Value[:min(8, len(kv.Value))])
			continue
		}
		obj := decode(t, kv.Key, kv.Value)
		if got := obj.GetObjectKind().GroupVersionKind(); got.Kind != info.Resource.Kind || got.GroupVersion().String() != info.Resource.StorageVersion() {
			t.Errorf("%s: stored as %v, want %s %s", kv.Key, got, info.Resource.StorageVersion(), info.Resource.Kind)
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		if m.GetResourceVersion() != "" || m.GetName() != info.Name || m.GetNamespace() != info.Namespace || m.GetUID() == "" {
			t.Errorf("%s: stored resourceVersion %q name %q namespace %q uid %q", kv.Key, m.GetResourceVersion(), m.GetName(), m.GetNamespace(), m.GetUID())
		}
		switch o := obj.(type) {
		case *corev1.Pod:
			pods++
			if o.DeletionTimestamp != nil {
				terminating++
				if !o.DeletionTimestamp.Time.Equal(now.Add(-4*time.Minute)) || *o.DeletionGracePeriodSeconds != 30 || o.Status.Phase != corev1.PodRunning {
					t.Errorf("%s: deletionTimestamp %v grace %d phase %s", kv.Key, o.DeletionTimestamp, *o.DeletionGracePeriodSeconds, o.Status.Phase)
				}
				if !strings.HasPrefix(o.Spec.NodeName, "worker-") || o.Spec.NodeName > "worker-5" {
					t.Errorf("%s: terminating on %s", kv.Key, o.Spec.NodeName)
				}
			}
		case *corev1.Node:
			nodes++
			if !strings.HasPrefix(kv.Key, "/registry/minions/") {
				t.Errorf("node at %s", kv.Key)
			}
		case *corev1.Event:
			events++
			if kv.Lease == 0 {
				t.Errorf("%s: no lease", kv.Key)
				continue
			}
			ttl, err := cli.TimeToLive(ctx, clientv3.LeaseID(kv.Lease))
			if err != nil {
				t.Fatal(err)
			}
			if ttl.TTL <= 0 || ttl.GrantedTTL != 3600 {
				t.Errorf("%s: lease TTL %d granted %d, want 3600", kv.Key, ttl.TTL, ttl.GrantedTTL)
			}
		}
	}
	if pods != sum.Pods || terminating != sum.TerminatingPods || nodes != sum.Nodes || events == 0 || custom != 2 {
		t.Errorf("found %d pods (%d terminating), %d nodes, %d events, %d custom; summary %+v", pods, terminating, nodes, events, custom, sum)
	}
}

func get(t *testing.T, cli *clientv3.Client, key string) []byte {
	t.Helper()
	resp, err := cli.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 {
		return nil
	}
	return resp.Kvs[0].Value
}

func TestCapsizedNodes(t *testing.T) {
	_, cli := etcdtest.Start(t)
	if _, err := demo.Capsized(context.Background(), cli, demo.Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	node := func(name string) *corev1.Node {
		return decode(t, name, get(t, cli, "/registry/minions/"+name)).(*corev1.Node)
	}
	taints := func(n *corev1.Node) (s []string) {
		for _, t := range n.Spec.Taints {
			s = append(s, t.ToString())
		}
		return s
	}
	ready := func(n *corev1.Node) corev1.ConditionStatus {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status
			}
		}
		return ""
	}

	w1 := node("worker-1")
	if got := strings.Join(taints(w1), " "); got != "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute" || ready(w1) != corev1.ConditionUnknown {
		t.Errorf("worker-1: taints %s, Ready %s", got, ready(w1))
	}
	for _, tt := range w1.Spec.Taints {
		if tt.TimeAdded == nil {
			t.Errorf("worker-1: taint %s has no timeAdded", tt.ToString())
		}
	}
	if w3 := node("worker-3"); !w3.Spec.Unschedulable {
		t.Errorf("worker-3 not cordoned")
	}
	if got := strings.Join(taints(node("worker-5")), " "); !strings.Contains(got, "dedicated=gpu:NoSchedule") {
		t.Errorf("worker-5 taints %s", got)
	}
	if w6 := node("worker-6"); len(w6.Spec.Taints) != 0 || ready(w6) != corev1.ConditionTrue {
		t.Errorf("worker-6: taints %v, Ready %s", taints(w6), ready(w6))
	}
	if cp := node("control-plane-1"); strings.Join(taints(cp), " ") != "node-role.kubernetes.io/control-plane:NoSchedule" {
		t.Errorf("control-plane-1 taints %v", taints(cp))
	}

	lease := func(ns, name string) *coordinationv1.Lease {
		return decode(t, name, get(t, cli, "/registry/leases/"+ns+"/"+name)).(*coordinationv1.Lease)
	}
	for name, age := range map[string]time.Duration{"worker-1": 20 * time.Minute, "worker-6": 5 * time.Second} {
		l := lease("kube-node-lease", name)
		if *l.Spec.HolderIdentity != name || *l.Spec.LeaseDurationSeconds != 40 || !l.Spec.RenewTime.Time.Equal(now.Add(-age)) {
			t.Errorf("kubelet lease %s: %s %d %v", name, *l.Spec.HolderIdentity, *l.Spec.LeaseDurationSeconds, l.Spec.RenewTime)
		}
	}
	kcm := lease("kube-system", "kube-controller-manager")
	if !kcm.Spec.RenewTime.Time.Equal(now.Add(-3*time.Minute)) || !strings.HasPrefix(*kcm.Spec.HolderIdentity, "control-plane-1_") {
		t.Errorf("stopped kube-controller-manager lease: %s renewed %v", *kcm.Spec.HolderIdentity, kcm.Spec.RenewTime)
	}
	if get(t, cli, "/registry/pods/kube-system/kube-controller-manager-control-plane-1") != nil {
		t.Errorf("stopped kube-controller-manager still has a mirror pod")
	}
	if get(t, cli, "/registry/pods/default/poison") != nil {
		t.Errorf("poison pod written without Malformed")
	}

	var cr map[string]any
	if err := json.Unmarshal(get(t, cli, "/registry/stable.example.com/crontabs/default/nightly-backup"), &cr); err != nil {
		t.Fatal(err)
	}
	if spec := cr["spec"].(map[string]any); spec["cronSpec"] != "0 3 * * *" || spec["replicas"] != float64(2) {
		t.Errorf("nightly-backup spec %v", spec)
	}
}

func TestCapsizedPrefixAndDeterminism(t *testing.T) {
	_, cli := etcdtest.Start(t)
	ctx := context.Background()
	for _, p := range []string{"/kubernetes.io", "/other"} {
		if _, err := demo.Capsized(ctx, cli, demo.Options{Prefix: p, Now: now, ControllerManagerAlive: true, Malformed: true}); err != nil {
			t.Fatal(err)
		}
	}
	if kvs := getAll(t, cli, "/registry/"); len(kvs) != 0 {
		t.Errorf("%d keys under /registry/ with another prefix", len(kvs))
	}
	if v := get(t, cli, "/kubernetes.io/minions/worker-1"); v == nil {
		t.Errorf("no /kubernetes.io/minions/worker-1")
	}
	a, b := getAll(t, cli, "/kubernetes.io/"), getAll(t, cli, "/other/")
	if len(a) != len(b) {
		t.Fatalf("%d keys, then %d", len(a), len(b))
	}
	// The encrypted Secret has a random IV, as kube-apiserver's aescbc
	// writes it: its plaintext is what must not differ.
	plain := decrypter(t, cli)
	for i := range a {
		if strings.TrimPrefix(a[i].Key, "/kubernetes.io") != strings.TrimPrefix(b[i].Key, "/other") || !bytes.Equal(plain("/kubernetes.io", a[i].Key), plain("/other", b[i].Key)) {
			t.Errorf("seeding differs at %s / %s", a[i].Key, b[i].Key)
		}
	}

	kcm := decode(t, "kcm", get(t, cli, "/kubernetes.io/leases/kube-system/kube-controller-manager")).(*coordinationv1.Lease)
	if !kcm.Spec.RenewTime.Time.Equal(now) {
		t.Errorf("live kube-controller-manager lease renewed %v, want %v", kcm.Spec.RenewTime, now)
	}
	if get(t, cli, "/kubernetes.io/pods/kube-system/kube-controller-manager-control-plane-1") == nil {
		t.Errorf("live kube-controller-manager has no mirror pod")
	}
}

func TestRealisticPodSize(t *testing.T) {
	for i, name := range []string{
		"frontend-8bd4c6f9d7-x2k9p",
		"payments-api-5f7c9d8b4c-qwz7m",
		"kube-state-metrics-6d4b9c7f5d-h8rnl",
		"batch-worker",
	} {
		for _, ns := range []string{"shop", "monitoring", "team-platform-production"} {
			pod := demo.RealisticPod(ns, name, "worker-12", i*37)
			b, err := codec.EncodeProtobuf(pod)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 4608 || len(b) > 6144 {
				t.Errorf("%s/%s stored in %d bytes, want 4.5-6 KiB", ns, name, len(b))
			}
			again, _ := codec.EncodeProtobuf(demo.RealisticPod(ns, name, "worker-12", i*37))
			if !bytes.Equal(b, again) {
				t.Errorf("%s/%s: RealisticPod is not deterministic", ns, name)
			}
			if obj := decode(t, name, b).(*corev1.Pod); obj.Name != name || obj.Spec.NodeName != "worker-12" || len(obj.Spec.Containers) != 2 {
				t.Errorf("%s/%s: decoded %s on %s", ns, name, obj.Name, obj.Spec.NodeName)
			}
		}
	}
}

func TestTerminatingPods(t *testing.T) {
	_, cli := etcdtest.Start(t)
	const n = 250 // not a multiple of the transaction size
	if err := demo.TerminatingPods(context.Background(), cli, "/registry", n, now); err != nil {
		t.Fatal(err)
	}
	kvs := getAll(t, cli, "/registry/pods/")
	if len(kvs) != n {
		t.Fatalf("%d pods, want %d", len(kvs), n)
	}
	namespaces, nodes := map[string]bool{}, map[string]bool{}
	for _, kv := range kvs {
		p := decode(t, kv.Key, kv.Value).(*corev1.Pod)
		if p.DeletionTimestamp == nil || !p.DeletionTimestamp.Time.Equal(now) || *p.DeletionGracePeriodSeconds != 30 || len(p.Finalizers) == 0 {
			t.Fatalf("%s: not terminating: %v %v", kv.Key, p.DeletionTimestamp, p.Finalizers)
		}
		namespaces[p.Namespace], nodes[p.Spec.NodeName] = true, true
	}
	if len(namespaces) != 10 || len(nodes) != 25 {
		t.Errorf("%d namespaces, %d nodes; want 10 and 25 (250 pods, 10 per node)", len(namespaces), len(nodes))
	}
}

func BenchmarkTerminatingPods10k(b *testing.B) {
	_, cli := etcdtest.Start(b)
	for b.Loop() {
		if err := demo.TerminatingPods(context.Background(), cli, "/registry", 10000, now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPods(t *testing.T) {
	_, cli := etcdtest.Start(t)
	ctx := context.Background()
	const n, terminating = 250, 35 // neither a multiple of the transaction size
	if err := demo.Pods(ctx, cli, "/registry", n, terminating, now); err != nil {
		t.Fatal(err)
	}
	kvs := getAll(t, cli, "/registry/pods/")
	if len(kvs) != n {
		t.Fatalf("%d pods, want %d", len(kvs), n)
	}
	seeded := map[string][]byte{}
	deleted := 0
	for _, kv := range kvs {
		p := decode(t, kv.Key, kv.Value).(*corev1.Pod)
		if p.DeletionTimestamp != nil {
			deleted++
			if !p.DeletionTimestamp.Time.Equal(now) || *p.DeletionGracePeriodSeconds != 30 || len(p.Finalizers) == 0 {
				t.Errorf("%s: terminating as %v %v %v", kv.Key, p.DeletionTimestamp, p.DeletionGracePeriodSeconds, p.Finalizers)
			}
		} else if p.DeletionGracePeriodSeconds != nil || len(p.Finalizers) != 0 {
			t.Errorf("%s: running, but grace period %v, finalizers %v", kv.Key, p.DeletionGracePeriodSeconds, p.Finalizers)
		}
		seeded[kv.Key] = kv.Value
	}
	if deleted != terminating {
		t.Errorf("%d pods Terminating, want %d", deleted, terminating)
	}

	// TerminatingPods puts back exactly the Terminating ones, byte for byte.
	if err := demo.TerminatingPods(ctx, cli, "/other", terminating, now); err != nil {
		t.Fatal(err)
	}
	again := getAll(t, cli, "/other/pods/")
	if len(again) != terminating {
		t.Fatalf("TerminatingPods wrote %d pods, want %d", len(again), terminating)
	}
	for _, kv := range again {
		key := "/registry" + strings.TrimPrefix(kv.Key, "/other")
		if v, ok := seeded[key]; !ok || !bytes.Equal(v, kv.Value) {
			t.Errorf("%s: TerminatingPods does not restore what Pods seeded (found %v)", key, ok)
		}
	}

	if err := demo.Pods(ctx, cli, "/registry", 10, 11, now); err == nil {
		t.Errorf("more Terminating pods than pods: no error")
	}
}

// TestSeedHasNoNewerFields: every value the seed writes is of today's types
// exactly: codec.NewerFields finds nothing, so its warnings mean what they
// say (and times, quantities and maps are not mistaken for newer fields).
func TestSeedHasNoNewerFields(t *testing.T) {
	_, cli := etcdtest.Start(t)
	if _, err := demo.Capsized(context.Background(), cli, demo.Options{Now: now, Malformed: true}); err != nil {
		t.Fatal(err)
	}
	if err := demo.Nodes(context.Background(), cli, "/registry", 3, now); err != nil {
		t.Fatal(err)
	}
	typed := 0
	for _, kv := range getAll(t, cli, "/registry/") {
		obj, err := codec.Decode(kv.Value)
		if err != nil || obj.Typed == nil {
			continue
		}
		typed++
		if newer := codec.NewerFields(kv.Value, obj); len(newer) > 0 {
			t.Errorf("%s: %v", kv.Key, newer)
		}
	}
	if typed < 100 {
		t.Errorf("%d typed values checked, want the seed's 100+", typed)
	}
}

// decrypter reads a seeded value as lifeboat with demo.EncryptionConfig
// does: the plaintext of an encrypted value, any other value as it is.
func decrypter(t *testing.T, cli *clientv3.Client) func(prefix, key string) []byte {
	t.Helper()
	config := filepath.Join(t.TempDir(), "encryption-config.yaml")
	if err := os.WriteFile(config, demo.EncryptionConfig(), 0o600); err != nil {
		t.Fatal(err)
	}
	crypt, err := etcdops.LoadEncryption(context.Background(), config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(crypt.Close)
	return func(prefix, key string) []byte {
		store := etcdops.NewStore(cli, prefix, true)
		store.UseEncryption(crypt)
		rec, _, err := store.Get(context.Background(), key)
		if err != nil || rec.DecryptErr != nil {
			t.Fatalf("%s: %v %v", key, err, rec.DecryptErr)
		}
		return rec.Value
	}
}

// PutValue writes what a seed means on every datastore: a key written
// twice holds the second value, with its lease, at a newer revision. A
// plain Put of an existing key does nothing on kine, without an error.
func TestPutValueOverwritesOnEveryBackend(t *testing.T) {
	etcdtest.ForEachBackend(t, func(t *testing.T, b etcdtest.Backend) {
		ctx := context.Background()
		lease, err := b.Client.Grant(ctx, 3600)
		if err != nil {
			t.Fatal(err)
		}
		const key, other = "/registry/configmaps/default/seeded", "/registry/configmaps/default/other"
		steps := []struct {
			key, value string
			lease      clientv3.LeaseID
		}{
			{key, "first", clientv3.NoLease},
			{other, "other", clientv3.NoLease}, // the store's revision moves past key's
			{key, "second", lease.ID},
			{key, "third", lease.ID},
		}
		var rev int64
		for _, s := range steps {
			if err := demo.PutValue(ctx, b.Client, s.key, []byte(s.value), s.lease); err != nil {
				t.Fatal(err)
			}
			got, err := b.Client.Get(ctx, s.key)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Kvs) != 1 || string(got.Kvs[0].Value) != s.value || got.Kvs[0].Lease != int64(s.lease) {
				t.Fatalf("after writing %s=%s (lease %d): %v", s.key, s.value, s.lease, got.Kvs)
			}
			if s.key == key {
				if got.Kvs[0].ModRevision <= rev {
					t.Errorf("%s=%s written at revision %d, not after %d", s.key, s.value, got.Kvs[0].ModRevision, rev)
				}
				rev = got.Kvs[0].ModRevision
			}
		}
	})
}
