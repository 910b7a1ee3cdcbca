package etcdops_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

func TestResolveResource(t *testing.T) {
	tests := []struct {
		arg         string
		name        string
		storagePath string
		namespaced  bool
		custom      bool
	}{
		{"pods", "pods", "pods", true, false},
		{"po", "pods", "pods", true, false},
		{"Pod", "pods", "pods", true, false},
		{"no", "nodes", "minions", false, false},
		{"nodes", "nodes", "minions", false, false},
		{"svc", "services", "services/specs", true, false},
		{"ep", "endpoints", "services/endpoints", true, false},
		{"rc", "replicationcontrollers", "controllers", true, false},
		{"ing", "ingresses", "ingress", true, false},
		{"ingresses.networking.k8s.io", "ingresses", "ingress", true, false},
		{"cm", "configmaps", "configmaps", true, false},
		{"deploy", "deployments", "deployments", true, false},
		{"deployments.apps", "deployments", "deployments", true, false},
		{"leases", "leases", "leases", true, false},
		{"crd", "customresourcedefinitions", "apiextensions.k8s.io/customresourcedefinitions", false, false},
		{"apiservices", "apiservices", "apiregistration.k8s.io/apiservices", false, false},
		{"crontabs.stable.example.com", "crontabs", "stable.example.com/crontabs", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			r, err := etcdops.ResolveResource(tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tt.name || r.StoragePath != tt.storagePath || r.Namespaced != tt.namespaced || r.Custom != tt.custom {
				t.Errorf("ResolveResource(%q) = %+v, want name %s path %s namespaced %v custom %v", tt.arg, r, tt.name, tt.storagePath, tt.namespaced, tt.custom)
			}
		})
	}
	// A name in a group kube-apiserver serves itself is never guessed as a
	// custom resource: it would read keys nothing writes, and answer with an
	// empty list.
	for _, bad := range []string{"", "bogus", "pods.", ".apps", "nosuch.apps", "nosuch.admissionregistration.k8s.io"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := etcdops.ResolveResource(bad)
			var usage *etcdops.UsageError
			if !errors.As(err, &usage) {
				t.Fatalf("ResolveResource(%q) err = %v, want a UsageError", bad, err)
			}
		})
	}
}

func TestLayoutKeyAndParse(t *testing.T) {
	tests := []struct {
		prefix, resource, namespace, name string
		key                               string
	}{
		{"/registry", "pods", "shop", "cart-0", "/registry/pods/shop/cart-0"},
		{"/registry", "nodes", "", "worker-1", "/registry/minions/worker-1"},
		{"/registry", "services", "default", "kubernetes", "/registry/services/specs/default/kubernetes"},
		{"/registry", "endpoints", "default", "kubernetes", "/registry/services/endpoints/default/kubernetes"},
		{"/registry", "rc", "default", "web", "/registry/controllers/default/web"},
		{"/registry", "ingresses", "shop", "front", "/registry/ingress/shop/front"},
		{"/registry", "deployments", "shop", "cart", "/registry/deployments/shop/cart"},
		{"/registry", "leases", "kube-node-lease", "worker-1", "/registry/leases/kube-node-lease/worker-1"},
		{"/registry", "crd", "", "crontabs.stable.example.com", "/registry/apiextensions.k8s.io/customresourcedefinitions/crontabs.stable.example.com"},
		{"/registry", "crontabs.stable.example.com", "default", "nightly", "/registry/stable.example.com/crontabs/default/nightly"},
		{"/kubernetes.io", "pods", "openshift-dns", "dns-0", "/kubernetes.io/pods/openshift-dns/dns-0"},
		{"/registry/", "namespaces", "", "shop", "/registry/namespaces/shop"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			res, err := etcdops.ResolveResource(tt.resource)
			if err != nil {
				t.Fatal(err)
			}
			layout := etcdops.Layout{Prefix: tt.prefix}
			if got := layout.Key(res, tt.namespace, tt.name); got != tt.key {
				t.Errorf("Key = %q, want %q", got, tt.key)
			}
			info, ok := layout.Parse(tt.key)
			if !ok {
				t.Fatalf("Parse(%q) failed", tt.key)
			}
			if info.Resource.StoragePath != res.StoragePath || info.Namespace != tt.namespace || info.Name != tt.name {
				t.Errorf("Parse(%q) = %s %q %q, want %s %q %q", tt.key, info.Resource.StoragePath, info.Namespace, info.Name, res.StoragePath, tt.namespace, tt.name)
			}
		})
	}
	layout := etcdops.Layout{Prefix: "/registry"}
	for _, key := range []string{"/other/pods/a/b", "/registry/", "/registry/pods/", "/registryx/pods/a/b"} {
		if info, ok := layout.Parse(key); ok {
			t.Errorf("Parse(%q) = %+v, want no object", key, info)
		}
	}
	// Unknown resources still parse, so ls can show them.
	if info, ok := layout.Parse("/registry/masterleases/10.0.0.1"); !ok || info.Resource.Name != "masterleases" {
		t.Errorf("Parse(masterleases) = %+v, %v", info, ok)
	}
	// A storage path is a whole segment: "podsx" is not "pods".
	if info, ok := layout.Parse("/registry/podsx/a/b"); !ok || info.Resource.Name != "podsx" || info.Namespace != "a" || info.Name != "b" {
		t.Errorf("Parse(podsx) = %+v, %v", info, ok)
	}
	// Every stored built-in round-trips; a resource sharing another's
	// storage parses as the one whose group it is stored in.
	for _, r := range etcdops.Builtins() {
		if !r.Stored() {
			continue
		}
		key := layout.Key(r, "ns1", "obj1")
		info, ok := layout.Parse(key)
		if !ok || info.Resource.StoragePath != r.StoragePath || info.Resource.Group != r.Storage.Group || info.Name != "obj1" {
			t.Errorf("%s: Parse(Key) = %+v, %v", r, info, ok)
		}
	}
}

func TestLeaseAlive(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		lease etcdops.LeaseStatus
		alive bool
	}{
		{"renewed", etcdops.LeaseStatus{Found: true, Holder: "cp-1", RenewTime: now.Add(-3 * time.Second), Duration: 15 * time.Second}, true},
		{"stale", etcdops.LeaseStatus{Found: true, Holder: "cp-1", RenewTime: now.Add(-16 * time.Second), Duration: 15 * time.Second}, false},
		{"released", etcdops.LeaseStatus{Found: true, Holder: "", RenewTime: now, Duration: time.Second}, false},
		{"missing", etcdops.LeaseStatus{}, false},
	}
	for _, tt := range tests {
		if got := tt.lease.Alive(now); got != tt.alive {
			t.Errorf("%s: Alive = %v, want %v", tt.name, got, tt.alive)
		}
	}
}

func TestDeletionRequested(t *testing.T) {
	ts := time.Date(2026, 11, 22, 3, 0, 30, 0, time.UTC)
	grace := int64(30)
	if got := etcdops.DeletionRequested(ts, &grace); !got.Equal(ts.Add(-30 * time.Second)) {
		t.Errorf("DeletionRequested = %v", got)
	}
	if got := etcdops.DeletionRequested(ts, nil); !got.Equal(ts) {
		t.Errorf("DeletionRequested(nil grace) = %v", got)
	}
}
