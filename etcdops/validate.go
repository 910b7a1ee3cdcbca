package etcdops

import (
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The validation step. kube-apiserver refuses to store an object whose name
// is not one its resource accepts, whose key is not its name's, or whose
// immutable metadata an update changed; lifeboat writes through no
// apiserver, so it runs the same rules itself, with apimachinery's own
// validation (k8s.io/apimachinery pkg/api/validation), before anything is
// written: nothing the apiserver would have refused is ever written. Every
// front end's writes pass here: plans check what they create
// (checkCreate) and edit (checkUpdate), and Store.Apply checks every value
// it is about to write against its key (checkKey).

// nameFunc is the name validation of a resource's rule (Resource.NameRule,
// read from kube-apiserver). A rule of its own, or one not known, gets the
// rule every name in a key obeys: a path segment.
func nameFunc(rule string) apivalidation.ValidateNameFunc {
	switch rule {
	case "dns-label":
		return apivalidation.NameIsDNSLabel
	case "dns-subdomain":
		return apivalidation.NameIsDNSSubdomain
	}
	return path.ValidatePathSegmentName
}

// checkKey says why value may not be written under the key info names: it
// must be what the apiserver stores there (DecodeStored), and carry the
// key's name and namespace. The apiserver derives the key from them; an
// object whose name is not its key's is another object (a restore from the
// wrong backup, a tampered journal), and trips the watch cache's
// consistency check (kubernetes#135115). Encrypted values are checked by
// what they decrypt to, before sealing; values that do not decode are
// written only by quarantine and its undo, which move exactly such values.
func checkKey(info KeyInfo, value []byte) error {
	obj, err := decodeStored(info.Resource, value, nameAndNamespace)
	if err != nil {
		return err
	}
	if obj.Format == codec.FormatEncrypted {
		return nil
	}
	return checkKeyMeta(info, &obj.Meta)
}

// nameAndNamespace is all checkKey reads of a value, besides DecodeStored's
// judgement of all of it.
var nameAndNamespace = codec.NewMask("metadata.name", "metadata.namespace")

func checkKeyMeta(info KeyInfo, meta *metav1.ObjectMeta) error {
	ns := ""
	if info.Resource.Namespaced {
		ns = info.Namespace
	}
	if meta.Name != info.Name || meta.Namespace != ns {
		return fmt.Errorf("the object is %s, not %s: its name and namespace must be its key's (%s)", describeMeta(meta), info.Ref(), info)
	}
	return nil
}

func describeMeta(meta *metav1.ObjectMeta) string {
	switch {
	case meta.Name == "":
		return "an object without a name"
	case meta.Namespace == "":
		return fmt.Sprintf("%q", meta.Name)
	}
	return fmt.Sprintf("%q in namespace %q", meta.Name, meta.Namespace)
}

// checkCreate says why kube-apiserver would refuse to create an object of
// res with this metadata: its name is not one the resource accepts, its
// namespace not a namespace's name, its labels, annotations, finalizers or
// owner references malformed (apimachinery's ValidateObjectMeta, with the
// resource's name rule).
func checkCreate(res Resource, meta *metav1.ObjectMeta) error {
	m := *meta
	// The apiserver validates before it stores, when generateName has
	// become a name: a manifest from kubectl get carries both.
	m.GenerateName = ""
	return fieldErrors(apivalidation.ValidateObjectMeta(&m, res.Namespaced, nameFunc(res.NameRule), field.NewPath("metadata")))
}

// checkUpdate says why kube-apiserver's update would refuse new in place
// of old: what its update strategy keeps immutable (name, namespace, uid,
// creationTimestamp; a deletionTimestamp and its grace period cannot be
// added or changed, and finalizers cannot be added once deleting), and the
// metadata rules of a create. Removing a deletion, which the apiserver
// refuses, is lifeboat's undelete, and an edit may do it too.
func checkUpdate(res Resource, newMeta, oldMeta *metav1.ObjectMeta) error {
	n := *newMeta
	if n.DeletionTimestamp == nil && oldMeta.DeletionTimestamp != nil {
		n.DeletionTimestamp, n.DeletionGracePeriodSeconds = oldMeta.DeletionTimestamp, oldMeta.DeletionGracePeriodSeconds
	}
	if n.ResourceVersion == "" {
		n.ResourceVersion = "1" // stored objects carry none; an update names one
	}
	errs := apivalidation.ValidateObjectMetaUpdate(&n, oldMeta, field.NewPath("metadata"))
	errs = append(errs, apivalidation.ValidateObjectMeta(&n, res.Namespaced, nameFunc(res.NameRule), field.NewPath("metadata"))...)
	return fieldErrors(errs)
}

// fieldErrors is apimachinery's errors as one line, nil for none.
func fieldErrors(errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("kube-apiserver would refuse it: %s", strings.Join(msgs, "; "))
}
