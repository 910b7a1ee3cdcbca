package printers

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The replicas of apps/v1 are pointers that the internal types are not:
// converting to internal reads a nil one as 0.

func printReplicaSet(obj *appsv1.ReplicaSet, now time.Time) ([]any, error) {
	desiredReplicas := deref(obj.Spec.Replicas, 0)
	currentReplicas := obj.Status.Replicas
	readyReplicas := obj.Status.ReadyReplicas

	names, images := layoutContainerCells(obj.Spec.Template.Spec.Containers)
	return []any{obj.Name, int64(desiredReplicas), int64(currentReplicas), int64(readyReplicas), translateTimestampSince(obj.CreationTimestamp, now),
		names, images, metav1.FormatLabelSelector(obj.Spec.Selector)}, nil
}

func printStatefulSet(obj *appsv1.StatefulSet, now time.Time) ([]any, error) {
	desiredReplicas := deref(obj.Spec.Replicas, 0)
	readyReplicas := obj.Status.ReadyReplicas
	createTime := translateTimestampSince(obj.CreationTimestamp, now)
	names, images := layoutContainerCells(obj.Spec.Template.Spec.Containers)
	return []any{obj.Name, fmt.Sprintf("%d/%d", int64(readyReplicas), int64(desiredReplicas)), createTime, names, images}, nil
}

func printDaemonSet(obj *appsv1.DaemonSet, now time.Time) ([]any, error) {
	desiredScheduled := obj.Status.DesiredNumberScheduled
	currentScheduled := obj.Status.CurrentNumberScheduled
	numberReady := obj.Status.NumberReady
	numberUpdated := obj.Status.UpdatedNumberScheduled
	numberAvailable := obj.Status.NumberAvailable

	names, images := layoutContainerCells(obj.Spec.Template.Spec.Containers)
	return []any{obj.Name, int64(desiredScheduled), int64(currentScheduled), int64(numberReady), int64(numberUpdated), int64(numberAvailable),
		labels.FormatLabels(obj.Spec.Template.Spec.NodeSelector), translateTimestampSince(obj.CreationTimestamp, now),
		names, images, metav1.FormatLabelSelector(obj.Spec.Selector)}, nil
}

func printDeployment(obj *appsv1.Deployment, now time.Time) ([]any, error) {
	desiredReplicas := deref(obj.Spec.Replicas, 0)
	updatedReplicas := obj.Status.UpdatedReplicas
	readyReplicas := obj.Status.ReadyReplicas
	availableReplicas := obj.Status.AvailableReplicas
	age := translateTimestampSince(obj.CreationTimestamp, now)
	containers := obj.Spec.Template.Spec.Containers
	selector, err := metav1.LabelSelectorAsSelector(obj.Spec.Selector)
	selectorString := ""
	if err != nil {
		selectorString = "<invalid>"
	} else {
		selectorString = selector.String()
	}
	names, images := layoutContainerCells(containers)
	return []any{obj.Name, fmt.Sprintf("%d/%d", int64(readyReplicas), int64(desiredReplicas)), int64(updatedReplicas), int64(availableReplicas), age,
		names, images, selectorString}, nil
}

func printControllerRevision(obj *appsv1.ControllerRevision, now time.Time) ([]any, error) {
	controllerRef := metav1.GetControllerOf(obj)
	controllerName := "<none>"
	if controllerRef != nil {
		withKind := true
		gv, err := schema.ParseGroupVersion(controllerRef.APIVersion)
		if err != nil {
			return nil, err
		}
		gvk := gv.WithKind(controllerRef.Kind)
		controllerName = formatResourceName(gvk.GroupKind(), controllerRef.Name, withKind)
	}
	revision := obj.Revision
	age := translateTimestampSince(obj.CreationTimestamp, now)
	return []any{obj.Name, controllerName, revision, age}, nil
}
