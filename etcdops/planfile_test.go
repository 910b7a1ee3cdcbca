package etcdops_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// TestPlanFileErrors: a bad plan is refused with one line that names the
// operation (its index and action), the field, and what was most likely
// meant, never Go's decoding errors.
func TestPlanFileErrors(t *testing.T) {
	tests := []struct {
		name, plan string
		want       []string
	}{
		{"a misspelt field", "operations:\n- action: undelete-pods\n  allNamespace: true\n",
			[]string{`operations[0] (undelete-pods): unknown field "allNamespace": did you mean allNamespaces?`, "undelete-pods takes names, namespace, allNamespaces, selector, node"}},
		{"a field of another action", "operations:\n- action: uncordon-nodes\n  names: [worker-1]\n- action: uncordon-nodes\n  namespace: shop\n",
			[]string{`operations[1] (uncordon-nodes): field "namespace" does not apply to uncordon-nodes`}},
		{"a misspelt field of no action", "operations:\n- action: uncordon-nodes\n  all: true\n- nmaespace: shop\n",
			[]string{`operations[1] (no action): unknown field "nmaespace": did you mean namespace?`}},
		{"a string for a list", "operations:\n- action: uncordon-nodes\n  names: worker-1\n",
			[]string{`operations[0] (uncordon-nodes): field names must be a list, e.g. names: [a, b]`, `not the string "worker-1"`}},
		{"a string for a bool", "operations:\n- action: uncordon-nodes\n  all: \"yes please\"\n",
			[]string{`operations[0] (uncordon-nodes): field all must be true or false, not the string "yes please"`}},
		{"a list for a string", "operations:\n- action: undelete-pods\n  namespace: [shop]\n",
			[]string{`field namespace must be a string, not a list`}},
		{"a string for a patch", "operations:\n- action: edit\n  resource: configmaps\n  names: [a]\n  patch: data.x=y\n",
			[]string{`operations[0] (edit): field patch must be a map, e.g. patch: {metadata: {labels: {team: sre}}}`}},
		{"a misspelt field of edit", "operations:\n- action: edit\n  resource: configmaps\n  names: [a]\n  pacth: {data: {x: y}}\n",
			[]string{`operations[0] (edit): unknown field "pacth": did you mean patch?`}},
		{"a duplicate key", "operations:\n- action: uncordon-nodes\n  names: [a]\n  names: [b]\n", []string{"not YAML"}},
		{"a misspelt action", "operations:\n- action: undelete-pod\n",
			[]string{`operations[0] (undelete-pod): unknown action "undelete-pod": did you mean undelete-pods?`}},
		{"a misspelt top-level key", "operation:\n- action: undelete-pods\n",
			[]string{`unknown field "operation" at the top: did you mean operations?`}},
		{"operations not a list", "operations: undelete-pods\n", []string{"operations must be a list"}},
		{"an operation not a map", "operations:\n- undelete-pods\n", []string{"operations[0] (no action): an operation is a map"}},
		{"not YAML", "operations: [\n", []string{"not YAML"}},
		{"no operations", "operations: []\n", []string{"no operations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := etcdops.ParsePlanFile("plan.yaml", []byte(tt.plan))
			var usage *etcdops.UsageError
			if !errors.As(err, &usage) {
				t.Fatalf("%v, want a usage error", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "plan plan.yaml: ") || strings.Contains(msg, "\n") || strings.Contains(msg, "json:") || strings.Contains(msg, "Go struct") {
				t.Errorf("not one plain line naming the plan: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q\ndoes not say %q", msg, w)
				}
			}
		})
	}
	ops, err := etcdops.ParsePlanFile("plan.yaml", []byte("operations:\n- action: undelete-pods\n  allNamespaces: true\n  selector: app=web\n- action: untaint-nodes\n  names: [worker-1]\n  keys: [a]\n  effect: NoExecute\n"))
	if err != nil || len(ops) != 2 || !ops[0].Query.AllNamespaces || ops[0].Query.Selector == nil || ops[1].TaintEffect != "NoExecute" || ops[1].Query.Names[0] != "worker-1" {
		t.Errorf("a good plan: %+v, %v", ops, err)
	}
}

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
