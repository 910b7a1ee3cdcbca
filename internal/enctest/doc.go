// Package enctest is encryption at rest for tests: an EncryptionConfiguration
// file as kube-apiserver reads it (--encryption-provider-config), values
// encrypted by each provider with kube-apiserver's own transformers, and a
// KMS v2 plugin served on a unix socket with k8s.io/kms' service package, as
// a cluster's plugin runs next to kube-apiserver.
package enctest
