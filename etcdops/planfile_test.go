package etcdops_test

import (
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// TestPlanFileObjects: edit, delete and create in plan files, and what a
// plan that misuses them is told.
func TestPlanFileObjects(t *testing.T) {
	for _, tc := range []struct {
		name, plan string
		want       string // "" for a valid plan
	}{
		{"edit", "operations:\n- action: edit\n  resource: configmaps\n  namespace: shop\n  names: [a]\n  patch: {data: {x: y}}\n", ""},
		{"delete", "operations:\n- action: delete\n  resource: crontabs.stable.example.com\n  names: [a]\n", ""},
		{"create", "operations:\n- action: create\n  objects:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", ""},
		{"edit without a patch", "operations:\n- action: edit\n  resource: configmaps\n  names: [a]\n", "patch must be"},
		{"edit without names", "operations:\n- action: edit\n  resource: configmaps\n  patch: {data: {x: y}}\n", "name the objects"},
		{"delete without resource", "operations:\n- action: delete\n  names: [a]\n", "delete needs resource"},
		{"delete without names", "operations:\n- action: delete\n  resource: pods\n", "name the objects"},
		{"create without objects", "operations:\n- action: create\n  namespace: shop\n", "give the objects"},
		{"create with a selector", "operations:\n- action: create\n  selector: app=x\n  objects:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", `field "selector" does not apply to create`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := etcdops.ParsePlanFile("plan.yaml", []byte(tc.plan))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("valid plan refused: %v", err)
			case tc.want == "" && len(ops) != 1:
				t.Fatalf("%d operations, want 1", len(ops))
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
