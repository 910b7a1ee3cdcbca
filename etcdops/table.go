package etcdops

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Columns are the table headings for a resource, with what an SRE triaging
// an outage needs first. NAMESPACE leads when rows span namespaces.
func Columns(r Resource, allNamespaces bool) []string {
	var cols []string
	if r.Namespaced && allNamespaces {
		cols = append(cols, "NAMESPACE")
	}
	switch r.Name {
	case "pods":
		return append(cols, "NAME", "NODE", "PHASE", "TERMINATING-SINCE", "FINALIZERS")
	case "nodes":
		return append(cols, "NAME", "READY", "TAINTS", "UNSCHEDULABLE")
	case "leases":
		return append(cols, "NAME", "HOLDER", "RENEWED")
	}
	return append(cols, "NAME", "KIND", "FORMAT", "SIZE", "REVISION")
}

// Row renders one item under Columns(r, allNamespaces).
func Row(r Resource, it Item, allNamespaces bool, now time.Time) []string {
	var row []string
	if r.Namespaced && allNamespaces {
		row = append(row, it.Namespace)
	}
	row = append(row, it.Name)
	width := len(Columns(r, allNamespaces)) - len(row)
	if problem := ItemProblem(it); problem != "" {
		// A value lifeboat cannot read still gets a row: it is exactly what
		// the operator needs to see. The full reason goes to warnings.
		cells := make([]string, width)
		cells[0] = problem
		if width == 4 && r.Name != "pods" && r.Name != "nodes" {
			cells[1], cells[2], cells[3] = string(codec.DetectFormat(it.Value)), strconv.Itoa(len(it.Value)), strconv.FormatInt(it.ModRevision, 10)
		}
		return append(row, cells...)
	}
	obj := it.Object
	switch r.Name {
	case "pods":
		return append(row, podCells(obj, now)...)
	case "nodes":
		return append(row, nodeCells(obj)...)
	case "leases":
		st, err := leaseStatus(it.Namespace, it.Name, it.Value)
		if err != nil {
			return append(row, "<"+err.Error()+">", "")
		}
		return append(row, st.Holder, ago(st.RenewTime, now))
	}
	return append(row, obj.Kind, string(obj.Format), strconv.Itoa(len(it.Value)), strconv.FormatInt(it.ModRevision, 10))
}

// ItemProblem is a short description of why an item cannot be shown or
// edited, "" when it decodes.
func ItemProblem(it Item) string {
	switch {
	case it.DecodeErr != nil:
		return "<malformed>"
	case it.Encrypted():
		return "<encrypted: " + it.Object.Encryption.String() + ">"
	}
	return ""
}

func podCells(obj *codec.Object, now time.Time) []string {
	node, phase := "", ""
	if pod, ok := obj.Typed.(*corev1.Pod); ok {
		node, phase = pod.Spec.NodeName, string(pod.Status.Phase)
	} else {
		node, phase = obj.NestedString("spec", "nodeName"), obj.NestedString("status", "phase")
	}
	terminating := ""
	if ts := obj.Meta.DeletionTimestamp; ts != nil {
		terminating = ago(DeletionRequested(obj.Meta.DeletionTimestamp.Time, obj.Meta.DeletionGracePeriodSeconds), now)
	}
	return []string{orNone(node), orNone(phase), orNone(terminating), orNone(strings.Join(obj.Meta.Finalizers, ","))}
}

func nodeCells(obj *codec.Object) []string {
	node, ok := obj.AsTyped().(*corev1.Node)
	if !ok {
		return []string{"<unknown>", "", ""}
	}
	ready := "Unknown"
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = string(c.Status)
		}
	}
	taints := make([]string, len(node.Spec.Taints))
	for i, t := range node.Spec.Taints {
		taints[i] = TaintString(t)
	}
	return []string{ready, orNone(strings.Join(taints, ",")), strconv.FormatBool(node.Spec.Unschedulable)}
}

// DeletionRequested is when a deletion was asked for: the apiserver stores
// deletionTimestamp as that moment plus the grace period (the time the
// object may be removed), which lies in the future during the grace period.
func DeletionRequested(deletionTimestamp time.Time, gracePeriodSeconds *int64) time.Time {
	if gracePeriodSeconds == nil {
		return deletionTimestamp
	}
	return deletionTimestamp.Add(-time.Duration(*gracePeriodSeconds) * time.Second)
}

// TaintString is kubectl's key[=value]:effect form.
func TaintString(t corev1.Taint) string {
	if t.Value == "" {
		return fmt.Sprintf("%s:%s", t.Key, t.Effect)
	}
	return fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect)
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return duration.HumanDuration(now.Sub(t)) + " ago"
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
