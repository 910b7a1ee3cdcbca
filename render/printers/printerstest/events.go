package printerstest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func eventCases(now time.Time) []Case {
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }
	microAgo := func(d time.Duration) metav1.MicroTime { return metav1.NewMicroTime(now.Add(-d)) }
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: ago(10 * time.Minute)}
	}

	backOff := &corev1.Event{
		ObjectMeta:     meta("web-3.17a0"),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-3", FieldPath: "spec.containers{web}"},
		Reason:         "BackOff",
		Message:        "Back-off restarting failed container web in pod web-3\n",
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: ago(10 * time.Minute),
		LastTimestamp:  ago(30 * time.Second),
		Count:          12,
		Type:           corev1.EventTypeWarning,
	}

	series := &corev1.Event{
		ObjectMeta:          meta("web.17a1"),
		InvolvedObject:      corev1.ObjectReference{Kind: "Deployment", Name: "web"},
		Reason:              "ScalingReplicaSet",
		Message:             "Scaled up replica set web-7d4b to 3",
		EventTime:           microAgo(2 * time.Minute),
		Series:              &corev1.EventSeries{Count: 4, LastObservedTime: microAgo(45 * time.Second)},
		ReportingController: "deployment-controller",
		ReportingInstance:   "cp-1",
		Type:                corev1.EventTypeNormal,
	}

	singleton := &corev1.Event{
		ObjectMeta:          meta("node-1.17a2"),
		InvolvedObject:      corev1.ObjectReference{Kind: "Node"},
		Reason:              "NodeNotReady",
		Message:             "Node node-1 status is now: NodeNotReady",
		EventTime:           microAgo(7 * time.Minute),
		ReportingController: "node-controller",
		Type:                corev1.EventTypeNormal,
	}

	newAPI := &eventsv1.Event{
		ObjectMeta:          meta("db-2.17a3"),
		EventTime:           microAgo(6 * time.Minute),
		Series:              &eventsv1.EventSeries{Count: 9, LastObservedTime: microAgo(20 * time.Second)},
		ReportingController: "kubelet",
		ReportingInstance:   "node-2",
		Action:              "Pulling",
		Reason:              "Failed",
		Regarding:           corev1.ObjectReference{Kind: "Pod", Name: "db-2", FieldPath: "spec.initContainers{schema}"},
		Note:                "  Failed to pull image \"db:9\": not found ",
		Type:                corev1.EventTypeWarning,
	}

	return []Case{
		{"event repeated, with a source", backOff, []any{"30s", "Warning", "BackOff", "pod/web-3", "spec.containers{web}", "kubelet, node-1",
			"Back-off restarting failed container web in pod web-3", "10m", int64(12), "web-3.17a0"}},
		{"event with a series", series, []any{"45s", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller, cp-1",
			"Scaled up replica set web-7d4b to 3", "2m", int64(4), "web.17a1"}},
		{"event singleton of the new API, no involved name", singleton, []any{"7m", "Normal", "NodeNotReady", "node", "", "node-controller",
			"Node node-1 status is now: NodeNotReady", "7m", int64(1), "node-1.17a2"}},
		{"events.k8s.io event with a series", newAPI, []any{"20s", "Warning", "Failed", "pod/db-2", "spec.initContainers{schema}", "kubelet, node-2",
			"Failed to pull image \"db:9\": not found", "6m", int64(9), "db-2.17a3"}},
	}
}
