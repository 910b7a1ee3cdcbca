// Package editor is kubectl edit's loop, shared by `lifeboat edit` and the
// TUI's e key: the object's YAML in a temporary file, $EDITOR (else
// $KUBE_EDITOR, else vi) on it, and on save a plan from
// etcdops.Store.PlanEdit. An edit that cannot be written (a misspelt
// field, a rename) reopens the file with the error on top; a reopened file
// saved as it was gives up; the object saved unchanged cancels.
//
// It only plans: the caller previews, confirms and writes the plan through
// the write path (Store.PlannedBatch, then Batch.Apply).
package editor
