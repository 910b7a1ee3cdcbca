package printers

import (
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func printFlowSchema(obj *flowcontrolv1.FlowSchema, now time.Time) ([]any, error) {
	name := obj.Name
	plName := obj.Spec.PriorityLevelConfiguration.Name
	distinguisherMethod := "<none>"
	if obj.Spec.DistinguisherMethod != nil {
		distinguisherMethod = string(obj.Spec.DistinguisherMethod.Type)
	}
	badPLRef := "?"
	for _, cond := range obj.Status.Conditions {
		if cond.Type == flowcontrolv1.FlowSchemaConditionDangling {
			badPLRef = string(cond.Status)
			break
		}
	}
	return []any{name, plName, int64(obj.Spec.MatchingPrecedence), distinguisherMethod, translateTimestampSince(obj.CreationTimestamp, now), badPLRef}, nil
}

func printPriorityLevelConfiguration(obj *flowcontrolv1.PriorityLevelConfiguration, now time.Time) ([]any, error) {
	name := obj.Name
	ncs := any("<none>")
	queues := any("<none>")
	handSize := any("<none>")
	queueLengthLimit := any("<none>")
	if obj.Spec.Limited != nil {
		// The internal field is an int32 that a nil v1 one converts to 0.
		ncs = deref(obj.Spec.Limited.NominalConcurrencyShares, 0)
		if qc := obj.Spec.Limited.LimitResponse.Queuing; qc != nil {
			queues = qc.Queues
			handSize = qc.HandSize
			queueLengthLimit = qc.QueueLengthLimit
		}
	}
	return []any{name, string(obj.Spec.Type), ncs, queues, handSize, queueLengthLimit, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

// Less orders the objects of gk in a list as kube-apiserver's list printer
// does, where it reorders them; nil where rows keep the list's (key)
// order. Only FlowSchemas are reordered: printFlowSchemaList sorts by
// matching precedence, then name (k8s.io/kubernetes
// pkg/apis/flowcontrol/util.FlowSchemaSequence).
func Less(gk schema.GroupKind) func(a, b runtime.Object) bool {
	if gk != (schema.GroupKind{Group: flowcontrolv1.GroupName, Kind: "FlowSchema"}) {
		return nil
	}
	return func(a, b runtime.Object) bool {
		fa, okA := a.(*flowcontrolv1.FlowSchema)
		fb, okB := b.(*flowcontrolv1.FlowSchema)
		if !okA || !okB {
			return okA && !okB
		}
		if fa.Spec.MatchingPrecedence != fb.Spec.MatchingPrecedence {
			return fa.Spec.MatchingPrecedence < fb.Spec.MatchingPrecedence
		}
		return fa.Name < fb.Name
	}
}
