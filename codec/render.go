package codec

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// RenderOptions shape an object for display.
type RenderOptions struct {
	// ResourceVersion, when > 0, is shown as metadata.resourceVersion. The
	// stored value has it empty; the apiserver sets it to the key's
	// mod_revision on every read (APIObjectVersioner.UpdateObject,
	// k8s.io/apiserver pkg/storage/api_object_versioner.go).
	ResourceVersion int64
	// ShowSecrets shows the values of a Secret's data and stringData.
	// By default they are replaced by "<redacted: N bytes>", and so is every
	// annotation that holds a copy of one.
	ShowSecrets bool
	// Redact holds more secret values whose copies a Secret's annotations
	// must not show: those of the other versions of the object shown with
	// it (SecretValues). A version whose data no longer holds a value, or
	// does not hold it yet, can still copy it into an annotation: an edit
	// that adds an annotation holding the old data, or drops the data and
	// keeps the annotation. A diff redacts both sides with both sides'
	// values (DiffStored); a history, every version with every version's.
	Redact []string
	// HideManagedFields leaves out metadata.managedFields, as kubectl get
	// -o yaml|json does unless --show-managed-fields (since 1.21): the
	// field manager's bookkeeping, noise to a reader, and what a backup
	// restored with create -f must not carry over.
	HideManagedFields bool
	// Served shows the object as kube-apiserver serves it: with the
	// defaults its read path applies (ReadDefaults: a PVC stored without a
	// phase is served Pending), as kubectl get -o yaml|json shows it.
	Served bool
}

// served is the object with the defaults kube-apiserver applies on reading
// it, when opts asks for them and they change it; nil otherwise.
func (o *Object) served(opts RenderOptions) runtime.Object {
	if !opts.Served || o.Typed == nil || o.APIVersion != "v1" {
		return nil
	}
	switch o.Kind {
	case "PersistentVolume", "PersistentVolumeClaim", "Namespace":
	default:
		return nil
	}
	whole, err := o.whole()
	if err != nil {
		return nil
	}
	if d := ReadDefaults(whole); d != whole {
		return d
	}
	return nil
}

// Render returns a deep copy of Content with the options applied, for
// -o json and for the items of a List. The cached content is never modified.
func (o *Object) Render(opts RenderOptions) (map[string]any, error) {
	var m map[string]any
	if d := o.served(opts); d != nil {
		var err error
		if m, err = (&Object{APIVersion: o.APIVersion, Kind: o.Kind, Typed: d}).typedContent(); err != nil {
			return nil, err
		}
	} else {
		c, err := o.Content()
		if err != nil {
			return nil, err
		}
		m = deepCopyMap(c)
	}
	if opts.ResourceVersion > 0 {
		md, ok := m["metadata"].(map[string]any)
		if !ok {
			md = map[string]any{}
			m["metadata"] = md
		}
		md["resourceVersion"] = strconv.FormatInt(opts.ResourceVersion, 10)
	}
	if opts.HideManagedFields {
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
	}
	if !opts.ShowSecrets && o.isSecret() {
		redactSecret(m, opts.Redact)
	}
	return m, nil
}

func (o *Object) isSecret() bool { return o.Kind == "Secret" && o.APIVersion == "v1" }

// SecretValues are the values of a v1 Secret's data and stringData, each
// as stored and in its other encoding (data holds base64, stringData plain
// text): what an annotation may copy, for RenderOptions.Redact. Nil for
// any other object, and for one whose content does not decode (rendering
// it fails anyway).
func (o *Object) SecretValues() []string {
	if !o.isSecret() {
		return nil
	}
	c, err := o.Content()
	if err != nil {
		return nil
	}
	return secretValues(c)
}

// YAML renders the object as kubectl get -o yaml would.
func (o *Object) YAML(opts RenderOptions) ([]byte, error) {
	m, err := o.Render(opts)
	if err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("yaml %s %s: %w", o.APIVersion, o.Kind, err)
	}
	return out, nil
}

// lastApplied is the annotation `kubectl apply` writes: the whole manifest
// as applied, a Secret's data included, in plain sight.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// minCopied is the shortest value whose copy in an annotation is redacted:
// shorter ones ("1", "true") would redact what is not a copy.
const minCopied = 4

// secretValues are what a Secret's content holds in data and stringData,
// each also in its other encoding. data holds base64 (the map form of
// []byte), stringData plain strings.
func secretValues(m map[string]any) []string {
	var values []string
	if data, ok := m["data"].(map[string]any); ok {
		for _, v := range data {
			if s, ok := v.(string); ok {
				values = append(values, s)
				if b, err := base64.StdEncoding.DecodeString(s); err == nil {
					values = append(values, string(b))
				}
			}
		}
	}
	if data, ok := m["stringData"].(map[string]any); ok {
		for _, v := range data {
			if s, ok := v.(string); ok {
				values = append(values, s, base64.StdEncoding.EncodeToString([]byte(s)))
			}
		}
	}
	return values
}

// redactSecret replaces a Secret's values by their size, and every
// annotation that holds a copy of them or of more (the other versions'
// values, RenderOptions.Redact): kubectl apply's last-applied
// configuration always, any other annotation that contains a value
// (decoded or in base64).
func redactSecret(m map[string]any, more []string) {
	values := append(secretValues(m), more...)
	if data, ok := m["data"].(map[string]any); ok {
		for k, v := range data {
			n := 0
			if s, ok := v.(string); ok {
				if b, err := base64.StdEncoding.DecodeString(s); err == nil {
					n = len(b)
				} else {
					n = len(s)
				}
			}
			data[k] = redacted(n)
		}
	}
	if data, ok := m["stringData"].(map[string]any); ok {
		for k, v := range data {
			s, _ := v.(string)
			data[k] = redacted(len(s))
		}
	}
	md, _ := m["metadata"].(map[string]any)
	annotations, _ := md["annotations"].(map[string]any)
	for k, v := range annotations {
		s, _ := v.(string)
		if k == lastApplied || holdsAny(s, values) {
			annotations[k] = redacted(len(s))
		}
	}
}

func holdsAny(s string, values []string) bool {
	for _, v := range values {
		if len(v) >= minCopied && strings.Contains(s, v) {
			return true
		}
	}
	return false
}

func redacted(n int) string { return fmt.Sprintf("<redacted: %d bytes>", n) }

// deepCopyMap copies the maps and slices of a generic object. Unlike
// runtime.DeepCopyJSON it does not panic on a type outside JSON's: a value
// lifeboat only displays must never crash it. Other values are immutable
// scalars and are shared.
func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return deepCopyMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopyValue(e)
		}
		return out
	default:
		return v
	}
}
