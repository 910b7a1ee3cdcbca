// Package demo writes Kubernetes objects into etcd exactly as kube-apiserver
// stores them, to give `lifeboat demo` and lifeboat's tests a cluster to
// rescue.
//
// Capsized writes the state an SRE finds after a network partition: five
// workers unreachable and tainted by the node lifecycle controller, their pods
// evicted and stuck Terminating because no kubelet can confirm the deletion,
// the rest of the cluster healthy. TerminatingPods writes thousands of such
// pods for benchmarks. Built-in kinds are protobuf with resourceVersion
// cleared (codec.EncodeProtobuf); custom resources and their definition are
// JSON. Names, UIDs and timestamps are derived from names and from
// Options.Now, so outputs built on a seeded cluster are stable.
//
// Seeding writes with plain Puts: it builds a cluster from nothing and must
// not be used against one that matters.
package demo
