package etcdops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// EditObject replaces one object with an edited version of it: `lifeboat
// edit` (in $EDITOR, or a JSON merge patch).
const EditObject Action = "edit"

// EditSource is an object as an editor starts from it: the record read, and
// the object as a map with its real data (Secrets unredacted).
type EditSource struct {
	Info   KeyInfo
	Record Record
	Object map[string]any
	// Newer lists fields the stored bytes carry that lifeboat's Go type
	// does not declare: writing an edited object would lose them.
	Newer []codec.NewerField
	// readAt is the etcd revision the object was read at.
	readAt int64
	// storage is how the object is stored: the edit is stored the same way.
	storage codec.Storage
	// meta is the object's metadata as read: an update keeps what the
	// apiserver keeps immutable.
	meta metav1.ObjectMeta
}

// ReadForEdit reads one object to edit. Undecodable and encrypted values
// are refused with what to do instead.
func (s *Store) ReadForEdit(ctx context.Context, info KeyInfo) (*EditSource, error) {
	key := s.layout.Key(info.Resource, info.Namespace, info.Name)
	rec, found, readAt, err := s.getAt(ctx, key, 0)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return nil, &NotFoundError{Key: key, What: info}
	}
	obj, err := DecodeStored(info.Resource, rec.Value)
	switch {
	case err != nil:
		return nil, usageErrorf("%s cannot be decoded (%v): edit it as bytes is not possible; 'lifeboat quarantine %s' moves it out of the way", info, err, key)
	case obj.Format == codec.FormatEncrypted:
		return nil, usageErrorf("%s is encrypted at rest (%s): %s", info, obj.Encryption, encryptedReason(rec))
	}
	m, err := obj.Render(codec.RenderOptions{ShowSecrets: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", info, err)
	}
	gv, err := schema.ParseGroupVersion(obj.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("%s: stored apiVersion %q: %w", info, obj.APIVersion, err)
	}
	return &EditSource{Info: info, Record: rec, Object: m, Newer: codec.NewerFields(rec.Value, obj), readAt: readAt,
		storage: codec.Storage{Version: gv, Format: obj.Format}, meta: obj.Meta}, nil
}

// FieldLossError says an edit would drop fields a newer Kubernetes wrote:
// each front end says how to go on (the CLI's --allow-field-loss).
type FieldLossError struct {
	Info   KeyInfo
	Fields []codec.NewerField
}

func (e *FieldLossError) Error() string {
	where := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		where[i] = f.String()
	}
	return fmt.Sprintf("%s carries fields this lifeboat does not know (%s): an edit would drop them", e.Info, strings.Join(where, "; "))
}

// CheckFieldLoss refuses, with a *FieldLossError inside a *UsageError, to
// edit an object carrying fields a newer Kubernetes wrote, unless
// allowFieldLoss. Front ends call it before opening an editor, so nobody
// edits an object only to be refused.
func (e *EditSource) CheckFieldLoss(allowFieldLoss bool) error {
	if len(e.Newer) == 0 || allowFieldLoss {
		return nil
	}
	return &UsageError{Err: fmt.Errorf("%w; --allow-field-loss to go on", &FieldLossError{Info: e.Info, Fields: e.Newer})}
}

// MergePatch applies a JSON merge patch (RFC 7386, as `kubectl patch
// --type merge`) to the object.
func (e *EditSource) MergePatch(patch []byte) (map[string]any, error) {
	doc, err := json.Marshal(e.Object)
	if err != nil {
		return nil, err
	}
	out, err := jsonpatch.MergePatch(doc, patch)
	if err != nil {
		return nil, usageErrorf("%s: bad merge patch: %v", e.Info, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// PlanEdit plans writing edited in place of the object read: encoded as
// kube-apiserver stores it (strictly decoded into the kind's Go type: a
// misspelt field is an error), with its apiVersion, kind, namespace and
// name unchanged, written with OptimisticPut on the revision read and only
// while the key still holds those bytes. Fields a newer Kubernetes wrote
// would be lost by the re-encoding: the edit is refused, naming them,
// unless allowFieldLoss.
func (s *Store) PlanEdit(e *EditSource, edited map[string]any, allowFieldLoss bool) (*Plan, error) {
	if err := e.CheckFieldLoss(allowFieldLoss); err != nil {
		return nil, err
	}
	for _, f := range []string{"apiVersion", "kind"} {
		if fmt.Sprint(edited[f]) != fmt.Sprint(e.Object[f]) {
			return nil, usageErrorf("%s: the edit changes %s (%v to %v): edit the object, not what it is", e.Info, f, e.Object[f], edited[f])
		}
	}
	md, _ := edited["metadata"].(map[string]any)
	if name, _ := md["name"].(string); name != e.Info.Name {
		return nil, usageErrorf("%s: the edit renames it to %q: create the new one, delete the old", e.Info, name)
	}
	if ns, _ := md["namespace"].(string); ns != e.Info.Namespace {
		return nil, usageErrorf("%s: the edit moves it to namespace %q: create the new one, delete the old", e.Info, ns)
	}
	// The object keeps the version and media type it is stored in: the
	// cluster's kube-apiserver wrote them, whatever lifeboat's table says.
	value, err := codec.EncodeForStorage(edited, e.storage)
	if err != nil {
		return nil, usageErrorf("%s: %v", e.Info, err)
	}
	if err := checkEdit(e, value); err != nil {
		return nil, usageErrorf("%s: %v", e.Info, err)
	}
	plan := &Plan{Operation: Operation{Action: EditObject}, Revision: max(e.readAt, e.Record.ModRevision)}
	c := Change{KeyInfo: e.Info, Action: EditObject, Before: e.Record, Lease: e.Record.Lease}
	if !bytes.Equal(value, e.Record.Value) {
		// A concurrent write is a conflict: the edit was made on what was read.
		c.After, c.expect = value, e.Record.Raw()
	}
	plan.Changes = append(plan.Changes, c)
	return plan, nil
}

// checkEdit is the validation step of an edit: the new value is still the
// key's object, and kube-apiserver's update would accept it in place of the
// one read (checkUpdate: no new uid, which would orphan every dependent to
// the garbage collector, no other creationTimestamp, no deletion added).
func checkEdit(e *EditSource, value []byte) error {
	if err := checkKey(e.Info, value); err != nil {
		return err
	}
	edited, err := DecodeStored(e.Info.Resource, value)
	if err != nil {
		return err
	}
	return checkUpdate(e.Info.Resource, &edited.Meta, &e.meta)
}
