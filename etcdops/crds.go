package etcdops

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

var crdsResource = MustResolveResource("customresourcedefinitions")

// ResolveResource is the package's ResolveResource, then the
// CustomResourceDefinitions stored in etcd, as kubectl asks discovery:
// "crontabs", "ct", "CronTab" and "crontab.stable.example.com" name the
// resource a CRD declares (plural, short names, kind, singular), with its
// scope, kind and storage version. Built-in names need no read.
func (s *Store) ResolveResource(ctx context.Context, arg string) (Resource, error) {
	res, err := ResolveResource(arg)
	if err == nil && !res.Custom {
		return res, nil
	}
	name := strings.ToLower(strings.TrimSpace(arg))
	group := ""
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name, group = name[:i], name[i+1:]
	}
	crds, rerr := s.customResources(ctx)
	if rerr != nil {
		if err == nil {
			return res, nil // qualified: usable without the CRD's details
		}
		return Resource{}, rerr
	}
	var found []Resource
	for _, r := range crds {
		if group != "" && r.Group != group {
			continue
		}
		if r.Name == name || r.Singular == name || strings.ToLower(r.Kind) == name || slices.Contains(r.ShortNames, name) {
			found = append(found, r)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		var names []string
		for _, r := range found {
			names = append(names, r.String())
		}
		return Resource{}, usageErrorf("%q names several custom resources (%s): qualify it as <plural>.<group>", arg, strings.Join(names, ", "))
	case err == nil:
		return res, nil // qualified, and no CRD declares it (yet): read its keys all the same
	}
	return Resource{}, usageErrorf("unknown resource %q: %suse kubectl's name (pods, nodes, svc, cm, ...), a custom resource's name from its CRD, or <plural>.<group>",
		arg, didYouMean(name, resourceNames(append(crds, builtinResources...))))
}

// Resources lists the resources lifeboat can read: the built-in ones, then
// those the CustomResourceDefinitions stored in etcd declare.
func (s *Store) Resources(ctx context.Context) ([]Resource, error) {
	crds, err := s.customResources(ctx)
	return append(Builtins(), crds...), err
}

// customResources reads the resources the stored CRDs declare. A CRD that
// does not decode is left out: 'lifeboat doctor' reports it.
func (s *Store) customResources(ctx context.Context) ([]Resource, error) {
	var out []Resource
	_, err := s.scanPages(ctx, s.layout.ResourcePrefix(crdsResource), func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			obj, err := codec.Decode(kv.Value)
			if err != nil || obj.Format == codec.FormatEncrypted {
				continue
			}
			if r, ok := crdResource(obj); ok {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("custom resource definitions: %w", err)
	}
	return out, nil
}

// crdResource reads the resource a CRD declares: group, names, scope and
// the version etcd stores its objects in.
func crdResource(obj *codec.Object) (Resource, bool) {
	group := obj.NestedString("spec", "group")
	plural := obj.NestedString("spec", "names", "plural")
	if group == "" || plural == "" {
		return Resource{}, false
	}
	r := Resource{
		Name:        plural,
		Singular:    obj.NestedString("spec", "names", "singular"),
		Kind:        obj.NestedString("spec", "names", "kind"),
		Group:       group,
		Namespaced:  obj.NestedString("spec", "scope") != "Cluster",
		StoragePath: group + "/" + plural,
		Custom:      true,
	}
	c, err := obj.Content()
	if err != nil {
		return Resource{}, false
	}
	spec, _ := c["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	for _, n := range asSlice(names["shortNames"]) {
		if s, ok := n.(string); ok {
			r.ShortNames = append(r.ShortNames, strings.ToLower(s))
		}
	}
	for _, v := range asSlice(spec["versions"]) {
		if m, ok := v.(map[string]any); ok && m["storage"] == true {
			r.Version, _ = m["name"].(string)
		}
	}
	return r, true
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
