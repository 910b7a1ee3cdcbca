// Package editor is kubectl edit's loop, shared by `lifeboat edit` and the
// TUI's e key: the object's YAML in a temporary file, $EDITOR (else
// $KUBE_EDITOR, else vi) on it, and on save a plan from
// etcdops.Store.PlanEdit. It keeps kubectl edit's rules
// (k8s.io/kubectl pkg/cmd/util/editor/editoptions.go): an edit that cannot
// be written (not one object, a misspelt field, a rename) reopens the file
// with the error on top; a reopened file saved as it was gives up, keeping
// the file; the object saved unchanged, or an empty file, cancels. The
// file is read back only if it is a regular file, and only up to a bound.
//
// It only plans: the caller previews, confirms and writes the plan through
// the write path (Store.PlannedBatch, then Batch.Apply).
package editor
