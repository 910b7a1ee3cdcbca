// Package kubefixtures holds what a real kube-apiserver wrote to etcd, for
// tests that must not trust lifeboat's own idea of it: an object of every
// resource kube-apiserver v1.36 stores (written through its API with every
// group and version on), each with its etcd key, its stored bytes and the
// table the apiserver served kubectl for it, and the keys the apiserver
// writes for itself. e2e's TestGroundTruth generates testdata/groundtruth.json
// (go generate ./etcdops) and checks that it still matches the apiserver.
//
// It also reads k8s.io/api's own serialization fixtures: an object of every
// group, version and kind in the API, in protobuf as the apiserver stores it.
package kubefixtures
