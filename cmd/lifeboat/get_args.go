package main

// get's arguments, in kubectl's forms: TYPE[,TYPE...] [NAME...], where a
// TYPE may be a category (all), and TYPE/NAME [TYPE/NAME...].

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

// getArg is one TYPE of the arguments and the names asked of it (none:
// every object).
type getArg struct {
	typ   string
	names []string
}

// getTargets are what a get reads: a query per resource, in the order
// asked (a category's resources in kube-apiserver's discovery order).
type getTargets struct {
	queries []etcdops.Query
	// single: one object was named, of one resource (get pod web-1, get
	// pod/web-1): -o json, yaml and the templates show it, not a List.
	single bool
	// kinds: several resources are shown, so a table's NAME says which
	// (pod/web-1), as kubectl's.
	kinds bool
}

// parseGetArgs reads the arguments into TYPEs and names, without
// resolving the TYPEs; single says whether they name one object of one
// TYPE (a category aside).
func parseGetArgs(cmd *cli.Command) (args []getArg, single bool, err error) {
	all := cmd.Args().Slice()
	if len(all) == 0 {
		return nil, false, usagef("%s needs a resource, e.g. 'lifeboat get pods -A' (several: 'lifeboat get pods,services -n shop', 'lifeboat get all -n shop')", cmd.FullName())
	}
	slashed := slices.IndexFunc(all, func(a string) bool { return strings.Contains(a, "/") })
	if slashed < 0 {
		for _, typ := range strings.Split(all[0], ",") {
			if typ == "" {
				return nil, false, usagef("bad resource list %q: separate resources by one comma, e.g. pods,services", all[0])
			}
			args = append(args, getArg{typ: typ, names: all[1:]})
		}
		return args, len(args) == 1 && len(all) == 2, nil
	}
	for _, a := range all {
		typ, name, ok := strings.Cut(a, "/")
		switch {
		case !ok:
			return nil, false, usagef("%q is not TYPE/NAME while %q is: give every object as TYPE/NAME (lifeboat get pod/web-1 node/worker-1), or the type once, then the names (lifeboat get pods web-1 web-2)", a, all[slashed])
		case typ == "" || name == "" || strings.Contains(typ, ","):
			return nil, false, usagef("bad argument %q: give one object as TYPE/NAME, e.g. pod/web-1", a)
		}
		args = append(args, getArg{typ: typ, names: []string{name}})
	}
	return args, len(all) == 1, nil
}

// resolveGetTargets resolves the arguments' TYPEs and builds each one's
// query from the flags. Built-in resources need no connection; a custom
// resource, or a category (custom resources can be in it), is looked up
// in the CRDs stored in etcd, through store, opened on first need (nil if
// it was not).
func resolveGetTargets(ctx context.Context, cmd *cli.Command, args []getArg, single bool) (getTargets, *etcdops.Store, error) {
	r := &resolver{ctx: ctx, cmd: cmd}
	var t getTargets
	var resources []etcdops.Resource
	for _, a := range args {
		found, category, err := r.resolve(a.typ)
		if err != nil {
			return getTargets{}, r.store, err
		}
		single = single && !category
		for _, res := range found {
			q, err := query(cmd, res, a.names)
			if err != nil {
				return getTargets{}, r.store, err
			}
			t.queries = appendQuery(t.queries, q)
			if !slices.ContainsFunc(resources, func(x etcdops.Resource) bool { return sameResource(x, res) }) {
				resources = append(resources, res)
			}
		}
	}
	t.single = single
	t.kinds = len(resources) > 1 || cmd.Bool("show-kind")
	return t, r.store, nil
}

// appendQuery adds q, or adds its names to the query before it when that
// reads the same resource by name (get pod/a pod/b: one table, as
// kubectl's). A resource already read whole is not read again (get
// pods,po).
func appendQuery(qs []etcdops.Query, q etcdops.Query) []etcdops.Query {
	if n := len(qs); n > 0 && sameResource(qs[n-1].Resource, q.Resource) && len(qs[n-1].Names) > 0 && len(q.Names) > 0 {
		for _, name := range q.Names {
			if !slices.Contains(qs[n-1].Names, name) {
				qs[n-1].Names = append(qs[n-1].Names, name)
			}
		}
		return qs
	}
	for _, prev := range qs {
		if sameResource(prev.Resource, q.Resource) && slices.Equal(prev.Names, q.Names) {
			return qs
		}
	}
	return append(qs, q)
}

