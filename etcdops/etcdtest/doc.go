// Package etcdtest gives tests a real etcd: an embedded single-member server
// in the test's temporary directory and a client connected to it, both closed
// when the test ends. lifeboat's tests never mock etcd, because what they
// check (revisions, leases, compare-and-swap) is etcd's behaviour.
package etcdtest
