// Package codec turns the bytes a kube-apiserver stores in etcd into objects
// and back, without losing any of them.
//
// It recognises every storage format (protobuf with the "k8s\x00" envelope,
// JSON, CBOR, and the "k8s:enc:" encryption prefixes), decodes values for
// display even when lifeboat has no Go type for their kind, applies repairs
// (clear a deletionTimestamp, remove taints, uncordon) by editing only the
// protobuf fields that change, renders YAML and unified diffs, and encodes
// objects exactly as the apiserver stores them.
//
// The package knows nothing of etcd: keys, revisions and leases belong to
// package etcdops.
package codec
