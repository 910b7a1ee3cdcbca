package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
)

func podCells(it etcdops.Item, now time.Time) []string {
	obj := it.Object
	terminating := "<none>"
	if ts := obj.Meta.DeletionTimestamp; ts != nil {
		terminating = Ago(etcdops.DeletionRequested(ts.Time, obj.Meta.DeletionGracePeriodSeconds), now)
	}
	finalizers := orNone(strings.Join(obj.Meta.Finalizers, ","))
	// AsTyped: a pod stored as JSON or CBOR reads as one stored as protobuf.
	pod, ok := obj.AsTyped().(*corev1.Pod)
	if !ok {
		return []string{it.Name, "", "<unknown>", "", Age(obj.Meta.CreationTimestamp.Time, now), "<none>", "<none>", "<none>", "<none>", terminating, finalizers}
	}
	p := Pod(pod, now)
	return []string{pod.Name, p.Ready, p.Status, p.Restarts, Age(pod.CreationTimestamp.Time, now), p.IP, p.Node, p.NominatedNode, p.ReadinessGates, terminating, finalizers}
}

// PodColumns are kubectl's columns of a pod (printPod), as text.
type PodColumns struct {
	Ready, Status, Restarts string
	IP, Node, NominatedNode string
	ReadinessGates          string
}

// Pod computes the columns kubectl prints for a pod
// (k8s.io/kubernetes pkg/printers/internalversion printers.go, printPod):
// STATUS is the reason of the first init container that has not
// completed, else of the last container that is not running ready
// (CrashLoopBackOff, Completed, Error, ...), else the phase; Terminating
// when a deletion was asked and the phase is not terminal, Unknown when
// the node controller gave up on the node (reason NodeLost).
func Pod(pod *corev1.Pod, now time.Time) PodColumns {
	restarts, restartableInitRestarts := 0, 0
	total, ready := len(pod.Spec.Containers), 0
	var lastRestart, lastRestartableInitRestart time.Time

	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			reason = corev1.PodReasonSchedulingGated
		}
	}

	initContainers := make(map[string]*corev1.Container, len(pod.Spec.InitContainers))
	for i := range pod.Spec.InitContainers {
		initContainers[pod.Spec.InitContainers[i].Name] = &pod.Spec.InitContainers[i]
		if restartable(&pod.Spec.InitContainers[i]) {
			total++
		}
	}

	initializing := false
	for i, c := range pod.Status.InitContainerStatuses {
		restarts += int(c.RestartCount)
		lastRestart = later(lastRestart, c.LastTerminationState.Terminated)
		if restartable(initContainers[c.Name]) {
			restartableInitRestarts += int(c.RestartCount)
			lastRestartableInitRestart = later(lastRestartableInitRestart, c.LastTerminationState.Terminated)
		}
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case restartable(initContainers[c.Name]) && c.Started != nil && *c.Started:
			if c.Ready {
				ready++
			}
			continue
		case c.State.Terminated != nil:
			// Initialization failed.
			switch t := c.State.Terminated; {
			case t.Reason != "":
				reason = "Init:" + t.Reason
			case t.Signal != 0:
				reason = fmt.Sprintf("Init:Signal:%d", t.Signal)
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
			}
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + c.State.Waiting.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		restarts, lastRestart = restartableInitRestarts, lastRestartableInitRestart
		hasRunning, errorReason := false, ""
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := pod.Status.ContainerStatuses[i]
			restarts += int(c.RestartCount)
			lastRestart = later(lastRestart, c.LastTerminationState.Terminated)
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				reason = c.State.Waiting.Reason
			case c.State.Terminated != nil:
				switch t := c.State.Terminated; {
				case t.Reason != "":
					reason = t.Reason
				case t.Signal != 0:
					reason = fmt.Sprintf("Signal:%d", t.Signal)
				default:
					reason = fmt.Sprintf("ExitCode:%d", t.ExitCode)
				}
				if c.State.Terminated.ExitCode != 0 {
					errorReason = reason
				}
			case c.Ready && c.State.Running != nil:
				hasRunning = true
				ready++
			}
		}
		// Back to Running if a container still reports running.
		if reason == "Completed" {
			switch {
			case hasRunning && podConditionTrue(pod, corev1.PodReady):
				reason = "Running"
			case errorReason != "":
				reason = errorReason
			case hasRunning:
				reason = "NotReady"
			}
		}
	}

	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == nodeUnreachablePodReason:
		reason = "Unknown"
	case pod.DeletionTimestamp != nil && !terminal:
		reason = "Terminating"
	}

	out := PodColumns{
		Ready:          fmt.Sprintf("%d/%d", ready, total),
		Status:         reason,
		Restarts:       strconv.Itoa(restarts),
		IP:             "<none>",
		Node:           orNone(pod.Spec.NodeName),
		NominatedNode:  orNone(pod.Status.NominatedNodeName),
		ReadinessGates: "<none>",
	}
	if restarts != 0 && !lastRestart.IsZero() {
		out.Restarts = fmt.Sprintf("%d (%s ago)", restarts, Age(lastRestart, now))
	}
	if len(pod.Status.PodIPs) > 0 && pod.Status.PodIPs[0].IP != "" {
		out.IP = pod.Status.PodIPs[0].IP
	}
	if gates := pod.Spec.ReadinessGates; len(gates) > 0 {
		met := 0
		for _, g := range gates {
			for _, c := range pod.Status.Conditions {
				if c.Type == g.ConditionType {
					if c.Status == corev1.ConditionTrue {
						met++
					}
					break
				}
			}
		}
		out.ReadinessGates = fmt.Sprintf("%d/%d", met, len(gates))
	}
	return out
}

// nodeUnreachablePodReason is the reason the node controller once set on
// the pods of an unreachable node (k8s.io/kubernetes pkg/util/node).
const nodeUnreachablePodReason = "NodeLost"

// restartable is a sidecar: an init container with restartPolicy Always.
func restartable(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// later is the later of t and when a container last terminated.
func later(t time.Time, terminated *corev1.ContainerStateTerminated) time.Time {
	if terminated != nil && t.Before(terminated.FinishedAt.Time) {
		return terminated.FinishedAt.Time
	}
	return t
}
