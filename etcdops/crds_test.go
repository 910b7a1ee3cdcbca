package etcdops_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestResolveCustomResourceNames: the names a CRD in etcd declares resolve
// to its resource, with its scope, kind and storage version, as kubectl
// resolves them through discovery; built-ins resolve without a read.
func TestResolveCustomResourceNames(t *testing.T) {
	store, _, _ := capsized(t, demo.Options{})
	for _, arg := range []string{"crontabs", "crontab", "ct", "CronTab", "crontabs.stable.example.com", "ct.stable.example.com"} {
		t.Run(arg, func(t *testing.T) {
			r, err := store.ResolveResource(context.Background(), arg)
			if err != nil {
				t.Fatal(err)
			}
			want := etcdops.Resource{Name: "crontabs", Singular: "crontab", ShortNames: []string{"ct"}, Group: "stable.example.com",
				Storage: schema.GroupVersion{Group: "stable.example.com", Version: "v1"}, Kind: "CronTab", Namespaced: true, StoragePath: "stable.example.com/crontabs", Custom: true}
			if r.String() != want.String() || r.Kind != want.Kind || r.Storage != want.Storage || r.Namespaced != want.Namespaced ||
				r.StoragePath != want.StoragePath || r.Singular != want.Singular || len(r.ShortNames) != 1 {
				t.Errorf("%s resolved to %+v, want %+v", arg, r, want)
			}
		})
	}
	var usage *etcdops.UsageError
	if _, err := store.ResolveResource(context.Background(), "widgets"); !errors.As(err, &usage) {
		t.Errorf("an undeclared name: %v, want a usage error", err)
	}
	if r, err := store.ResolveResource(context.Background(), "widgets.example.org"); err != nil || !r.Custom || r.StoragePath != "example.org/widgets" {
		t.Errorf("a qualified name no CRD declares: %+v, %v; want it read by its key layout", r, err)
	}
	if r, err := store.ResolveResource(context.Background(), "cm"); err != nil || r.Name != "configmaps" {
		t.Errorf("cm: %+v, %v", r, err)
	}
}

// TestUnknownResourceSuggestsANearName: a typo of a built-in name or of
// one a CRD in etcd declares gets a "did you mean"; a name near nothing
// gets no guess.
func TestUnknownResourceSuggestsANearName(t *testing.T) {
	store, _, _ := capsized(t, demo.Options{})
	tests := []struct{ arg, want string }{
		{"podz", "did you mean pods?"},
		{"ndoes", "did you mean nodes?"},
		{"configmap5", "did you mean configmaps?"},
		{"crontbas", "did you mean crontabs?"},
		{"frobnicate", ""},
	}
	for _, tt := range tests {
		_, err := store.ResolveResource(context.Background(), tt.arg)
		var usage *etcdops.UsageError
		if !errors.As(err, &usage) {
			t.Fatalf("%s: %v, want a usage error", tt.arg, err)
		}
		if got := strings.Contains(err.Error(), "did you mean"); got != (tt.want != "") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want it to say %q", tt.arg, err, tt.want)
		}
	}
	// Without etcd, the built-in names.
	if _, err := etcdops.ResolveResource("deploymnets"); err == nil || !strings.Contains(err.Error(), "did you mean deployments?") {
		t.Errorf("deploymnets: %v", err)
	}
}
