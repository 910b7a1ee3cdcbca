package codec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
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
