package etcdops

import (
	"slices"
	"strconv"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// Field selectors select by the fields kube-apiserver lets a list select
// by: metadata.name and metadata.namespace of every object, and a few
// fields of some kinds (k8s.io/kubernetes pkg/registry/core/*/strategy.go,
// ToSelectableFields). lifeboat evaluates them itself, on the objects it
// decoded: no apiserver is there to do it.

// selectableFields are the fields of r a field selector may name, beyond
// metadata.name (and metadata.namespace when r is namespaced).
var selectableFields = map[string][]string{
	"pods": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
		"status.phase", "status.podIP", "status.nominatedNodeName"},
	"nodes":      {"spec.unschedulable"},
	"namespaces": {"status.phase", "name"},
	"secrets":    {"type"},
}

// SelectableFields lists the fields a field selector on r may name.
func SelectableFields(r Resource) []string {
	out := []string{"metadata.name"}
	if r.Namespaced {
		out = append(out, "metadata.namespace")
	}
	if !r.Custom {
		out = append(out, selectableFields[r.Name]...)
	}
	return out
}

// ParseFieldSelector parses a kubectl --field-selector for resource r
// ("status.phase=Running,spec.nodeName!=worker-1"), with apimachinery's
// parser, and refuses a field r cannot be selected by, as kube-apiserver
// does.
func ParseFieldSelector(r Resource, s string) (fields.Selector, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	sel, err := fields.ParseSelector(s)
	if err != nil {
		return nil, usageErrorf("bad field selector %q: %v", s, err)
	}
	allowed := SelectableFields(r)
	for _, req := range sel.Requirements() {
		if !slices.Contains(allowed, req.Field) {
			return nil, usageErrorf("field selector %q: %s cannot be selected by %s: %suse one of %s", s, r, req.Field, didYouMean(req.Field, allowed), strings.Join(allowed, ", "))
		}
	}
	return sel, nil
}

// fieldSet is the fields of a decoded object a field selector reads, as
// kube-apiserver computes them.
func fieldSet(info KeyInfo, obj *codec.Object) fields.Set {
	set := fields.Set{"metadata.name": info.Name}
	if info.Resource.Namespaced {
		set["metadata.namespace"] = info.Namespace
	}
	if info.Resource.Custom {
		return set
	}
	switch info.Resource.Name {
	case "pods":
		pod, ok := obj.AsTyped().(*corev1.Pod)
		if !ok {
			set["spec.nodeName"], set["status.phase"] = PodNode(obj), obj.NestedString("status", "phase")
			return set
		}
		set["spec.nodeName"] = pod.Spec.NodeName
		set["spec.restartPolicy"] = string(pod.Spec.RestartPolicy)
		set["spec.schedulerName"] = pod.Spec.SchedulerName
		set["spec.serviceAccountName"] = pod.Spec.ServiceAccountName
		// The apiserver reads hostNetwork from the internal type's
		// SecurityContext, where the v1 spec.hostNetwork lands.
		set["spec.hostNetwork"] = strconv.FormatBool(pod.Spec.HostNetwork)
		set["status.phase"] = string(pod.Status.Phase)
		set["status.podIP"] = ""
		if len(pod.Status.PodIPs) > 0 {
			set["status.podIP"] = pod.Status.PodIPs[0].IP
		}
		set["status.nominatedNodeName"] = pod.Status.NominatedNodeName
	case "nodes":
		unschedulable := false
		if node, ok := obj.AsTyped().(*corev1.Node); ok {
			unschedulable = node.Spec.Unschedulable
		}
		set["spec.unschedulable"] = strconv.FormatBool(unschedulable)
	case "namespaces":
		set["status.phase"], set["name"] = obj.NestedString("status", "phase"), info.Name
		if ns, ok := obj.AsTyped().(*corev1.Namespace); ok {
			set["status.phase"] = string(ns.Status.Phase)
		}
	case "secrets":
		if secret, ok := obj.AsTyped().(*corev1.Secret); ok {
			set["type"] = string(secret.Type)
		}
	}
	return set
}
