package etcdops

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/internal/suggest"
)

// Resource is a kind of object as kubectl names it, and where the apiserver
// keeps it in etcd.
type Resource struct {
	Name       string // plural, as kubectl and the API path spell it: "pods"
	Singular   string
	ShortNames []string
	Group      string // "" for the core group
	// Version is the version kube-apiserver stores the resource in (its
	// storage version: v1beta1 for CustomResourceDefinitions, the CRD's
	// storage version for custom resources); "" when not known.
	Version string
	Kind    string
	// Namespaced is false for cluster-scoped resources. For custom resources
	// that lifeboat only knows by name it is true and keys are parsed by depth.
	Namespaced bool
	// StoragePath is the key segment(s) under the etcd prefix: "pods",
	// "minions", "services/specs", "example.com/widgets".
	StoragePath string
	// Custom is set for resources resolved from "<plural>.<group>" that are
	// not built in (custom resources, stored as JSON or CBOR).
	Custom bool
}

// String names the resource the way kubectl accepts it back.
func (r Resource) String() string {
	if r.Group == "" || !r.Custom {
		return r.Name
	}
	return r.Name + "." + r.Group
}

// StorageVersion is the group/version kube-apiserver stores the resource
// in; "" when lifeboat does not know it.
func (r Resource) StorageVersion() string {
	if r.Version == "" {
		return ""
	}
	return r.APIVersion()
}

