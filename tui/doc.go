// Package tui is lifeboat's break-glass terminal UI: k9s-like browsing,
// triage and repair of a Kubernetes cluster read straight from its etcd.
//
// It is a bubbletea model over package etcdops (and internal/editor, the
// edit loop it shares with `lifeboat edit`). Every action builds
// etcdops.Operation values and takes the engine's one write path: Plan ->
// Change.Diff preview -> confirmation -> journal -> Store.Apply
// (compare-and-swap); undo goes through Store.PlanUndo, an edit through
// Store.PlanEdit, then the same preview and Apply. All etcd
// I/O runs in tea.Cmds, never in Update or View, so the screen never blocks
// on etcd. Views read informer caches (etcdops.Informer, cache.go): one
// list per resource, then its etcd watch, applied entry by entry; they show
// a change made by anyone within a second, without listing again. A cache
// keeps one compact row per object (rows.go), never the object: the YAML
// view reads its key again, and actions read their objects at the time.
//
// Files: model.go (state and dispatch), keys.go (bindings and help),
// cache.go (informer caches, refresh, liveness probe), rows.go (what a
// cache keeps of an object), header.go
// (endpoint, revision, mode, counts, leases), views_list.go
// (resource tables, namespaces, filter, sort, marks),
// views_detail.go (YAML and raw key facts), edit.go (e: the object in
// $EDITOR through internal/editor while tea.Exec suspends the UI),
// preview.go (diff preview, progress, summary), journal.go (session
// journal and undo), commands.go (the tea.Cmds doing etcd I/O), styles.go.
package tui
