package etcdops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// planOperation is one operation as a user writes it in a plan file for
// `lifeboat apply -f`, under "operations:".
type planOperation struct {
	Action        Action   `json:"action"`
	Resource      string   `json:"resource,omitempty"` // remove-finalizers only
	Names         []string `json:"names,omitempty"`
	Namespace     string   `json:"namespace,omitempty"`
	AllNamespaces bool     `json:"allNamespaces,omitempty"`
	Selector      string   `json:"selector,omitempty"`
	FieldSelector string   `json:"fieldSelector,omitempty"`
	Node          string   `json:"node,omitempty"`
	All           bool     `json:"all,omitempty"`
	Keys          []string `json:"keys,omitempty"`
	Effect        string   `json:"effect,omitempty"`
	Finalizers    []string `json:"finalizers,omitempty"`
	// disable-webhooks: validating or mutating (else whichever holds each
	// name), and delete to remove the configurations instead.
	Kind   string `json:"kind,omitempty"`
	Delete bool   `json:"delete,omitempty"`
	// edit: a JSON merge patch, written as YAML or JSON.
	Patch          map[string]any `json:"patch,omitempty"`
	AllowFieldLoss bool           `json:"allowFieldLoss,omitempty"`
	// create: the manifests, as `kubectl get -o yaml` prints them.
	Objects []map[string]any `json:"objects,omitempty"`
}

// actionFields are the fields each action takes besides action; anything
// else set is a mistake.
var actionFields = map[Action][]string{
	UndeletePods:     {"names", "namespace", "allNamespaces", "selector", "node"},
	UntaintNodes:     {"names", "all", "selector", "keys", "effect"},
	UncordonNodes:    {"names", "all", "selector"},
	CordonNodes:      {"names", "all", "selector"},
	RemoveFinalizers: {"resource", "names", "namespace", "allNamespaces", "selector", "finalizers"},
	DisableWebhooks:  {"names", "kind", "delete"},
	DeleteObjects:    {"resource", "names", "namespace", "allNamespaces", "selector", "fieldSelector", "node"},
	EditObject:       {"resource", "names", "namespace", "patch", "allowFieldLoss"},
	CreateObjects:    {"objects", "namespace"},
}

// planFields maps each field of planOperation to its Go type, by the name
// a plan spells it.
var planFields = func() map[string]reflect.Type {
	t := reflect.TypeFor[planOperation]()
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = t.Field(i).Type
	}
	return m
}()

// ParsePlanFile reads a plan and validates every operation in it; one bad
// operation rejects the whole plan before anything is read from etcd.
// Unknown fields and actions are errors, not ignored: a typo must not turn a
// narrow repair into a broad one. An error names the operation (its index
// and action), the field, and the field or action most likely meant.
func ParsePlanFile(name string, data []byte) ([]Operation, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, usageErrorf("plan %s: not YAML: %s", name, strings.Join(strings.Fields(err.Error()), " "))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(js, &top); err != nil || top == nil {
		return nil, usageErrorf("plan %s: expected a map with 'operations:', a list of {action: ...}", name)
	}
	for k := range top {
		if k != "operations" {
			return nil, usageErrorf("plan %s: unknown field %q at the top: %sa plan has only 'operations:'", name, k, didYouMean(k, []string{"operations"}))
		}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(top["operations"], &raw); err != nil {
		return nil, usageErrorf("plan %s: operations must be a list of {action: ...}", name)
	}
	if len(raw) == 0 {
		return nil, usageErrorf("plan %s: no operations (expected 'operations:' with a list of {action: ...})", name)
	}
	ops := make([]Operation, len(raw))
	for i, r := range raw {
		po, err := parsePlanOperation(r)
		if err == nil {
			ops[i], err = po.operation()
		}
		if err == nil {
			err = ops[i].Validate()
		}
		if err != nil {
			return nil, usageErrorf("plan %s: operations[%d] (%s): %v", name, i, orQuestion(string(po.Action)), err)
		}
	}
	return ops, nil
}

// parsePlanOperation decodes one operation a field at a time, so that an
// error names the field and says what it should hold. The action is read
// first: it says which fields are valid.
func parsePlanOperation(raw json.RawMessage) (planOperation, error) {
	var po planOperation
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return po, usageErrorf("an operation is a map such as {action: undelete-pods, namespace: shop}")
	}
	if a, ok := fields["action"]; ok {
		if err := json.Unmarshal(a, &po.Action); err != nil {
			return po, usageErrorf("field action must be a string such as %s", Actions[0])
		}
	}
	valid, known := actionFields[po.Action]
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		typ, ok := planFields[k]
		if !ok {
			if !known {
				all := slices.Sorted(maps.Keys(planFields))
				return po, usageErrorf("unknown field %q: %san operation's fields are %s", k, didYouMean(k, all), strings.Join(all, ", "))
			}
			return po, usageErrorf("unknown field %q: %s%s takes %s", k, didYouMean(k, valid), po.Action, strings.Join(valid, ", "))
		}
		if k == "objects" {
			if err := checkObjectsField(fields[k]); err != nil {
				return po, err
			}
		}
		// One field alone: a type error is then about this field.
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		dec := json.NewDecoder(bytes.NewReader(one))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&po); err != nil {
			return po, usageErrorf("field %s must be %s, not %s", k, describeType(k, typ), describeJSON(fields[k]))
		}
	}
	return po, nil
}

