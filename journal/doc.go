// Package journal is lifeboat's record of its own writes: the journal
// file format (docs/design.md, "The journal"). It creates a journal
// (Create, a new file, mode 0600; Start, named as the CLI and the TUI both
// name a run's journal), appends its entries (a "begin" line
// naming the run and the etcd cluster it wrote to, a "write" line fsynced
// before each compare-and-swap, "committed" and "resolved" lines after),
// reads one back (Read, after checking that nobody else may have written
// it; File.Writes pairs writes with their outcomes) and lists a directory
// of them (List, DefaultDir, Name, Find).
//
// It knows nothing of etcd connections: the engine (package etcdops)
// journals its writes through it in Store.Apply and reads it back in
// PlanUndo, so etcdops imports journal and never the other way.
package journal
