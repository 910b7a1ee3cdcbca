package etcdops

import (
	"encoding/json"
	"strings"

	"sigs.k8s.io/yaml"
)

// planFile is the YAML a user writes for `lifeboat apply -f`.
type planFile struct {
	Operations []planOperation `json:"operations"`
}

type planOperation struct {
	Action        Action   `json:"action"`
	Resource      string   `json:"resource,omitempty"` // remove-finalizers only
	Names         []string `json:"names,omitempty"`
	Namespace     string   `json:"namespace,omitempty"`
	AllNamespaces bool     `json:"allNamespaces,omitempty"`
	Selector      string   `json:"selector,omitempty"`
	Node          string   `json:"node,omitempty"`
	All           bool     `json:"all,omitempty"`
	Keys          []string `json:"keys,omitempty"`
	Effect        string   `json:"effect,omitempty"`
	Finalizers    []string `json:"finalizers,omitempty"`
	// edit: a JSON merge patch, written as YAML or JSON.
	Patch          map[string]any `json:"patch,omitempty"`
	AllowFieldLoss bool           `json:"allowFieldLoss,omitempty"`
	// create: the manifests, as `kubectl get -o yaml` prints them.
	Objects []map[string]any `json:"objects,omitempty"`
}

// ParsePlanFile reads a plan and validates every operation in it; one bad
// operation rejects the whole plan before anything is read from etcd.
// Unknown fields and actions are errors, not ignored: a typo must not turn a
// narrow repair into a broad one.
func ParsePlanFile(name string, data []byte) ([]Operation, error) {
	var pf planFile
	if err := yaml.UnmarshalStrict(data, &pf); err != nil {
		return nil, usageErrorf("plan %s: %v", name, err)
	}
	if len(pf.Operations) == 0 {
		return nil, usageErrorf("plan %s: no operations (expected 'operations:' with a list of {action: ...})", name)
	}
	ops := make([]Operation, len(pf.Operations))
	for i, po := range pf.Operations {
		op, err := po.operation()
		if err == nil {
			err = op.Validate()
		}
		if err != nil {
			return nil, usageErrorf("plan %s: operations[%d] (%s): %v", name, i, po.Action, err)
		}
		ops[i] = op
	}
	return ops, nil
}

func (po planOperation) operation() (Operation, error) {
	// Which fields each action accepts; anything else set is a mistake.
	allowed := map[Action][]string{
		UndeletePods:     {"names", "namespace", "allNamespaces", "selector", "node"},
		UntaintNodes:     {"names", "all", "selector", "keys", "effect"},
		UncordonNodes:    {"names", "all", "selector"},
		RemoveFinalizers: {"resource", "names", "namespace", "allNamespaces", "selector", "finalizers"},
		DeleteObjects:    {"resource", "names", "namespace"},
		EditObject:       {"resource", "names", "namespace", "patch", "allowFieldLoss"},
		CreateObjects:    {"objects", "namespace"},
	}
	fields, ok := allowed[po.Action]
	if !ok {
		return Operation{}, usageErrorf("unknown action %q: use one of %s", po.Action, actionList())
	}
	for field, set := range map[string]bool{
		"resource": po.Resource != "", "names": len(po.Names) > 0, "namespace": po.Namespace != "",
		"allNamespaces": po.AllNamespaces, "selector": po.Selector != "", "node": po.Node != "",
		"all": po.All, "keys": len(po.Keys) > 0, "effect": po.Effect != "", "finalizers": len(po.Finalizers) > 0,
		"patch": len(po.Patch) > 0, "allowFieldLoss": po.AllowFieldLoss, "objects": len(po.Objects) > 0,
	} {
		if set && !contains(fields, field) {
			return Operation{}, usageErrorf("field %q does not apply to %s (it takes %s)", field, po.Action, strings.Join(fields, ", "))
		}
	}
	if po.Action == CreateObjects {
		return Operation{Action: CreateObjects, Objects: po.Objects, Query: Query{Namespace: po.Namespace}}, nil
	}
	resource := map[Action]string{UndeletePods: "pods", UntaintNodes: "nodes", UncordonNodes: "nodes"}[po.Action]
	if resource == "" {
		if resource = po.Resource; resource == "" {
			return Operation{}, usageErrorf("%s needs resource: (e.g. pods, configmaps, crontabs.stable.example.com)", po.Action)
		}
	}
	var patch []byte
	if len(po.Patch) > 0 {
		var err error
		if patch, err = json.Marshal(po.Patch); err != nil {
			return Operation{}, usageErrorf("patch: %v", err)
		}
	}
	res, err := ResolveResource(resource)
	if err != nil {
		return Operation{}, err
	}
	sel, err := ParseSelector(po.Selector)
	if err != nil {
		return Operation{}, err
	}
	return Operation{
		Action: po.Action,
		Query: Query{
			Resource: res, Names: po.Names, Namespace: po.Namespace, AllNamespaces: po.AllNamespaces,
			Selector: sel, Node: po.Node,
		},
		AllNodes:       po.All,
		TaintKeys:      po.Keys,
		TaintEffect:    po.Effect,
		Finalizers:     po.Finalizers,
		Patch:          patch,
		AllowFieldLoss: po.AllowFieldLoss,
	}, nil
}