func sameResource(a, b etcdops.Resource) bool {
	return a.Group == b.Group && a.Name == b.Name
}

// resolver resolves TYPEs as kubectl does, a category first.
type resolver struct {
	ctx   context.Context
	cmd   *cli.Command
	store *etcdops.Store
	err   error // why the store could not be opened
}

func (r *resolver) open() (*etcdops.Store, error) {
	if r.store == nil && r.err == nil {
		r.store, r.err = openStore(r.ctx, r.cmd)
	}
	return r.store, r.err
}

// resolve is the resources typ names: one, or a category's (category
// true). An unknown name is an error with kubectl's names of the closest
// one; when etcd cannot be reached it says so for a name that is no
// built-in resource, and the read that follows says why.
func (r *resolver) resolve(typ string) (found []etcdops.Resource, category bool, err error) {
	if builtin := builtinCategory(typ); len(builtin) > 0 {
		return append(builtin, r.customInCategory(typ)...), true, nil
	}
	res, err := etcdops.ResolveResource(typ)
	if err == nil && !res.Custom {
		return []etcdops.Resource{res}, false, nil
	}
	store, serr := r.open()
	if serr != nil {
		return []etcdops.Resource{res}, false, err
	}
	res, err = store.ResolveResource(r.ctx, typ)
	if err != nil {
		if custom := r.customInCategory(typ); len(custom) > 0 {
			return custom, true, nil
		}
		return nil, false, err
	}
	return []etcdops.Resource{res}, false, nil
}

// builtinCategory are the built-in resources of a category (kubectl get
// all: pods, replicationcontrollers, services, daemonsets, deployments,
// replicasets, statefulsets, horizontalpodautoscalers, cronjobs, jobs), in
// the order kube-apiserver's discovery lists them, as kubectl expands it.
func builtinCategory(name string) []etcdops.Resource {
	name = strings.ToLower(name)
	var out []etcdops.Resource
	for _, r := range etcdops.Builtins() {
		if slices.Contains(r.Categories, name) && r.Stored() {
			out = append(out, r)
		}
	}
	// Builtins sorts by name. Discovery lists the core group first, then
	// (for the groups of any category) the others in name order (apps,
	// autoscaling, batch), each group's resources by name.
	slices.SortFunc(out, func(a, b etcdops.Resource) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Name, b.Name)) // the core group is ""
	})
	return out
}

// customInCategory are the custom resources whose CRD puts them in the
// category (spec.names.categories), as discovery tells kubectl. Without
// etcd there are none to add: the read that follows says why.
func (r *resolver) customInCategory(name string) []etcdops.Resource {
	store, err := r.open()
	if err != nil {
		return nil
	}
	crds, err := etcdops.ResolveResource("customresourcedefinitions")
	if err != nil {
		return nil
	}
	var names []string
	_, _ = store.List(r.ctx, etcdops.Query{Resource: crds}, func(it etcdops.Item) error {
		if it.Object == nil || it.Encrypted() {
			return nil // 'lifeboat doctor' reports a CRD that does not decode
		}
		c, err := it.Object.Content()
		if err != nil {
			return nil
		}
		spec, _ := c["spec"].(map[string]any)
		crdNames, _ := spec["names"].(map[string]any)
		categories, _ := crdNames["categories"].([]any)
		if slices.Contains(categories, any(strings.ToLower(name))) {
			names = append(names, fmt.Sprintf("%v.%v", crdNames["plural"], spec["group"]))
		}
		return nil
	})
	var out []etcdops.Resource
	for _, n := range names {
		if res, err := store.ResolveResource(r.ctx, n); err == nil {
			out = append(out, res)
		}
	}
	return out
}
