package printers

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The helpers many printers share, as upstream writes them, with the
// instant ages are measured at passed in instead of read from the clock.

func listWithMoreString(list []string, more bool, count, max int) string {
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, count-max)
	}
	if ret == "" {
		ret = "<unset>"
	}
	return ret
}

// translateMicroTimestampSince returns the elapsed time from timestamp to
// now in human-readable approximation.
func translateMicroTimestampSince(timestamp metav1.MicroTime, now time.Time) string {
	if timestamp.IsZero() {
		return "<unknown>"
	}

	return duration.HumanDuration(now.Sub(timestamp.Time))
}

// translateTimestampSince returns the elapsed time from timestamp to now in
// human-readable approximation.
func translateTimestampSince(timestamp metav1.Time, now time.Time) string {
	if timestamp.IsZero() {
		return "<unknown>"
	}

	return duration.HumanDuration(now.Sub(timestamp.Time))
}

// layoutContainerCells lays out all the containers on one line, as the
// wide columns Containers and Images show them.
func layoutContainerCells(containers []corev1.Container) (names string, images string) {
	var namesBuffer strings.Builder
	var imagesBuffer strings.Builder

	for i, container := range containers {
		namesBuffer.WriteString(container.Name)
		imagesBuffer.WriteString(container.Image)
		if i != len(containers)-1 {
			namesBuffer.WriteString(",")
			imagesBuffer.WriteString(",")
		}
	}
	return namesBuffer.String(), imagesBuffer.String()
}

// formatResourceName receives a resource kind, name, and boolean specifying
// whether or not to update the current name to "kind/name"
func formatResourceName(kind schema.GroupKind, name string, withKind bool) string {
	if !withKind || kind.Empty() {
		return name
	}

	return strings.ToLower(kind.String()) + "/" + name
}

func printBoolPtr(value *bool) string {
	if value != nil {
		return printBool(*value)
	}

	return "<unset>"
}

func printBool(value bool) string {
	if value {
		return "True"
	}

	return "False"
}

// deref is *p, or def when p is nil (k8s.io/utils/ptr.Deref).
func deref[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}
