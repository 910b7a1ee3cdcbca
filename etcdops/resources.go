package etcdops

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/suggest"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

//go:generate sh -c "cd ../e2e && go test -mod=mod -count=1 -run TestGroundTruth/generated . -update"

// Resource is a kind of object as kubectl names it, and where and how the
// apiserver keeps it in etcd. The built-in ones come from
// resources_generated.go, read from a real kube-apiserver; custom
// resources from their CustomResourceDefinitions.
type Resource struct {
	Name       string // plural, as kubectl and the API path spell it: "pods"
	Singular   string
	ShortNames []string
	// Categories are the groupings kubectl get accepts for several
	// resources at once ("all").
	Categories []string
	Group      string // the API group it is served in: "" for the core group
	Kind       string
	Namespaced bool
	// Versions are the versions kube-apiserver serves the resource in, the
	// preferred one first.
	Versions []ServedVersion
	// StoragePath is the key segment(s) under the etcd prefix: "pods",
	// "minions", "services/specs", "example.com/widgets". "" for a
	// resource kube-apiserver does not store (componentstatuses).
	StoragePath string
	// Storage is the group and version of the objects kube-apiserver stores:
	// their apiVersion in etcd. Its group is Group, except where a resource
	// shares the storage of another (events.k8s.io Events are stored as
	// core v1 Events). Zero when not known: a custom resource known only
	// by the name typed, or a key of a resource lifeboat does not know.
	Storage schema.GroupVersion
	// Format is the media type its objects are stored in: protobuf for
	// built-in kinds, JSON for CRDs, APIServices and custom resources.
	Format codec.Format
	// Reads are the group/version/kinds kube-apiserver's storage decoder
	// reads under StoragePath: those its scheme converts into the
	// resource's type, served or not (extensions/v1beta1 Deployments).
	// Empty when not known.
	Reads []schema.GroupVersionKind
	// NameRule is the name validation kube-apiserver runs for the resource,
	// as it answered probe names: "dns-label", "dns-subdomain",
	// "path-segment", "own" (a rule of its own: an IP address, a CRD's
	// plural.group); "" when not known.
	NameRule string
	// Custom is set for custom resources (stored as JSON or CBOR).
	Custom bool
	// PrinterColumns are a custom resource's columns in kubectl get, as its
	// CRD defines them for the version kubectl reads (its preferred one).
	PrinterColumns []apiextensionsv1.CustomResourceColumnDefinition
}

// ServedVersion is one version a resource is served in.
type ServedVersion struct {
	Name string
	// Introduced is the first Kubernetes minor that serves it ("1.33");
	// Removed the first one that no longer does ("" when no removal is
	// planned). Both come from upstream's storage test data.
	Introduced, Removed string
}

// String names the resource the way kubectl accepts it back: its plural,
// qualified with its group for custom resources and for a built-in whose
// plural another group's resource takes first (events.events.k8s.io).
func (r Resource) String() string {
	if r.Group == "" || !r.Custom && !r.shadowed() {
		return r.Name
	}
	return r.Name + "." + r.Group
}

// shadowed reports whether a plain name resolves to another resource of
// the same plural: kubectl's "events" is the core group's.
func (r Resource) shadowed() bool {
	for _, b := range builtinResources {
		if b.Name == r.Name {
			return b.Group != r.Group
		}
	}
	return false
}

// Stored reports whether kube-apiserver keeps objects of r in etcd.
func (r Resource) Stored() bool { return r.StoragePath != "" }

// StorageVersion is the apiVersion kube-apiserver stores the resource as;
// "" when lifeboat does not know it.
func (r Resource) StorageVersion() string {
	if r.Storage.Version == "" {
		return ""
	}
	return r.Storage.String()
}

// Serves reports whether version is one kube-apiserver serves r in.
func (r Resource) Serves(version string) bool {
	for _, v := range r.Versions {
		if v.Name == version {
			return true
		}
	}
	return false
}

// Builtins lists the built-in resources kube-apiserver serves, sorted by
// name (then group).
func Builtins() []Resource {
	out := append([]Resource(nil), builtinResources...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Group < out[j].Group
	})
	return out
}

// KubernetesVersion is the kube-apiserver release lifeboat's resource table
// was read from.
func KubernetesVersion() string { return builtinFrom }

// builtinGroup reports whether group is served by kube-apiserver itself:
// a name in it is never a custom resource.
func builtinGroup(group string) bool {
	for _, r := range builtinResources {
		if r.Group == group {
			return true
		}
	}
	return false
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
// for a custom resource) to a Resource. A plain name resolves to the core
// group's resource first, as kubectl's does ("events").
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
	if builtinGroup(group) {
		// kube-apiserver serves this group itself: no CRD can add to it,
		// and guessing a custom resource would read keys nothing writes.
		var names []string
		for _, r := range builtinResources {
			if r.Group == group {
				names = append(names, r.Name)
			}
		}
		return Resource{}, usageErrorf("unknown resource %q: kube-apiserver %s serves no %s in %s (it serves %s)", arg, builtinFrom, name, group, strings.Join(names, ", "))
	}
	return Resource{
		Name:        name,
		Group:       group,
		Namespaced:  true,
		StoragePath: group + "/" + name,
		Format:      codec.FormatJSON,
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

// Root is the prefix every key of the cluster is under, without its
// trailing "/": "/registry".
func (l Layout) Root() string { return l.prefix() }

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

// underDir is what follows "dir/" in key. Parse runs for every key a scan
// reads against every known resource: it builds no strings.
func underDir(key, dir string) (string, bool) {
	if len(key) <= len(dir) || key[len(dir)] != '/' || key[:len(dir)] != dir {
		return "", false
	}
	return key[len(dir)+1:], true
}

// Parse reads resource, namespace and name from a key. Keys outside the
// prefix, or that name no object (a bare resource prefix), return false.
// Keys of resources lifeboat does not know ("/registry/masterleases/10.0.0.1")
// parse with the first path segment as resource name.
func (l Layout) Parse(key string) (KeyInfo, bool) {
	rest, ok := underDir(key, l.prefix())
	if !ok || rest == "" {
		return KeyInfo{}, false
	}
	// Longest storage path first: "services/specs" before a resource
	// "services". Of resources sharing a path, the one stored in its own
	// group owns the key (core events, not events.k8s.io's).
	var best *Resource
	for i := range builtinResources {
		r := &builtinResources[i]
		if !r.Stored() || r.Storage.Group != r.Group {
			continue
		}
		if _, under := underDir(rest, r.StoragePath); !under {
			continue
		}
		if best == nil || len(r.StoragePath) > len(best.StoragePath) {
			best = r
		}
	}
	var res Resource
	switch {
	case best != nil:
		res = *best
		rest, _ = underDir(rest, best.StoragePath)
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