// APIVersion is the resource's group/version (its storage version).
func (r Resource) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// builtinResources are the kinds kube-apiserver (and its in-process
// apiextensions and aggregator servers) serve, with kubectl's short names.
//
// Storage paths follow kube-apiserver's default storage factory: the resource
// name, except SpecialDefaultResourcePrefixes (kubernetes
// pkg/kubeapiserver/default_storage_factory_builder.go): nodes -> minions,
// services -> services/specs, endpoints -> services/endpoints,
// replicationcontrollers -> controllers, ingresses -> ingress. CRDs and
// APIServices live in servers that prefix the group.
var builtinResources = withStoragePaths([]Resource{
	{Name: "pods", Singular: "pod", ShortNames: []string{"po"}, Version: "v1", Kind: "Pod", Namespaced: true},
	{Name: "nodes", Singular: "node", ShortNames: []string{"no"}, Version: "v1", Kind: "Node", StoragePath: "minions"},
	{Name: "services", Singular: "service", ShortNames: []string{"svc"}, Version: "v1", Kind: "Service", Namespaced: true, StoragePath: "services/specs"},
	{Name: "endpoints", Singular: "endpoints", ShortNames: []string{"ep"}, Version: "v1", Kind: "Endpoints", Namespaced: true, StoragePath: "services/endpoints"},
	{Name: "replicationcontrollers", Singular: "replicationcontroller", ShortNames: []string{"rc"}, Version: "v1", Kind: "ReplicationController", Namespaced: true, StoragePath: "controllers"},
	{Name: "configmaps", Singular: "configmap", ShortNames: []string{"cm"}, Version: "v1", Kind: "ConfigMap", Namespaced: true},
	{Name: "secrets", Singular: "secret", Version: "v1", Kind: "Secret", Namespaced: true},
	{Name: "namespaces", Singular: "namespace", ShortNames: []string{"ns"}, Version: "v1", Kind: "Namespace"},
	{Name: "events", Singular: "event", ShortNames: []string{"ev"}, Version: "v1", Kind: "Event", Namespaced: true},
	{Name: "serviceaccounts", Singular: "serviceaccount", ShortNames: []string{"sa"}, Version: "v1", Kind: "ServiceAccount", Namespaced: true},
	{Name: "persistentvolumes", Singular: "persistentvolume", ShortNames: []string{"pv"}, Version: "v1", Kind: "PersistentVolume"},
	{Name: "persistentvolumeclaims", Singular: "persistentvolumeclaim", ShortNames: []string{"pvc"}, Version: "v1", Kind: "PersistentVolumeClaim", Namespaced: true},
	{Name: "limitranges", Singular: "limitrange", ShortNames: []string{"limits"}, Version: "v1", Kind: "LimitRange", Namespaced: true},
	{Name: "resourcequotas", Singular: "resourcequota", ShortNames: []string{"quota"}, Version: "v1", Kind: "ResourceQuota", Namespaced: true},
	{Name: "podtemplates", Singular: "podtemplate", Version: "v1", Kind: "PodTemplate", Namespaced: true},
	{Name: "deployments", Singular: "deployment", ShortNames: []string{"deploy"}, Group: "apps", Version: "v1", Kind: "Deployment", Namespaced: true},
	{Name: "replicasets", Singular: "replicaset", ShortNames: []string{"rs"}, Group: "apps", Version: "v1", Kind: "ReplicaSet", Namespaced: true},
	{Name: "statefulsets", Singular: "statefulset", ShortNames: []string{"sts"}, Group: "apps", Version: "v1", Kind: "StatefulSet", Namespaced: true},
	{Name: "daemonsets", Singular: "daemonset", ShortNames: []string{"ds"}, Group: "apps", Version: "v1", Kind: "DaemonSet", Namespaced: true},
	{Name: "controllerrevisions", Singular: "controllerrevision", Group: "apps", Version: "v1", Kind: "ControllerRevision", Namespaced: true},
	{Name: "jobs", Singular: "job", Group: "batch", Version: "v1", Kind: "Job", Namespaced: true},
	{Name: "cronjobs", Singular: "cronjob", ShortNames: []string{"cj"}, Group: "batch", Version: "v1", Kind: "CronJob", Namespaced: true},
	{Name: "leases", Singular: "lease", Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Namespaced: true},
	{Name: "ingresses", Singular: "ingress", ShortNames: []string{"ing"}, Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Namespaced: true, StoragePath: "ingress"},
	{Name: "ingressclasses", Singular: "ingressclass", Group: "networking.k8s.io", Version: "v1", Kind: "IngressClass"},
	{Name: "networkpolicies", Singular: "networkpolicy", ShortNames: []string{"netpol"}, Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy", Namespaced: true},
	{Name: "endpointslices", Singular: "endpointslice", Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice", Namespaced: true},
	{Name: "poddisruptionbudgets", Singular: "poddisruptionbudget", ShortNames: []string{"pdb"}, Group: "policy", Version: "v1", Kind: "PodDisruptionBudget", Namespaced: true},
	{Name: "horizontalpodautoscalers", Singular: "horizontalpodautoscaler", ShortNames: []string{"hpa"}, Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler", Namespaced: true},
	{Name: "roles", Singular: "role", Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role", Namespaced: true},
	{Name: "rolebindings", Singular: "rolebinding", Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding", Namespaced: true},
	{Name: "clusterroles", Singular: "clusterrole", Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"},
	{Name: "clusterrolebindings", Singular: "clusterrolebinding", Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRoleBinding"},
	{Name: "storageclasses", Singular: "storageclass", ShortNames: []string{"sc"}, Group: "storage.k8s.io", Version: "v1", Kind: "StorageClass"},
	{Name: "csidrivers", Singular: "csidriver", Group: "storage.k8s.io", Version: "v1", Kind: "CSIDriver"},
	{Name: "csinodes", Singular: "csinode", Group: "storage.k8s.io", Version: "v1", Kind: "CSINode"},
	{Name: "volumeattachments", Singular: "volumeattachment", Group: "storage.k8s.io", Version: "v1", Kind: "VolumeAttachment"},
	{Name: "priorityclasses", Singular: "priorityclass", ShortNames: []string{"pc"}, Group: "scheduling.k8s.io", Version: "v1", Kind: "PriorityClass"},
	{Name: "runtimeclasses", Singular: "runtimeclass", Group: "node.k8s.io", Version: "v1", Kind: "RuntimeClass"},
	{Name: "certificatesigningrequests", Singular: "certificatesigningrequest", ShortNames: []string{"csr"}, Group: "certificates.k8s.io", Version: "v1", Kind: "CertificateSigningRequest"},
	{Name: "mutatingwebhookconfigurations", Singular: "mutatingwebhookconfiguration", Group: "admissionregistration.k8s.io", Version: "v1", Kind: "MutatingWebhookConfiguration"},
	{Name: "validatingwebhookconfigurations", Singular: "validatingwebhookconfiguration", Group: "admissionregistration.k8s.io", Version: "v1", Kind: "ValidatingWebhookConfiguration"},
	{Name: "flowschemas", Singular: "flowschema", Group: "flowcontrol.apiserver.k8s.io", Version: "v1", Kind: "FlowSchema"},
	{Name: "prioritylevelconfigurations", Singular: "prioritylevelconfiguration", Group: "flowcontrol.apiserver.k8s.io", Version: "v1", Kind: "PriorityLevelConfiguration"},
	{Name: "customresourcedefinitions", Singular: "customresourcedefinition", ShortNames: []string{"crd", "crds"}, Group: "apiextensions.k8s.io", Version: "v1beta1", Kind: "CustomResourceDefinition", StoragePath: "apiextensions.k8s.io/customresourcedefinitions"},
	{Name: "apiservices", Singular: "apiservice", Group: "apiregistration.k8s.io", Version: "v1", Kind: "APIService", StoragePath: "apiregistration.k8s.io/apiservices"},
})

// withStoragePaths defaults each storage path to the resource name. It runs
// in the variable's initializer, so package-level values that resolve a
// resource (leasesResource) see complete entries whatever the file order.
func withStoragePaths(list []Resource) []Resource {
	for i := range list {
		if list[i].StoragePath == "" {
			list[i].StoragePath = list[i].Name
		}
	}
	return list
}

// Builtins lists the built-in resources lifeboat knows, sorted by name.
func Builtins() []Resource {
	out := append([]Resource(nil), builtinResources...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// UsageError marks bad input from the user (unknown resource, bad selector,
// bad flag or plan): the CLI exits 2 for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ResolveResource maps what a user types (kubectl's plural, singular, short
// name or kind, optionally qualified "<name>.<group>", or "<plural>.<group>"
// for a custom resource) to a Resource.
func ResolveResource(arg string) (Resource, error) {
	name := strings.ToLower(strings.TrimSpace(arg))
	if name == "" {
		return Resource{}, usageErrorf("no resource given: name one such as pods, nodes or <plural>.<group>")
	}
	group := ""
	qualified := false
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name, group, qualified = name[:i], name[i+1:], true
		if name == "" || group == "" {
			return Resource{}, usageErrorf("bad resource %q: use <plural>.<group>, e.g. deployments.apps or crontabs.stable.example.com", arg)
		}
	}
	for _, r := range builtinResources {
		if qualified && r.Group != group {
			continue
		}
		if r.Name == name || r.Singular == name || strings.ToLower(r.Kind) == name || contains(r.ShortNames, name) {
			return r, nil
		}
	}
	if !qualified {
		return Resource{}, usageErrorf("unknown resource %q: %suse kubectl's name (pods, nodes, svc, cm, ...) or <plural>.<group> for a custom resource", arg, didYouMean(name, resourceNames(builtinResources)))
	}
	return Resource{
		Name:        name,
		Group:       group,
		Namespaced:  true,
		StoragePath: group + "/" + name,
		Custom:      true,
	}, nil
}

// didYouMean is "did you mean X? " when X, one of names, is a small typo
// away from typed, else "".
func didYouMean(typed string, names []string) string {
	if near := suggest.Closest(typed, names); near != "" {
		return "did you mean " + near + "? "
	}
	return ""
}

// resourceNames are the names each of list may be given by.
func resourceNames(list []Resource) []string {
	var names []string
	for _, r := range list {
		names = append(names, r.Name, r.Singular)
		names = append(names, r.ShortNames...)
		if r.Custom {
			names = append(names, r.String())
		}
	}
	return names
}

// MustResolveResource resolves a resource name written in lifeboat's own
// code ("pods", "leases"); a typo there is a programming error.
func MustResolveResource(name string) Resource {
	r, err := ResolveResource(name)
	if err != nil {
		panic(err)
	}
	return r
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Layout is the apiserver's key layout under one --etcd-prefix.
type Layout struct {
	Prefix string // "/registry" by default; OpenShift uses "/kubernetes.io"
}

// DefaultPrefix is kube-apiserver's default --etcd-prefix.
const DefaultPrefix = "/registry"

func (l Layout) prefix() string {
	p := strings.TrimRight(l.Prefix, "/")
	if p == "" && l.Prefix == "" {
		p = DefaultPrefix
	}
	return p
}

// ResourcePrefix is the key prefix of every object of r, ending in "/".
func (l Layout) ResourcePrefix(r Resource) string {
	return l.prefix() + "/" + r.StoragePath + "/"
}

// NamespacePrefix is the key prefix of the objects of r in one namespace.
func (l Layout) NamespacePrefix(r Resource, namespace string) string {
	return l.ResourcePrefix(r) + namespace + "/"
}

// Key is the etcd key of one object. namespace is ignored for cluster-scoped
// resources.
func (l Layout) Key(r Resource, namespace, name string) string {
	if r.Namespaced && namespace != "" {
		return l.NamespacePrefix(r, namespace) + name
	}
	return l.ResourcePrefix(r) + name
}

// KeyInfo is what a key says about the object stored under it.
type KeyInfo struct {
	Resource  Resource
	Namespace string // "" for cluster-scoped objects
	Name      string
}

// String is "<resource>/<namespace>/<name>" or "<resource>/<name>", the form
// errors and reports use.
func (k KeyInfo) String() string {
	if k.Namespace == "" {
		return k.Resource.String() + "/" + k.Name
	}
	return k.Resource.String() + "/" + k.Namespace + "/" + k.Name
}

// Ref is "<namespace>/<name>" or "<name>": the object within its resource.
func (k KeyInfo) Ref() string {
	if k.Namespace == "" {
		return k.Name
	}
	return k.Namespace + "/" + k.Name
}

// Parse reads resource, namespace and name from a key. Keys outside the
// prefix, or that name no object (a bare resource prefix), return false.
// Keys of resources lifeboat does not know ("/registry/masterleases/10.0.0.1")
// parse with the first path segment as resource name.
func (l Layout) Parse(key string) (KeyInfo, bool) {
	rest, ok := strings.CutPrefix(key, l.prefix()+"/")
	if !ok || rest == "" {
		return KeyInfo{}, false
	}
	// Longest storage path first: "services/specs" before a resource "services".
	var best *Resource
	for i := range builtinResources {
		r := &builtinResources[i]
		if strings.HasPrefix(rest, r.StoragePath+"/") && (best == nil || len(r.StoragePath) > len(best.StoragePath)) {
			best = r
		}
	}
	var res Resource
	switch {
	case best != nil:
		res = *best
		rest = strings.TrimPrefix(rest, best.StoragePath+"/")
	default:
		segs := strings.SplitN(rest, "/", 3)
		if strings.Contains(segs[0], ".") && len(segs) == 3 {
			// Custom resources: <group>/<plural>/[<namespace>/]<name>.
			res = Resource{Name: segs[1], Group: segs[0], Namespaced: true, StoragePath: segs[0] + "/" + segs[1], Custom: true}
			rest = segs[2]
		} else if len(segs) >= 2 {
			res = Resource{Name: segs[0], Namespaced: true, StoragePath: segs[0]}
			rest = strings.TrimPrefix(rest, segs[0]+"/")
		} else {
			return KeyInfo{}, false
		}
	}
	info := KeyInfo{Resource: res}
	if ns, name, found := strings.Cut(rest, "/"); found && res.Namespaced {
		info.Namespace, info.Name = ns, name
	} else {
		info.Name = rest
	}
	if info.Name == "" {
		return KeyInfo{}, false
	}
	return info, true
}
