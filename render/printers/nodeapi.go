package printers

import (
	"time"

	nodev1 "k8s.io/api/node/v1"
)

func printRuntimeClass(obj *nodev1.RuntimeClass, now time.Time) ([]any, error) {
	name := obj.Name
	handler := obj.Handler
	return []any{name, handler, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}
