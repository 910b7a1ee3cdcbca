package etcdops_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/internal/kubefixtures"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// olderIPAddress is an IPAddress as Kubernetes 1.33 stored it: in
// networking.k8s.io/v1beta1 (k8s.io/api's own fixture of that release), the
// version before the one kube-apiserver 1.36 stores (v1).
func olderIPAddress(t *testing.T) (*codec.Object, []byte) {
	t.Helper()
	fixtures, err := kubefixtures.APIFixtures("v1.33.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		if f.GVK == (schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1beta1", Kind: "IPAddress"}) {
			obj, err := codec.Decode(f.Value)
			if err != nil {
				t.Fatal(err)
			}
			return obj, f.Value
		}
	}
	t.Fatal("k8s.io/api has no v1.33.0 fixture of networking.k8s.io/v1beta1 IPAddress")
	return nil, nil
}

func ipAddress(apiVersion, name string) map[string]any {
	return map[string]any{"apiVersion": apiVersion, "kind": "IPAddress", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"parentRef": map[string]any{"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"}}}
}

// putNode stores a node whose kubelet reports version.
func putNode(t *testing.T, cli *clientv3.Client, name, version string) {
	t.Helper()
	value, err := codec.EncodeProtobuf(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{KubeletVersion: version}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(context.Background(), "/registry/minions/"+name, string(value)); err != nil {
		t.Fatal(err)
	}
}

// storedVersion creates objects and says the apiVersion each was stored in,
// or the error.
func storedVersion(t *testing.T, store *etcdops.Store, obj map[string]any) (string, error) {
	t.Helper()
	plan, err := store.PlanCreate(context.Background(), []map[string]any{obj}, "", time.Now())
	if err != nil {
		return "", err
	}
	decoded, err := codec.Decode(plan.Changes[0].After)
	if err != nil {
		t.Fatal(err)
	}
	return decoded.APIVersion, nil
}

// TestCreateWritesTheClusterStorageVersion: create writes a resource in the
// version the cluster shows it stores (its objects in etcd), converting a
// manifest of the same shape; with no object to go by, a version the
// cluster's release serves, else a refusal that says why.
func TestCreateWritesTheClusterStorageVersion(t *testing.T) {
	ctx := context.Background()
	older, olderValue := olderIPAddress(t)

	t.Run("the version its objects show", func(t *testing.T) {
		_, cli := etcdtest.Start(t)
		if _, err := cli.Put(ctx, "/registry/ipaddresses/"+older.Meta.Name, string(olderValue)); err != nil {
			t.Fatal(err)
		}
		store := etcdops.NewStore(cli, "/registry", false)
		got, err := storedVersion(t, store, ipAddress("networking.k8s.io/v1", "10.0.0.10"))
		if err != nil || got != "networking.k8s.io/v1beta1" {
			t.Errorf("a v1 manifest where the cluster stores v1beta1: stored as %q, %v; want it converted to v1beta1", got, err)
		}
		// A field the stored version does not have cannot be converted.
		withExtra := ipAddress("networking.k8s.io/v1", "10.0.0.11")
		withExtra["spec"].(map[string]any)["nosuchfield"] = "x"
		var usage *etcdops.UsageError
		if _, err := storedVersion(t, store, withExtra); !errors.As(err, &usage) {
			t.Errorf("a manifest field v1beta1 lacks: %v, want a usage error", err)
		}
	})

	t.Run("edits keep the version the object is stored in", func(t *testing.T) {
		_, cli := etcdtest.Start(t)
		stored, err := codec.EncodeForStorage(ipAddress("networking.k8s.io/v1beta1", "10.0.0.9"), codec.Storage{Format: codec.FormatProtobuf})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.Put(ctx, "/registry/ipaddresses/10.0.0.9", string(stored)); err != nil {
			t.Fatal(err)
		}
		store := etcdops.NewStore(cli, "/registry", false)
		res, _ := etcdops.ResolveResource("ipaddresses")
		src, err := store.ReadForEdit(ctx, etcdops.KeyInfo{Resource: res, Name: "10.0.0.9"})
		if err != nil {
			t.Fatal(err)
		}
		edited := src.Object
		edited["metadata"].(map[string]any)["labels"] = map[string]any{"edited": "yes"}
		plan, err := store.PlanEdit(src, edited, false)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := codec.Decode(plan.Changes[0].After)
		if err != nil || obj.APIVersion != "networking.k8s.io/v1beta1" {
			t.Errorf("edited IPAddress stored as %v (%v), want networking.k8s.io/v1beta1", obj, err)
		}
	})

	for _, tt := range []struct {
		name     string
		seed     func(t *testing.T, cli *clientv3.Client)
		manifest string
		want     string // stored apiVersion; "" for a refusal
	}{
		{"no object, and a kubelet older than v1", func(t *testing.T, cli *clientv3.Client) { putNode(t, cli, "n1", "v1.31.4") },
			"networking.k8s.io/v1", ""},
		{"no object, and the v1beta1 that release serves", func(t *testing.T, cli *clientv3.Client) { putNode(t, cli, "n1", "v1.31.4") },
			"networking.k8s.io/v1beta1", "networking.k8s.io/v1beta1"},
		{"no object, and a kubelet that serves v1", func(t *testing.T, cli *clientv3.Client) {
			putNode(t, cli, "n1", "v1.30.2")
			putNode(t, cli, "n2", "v1.34.1+k3s1")
		}, "networking.k8s.io/v1", "networking.k8s.io/v1"},
		{"no object, and a kube-apiserver pod of 1.32", func(t *testing.T, cli *clientv3.Client) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kube-apiserver-cp-1", Namespace: "kube-system", Labels: map[string]string{"component": "kube-apiserver"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-apiserver", Image: "registry.k8s.io/kube-apiserver:v1.32.7"}}}}
			value, err := codec.EncodeProtobuf(pod)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cli.Put(ctx, "/registry/pods/kube-system/kube-apiserver-cp-1", string(value)); err != nil {
				t.Fatal(err)
			}
			putNode(t, cli, "n1", "v1.34.0") // the pod says more than a kubelet
		}, "networking.k8s.io/v1", ""},
		{"nothing to go by: the oldest release lifeboat supports", func(t *testing.T, cli *clientv3.Client) {},
			"networking.k8s.io/v1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, cli := etcdtest.Start(t)
			tt.seed(t, cli)
			store := etcdops.NewStore(cli, "/registry", false)
			got, err := storedVersion(t, store, ipAddress(tt.manifest, "10.0.0.12"))
			if tt.want == "" {
				var usage *etcdops.UsageError
				if !errors.As(err, &usage) || !strings.Contains(err.Error(), "since 1.33") {
					t.Fatalf("%s IPAddress: stored as %q, %v; want a refusal naming the release that serves it", tt.manifest, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("%s IPAddress: stored as %q, %v; want %s", tt.manifest, got, err, tt.want)
			}
		})
	}
}