func describeType(field string, t reflect.Type) string {
	switch {
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Map:
		return fmt.Sprintf("a list of manifests, e.g. %s: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]", field)
	case t.Kind() == reflect.Slice:
		return fmt.Sprintf("a list, e.g. %s: [a, b] (for one: %s: [a])", field, field)
	case t.Kind() == reflect.Map:
		return fmt.Sprintf("a map, e.g. %s: {metadata: {labels: {team: sre}}}", field)
	case t.Kind() == reflect.Bool:
		return "true or false"
	}
	return "a string"
}

// describeJSON names what a YAML value turned into JSON is.
func describeJSON(v json.RawMessage) string {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return "that"
	}
	switch x := x.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("%v", x)
	case float64:
		return fmt.Sprintf("the number %v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return "empty"
}

func orQuestion(s string) string {
	if s == "" {
		return "no action"
	}
	return s
}

func (po planOperation) operation() (Operation, error) {
	fields, ok := actionFields[po.Action]
	if !ok {
		return Operation{}, usageErrorf("unknown action %q: %suse one of %s", po.Action, didYouMean(string(po.Action), actionNames()), actionList())
	}
	for field, set := range map[string]bool{
		"resource": po.Resource != "", "names": len(po.Names) > 0, "namespace": po.Namespace != "",
		"allNamespaces": po.AllNamespaces, "selector": po.Selector != "", "node": po.Node != "",
		"all": po.All, "keys": len(po.Keys) > 0, "effect": po.Effect != "", "finalizers": len(po.Finalizers) > 0,
		"patch": len(po.Patch) > 0, "allowFieldLoss": po.AllowFieldLoss, "objects": len(po.Objects) > 0,
		"fieldSelector": po.FieldSelector != "", "kind": po.Kind != "", "delete": po.Delete,
	} {
		if set && !contains(fields, field) {
			return Operation{}, usageErrorf("field %q does not apply to %s (it takes %s)", field, po.Action, strings.Join(fields, ", "))
		}
	}
	if po.Action == CreateObjects {
		for i, obj := range po.Objects {
			if err := CheckManifest(obj); err != nil {
				what := fmt.Sprintf("objects[%d]", i)
				if name := ManifestName(obj); name != "" {
					what += " (" + name + ")"
				}
				return Operation{}, usageErrorf("%s: %v", what, err)
			}
		}
		return Operation{Action: CreateObjects, Objects: po.Objects, Query: Query{Namespace: po.Namespace}}, nil
	}
	if po.Action == DisableWebhooks {
		// Which resource each name is, etcd says (Store.ResolveOperations).
		return Operation{Action: DisableWebhooks, Query: Query{Names: po.Names}, WebhookKind: po.Kind, DeleteWebhooks: po.Delete}, nil
	}
	resource := map[Action]string{UndeletePods: "pods", UntaintNodes: "nodes", UncordonNodes: "nodes", CordonNodes: "nodes"}[po.Action]
	if resource == "" {
		if resource = po.Resource; resource == "" {
			return Operation{}, usageErrorf("%s needs resource: (e.g. pods, configmaps, crontabs.stable.example.com)", po.Action)
		}
	}
	var patch []byte
	if len(po.Patch) > 0 {
		var err error
		if patch, err = json.Marshal(po.Patch); err != nil {
			return Operation{}, usageErrorf("patch: %v", err)
		}
	}
	res, err := ResolveResource(resource)
	if err != nil {
		return Operation{}, err
	}
	sel, err := ParseSelector(po.Selector)
	if err != nil {
		return Operation{}, err
	}
	fieldSel, err := ParseFieldSelector(res, po.FieldSelector)
	if err != nil {
		return Operation{}, err
	}
	return Operation{
		Action: po.Action,
		Query: Query{
			Resource: res, Names: po.Names, Namespace: po.Namespace, AllNamespaces: po.AllNamespaces,
			Selector: sel, Fields: fieldSel, Node: po.Node,
		},
		AllNodes:       po.All,
		TaintKeys:      po.Keys,
		TaintEffect:    po.Effect,
		Finalizers:     po.Finalizers,
		Patch:          patch,
		AllowFieldLoss: po.AllowFieldLoss,
	}, nil
}

