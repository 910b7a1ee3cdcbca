package printers

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
)

func printEvent(obj *corev1.Event, now time.Time) ([]any, error) {
	firstTimestamp := translateTimestampSince(obj.FirstTimestamp, now)
	if obj.FirstTimestamp.IsZero() {
		firstTimestamp = translateMicroTimestampSince(obj.EventTime, now)
	}

	lastTimestamp := translateTimestampSince(obj.LastTimestamp, now)
	if obj.LastTimestamp.IsZero() {
		lastTimestamp = firstTimestamp
	}

	count := obj.Count
	if obj.Series != nil {
		lastTimestamp = translateMicroTimestampSince(obj.Series.LastObservedTime, now)
		count = obj.Series.Count
	} else if count == 0 {
		// Singleton events don't have a count set in the new API.
		count = 1
	}

	var target string
	if len(obj.InvolvedObject.Name) > 0 {
		target = fmt.Sprintf("%s/%s", strings.ToLower(obj.InvolvedObject.Kind), obj.InvolvedObject.Name)
	} else {
		target = strings.ToLower(obj.InvolvedObject.Kind)
	}
	return []any{
		lastTimestamp,
		obj.Type,
		obj.Reason,
		target,
		obj.InvolvedObject.FieldPath,
		formatEventSource(obj.Source, obj.ReportingController, obj.ReportingInstance),
		strings.TrimSpace(obj.Message),
		firstTimestamp,
		int64(count),
		obj.Name,
	}, nil
}

// printEventsEvent prints an events.k8s.io/v1 Event as the core Event
// kube-apiserver converts it to (k8s.io/kubernetes pkg/apis/events/v1
// Convert_v1_Event_To_core_Event): regarding is the involved object, note
// the message, and the deprecated fields are the core ones they were.
func printEventsEvent(obj *eventsv1.Event, now time.Time) ([]any, error) {
	event := &corev1.Event{
		ObjectMeta:          obj.ObjectMeta,
		InvolvedObject:      obj.Regarding,
		Reason:              obj.Reason,
		Message:             obj.Note,
		Source:              obj.DeprecatedSource,
		FirstTimestamp:      obj.DeprecatedFirstTimestamp,
		LastTimestamp:       obj.DeprecatedLastTimestamp,
		Count:               obj.DeprecatedCount,
		Type:                obj.Type,
		EventTime:           obj.EventTime,
		Action:              obj.Action,
		Related:             obj.Related,
		ReportingController: obj.ReportingController,
		ReportingInstance:   obj.ReportingInstance,
	}
	if obj.Series != nil {
		event.Series = &corev1.EventSeries{Count: obj.Series.Count, LastObservedTime: obj.Series.LastObservedTime}
	}
	return printEvent(event, now)
}

// formatEventSource formats EventSource as a comma separated string excluding Host when empty.
// It uses reportingController when Source.Component is empty and reportingInstance when Source.Host is empty
func formatEventSource(es corev1.EventSource, reportingController, reportingInstance string) string {
	return formatEventSourceComponentInstance(
		firstNonEmpty(es.Component, reportingController),
		firstNonEmpty(es.Host, reportingInstance),
	)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if len(s) > 0 {
			return s
		}
	}
	return ""
}

func formatEventSourceComponentInstance(component, instance string) string {
	if len(instance) == 0 {
		return component
	}
	return component + ", " + instance
}
