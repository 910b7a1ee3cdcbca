package etcdops_test

import (
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// TestPlanFileWebhooksAndSelections: disable-webhooks takes names, kind and
// delete (which resource each name is, etcd says when the plan runs);
// delete takes the selections of get; what does not fit is refused, naming
// the field.
func TestPlanFileWebhooksAndSelections(t *testing.T) {
	for _, tc := range []struct {
		name, plan string
		check      func(op etcdops.Operation) bool
		want       string // an error saying this; "" for a valid plan
	}{
		{"disable-webhooks", "operations:\n- action: disable-webhooks\n  names: [gatekeeper, injector]\n",
			func(op etcdops.Operation) bool {
				return op.Action == etcdops.DisableWebhooks && len(op.Query.Names) == 2 && op.Query.Resource.Name == "" && !op.DeleteWebhooks
			}, ""},
		{"disable-webhooks, delete, mutating", "operations:\n- action: disable-webhooks\n  names: [injector]\n  kind: mutating\n  delete: true\n",
			func(op etcdops.Operation) bool { return op.WebhookKind == "mutating" && op.DeleteWebhooks }, ""},
		{"delete by node", "operations:\n- action: delete\n  resource: pods\n  allNamespaces: true\n  node: spot-1\n",
			func(op etcdops.Operation) bool { return op.Query.AllNamespaces && op.Query.Node == "spot-1" }, ""},
		{"delete by selectors", "operations:\n- action: delete\n  resource: pods\n  namespace: shop\n  selector: app=cart\n  fieldSelector: status.phase=Failed\n",
			func(op etcdops.Operation) bool { return op.Query.Selector != nil && op.Query.Fields != nil }, ""},
		{"disable-webhooks without names", "operations:\n- action: disable-webhooks\n  kind: validating\n", nil, "name the webhook configurations"},
		{"disable-webhooks, a misspelt kind", "operations:\n- action: disable-webhooks\n  names: [a]\n  kind: mutatin\n", nil, `bad kind "mutatin": did you mean mutating?`},
		{"disable-webhooks with a resource", "operations:\n- action: disable-webhooks\n  resource: configmaps\n  names: [a]\n", nil, `field "resource" does not apply to disable-webhooks (it takes names, kind, delete)`},
		{"delete with a kind", "operations:\n- action: delete\n  resource: pods\n  names: [a]\n  kind: mutating\n", nil, `field "kind" does not apply to delete`},
		{"delete, a field selector pods do not have", "operations:\n- action: delete\n  resource: pods\n  allNamespaces: true\n  fieldSelector: spec.unschedulable=true\n", nil, "pods cannot be selected by spec.unschedulable"},
		{"delete of nothing", "operations:\n- action: delete\n  resource: pods\n  namespace: shop\n", nil, "an empty selection never means everything"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := etcdops.ParsePlanFile("plan.yaml", []byte(tc.plan))
			switch {
			case tc.want != "":
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one saying %q", err, tc.want)
				}
			case err != nil:
				t.Fatalf("valid plan refused: %v", err)
			case len(ops) != 1 || !tc.check(ops[0]):
				t.Fatalf("parsed %+v", ops)
			}
		})
	}
}