// checkObjectsField refuses, naming it, an item of a create's objects that
// is not a manifest: decoded as a whole, the list would only say that one
// of them is wrong, or (null) let it through as an empty object.
func checkObjectsField(raw json.RawMessage) error {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil // not a list: the field's own decoding says so
	}
	for i, item := range items {
		if d := describeJSON(item); d != "a map" {
			return usageErrorf("objects[%d] must be a manifest, a map such as {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}, not %s", i, d)
		}
	}
	return nil
}

// MaxValueBytes is the largest value lifeboat creates: etcd's default
// limit on a request, which the Txn putting a value must fit in
// (--max-request-bytes, DefaultMaxRequestBytes = 1.5 MiB in
// go.etcd.io/etcd/server/v3/embed/config.go; EtcdServer.processInternalRaftRequestOnce
// refuses a larger request with "etcdserver: request is too large").
// kube-apiserver writes through that etcd: it could not have stored a
// larger object, so a larger manifest is no backup of one.
const MaxValueBytes = 1536 << 10

// CheckManifest refuses an object of a manifest (create -f, a plan's
// create) that could never be created, before anything of its file is
// read from etcd or written: one without apiVersion, kind or
// metadata.name; one its kind does not decode strictly (a field the kind
// does not have); one larger, as kube-apiserver stores it (the media type
// lifeboat's resource table gives its kind, in the manifest's version),
// than MaxValueBytes. Create refuses the same objects later; refusing them
// here keeps the rest of the file, and the operations around it, unwritten.
func CheckManifest(obj map[string]any) error {
	u := &unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" || u.GetName() == "" {
		return usageErrorf("it needs apiVersion, kind and metadata.name")
	}
	// Custom resources are stored as JSON; a kind of lifeboat's table in
	// its media type. The cluster's storage version may differ from the
	// manifest's: create converts only between versions of the same
	// fields, whose encodings differ by a few bytes.
	st := codec.Storage{Format: codec.FormatJSON}
	arg := strings.ToLower(gvk.Kind)
	if gvk.Group != "" {
		arg += "." + gvk.Group
	}
	if res, err := ResolveResource(arg); err == nil && !res.Custom && res.Format != "" {
		st.Format = res.Format
	}
	value, err := codec.EncodeForStorage(obj, st)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if len(value) > MaxValueBytes {
		return usageErrorf("%s as kube-apiserver stores it (%s), more than %s, etcd's default request limit (--max-request-bytes): kube-apiserver could not have stored it",
			byteSize(len(value)), st.Format, byteSize(MaxValueBytes))
	}
	return nil
}

// ManifestName is how an error names an object of a manifest, by what it
// gives of its apiVersion, kind, namespace and name: "v1 ConfigMap
// shop/web"; "" when it gives none.
func ManifestName(obj map[string]any) string {
	u := &unstructured.Unstructured{Object: obj}
	name := u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return strings.Join(strings.Fields(u.GetAPIVersion()+" "+u.GetKind()+" "+name), " ")
}

// byteSize is n bytes for people, exactly and in MiB: "10485760 bytes
// (10.0 MiB)".
func byteSize(n int) string {
	return fmt.Sprintf("%d bytes (%.1f MiB)", n, float64(n)/(1<<20))
}
