// Package etcdops is lifeboat's engine: it connects to the etcd behind a
// Kubernetes control plane, maps resources to the apiserver's key layout,
// scans and decodes objects, and repairs them through one write path:
//
//	read -> decode -> edit losslessly -> verify -> preview diff -> journal ->
//	compare-and-swap (kube-apiserver's OptimisticPut) -> report new revision
//
// Every front end (CLI commands, plan files, the TUI) builds Operation values
// and goes through a Batch (preview, then apply, or run) and Store.Apply;
// nothing else in lifeboat writes to etcd.
// Undo replays a journal backwards through the same path.
package etcdops
