// Package printers gives the table `kubectl get` prints for built-in kinds
// without kube-apiserver: the column definitions and the row cells that
// kube-apiserver's table convertor would send for an object read from etcd.
//
// kubectl gets those tables from kube-apiserver, which builds them with
// k8s.io/kubernetes pkg/printers/internalversion/printers.go over internal
// types. This package is a port of that file (Apache-2.0, The Kubernetes
// Authors) to the versioned types of k8s.io/api, so that lifeboat does not
// depend on k8s.io/kubernetes:
//
//	https://github.com/kubernetes/kubernetes/blob/v1.36.3/pkg/printers/internalversion/printers.go
//
// It registers every kind upstream's AddHandlers registers, for every
// version of it kube-apiserver 1.36 serves (as itself or emulating 1.33 to
// 1.35), but not the lists: lifeboat prints objects one by one. The
// printers keep upstream's names and bodies, in files by API group
// (core.go, apps.go, ...), and handlers.go keeps AddHandlers' column
// definitions in upstream's order, so that the next Kubernetes minor can be
// diffed function by function. What
// differs from upstream is what versioned types need: kube-apiserver
// converts an object to its internal type before printing it, so a field
// that only some versions have (autoscaling/v1's CPU target, core/v1's
// podIP, resource.k8s.io/v1beta1's string nodeName) is read the way that
// conversion reads it. Ages are measured against the caller's now instead
// of time.Now(), and every row is the -o wide row: kube-apiserver always
// builds wide rows, and kubectl drops the columns of priority 1.
//
// e2e/printers_test.go proves the port: it prints k8s.io/api's fixtures,
// fuzzed objects and hand-made ones (printerstest, whose expected cells the
// unit tests check against this package and e2e against upstream) with
// both this package and upstream's printers, and requires the same columns
// and the same cells.
package printers
