// Package etcdtest gives tests a real etcd: an embedded single-member server
// in the test's temporary directory and a client connected to it, both closed
// when the test ends. lifeboat's tests never mock etcd, because what they
// check (revisions, leases, compare-and-swap) is etcd's behaviour.
//
// lifeboat must work on every datastore a Kubernetes control plane runs on,
// so there are more: StartEtcdProcess runs a separate etcd server process
// (etcd 3.4 from Debian's etcd-server in CI), StartKine runs kine, k3s' etcd
// API over SQLite, on a unix socket, and ForEachBackend runs a test body on
// each of them and the embedded etcd.
//
// Most tests start from the same broken cluster: Capsized (or CapsizedOn a
// backend) seeds one with internal/demo, at the fixed moment Now.
package etcdtest
