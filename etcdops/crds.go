package etcdops

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
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
	if group != "" && builtinGroup(group) {
		return res, err // no CRD adds to a group kube-apiserver serves itself
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
		Format:      codec.FormatJSON,
		NameRule:    customNameRule,
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
	// A v1beta1 CRD may name a single version in spec.version instead.
	if v := obj.NestedString("spec", "version"); v != "" && len(asSlice(spec["versions"])) == 0 {
		r.Versions = append(r.Versions, ServedVersion{Name: v})
		r.Storage = schema.GroupVersion{Group: group, Version: v}
	}
	for _, v := range asSlice(spec["versions"]) {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if name == "" {
			continue
		}
		// Every version a CRD lists converts to its storage version, served
		// or not: a stored object in any of them is readable.
		r.Versions = append(r.Versions, ServedVersion{Name: name})
		if m["storage"] == true {
			r.Storage = schema.GroupVersion{Group: group, Version: name}
		}
	}
	r.PrinterColumns = printerColumns(obj, r.Versions)
	return r, true
}

// printerColumns are the columns kube-apiserver serves kubectl for a CRD's
// objects: those of its preferred version (discovery's first, by
// Kubernetes' version order), through apiextensions' own rule
// (GetColumnsForVersion: per-version or top-level columns, an Age column
// when there are none). A CRD lifeboat cannot read gives none.
func printerColumns(obj *codec.Object, versions []ServedVersion) []apiextensionsv1.CustomResourceColumnDefinition {
	typed := obj.AsTyped()
	if typed == nil || len(versions) == 0 {
		return nil
	}
	var internal apiextensions.CustomResourceDefinition
	if err := codec.ConvertToInternal(typed, &internal); err != nil {
		return nil
	}
	preferred := ""
	for _, v := range internal.Spec.Versions {
		if v.Served && (preferred == "" || version.CompareKubeAwareVersionStrings(v.Name, preferred) > 0) {
			preferred = v.Name
		}
	}
	columns, err := apiextensions.GetColumnsForVersion(&internal, preferred)
	if err != nil {
		return nil
	}
	out := make([]apiextensionsv1.CustomResourceColumnDefinition, len(columns))
	for i := range columns {
		if err := apiextensionsv1.Convert_apiextensions_CustomResourceColumnDefinition_To_v1_CustomResourceColumnDefinition(&columns[i], &out[i], nil); err != nil {
			return nil
		}
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
