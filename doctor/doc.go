// Package doctor says what is broken in a cluster read from etcd alone,
// what happens next, and which lifeboat command fixes it. It consumes the
// engine's scans (package etcdops) and never writes.
//
// It understands the outage it is in: kube-apiserver renews an identity
// lease every ten seconds and kubelets renew theirs through it, so when
// the last apiserver stops, every kubelet lease goes stale a lease duration
// later. The timeline (Outage) tells a node lost with the apiserver
// (nothing to repair on it) from one that went silent before (its pods
// are the ones at risk), and says when the outage began.
//
// Each finding carries a stable ID, its evidence, advice that is no
// command, and fix lines that are lifeboat commands runnable as printed
// (those that write carry --dry-run). docs/runbooks/ has a runbook per
// finding; e2e's gallery builds each outage through a real kube-apiserver
// and checks doctor names it and its fixes run.
package doctor