// TestRestoreRefusesAVersionTheClusterMayNotRead: a restore writes bytes
// as they were stored; a version the cluster's objects do not show and its
// release does not serve is refused, with the way out.
func TestRestoreRefusesAVersionTheClusterMayNotRead(t *testing.T) {
	ctx := context.Background()
	older, olderValue := olderIPAddress(t)
	_, cli := etcdtest.Start(t)
	if _, err := cli.Put(ctx, "/registry/ipaddresses/"+older.Meta.Name, string(olderValue)); err != nil {
		t.Fatal(err)
	}
	putNode(t, cli, "n1", "v1.31.4")
	store := etcdops.NewStore(cli, "/registry", false)
	v1, err := codec.EncodeForStorage(ipAddress("networking.k8s.io/v1", "10.0.0.13"), codec.Storage{Format: codec.FormatProtobuf})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := etcdops.ResolveResource("ipaddresses")
	plan, err := store.PlanRestore(ctx, etcdops.KeyInfo{Resource: res, Name: "10.0.0.13"}, etcdops.Record{Value: v1}, "backup.db")
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Changes[0]; c.Changed() || c.Skip == nil || !strings.Contains(c.Skip.Error(), "lifeboat create -f") {
		t.Errorf("restore of a v1 IPAddress into a 1.31 cluster storing v1beta1: skip %v, want it refused with the way out", c.Skip)
	}
	// The version the cluster stores is restored.
	v1beta1, err := codec.EncodeForStorage(ipAddress("networking.k8s.io/v1beta1", "10.0.0.14"), codec.Storage{Format: codec.FormatProtobuf})
	if err != nil {
		t.Fatal(err)
	}
	plan, err = store.PlanRestore(ctx, etcdops.KeyInfo{Resource: res, Name: "10.0.0.14"}, etcdops.Record{Value: v1beta1}, "backup.db")
	if err != nil || !plan.Changes[0].Changed() {
		t.Errorf("restore of a v1beta1 IPAddress: %v, %v", plan, err)
	}
}
