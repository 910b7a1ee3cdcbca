package codec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// Field numbers used by the edits: ObjectMeta in k8s.io/apimachinery
// pkg/apis/meta/v1/generated.proto, NodeSpec and Taint in k8s.io/api
// core/v1/generated.proto.
const (
	metaDeletionTimestamp          protowire.Number = 9
	metaDeletionGracePeriodSeconds protowire.Number = 10
	metaFinalizers                 protowire.Number = 14

	nodeSpecUnschedulable protowire.Number = 4
	nodeSpecTaints        protowire.Number = 5

	taintKey    protowire.Number = 1
	taintEffect protowire.Number = 3
)

// Field numbers of the namespace and webhook edits: NamespaceSpec in
// k8s.io/api core/v1/generated.proto; ValidatingWebhookConfiguration,
// MutatingWebhookConfiguration and their webhooks in k8s.io/api
// admissionregistration/v1/generated.proto, which v1beta1 numbers alike.
const (
	namespaceSpecFinalizers protowire.Number = 1

	webhookConfigurationWebhooks protowire.Number = 2
	webhookFailurePolicy         protowire.Number = 4
)

// Edit is one lossless repair. Each edit knows how to change a protobuf
// object at the wire level and a JSON/CBOR object as a generic map; neither
// goes through a typed struct, which would drop fields lifeboat does not know.
type Edit interface {
	// String says what the edit does, for previews and errors.
	String() string
	// editProtobuf edits the top-level fields of a protobuf object.
	editProtobuf(t typeInfo, obj *wireMessage) (changed bool, err error)
	// editMap edits a JSON or CBOR object.
	editMap(t typeInfo, obj map[string]any) (changed bool, err error)
}

// typeInfo is the apiVersion and kind of the object being edited.
type typeInfo struct{ apiVersion, kind string }

func (t typeInfo) isNode() bool { return t.apiVersion == "v1" && t.kind == "Node" }

// notNode refuses a Node-only edit of another type: named with its
// apiVersion, since a Node of another version ("v2 Node") is not one either.
func (t typeInfo) notNode(field string) error {
	return fmt.Errorf("%s %s has no %s (only v1 Node)", t.apiVersion, t.kind, field)
}

// ClearDeletion removes metadata.deletionTimestamp and
// metadata.deletionGracePeriodSeconds: the undelete the API forbids
// (ValidateImmutableField, k8s.io/apimachinery pkg/api/validation/objectmeta.go).
// Finalizers are left alone. It works for every kind.
func ClearDeletion() Edit { return clearDeletion{} }

type clearDeletion struct{}

func (clearDeletion) String() string {
	return "clear metadata.deletionTimestamp and metadata.deletionGracePeriodSeconds"
}

func (clearDeletion) editProtobuf(_ typeInfo, obj *wireMessage) (bool, error) {
	return obj.editSub(objectMetadata, func(md *wireMessage) (bool, error) {
		n := md.remove(metaDeletionTimestamp) + md.remove(metaDeletionGracePeriodSeconds)
		return n > 0, nil
	})
}

func (clearDeletion) editMap(_ typeInfo, obj map[string]any) (bool, error) {
	md, err := metadataMap(obj)
	if md == nil || err != nil {
		return false, err
	}
	changed := false
	for _, k := range []string{"deletionTimestamp", "deletionGracePeriodSeconds"} {
		if _, ok := md[k]; ok {
			delete(md, k)
			changed = true
		}
	}
	return changed, nil
}

// RemoveFinalizers removes the named finalizers from metadata.finalizers, or
// all of them when no name is given. It works for every kind.
func RemoveFinalizers(names ...string) Edit { return removeFinalizers{names: names} }

type removeFinalizers struct{ names []string }

func (e removeFinalizers) String() string {
	if len(e.names) == 0 {
		return "remove all finalizers"
	}
	return "remove finalizers " + strings.Join(e.names, ", ")
}

func (e removeFinalizers) matches(name string) bool {
	return len(e.names) == 0 || slices.Contains(e.names, name)
}

func (e removeFinalizers) editProtobuf(_ typeInfo, obj *wireMessage) (bool, error) {
	return obj.editSub(objectMetadata, func(md *wireMessage) (bool, error) {
		n, err := md.removeIf(metaFinalizers, func(f wireField) (bool, error) {
			if f.typ != protowire.BytesType {
				return false, fmt.Errorf("metadata.finalizers (field 14) is %s, want bytes", wireTypeName(f.typ))
			}
			return e.matches(string(f.payload())), nil
		})
		return n > 0, err
	})
}

