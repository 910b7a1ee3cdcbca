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
// For readers that need less than a whole object, it reads the stored
// protobuf beside a schema of the Go types (schema.go): a check that judges
// a value as the generated code would (wirecheck.go), masks that decode only
// the fields a reader uses (prune.go: DecodeMasked), and kubectl's -o json
// written from the bytes (wirejson.go). docs/design.md, "Reading from the
// wire".
//
// The package knows nothing of etcd: keys, revisions and leases belong to
// package etcdops.
package codec
