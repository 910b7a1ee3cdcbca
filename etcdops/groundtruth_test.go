package etcdops_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/doctor"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/internal/kubefixtures"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// groundTruthValues is every value a real kube-apiserver wrote (an object
// of every resource it stores, and the keys it writes for itself), and an
// object of every group, version and kind k8s.io/api's serialization
// fixtures hold that kube-apiserver reads under one of its resources, each
// under a key of that resource: all of them values the apiserver reads.
func groundTruthValues(t *testing.T) map[string][]byte {
	t.Helper()
	gt, err := kubefixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string][]byte{}
	for _, o := range gt.Objects {
		values[o.Key] = o.Value
	}
	for _, k := range gt.OtherKeys {
		values[k.Key] = k.Value
	}
	fixtures, err := kubefixtures.APIFixtures("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	layout := etcdops.Layout{Prefix: "/registry"}
	placed := 0
	for _, f := range fixtures {
		res, ok := readerOf(f.GVK)
		if !ok {
			continue // not an object kube-apiserver stores (reviews, options)
		}
		values[layout.Key(res, "fixtures", strings.ToLower(f.GVK.Group+"."+f.GVK.Version+"."+f.GVK.Kind))] = f.Value
		placed++
	}
	if len(gt.Objects) < 60 || placed < 100 {
		t.Fatalf("the ground truth has %d objects and %d fixtures placed: too few to trust", len(gt.Objects), placed)
	}
	t.Logf("%d values: %d objects and %d other keys kube-apiserver %s wrote, %d k8s.io/api fixtures", len(values), len(gt.Objects), len(gt.OtherKeys), gt.Kubernetes, placed)
	return values
}

// readerOf is the built-in resource under whose key kube-apiserver reads
// gvk (the one stored in its own group when several share a path).
func readerOf(gvk schema.GroupVersionKind) (etcdops.Resource, bool) {
	for _, r := range etcdops.Builtins() {
		for _, reads := range r.Reads {
			if reads == gvk && r.Storage.Group == r.Group {
				return r, true
			}
		}
	}
	return etcdops.Resource{}, false
}

// TestEveryValueTheAPIServerReadsDecodes: DecodeStored, the one judgement
// of "cannot decode", reads every value a real kube-apiserver wrote or
// reads, under its key, as its own kind.
func TestEveryValueTheAPIServerReadsDecodes(t *testing.T) {
	layout := etcdops.Layout{Prefix: "/registry"}
	kinds := map[string]bool{}
	for key, value := range groundTruthValues(t) {
		info, ok := layout.Parse(key)
		if !ok {
			if key != "/registry/health" {
				t.Errorf("%s: not an object's key", key)
			}
			continue
		}
		obj, err := etcdops.DecodeStored(info.Resource, value)
		if err != nil {
			t.Errorf("%s (%s): %v", key, info.Resource, err)
			continue
		}
		kinds[obj.APIVersion+" "+obj.Kind] = true
	}
	t.Logf("%d group/version/kinds decoded", len(kinds))
}

// TestDecodeStoredRefusesAnotherKind: the judgement can fail: another
// kind's bytes under a resource's key, and bytes that are no object.
func TestDecodeStoredRefusesAnotherKind(t *testing.T) {
	gt, err := kubefixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	var configMap []byte
	for _, o := range gt.Objects {
		if o.Resource == "configmaps" {
			configMap = o.Value
		}
	}
	pods, err := etcdops.ResolveResource("pods")
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string][]byte{"a ConfigMap": configMap, "no object": []byte("k8s\x00garbage")} {
		if _, err := etcdops.DecodeStored(pods, value); !errors.Is(err, codec.ErrMalformed) {
			t.Errorf("%s under a pod's key: %v, want a malformed value", name, err)
		}
	}
}

// TestQuarantineRefusesWhatTheAPIServerReads: quarantine moves only values
// kube-apiserver cannot read, so it refuses every one of the ground truth's,
// and doctor calls none of them undecodable.
func TestQuarantineRefusesWhatTheAPIServerReads(t *testing.T) {
	ctx := context.Background()
	_, cli := etcdtest.Start(t)
	values := groundTruthValues(t)
	for key, value := range values {
		if _, err := cli.Put(ctx, key, string(value)); err != nil {
			t.Fatal(err)
		}
	}
	// The control: a value the apiserver cannot read, which quarantine takes.
	const poison = "/registry/pods/fixtures/poison"
	if _, err := cli.Put(ctx, poison, "k8s\x00\x0a\x02not an object"); err != nil {
		t.Fatal(err)
	}
	store := etcdops.NewStore(cli, "/registry", false)
	refused := 0
	for key := range values {
		if key == "/registry/health" {
			continue
		}
		_, err := store.PlanQuarantine(ctx, []string{key})
		var usage *etcdops.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), "can read it") {
			t.Errorf("quarantine %s: %v, want it refused as readable", key, err)
			continue
		}
		refused++
	}
	if _, err := store.PlanQuarantine(ctx, []string{poison}); err != nil {
		t.Errorf("quarantine %s: %v, want it planned", poison, err)
	}
	t.Logf("quarantine refused %d readable values", refused)

	d, err := doctor.Diagnose(ctx, store, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var undecodable []string
	for _, f := range d.Findings {
		if f.ID == "undecodable-values" {
			undecodable = append(undecodable, fmt.Sprintf("%s %v", f.Title, f.Keys))
		}
	}
	if len(undecodable) != 1 || !strings.Contains(undecodable[0], poison) {
		t.Errorf("doctor's undecodable values: %q, want only %s", undecodable, poison)
	}
}

// TestANewerKubernetesResourceIsReadable: a key of a resource lifeboat's
// table lacks (a newer Kubernetes added it) holding an object of a kind
// lifeboat has no Go type for is read by its own apiVersion and kind, never
// called broken: ls names its kind, quarantine refuses it.
func TestANewerKubernetesResourceIsReadable(t *testing.T) {
	ctx := context.Background()
	gt, err := kubefixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	var configMap []byte
	for _, o := range gt.Objects {
		if o.Resource == "configmaps" {
			configMap = o.Value
		}
	}
	const key = "/registry/gizmos/shop/g1"
	gizmo := withTypeMeta(t, configMap, "future.k8s.io/v1", "Gizmo")
	_, cli := etcdtest.Start(t)
	if _, err := cli.Put(ctx, key, string(gizmo)); err != nil {
		t.Fatal(err)
	}
	store := etcdops.NewStore(cli, "/registry", false)
	it, found, err := store.GetItem(ctx, key)
	if err != nil || !found {
		t.Fatal(found, err)
	}
	if it.DecodeErr != nil || it.Object.Kind != "Gizmo" || it.Object.APIVersion != "future.k8s.io/v1" {
		t.Errorf("%s: %v %v, want it read as future.k8s.io/v1 Gizmo", key, it.Object, it.DecodeErr)
	}
	var usage *etcdops.UsageError
	if _, err := store.PlanQuarantine(ctx, []string{key}); !errors.As(err, &usage) || !strings.Contains(err.Error(), "can read it") {
		t.Errorf("quarantine %s: %v, want it refused as readable", key, err)
	}
}