func (e removeFinalizers) editMap(_ typeInfo, obj map[string]any) (bool, error) {
	md, err := metadataMap(obj)
	if md == nil || err != nil {
		return false, err
	}
	// The apiserver writes finalizers with omitempty: drop an emptied list.
	return filterList(md, "finalizers", "metadata.finalizers", func(v any) (bool, error) {
		s, ok := v.(string)
		if !ok {
			return false, fmt.Errorf("metadata.finalizers holds %T, want strings", v)
		}
		return e.matches(s), nil
	})
}

// RemoveTaints removes the Node taints whose key is one of keys and, unless
// effect is "", whose effect is effect. keys must not be empty.
func RemoveTaints(keys []string, effect string) Edit {
	return removeTaints{keys: slices.Clone(keys), effect: effect}
}

type removeTaints struct {
	keys   []string
	effect string
}

func (e removeTaints) String() string {
	s := "remove taints " + strings.Join(e.keys, ", ")
	if e.effect != "" {
		s += " (effect " + e.effect + ")"
	}
	return s
}

func (e removeTaints) check(t typeInfo) error {
	if len(e.keys) == 0 {
		return errors.New("no taint keys given")
	}
	if !t.isNode() {
		return t.notNode("spec.taints")
	}
	return nil
}

func (e removeTaints) matches(key, effect string) bool {
	return slices.Contains(e.keys, key) && (e.effect == "" || e.effect == effect)
}

func (e removeTaints) editProtobuf(t typeInfo, obj *wireMessage) (bool, error) {
	if err := e.check(t); err != nil {
		return false, err
	}
	return obj.editSub(objectSpec, func(spec *wireMessage) (bool, error) {
		n, err := spec.removeIf(nodeSpecTaints, func(f wireField) (bool, error) {
			if f.typ != protowire.BytesType {
				return false, fmt.Errorf("spec.taints (field 5) is %s, want bytes", wireTypeName(f.typ))
			}
			taint, err := parseWire(f.payload())
			if err != nil {
				return false, fmt.Errorf("spec.taints: %w", err)
			}
			return e.matches(taint.lastString(taintKey), taint.lastString(taintEffect)), nil
		})
		return n > 0, err
	})
}

func (e removeTaints) editMap(t typeInfo, obj map[string]any) (bool, error) {
	if err := e.check(t); err != nil {
		return false, err
	}
	spec, err := specMap(obj)
	if spec == nil || err != nil {
		return false, err
	}
	return filterList(spec, "taints", "spec.taints", func(v any) (bool, error) {
		taint, ok := v.(map[string]any)
		if !ok {
			return false, fmt.Errorf("spec.taints holds %T, want objects", v)
		}
		key, _ := taint["key"].(string)
		effect, _ := taint["effect"].(string)
		return e.matches(key, effect), nil
	})
}

// SetUnschedulable sets a Node's spec.unschedulable: false uncordons.
func SetUnschedulable(v bool) Edit { return setUnschedulable{v: v} }

type setUnschedulable struct{ v bool }

func (e setUnschedulable) String() string {
	if e.v {
		return "cordon (spec.unschedulable=true)"
	}
	return "uncordon (spec.unschedulable=false)"
}

func (e setUnschedulable) editProtobuf(t typeInfo, obj *wireMessage) (bool, error) {
	if !t.isNode() {
		return false, t.notNode("spec.unschedulable")
	}
	var want uint64
	if e.v {
		want = 1
	}
	if obj.last(objectSpec) < 0 {
		if !e.v {
			return false, nil
		}
		obj.insertOrdered(newBytesField(objectSpec, newVarintField(nodeSpecUnschedulable, 1).raw))
		return true, nil
	}
	return obj.editSub(objectSpec, func(spec *wireMessage) (bool, error) {
		// The generated marshaler (k8s.io/api core/v1 generated.pb.go,
		// NodeSpec.MarshalToSizedBuffer) always writes this non-pointer
		// bool, so it is normally present: set its value in place.
		changed, found := false, false
		for i, f := range spec.fields {
			if f.num != nodeSpecUnschedulable {
				continue
			}
			if f.typ != protowire.VarintType {
				return false, fmt.Errorf("spec.unschedulable (field 4) is %s, want varint", wireTypeName(f.typ))
			}
			found = true
			if spec.setVarint(i, want) {
				changed = true
			}
		}
		if !found && e.v {
			spec.insertOrdered(newVarintField(nodeSpecUnschedulable, 1))
			changed = true
		}
		return changed, nil
	})
}

func (e setUnschedulable) editMap(t typeInfo, obj map[string]any) (bool, error) {
	if !t.isNode() {
		return false, t.notNode("spec.unschedulable")
	}
	spec, err := specMap(obj)
	if err != nil {
		return false, err
	}
	cur, _ := spec["unschedulable"].(bool)
	if cur == e.v {
		return false, nil
	}
	if spec == nil {
		spec = map[string]any{}
		obj["spec"] = spec
	}
	// JSON writes the bool with omitempty (k8s.io/api core/v1 types.go).
	if e.v {
		spec["unschedulable"] = true
	} else {
		delete(spec, "unschedulable")
	}
	return true, nil
}

