// Package outages writes small clusters in one kind of trouble each
// straight into etcd, as kube-apiserver would have stored them: the
// apiserver stopped, a node dead before it, spot capacity gone with its
// pods, DNS on the control plane, a ConfigMap key missing, a webhook that
// fails closed, a namespace stuck Terminating.
//
// They are the unit tests' scenarios (doctor's findings, and every fix it
// prints run against them). They are built from lifeboat's own reading of
// Kubernetes, so they cannot prove that reading: the outage gallery in
// e2e/ builds the same scenarios through a real kube-apiserver and checks
// doctor there.
package outages
