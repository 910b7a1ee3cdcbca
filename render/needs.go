package render

import (
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// What a row reads of a pod and of a node: kubectl's columns (printPod,
// printNode, wide ones too), lifeboat's (TERMINATING-SINCE, FINALIZERS,
// TAINTS), -L and --show-labels, and the TUI's facts of a row (a pod's
// deletion, a node's readiness, taints and cordon). The rest of a pod —
// its containers' specs, env, volumes, managedFields, most of its status —
// is nine tenths of its bytes, and decoding it was most of what listing
// 150,000 pods cost. TestRowNeeds holds every row made from these masks to
// the row made from the whole object.
var (
	// rowMetadata: names, labels (-L, --show-labels, the TUI's filters;
	// a table that shows none leaves them out: Sheet.Needs), ages,
	// deletion and finalizers. Not the annotations, which can be large
	// (last-applied-configuration), nor managedFields.
	rowMetadata = []string{"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels",
		"metadata.creationTimestamp", "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds", "metadata.finalizers"}
	podRowNeeds = codec.NewMask(
		rowMetadata...,
	).With(
		"spec.nodeName", "spec.containers.name", "spec.initContainers.name", "spec.initContainers.restartPolicy", "spec.readinessGates",
		"status.phase", "status.reason", "status.podIP", "status.podIPs", "status.nominatedNodeName",
		"status.conditions.type", "status.conditions.status", "status.conditions.reason",
	).With(containerStatusNeeds("status.containerStatuses")...).With(containerStatusNeeds("status.initContainerStatuses")...)
	// podTableNeeds is podRowNeeds for a table that shows no labels:
	// kubectl's pod columns read none (a node's ROLES does), and a pod's
	// labels are a map decoded for nothing (3% of get pods -A's CPU). A
	// label selector adds them back (etcdops.Query).
	podTableNeeds = podRowNeeds.With("!metadata.labels")
	nodeRowNeeds  = codec.NewMask(
		rowMetadata...,
	).With(
		"spec.unschedulable", "spec.taints",
		"status.conditions", "status.nodeInfo", "status.addresses",
	)
)

// containerStatusNeeds is what a pod's row reads of each status in a list
// of container statuses: how each container runs, not its messages,
// images or resources, which are most of a status's bytes and its decode.
func containerStatusNeeds(list string) []string {
	var paths []string
	for _, p := range []string{"name", "ready", "started", "restartCount",
		"state.running", "state.waiting.reason", "state.terminated.reason", "state.terminated.signal", "state.terminated.exitCode",
		"lastState.terminated.finishedAt"} {
		paths = append(paths, list+"."+p)
	}
	return paths
}

// Needs is what the sheet's rows read of each object (RowNeeds).
func (sh *Sheet) Needs() *codec.Mask {
	m := RowNeeds(sh.res)
	if m == podRowNeeds && !sh.opts.Compact && !sh.opts.ShowLabels && len(sh.opts.LabelColumns) == 0 {
		return podTableNeeds
	}
	return m
}

// RowNeeds is what a table row of res (any columns) reads of each object:
// the mask to list res with (etcdops.Query.Needs) for rows only; nil
// (everything) but for pods and nodes.
func RowNeeds(res etcdops.Resource) *codec.Mask {
	switch {
	case res.Custom || res.Group != "":
	case res.Name == "pods":
		return podRowNeeds
	case res.Name == "nodes":
		return nodeRowNeeds
	}
	return nil
}
