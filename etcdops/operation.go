package etcdops

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/journal"
	corev1 "k8s.io/api/core/v1"
)

// Action names a repair. The names are those plan files use.
type Action string

const (
	UndeletePods     Action = "undelete-pods"
	UntaintNodes     Action = "untaint-nodes"
	UncordonNodes    Action = "uncordon-nodes"
	CordonNodes      Action = "cordon-nodes" // spec.unschedulable=true, as kubectl cordon
	RemoveFinalizers Action = "remove-finalizers"
	// DeleteObjects removes keys, as kube-apiserver deletes once nothing
	// holds an object back: finalizers and garbage collection are skipped.
	DeleteObjects Action = "delete"
	// Restore writes journal before-images back; only Undo builds it.
	Restore Action = journal.RestoreAction
)

// Actions lists the actions users can ask for, in the order help shows them.
var Actions = []Action{UndeletePods, UntaintNodes, UncordonNodes, CordonNodes, RemoveFinalizers, DisableWebhooks, DeleteObjects, EditObject, CreateObjects}

// DefaultTaintKeys are the taints the node lifecycle controller adds when a
// kubelet stops reporting (k8s.io/api core/v1 well_known_taints.go).
var DefaultTaintKeys = []string{corev1.TaintNodeUnreachable, corev1.TaintNodeNotReady}

// Operation is one repair over a selection of objects. The CLI, plan files
// and the TUI all build these.
type Operation struct {
	Action Action
	Query  Query
	// AllNodes must be set to untaint, uncordon or cordon every node, so that an
	// empty name list never means "everything" by accident.
	AllNodes    bool
	TaintKeys   []string // untaint-nodes; empty means DefaultTaintKeys
	TaintEffect string   // untaint-nodes; "" means every effect
	Finalizers  []string // remove-finalizers; empty means all

	// WebhookKind is disable-webhooks' "validating" or "mutating"; ""
	// takes whichever holds each name (Store.ResolveOperations).
	WebhookKind string
	// DeleteWebhooks makes disable-webhooks delete the configurations.
	DeleteWebhooks bool

	// Patch is edit's JSON merge patch, applied to each named object.
	Patch []byte
	// AllowFieldLoss lets an edit drop fields a newer Kubernetes wrote.
	AllowFieldLoss bool
	// Objects are create's manifests; Now is the creationTimestamp of
	// those that carry none (NewBatch sets it).
	Objects []map[string]any
	Now     time.Time
}

// wholePlanned reports whether the operation is planned at once rather
// than page by page over a selection: an edit or a create names its few
// objects, and its plan is what the preview showed.
func (op Operation) wholePlanned() bool {
	return op.Action == EditObject || op.Action == CreateObjects
}

// String describes the operation for previews and logs.
func (op Operation) String() string {
	switch op.Action {
	case UntaintNodes:
		desc := "untaint " + strings.Join(op.taintKeys(), ",")
		if op.TaintEffect != "" {
			desc += ":" + op.TaintEffect
		}
		return desc
	case RemoveFinalizers:
		if len(op.Finalizers) == 0 {
			return "remove all finalizers"
		}
		return "remove finalizers " + strings.Join(op.Finalizers, ",")
	case DisableWebhooks:
		if op.DeleteWebhooks {
			return "delete webhook configurations"
		}
		return "disable webhooks (failurePolicy Ignore)"
	}
	return string(op.Action)
}

func (op Operation) taintKeys() []string {
	if len(op.TaintKeys) == 0 {
		return DefaultTaintKeys
	}
	return op.TaintKeys
}

var taintEffects = []string{string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute)}

