package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func printPodTemplate(obj *corev1.PodTemplate, now time.Time) ([]any, error) {
	names, images := layoutContainerCells(obj.Template.Spec.Containers)
	return []any{obj.Name, names, images, labels.FormatLabels(obj.Template.Labels)}, nil
}

func printReplicationController(obj *corev1.ReplicationController, now time.Time) ([]any, error) {
	desiredReplicas := deref(obj.Spec.Replicas, 0)
	currentReplicas := obj.Status.Replicas
	readyReplicas := obj.Status.ReadyReplicas

	var containers []corev1.Container
	if obj.Spec.Template != nil {
		containers = obj.Spec.Template.Spec.Containers
	}
	names, images := layoutContainerCells(containers)
	return []any{obj.Name, int64(desiredReplicas), int64(currentReplicas), int64(readyReplicas), translateTimestampSince(obj.CreationTimestamp, now),
		names, images, labels.FormatLabels(obj.Spec.Selector)}, nil
}

func printNamespace(obj *corev1.Namespace, now time.Time) ([]any, error) {
	return []any{obj.Name, string(obj.Status.Phase), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printSecret(obj *corev1.Secret, now time.Time) ([]any, error) {
	return []any{obj.Name, string(obj.Type), int64(secretDataCount(obj)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

// secretDataCount is how many keys the internal secret has: converting from
// v1 writes stringData over data (stringData is write-only, but a secret in
// etcd may have been written with it by something other than kube-apiserver).
func secretDataCount(obj *corev1.Secret) int {
	count := len(obj.Data)
	for k := range obj.StringData {
		if _, ok := obj.Data[k]; !ok {
			count++
		}
	}
	return count
}

func printServiceAccount(obj *corev1.ServiceAccount, now time.Time) ([]any, error) {
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printComponentStatus(obj *corev1.ComponentStatus, now time.Time) ([]any, error) {
	status := "Unknown"
	message := ""
	errorText := ""
	for _, condition := range obj.Conditions {
		if condition.Type == corev1.ComponentHealthy {
			if condition.Status == corev1.ConditionTrue {
				status = "Healthy"
			} else {
				status = "Unhealthy"
			}
			message = condition.Message
			errorText = condition.Error
			break
		}
	}
	return []any{obj.Name, status, message, errorText}, nil
}

func printConfigMap(obj *corev1.ConfigMap, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Data) + len(obj.BinaryData)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printResourceQuota(resourceQuota *corev1.ResourceQuota, now time.Time) ([]any, error) {
	resources := make([]corev1.ResourceName, 0, len(resourceQuota.Status.Hard))
	for resource := range resourceQuota.Status.Hard {
		resources = append(resources, resource)
	}
	sort.Slice(resources, func(i, j int) bool { return resources[i] < resources[j] })

	requestColumn := strings.Builder{}
	limitColumn := strings.Builder{}
	for i := range resources {
		w := &requestColumn
		resource := resources[i]
		usedQuantity := resourceQuota.Status.Used[resource]
		hardQuantity := resourceQuota.Status.Hard[resource]

		// use limitColumn writer if a resource name prefixed with "limits" is found
		if pieces := strings.Split(resource.String(), "."); len(pieces) > 1 && pieces[0] == "limits" {
			w = &limitColumn
		}

		fmt.Fprintf(w, "%s: %s/%s, ", resource, usedQuantity.String(), hardQuantity.String())
	}

	age := translateTimestampSince(resourceQuota.CreationTimestamp, now)
	return []any{resourceQuota.Name, strings.TrimSuffix(requestColumn.String(), ", "), strings.TrimSuffix(limitColumn.String(), ", "), age}, nil
}
