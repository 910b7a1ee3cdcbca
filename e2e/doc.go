// Package e2e proves lifeboat against a real control plane (issue #3): an
// embedded etcd, the real kube-apiserver and kube-controller-manager of
// k8s.io/kubernetes started in the test process on loopback, and the lifeboat
// binary driven as a user drives it. It is its own module so the main module
// does not depend on k8s.io/kubernetes.
//
//	make e2e    # cd e2e && go test -count=1 -v -timeout 30m ./...
//
// The first run compiles kube-apiserver and kube-controller-manager (several
// minutes on 2 cores); later runs use the build cache.
package e2e