// RemoveNamespaceFinalizers removes the named finalizers, or all of them
// when none is named, from a Namespace's spec.finalizers: what the
// namespace controller does through kube-apiserver's /finalize subresource
// once it has emptied a namespace being deleted (k8s.io/kubernetes
// pkg/controller/namespace/deletion/namespaced_resources_deleter.go,
// finalizeNamespace). Only on a namespace being deleted (deletionTimestamp
// set): on a live one the "kubernetes" finalizer is what makes a later
// deletion empty the namespace before removing it. So removing every
// finalizer leaves a live namespace's spec.finalizers alone, and naming one
// it holds is an error.
func RemoveNamespaceFinalizers(names ...string) Edit {
	return removeNamespaceFinalizers{names: names}
}

// removeNamespaceFinalizers is no metaGuarded edit (skim.go): what it
// removes is in the spec, which codec.Untouched does not look at.
type removeNamespaceFinalizers struct{ names []string }

func (e removeNamespaceFinalizers) String() string {
	if len(e.names) == 0 {
		return "remove all spec.finalizers of a namespace being deleted"
	}
	return "remove spec.finalizers " + strings.Join(e.names, ", ") + " of a namespace being deleted"
}

func (e removeNamespaceFinalizers) matches(name string) bool {
	return len(e.names) == 0 || slices.Contains(e.names, name)
}

func (t typeInfo) isNamespace() bool { return t.apiVersion == "v1" && t.kind == "Namespace" }

// keep says whether a namespace keeps spec finalizer name: an error when
// the edit names it but the namespace is not being deleted.
func (e removeNamespaceFinalizers) keep(name string, deleting bool) (bool, error) {
	switch {
	case !e.matches(name):
		return true, nil
	case deleting:
		return false, nil
	case len(e.names) == 0:
		return true, nil
	}
	return true, fmt.Errorf("the namespace is not being deleted: spec.finalizers %q stays (it makes kube-apiserver wait, when the namespace is deleted, until the namespace controller has emptied it)", name)
}

func (e removeNamespaceFinalizers) editProtobuf(t typeInfo, obj *wireMessage) (bool, error) {
	if !t.isNamespace() {
		return false, fmt.Errorf("%s %s has no spec.finalizers (only v1 Namespace)", t.apiVersion, t.kind)
	}
	deleting, err := setsMeta(obj, metaDeletionTimestamp)
	if err != nil {
		return false, err
	}
	return obj.editSub(objectSpec, func(spec *wireMessage) (bool, error) {
		n, err := spec.removeIf(namespaceSpecFinalizers, func(f wireField) (bool, error) {
			if f.typ != protowire.BytesType {
				return false, fmt.Errorf("spec.finalizers (field 1) is %s, want bytes", wireTypeName(f.typ))
			}
			keep, err := e.keep(string(f.payload()), deleting)
			return !keep, err
		})
		// An emptied NamespaceSpec stays, with no content: the generated
		// marshaler always writes the non-pointer spec (k8s.io/api core/v1
		// generated.pb.go, Namespace.MarshalToSizedBuffer).
		return n > 0, err
	})
}

func (e removeNamespaceFinalizers) editMap(t typeInfo, obj map[string]any) (bool, error) {
	if !t.isNamespace() {
		return false, fmt.Errorf("%s %s has no spec.finalizers (only v1 Namespace)", t.apiVersion, t.kind)
	}
	md, err := metadataMap(obj)
	if err != nil {
		return false, err
	}
	deleting := md != nil && md["deletionTimestamp"] != nil
	spec, err := specMap(obj)
	if spec == nil || err != nil {
		return false, err
	}
	return filterList(spec, "finalizers", "spec.finalizers", func(v any) (bool, error) {
		s, ok := v.(string)
		if !ok {
			return false, fmt.Errorf("spec.finalizers holds %T, want strings", v)
		}
		keep, err := e.keep(s, deleting)
		return !keep, err
	})
}

// setsMeta reports whether the object's ObjectMeta (any occurrence:
// protobuf merges them) sets field num.
func setsMeta(obj *wireMessage, num protowire.Number) (bool, error) {
	for _, f := range obj.fields {
		if f.num != objectMetadata {
			continue
		}
		if f.typ != protowire.BytesType {
			return false, fmt.Errorf("metadata (field 1) is %s, want bytes", wireTypeName(f.typ))
		}
		md, err := parseWire(f.payload())
		if err != nil {
			return false, fmt.Errorf("metadata: %w", err)
		}
		if md.last(num) >= 0 {
			return true, nil
		}
	}
	return false, nil
}