// Validate checks the operation before anything is read or written.
func (op Operation) Validate() error {
	switch op.Action {
	case UndeletePods:
		if op.Query.Resource.Name != "pods" {
			return usageErrorf("undelete-pods selects pods, not %s", op.Query.Resource)
		}
	case UntaintNodes, UncordonNodes, CordonNodes:
		if op.Query.Resource.Name != "nodes" {
			return usageErrorf("%s selects nodes, not %s", op.Action, op.Query.Resource)
		}
		if len(op.Query.Names) == 0 && !op.AllNodes && op.Query.Selector == nil {
			return usageErrorf("%s: name the nodes, or say --all (all: true in a plan) to touch every node", op.Action)
		}
		if len(op.Query.Names) > 0 && op.AllNodes {
			return usageErrorf("%s: give node names or --all, not both", op.Action)
		}
		if op.TaintEffect != "" && !contains(taintEffects, op.TaintEffect) {
			return usageErrorf("bad taint effect %q: use one of %s", op.TaintEffect, strings.Join(taintEffects, ", "))
		}
		for _, k := range op.TaintKeys {
			if strings.TrimSpace(k) == "" {
				return usageErrorf("empty taint key: give keys such as %s", corev1.TaintNodeUnreachable)
			}
		}
	case RemoveFinalizers:
		if len(op.Query.Names) == 0 && op.Query.Selector == nil {
			return usageErrorf("remove-finalizers: name the objects or give a label selector")
		}
	case DeleteObjects:
		if err := op.Query.validateDelete(); err != nil {
			return err
		}
	case DisableWebhooks:
		if err := op.validateWebhooks(); err != nil {
			return err
		}
	case EditObject:
		if len(op.Query.Names) == 0 {
			return usageErrorf("edit: name the objects to patch")
		}
		var patch map[string]any
		if err := json.Unmarshal(op.Patch, &patch); err != nil || len(patch) == 0 {
			return usageErrorf("edit: patch must be a non-empty JSON merge patch object, e.g. {\"metadata\":{\"labels\":{\"team\":\"sre\"}}}")
		}
	case CreateObjects:
		if len(op.Objects) == 0 {
			return usageErrorf("create: give the objects to create (objects: a list of manifests)")
		}
		return nil // each object names its own resource
	case Restore:
		return usageErrorf("restore is only done by undo from a journal")
	case "":
		return usageErrorf("no action given: use one of %s", actionList())
	default:
		return usageErrorf("unknown action %q: use one of %s", op.Action, actionList())
	}
	return op.Query.Validate()
}

func actionList() string { return strings.Join(actionNames(), ", ") }

func actionNames() []string {
	names := make([]string, len(Actions))
	for i, a := range Actions {
		names[i] = string(a)
	}
	return names
}

// edits are the lossless codec edits that carry out the operation.
func (op Operation) edits() []codec.Edit {
	switch op.Action {
	case UndeletePods:
		return []codec.Edit{codec.ClearDeletion()}
	case UntaintNodes:
		return []codec.Edit{codec.RemoveTaints(op.taintKeys(), op.TaintEffect)}
	case UncordonNodes:
		// kubectl uncordon only clears spec.unschedulable and leaves the
		// node.kubernetes.io/unschedulable taint to the node lifecycle
		// controller (TaintNodesByCondition), which is stopped during the
		// repair: without removing the taint too the node stays unschedulable.
		return []codec.Edit{
			codec.SetUnschedulable(false),
			codec.RemoveTaints([]string{corev1.TaintNodeUnschedulable}, string(corev1.TaintEffectNoSchedule)),
		}
	case CordonNodes:
		// As kubectl cordon: spec.unschedulable only. The scheduler reads
		// it directly (its NodeUnschedulable plugin); the node lifecycle
		// controller adds the node.kubernetes.io/unschedulable taint when
		// it runs again, as it does after kubectl cordon.
		return []codec.Edit{codec.SetUnschedulable(true)}
	case RemoveFinalizers:
		if r := op.Query.Resource; r.Group == "" && r.Name == "namespaces" {
			// A namespace stuck Terminating waits on its spec.finalizers
			// too: the "kubernetes" one, which the namespace controller
			// removes through /finalize once the namespace is empty.
			return []codec.Edit{codec.RemoveFinalizers(op.Finalizers...), codec.RemoveNamespaceFinalizers(op.Finalizers...)}
		}
		return []codec.Edit{codec.RemoveFinalizers(op.Finalizers...)}
	case DisableWebhooks:
		return []codec.Edit{codec.IgnoreWebhookFailures()}
	case DeleteObjects, EditObject, CreateObjects:
		return nil // not an edit: planChange deletes the key; planWhole plans the others
	}
	panic(fmt.Sprintf("etcdops: no edits for action %q", op.Action))
}

// validateDelete refuses a delete whose selection is empty: no names, no
// selector, no --node and no -A never means "every object".
func (q Query) validateDelete() error {
	switch {
	case len(q.Names) > 0 && q.AllNamespaces:
		return usageErrorf("delete: names are looked up in one namespace: give -n NAMESPACE, not -A (kubectl refuses names with -A too)")
	case len(q.Names) > 0 || q.Filtered():
		return nil
	case q.AllNamespaces && q.Resource.Namespaced:
		return nil
	}
	how, plan := []string{"a label selector (-l app=web)", "a field selector (--field-selector)"}, []string{"names", "selector", "fieldSelector"}
	if q.Resource.Name == "pods" {
		how, plan = append(how, "--node NODE"), append(plan, "node")
	}
	if q.Resource.Namespaced {
		how, plan = append(how, "-A for every one in every namespace"), append(plan, "allNamespaces")
	}
	return usageErrorf("delete %s: name the objects, or select them with %s (in a plan: %s); an empty selection never means everything",
		q.Resource, strings.Join(how, ", "), strings.Join(plan, ", "))
}
