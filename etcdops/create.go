package etcdops

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/lifeboat-k8s/lifeboat/codec"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// CreateObjects writes objects that do not exist: from a backup made with
// `kubectl get -o yaml`, say.
const CreateObjects Action = "create"

// PlanCreate plans writing objects given as maps (one file's documents) as
// this cluster's kube-apiserver stores them (storageFor: the version and
// media type its objects of the resource show, or one its release serves;
// codec.EncodeForStorage converts between versions of the same shape and
// refuses others; resourceVersion cleared), each under the key its
// resource, namespace and name give, only where that key does not exist:
// the write is the apiserver's Create Txn (ModRevision == 0). Missing uid and creationTimestamp are filled as the
// apiserver's create fills them; given ones are kept, as a restore wants.
// namespace applies to namespaced objects that name none ("default" when
// empty). An object that cannot be written makes the whole plan an error,
// naming it: nothing of a bad file is written.
func (s *Store) PlanCreate(ctx context.Context, objects []map[string]any, namespace string, now time.Time) (*Plan, error) {
	plan := &Plan{Operation: Operation{Action: CreateObjects}}
	seen := map[string]bool{}
	for i, obj := range objects {
		u := &unstructured.Unstructured{Object: obj}
		what := fmt.Sprintf("object %d (%s %s)", i+1, u.GetAPIVersion(), u.GetName())
		gvk := u.GroupVersionKind()
		if gvk.Kind == "" || u.GetName() == "" {
			return nil, usageErrorf("%s: it needs apiVersion, kind and metadata.name", what)
		}
		arg := strings.ToLower(gvk.Kind)
		if gvk.Group != "" {
			arg += "." + gvk.Group
		}
		res, err := s.ResolveResource(ctx, arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if res.Custom && res.Storage.Version == "" {
			// No apiserver serves it, so none would read what is written.
			return nil, usageErrorf("%s: no CustomResourceDefinition in etcd declares %s: kube-apiserver would neither serve nor read it; create its CRD first ('lifeboat get crd' lists them)", what, res)
		}
		ns := ""
		if res.Namespaced {
			if ns = u.GetNamespace(); ns == "" {
				ns = namespace
			}
			if namespace != "" && ns != namespace {
				// kubectl refuses the same: -n names where to write.
				return nil, usageErrorf("%s: the namespace from the object, %q, does not match -n %q: pass -n %s, or change the object", what, ns, namespace, ns)
			}
			if ns == "" {
				ns = "default"
			}
			u.SetNamespace(ns)
		} else if u.GetNamespace() != "" {
			return nil, usageErrorf("%s: %s are cluster-scoped, but it names namespace %s", what, res, u.GetNamespace())
		}
		if u.GetUID() == "" {
			u.SetUID(types.UID(uuid.NewString()))
		}
		if created := u.GetCreationTimestamp(); created.IsZero() {
			u.SetCreationTimestamp(metav1.NewTime(now.UTC().Truncate(time.Second)))
		}
		var meta metav1.ObjectMeta
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object["metadata"].(map[string]any), &meta); err != nil {
			return nil, usageErrorf("%s: metadata: %v", what, err)
		}
		if err := checkCreate(res, &meta); err != nil {
			return nil, usageErrorf("%s: %v", what, err)
		}
		st, err := s.storageFor(ctx, res, gvk.GroupVersion())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		value, err := codec.EncodeForStorage(u.Object, st.Storage)
		if err != nil {
			return nil, usageErrorf("%s: %v (this cluster stores %s as %s: %s)", what, err, res, st.Version, st.why)
		}
		info := KeyInfo{Resource: res, Namespace: ns, Name: u.GetName()}
		key := s.layout.Key(res, ns, u.GetName())
		if seen[key] {
			return nil, usageErrorf("%s: %s twice in the file", what, info)
		}
		seen[key] = true
		c := Change{KeyInfo: info, Action: CreateObjects, Before: Record{Key: key}, After: value}
		current, found, rev, err := s.getAt(ctx, key, 0)
		switch {
		case err != nil:
			return nil, err
		case found:
			c.Before, c.After = current, nil
			c.Skip = fmt.Errorf("%w: %s exists (revision %d): create writes only where the key does not exist; delete it first, or restore it", errConflict, info, current.ModRevision)
		}
		if rev > plan.Revision {
			plan.Revision = rev
		}
		plan.Changes = append(plan.Changes, c)
	}
	return plan, nil
}
