package etcdops_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// TestDeleteSelection: delete takes the selections get takes, and refuses
// an empty one (no names, no selector, no --node, no -A) rather than read
// it as everything; names are looked up in one namespace, never with -A;
// -A alone selects nothing of a cluster-scoped resource.
func TestDeleteSelection(t *testing.T) {
	pods, nodes := resource(t, "pods"), resource(t, "nodes")
	sel, err := etcdops.ParseSelector("app=web")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		q     etcdops.Query
		error string // "" when valid
	}{
		{"names", etcdops.Query{Resource: pods, Namespace: "shop", Names: []string{"a"}}, ""},
		{"a label selector", etcdops.Query{Resource: pods, Namespace: "shop", Selector: sel}, ""},
		{"a field selector", etcdops.Query{Resource: pods, AllNamespaces: true, Fields: fieldSelector(t, pods, "status.phase=Failed")}, ""},
		{"a node", etcdops.Query{Resource: pods, AllNamespaces: true, Node: "spot-1"}, ""},
		{"every namespace", etcdops.Query{Resource: pods, AllNamespaces: true}, ""},
		{"a selector of nodes", etcdops.Query{Resource: nodes, Selector: sel}, ""},
		{"nothing", etcdops.Query{Resource: pods, Namespace: "shop"}, "delete pods: name the objects, or select them with a label selector (-l app=web), a field selector (--field-selector), --node NODE, -A for every one in every namespace"},
		{"nothing of a cluster-scoped resource", etcdops.Query{Resource: nodes}, "delete nodes: name the objects, or select them"},
		{"-A of a cluster-scoped resource", etcdops.Query{Resource: nodes, AllNamespaces: true}, "delete nodes: name the objects"},
		{"names with -A", etcdops.Query{Resource: pods, AllNamespaces: true, Names: []string{"a"}}, "names are looked up in one namespace: give -n NAMESPACE, not -A"},
		{"a node of configmaps", etcdops.Query{Resource: resource(t, "configmaps"), Namespace: "shop", Node: "spot-1"}, "--node selects pods"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := etcdops.Operation{Action: etcdops.DeleteObjects, Query: tc.q}.Validate()
			var usage *etcdops.UsageError
			switch {
			case tc.error == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.error != "" && (!errors.As(err, &usage) || !strings.Contains(err.Error(), tc.error)):
				t.Fatalf("Validate = %v, want a usage error saying %q", err, tc.error)
			}
		})
	}
}
