// Package tui is lifeboat's break-glass terminal UI: k9s-like browsing,
// triage and repair of a Kubernetes cluster read straight from its etcd.
//
// It is a bubbletea model over package etcdops (and internal/editor, the
// edit loop it shares with `lifeboat edit`). Every action builds
// etcdops.Operation values and takes the engine's one write path, gathered
// in write.go: a key's operations (startAction) -> their plan and
// Change.Diff preview (planCmd; the preview screen, preview.go) ->
// confirmation (y) -> the session journal, created at the first write by
// journal.Start with the CLI's naming and directory rules
// (journalForWrites) -> Batch.Apply (compare-and-swap, startApply) -> the
// summary. Undo goes through Store.PlanUndo, an edit through
// Store.PlanEdit, then the same preview and Apply (plannedCmd). All etcd
// I/O runs in tea.Cmds, never in Update or View, so the screen never blocks
// on etcd: even a name only a CRD declares (":ct") is looked up in the
// CRDs in a tea.Cmd, and the view switches when it is found. Views read
// informer caches (etcdops.Informer, cache.go): one
// list per resource, then its etcd watch, applied entry by entry; they show
// a change made by anyone within a second, without listing again. A cache
// keeps one compact row per object (rows.go), never the object: the YAML
// view reads its key again, and actions read their objects at the time.
//
// Each screen is a component with its own state, Update and View (the
// screen interface, screen.go): the list, the YAML and raw key view, the
// history, the description, the preview and summary of a write, the
// journal, the doctor and the help. The Model is their router: it owns
// what they share (the store, the caches, the header, the status and
// prompt lines, the session journal) and the stack of screens esc goes
// back through. A screen starts its own loads (openDetail, openHistory,
// openDescribe, openPreview, openJournal, openDoctor): the tea.Cmd's
// result is delivered to that screen (deliver, forScreen), which comes on
// top when its first load arrives, or at once for the journal and the
// doctor; a read that fails says why in the status line.
//
// A panic anywhere the TUI's code runs (Update, View, a tea.Cmd, an
// informer's summary, the goroutine writing a batch, the editor) is caught
// (crash.go): the program quits the ordinary way, which restores the
// terminal, and Run returns a *PanicError naming the session journal to
// undo from; the command prints it and the stack.
//
// Files: model.go (the router: shared state, key routing, navigation),
// screen.go (the screen interface, deliver), view.go (the whole screen
// drawn), prompt.go (the bottom input line), keys.go (bindings and help),
// help.go, cache.go (informer caches, refresh), liveness.go (the probe,
// an unreachable etcd, I/O timeouts), rows.go (what a cache keeps of an
// object), header.go (endpoint, revision, mode, counts, leases),
// views_list.go (the resource table: namespaces, filter, marks, keys),
// list_table.go (its rows, sort and columns, built for 150,000 rows),
// filter.go (the / filter's grammar, k9s': regexp, !inverse, -l labels,
// -f fuzzy), pager.go (the scrollable, searchable text of the text
// screens), views_detail.go (YAML, raw key facts, history), describe.go
// (d: etcdops.Describe laid out by render.Describe, as `lifeboat
// describe` prints it), edit.go (e: the object in $EDITOR through
// internal/editor while tea.Exec suspends the UI), write.go (the write
// path: repair keys to operations, plans, the session journal, Apply),
// preview.go (diff preview, progress, summary), journal.go (journal and
// undo), doctor.go, commands.go (the reads' tea.Cmds and messages),
// crash.go (panics), run.go (the program on the terminal), styles.go.
//
// Tests drive the Model as bubbletea does (harness_test.go) against a real
// embedded etcd seeded with the capsized cluster. TestMonkey presses
// 100,000 random keys while etcd freezes and comes back and rows are
// deleted under the cursor; -monkey.seed replays its keys.
package tui
