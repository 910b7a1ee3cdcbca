package codec

import (
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// A repair at scale touches few of the objects it reads: 20,000 Terminating
// pods of 150,000. Decoding every value with apimachinery's serializer (about
// 75 µs for a 5 KiB pod) is then most of what the repair costs, for objects
// it leaves alone. Untouched is the cheap test that spares it: the repairs
// that only ever change an ObjectMeta field the object already sets
// (deletionTimestamp, finalizers) can tell from the wire format alone that
// an object lacks the field.

// metaGuarded is an edit that changes nothing unless the object's
// ObjectMeta sets one of some fields.
type metaGuarded interface {
	metaFields() []protowire.Number
}

func (clearDeletion) metaFields() []protowire.Number {
	return []protowire.Number{metaDeletionTimestamp, metaDeletionGracePeriodSeconds}
}

func (removeFinalizers) metaFields() []protowire.Number {
	return []protowire.Number{metaFinalizers}
}

// Untouched reports whether edits certainly leave a stored value as it is,
// judged from its protobuf wire format without decoding it, and returns the
// apiVersion and kind its envelope names (a write checks them: a value of
// the wrong kind is reported, not counted as fine).
//
// It says true only for a well-formed protobuf envelope of a kind with
// ObjectMeta whose ObjectMeta (every occurrence: protobuf merges them) sets
// none of the fields the edits change, and only when every edit is of that
// sort. Anything else (JSON, CBOR, encrypted, a broken envelope, an edit of
// the spec) is false: decode the value and find out. What it does not do is
// read the rest of the object: a value whose spec is corrupt but whose
// metadata shows nothing to change is untouched, as the repair would leave
// it; `lifeboat get` and `lifeboat decode` report such values.
func Untouched(value []byte, edits ...Edit) (apiVersion, kind string, untouched bool) {
	var fields []protowire.Number
	for _, e := range edits {
		g, ok := e.(metaGuarded)
		if !ok {
			return "", "", false
		}
		fields = append(fields, g.metaFields()...)
	}
	if DetectFormat(value) != FormatProtobuf {
		return "", "", false
	}
	apiVersion, kind, raw, ok := envelopeFields(value)
	if !ok || !hasObjectMeta(apiVersion, kind) {
		return "", "", false
	}
	untouched = true
	eachField(raw, func(num protowire.Number, typ protowire.Type, v []byte) bool {
		if num != objectMetadata {
			return true
		}
		payload, _ := protowire.ConsumeBytes(v)
		untouched = typ == protowire.BytesType && !setsAny(payload, fields)
		return untouched
	})
	if !untouched {
		return "", "", false
	}
	return apiVersion, kind, true
}

// setsAny reports whether msg has a field numbered one of nums, or is not a
// well-formed message (then nothing can be said of it). It allocates
// nothing: ObjectMeta has a field per label, annotation and managedFields
// entry.
func setsAny(msg []byte, nums []protowire.Number) bool {
	found := false
	wellFormed := eachField(msg, func(num protowire.Number, _ protowire.Type, _ []byte) bool {
		found = slices.Contains(nums, num)
		return !found
	})
	return found || !wellFormed
}