// IgnoreWebhookFailures sets failurePolicy Ignore on every webhook of a
// ValidatingWebhookConfiguration or MutatingWebhookConfiguration:
// kube-apiserver then admits a request whose webhook it cannot call, rather
// than refusing it (k8s.io/apiserver pkg/admission/plugin/webhook, the
// validating and mutating dispatchers' ignoreClientCallFailures). A webhook
// without failurePolicy has the default of its version: Fail in v1, Ignore
// in v1beta1 (k8s.io/kubernetes pkg/apis/admissionregistration/*/defaults.go).
func IgnoreWebhookFailures() Edit { return ignoreWebhookFailures{} }

type ignoreWebhookFailures struct{}

// failurePolicyIgnore is admissionregistration's Ignore, the same in v1 and
// v1beta1.
const failurePolicyIgnore = string(admissionregistrationv1.Ignore)

func (ignoreWebhookFailures) String() string { return "set failurePolicy Ignore on every webhook" }

// check refuses every kind but the webhook configurations, and says
// whether an unset failurePolicy already means Ignore.
func (ignoreWebhookFailures) check(t typeInfo) (unsetIgnores bool, err error) {
	switch {
	case t.kind != "ValidatingWebhookConfiguration" && t.kind != "MutatingWebhookConfiguration",
		t.apiVersion != "admissionregistration.k8s.io/v1" && t.apiVersion != "admissionregistration.k8s.io/v1beta1":
		return false, fmt.Errorf("%s %s has no webhooks (only admissionregistration.k8s.io/v1 and v1beta1 ValidatingWebhookConfiguration and MutatingWebhookConfiguration)", t.apiVersion, t.kind)
	}
	return t.apiVersion == "admissionregistration.k8s.io/v1beta1", nil
}

func (e ignoreWebhookFailures) editProtobuf(t typeInfo, obj *wireMessage) (bool, error) {
	unsetIgnores, err := e.check(t)
	if err != nil {
		return false, err
	}
	return obj.editSub(webhookConfigurationWebhooks, func(hook *wireMessage) (bool, error) {
		// The last occurrence of a scalar field is its value.
		i := hook.last(webhookFailurePolicy)
		switch {
		case i < 0 && unsetIgnores:
			return false, nil
		case i < 0:
			hook.insertOrdered(newBytesField(webhookFailurePolicy, []byte(failurePolicyIgnore)))
			return true, nil
		case hook.fields[i].typ != protowire.BytesType:
			return false, fmt.Errorf("webhooks[].failurePolicy (field 4) is %s, want bytes", wireTypeName(hook.fields[i].typ))
		case string(hook.fields[i].payload()) == failurePolicyIgnore:
			return false, nil
		}
		hook.setPayload(i, []byte(failurePolicyIgnore))
		return true, nil
	})
}

func (e ignoreWebhookFailures) editMap(t typeInfo, obj map[string]any) (bool, error) {
	unsetIgnores, err := e.check(t)
	if err != nil {
		return false, err
	}
	v, ok := obj["webhooks"]
	if !ok || v == nil {
		return false, nil
	}
	hooks, ok := v.([]any)
	if !ok {
		return false, fmt.Errorf("webhooks is %T, want a list", v)
	}
	changed := false
	for i, h := range hooks {
		hook, ok := h.(map[string]any)
		if !ok {
			return false, fmt.Errorf("webhooks[%d] is %T, want an object", i, h)
		}
		policy, set := hook["failurePolicy"]
		if set && policy == failurePolicyIgnore || !set && unsetIgnores {
			continue
		}
		hook["failurePolicy"] = failurePolicyIgnore
		changed = true
	}
	return changed, nil
}

// metadataMap returns obj.metadata, nil when absent.
func metadataMap(obj map[string]any) (map[string]any, error) {
	return childMap(obj, "metadata")
}

// specMap returns obj.spec, nil when absent.
func specMap(obj map[string]any) (map[string]any, error) {
	return childMap(obj, "spec")
}

func childMap(obj map[string]any, key string) (map[string]any, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is %T, want an object", key, v)
	}
	return m, nil
}

// filterList drops the elements of the list m[key] for which drop returns
// true, and the key itself when the list ends up empty (omitempty).
func filterList(m map[string]any, key, path string, drop func(any) (bool, error)) (bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return false, nil
	}
	list, ok := v.([]any)
	if !ok {
		return false, fmt.Errorf("%s is %T, want a list", path, v)
	}
	kept := make([]any, 0, len(list))
	for _, e := range list {
		d, err := drop(e)
		if err != nil {
			return false, err
		}
		if !d {
			kept = append(kept, e)
		}
	}
	if len(kept) == len(list) {
		return false, nil
	}
	if len(kept) == 0 {
		delete(m, key)
	} else {
		m[key] = kept
	}
	return true, nil
}
