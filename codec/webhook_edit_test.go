package codec

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	admissionregistrationv1beta1 "k8s.io/api/admissionregistration/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
)

// apiserverProtobuf is apimachinery's protobuf serializer over client-go's
// scheme: what kube-apiserver reads a stored value with, independent of
// lifeboat's Decode.
var apiserverProtobuf = protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)

// pathWebhook is the n-th webhook of a webhook configuration.
func pathWebhook(n int) []step { return []step{{2, 0}, {2, n}} }

func policy(p admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.FailurePolicyType {
	return &p
}

// testValidatingWebhooks is a configuration whose webhooks fail closed
// (Fail), fail open (Ignore) and say nothing (v1's default, Fail); set
// replaces each one's policy.
func testValidatingWebhooks(set ...*admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.ValidatingWebhookConfiguration {
	port, timeout := int32(8443), int32(5)
	path := "/validate"
	none := admissionregistrationv1.SideEffectClassNone
	hook := func(name string, p *admissionregistrationv1.FailurePolicyType) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{
			Name: name,
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				Service:  &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "gatekeeper", Path: &path, Port: &port},
				CABundle: []byte("-----BEGIN CERTIFICATE-----"),
			},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
			FailurePolicy:           p,
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"policy": "enforced"}},
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
		}
	}
	policies := []*admissionregistrationv1.FailurePolicyType{policy(admissionregistrationv1.Fail), policy(admissionregistrationv1.Ignore), nil}
	for i, p := range set {
		policies[i] = p
	}
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper", UID: "vwc-uid", CreationTimestamp: testTime},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			hook("fail.gatekeeper.sh", policies[0]), hook("ignore.gatekeeper.sh", policies[1]), hook("unset.gatekeeper.sh", policies[2]),
		},
	}
}

// TestIgnoreWebhookFailures: every webhook ends with failurePolicy Ignore
// (set in place where it said Fail, added where it said nothing) and every
// other byte stays, fields from a newer Kubernetes included: the expected
// value is the configuration encoded with Ignore everywhere, with the same
// future fields. kube-apiserver's own serializer reads the result, and
// only the policies differ from the object before.
func TestIgnoreWebhookFailures(t *testing.T) {
	injections := []injection{
		{pathEnvelope, futureField(15, "future envelope"), false},
		{pathObject, futureField(999, "future configuration"), false},
		{pathMeta, futureField(999, "future metadata"), true},
		{pathWebhook(0), futureField(100, "future webhook front"), true},
		{pathWebhook(2), futureField(999, "future webhook"), false},
	}
	ignore := policy(admissionregistrationv1.Ignore)
	before := injectAll(t, mustEncode(t, testValidatingWebhooks()), injections)
	want := injectAll(t, mustEncode(t, testValidatingWebhooks(ignore, ignore, ignore)), injections)

	got, changed, err := ApplyEdits(before, IgnoreWebhookFailures())
	if err != nil || !changed {
		t.Fatalf("ApplyEdits = changed %v, %v", changed, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("edited value differs from the expected one\n got %x\nwant %x", got, want)
	}
	for _, f := range []string{"future envelope", "future configuration", "future metadata", "future webhook", "future webhook front"} {
		if !bytes.Contains(got, []byte(f)) {
			t.Errorf("%q lost", f)
		}
	}

	obj, _, err := apiserverProtobuf.Decode(got, nil, nil)
	if err != nil {
		t.Fatalf("kube-apiserver's serializer cannot read the edited value: %v", err)
	}
	edited, ok := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration)
	if !ok {
		t.Fatalf("decoded %T, want a v1 ValidatingWebhookConfiguration", obj)
	}
	wantObj := testValidatingWebhooks(ignore, ignore, ignore)
	for i, h := range edited.Webhooks {
		if h.FailurePolicy == nil || *h.FailurePolicy != admissionregistrationv1.Ignore {
			t.Errorf("webhook %s: failurePolicy %v, want Ignore", h.Name, h.FailurePolicy)
		}
		if !jsonEqual(t, h, wantObj.Webhooks[i]) {
			t.Errorf("webhook %s changed beyond its failurePolicy:\n got %+v\nwant %+v", h.Name, h, wantObj.Webhooks[i])
		}
	}

	if again, changed, err := ApplyEdits(got, IgnoreWebhookFailures()); err != nil || changed || again != nil {
		t.Errorf("second IgnoreWebhookFailures: %d bytes, changed %v, %v; want already fine", len(again), changed, err)
	}
}

// jsonEqual compares a and b as JSON documents: each is encoded and read
// back, so that both say the same about what JSON cannot hold (invalid
// UTF-8 becomes U+FFFD; numbers become float64).
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	var ja, jb any
	if err := json.Unmarshal(mustJSON(t, a), &ja); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mustJSON(t, b), &jb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(ja, jb)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIgnoreWebhookFailuresCases: what is already fine changes nothing
// (Ignore everywhere; a v1beta1 webhook without a policy, whose default is
// Ignore), a v1 Mutating configuration and a JSON one are edited, and any
// other kind is refused.
func TestIgnoreWebhookFailuresCases(t *testing.T) {
	ignore, fail := policy(admissionregistrationv1.Ignore), policy(admissionregistrationv1.Fail)
	betaUnset := &admissionregistrationv1beta1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy"},
		Webhooks:   []admissionregistrationv1beta1.MutatingWebhook{{Name: "legacy.example.com"}},
	}
	betaFail := betaUnset.DeepCopy()
	betaPolicy := admissionregistrationv1beta1.Fail
	betaFail.Webhooks[0].FailurePolicy = &betaPolicy
	mutating := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "istio-sidecar-injector"},
		Webhooks:   []admissionregistrationv1.MutatingWebhook{{Name: "sidecar-injector.istio.io", FailurePolicy: fail}, {Name: "unset.istio.io"}},
	}
	jsonValue, err := EncodeStorageJSON(testValidatingWebhooks())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		value   []byte
		changed bool
		err     string
	}{
		{"every webhook Ignore already", mustEncode(t, testValidatingWebhooks(ignore, ignore, ignore)), false, ""},
		{"no webhooks", mustEncode(t, &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}), false, ""},
		{"v1beta1 webhook without a policy (Ignore by default)", mustEncode(t, betaUnset), false, ""},
		{"v1beta1 webhook Fail", mustEncode(t, betaFail), true, ""},
		{"v1 mutating", mustEncode(t, mutating), true, ""},
		{"json", jsonValue, true, ""},
		{"a pod", mustEncode(t, testSmallPod()), false, "v1 Pod has no webhooks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after, changed, err := ApplyEdits(tc.value, IgnoreWebhookFailures())
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ApplyEdits = %v, want an error saying %q", err, tc.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			case changed != tc.changed || (after != nil) != tc.changed:
				t.Fatalf("ApplyEdits = %d bytes, changed %v; want changed %v", len(after), changed, tc.changed)
			case !changed:
				return
			}
			o := mustDecode(t, after)
			content, err := o.Content()
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range content["webhooks"].([]any) {
				if p := h.(map[string]any)["failurePolicy"]; p != "Ignore" {
					t.Errorf("%v: failurePolicy %v, want Ignore", h.(map[string]any)["name"], p)
				}
			}
		})
	}
}

// TestIgnoreWebhookFailuresKeepsDuplicates: protobuf reads the last of a
// repeated scalar field; a webhook stored with failurePolicy twice (Fail,
// then Ignore) is Ignore already, and one stored Ignore then Fail gets its
// last occurrence set, the first left as it was.
func TestIgnoreWebhookFailuresKeepsDuplicates(t *testing.T) {
	fp := func(v string) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, webhookFailurePolicy, protowire.BytesType), []byte(v))
	}
	base := mustEncode(t, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "twice"},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{{Name: "twice.example.com"}},
	})
	ignoredLast := inject(t, inject(t, base, pathWebhook(0), fp("Fail"), false), pathWebhook(0), fp("Ignore"), false)
	if after, changed, err := ApplyEdits(ignoredLast, IgnoreWebhookFailures()); err != nil || changed || after != nil {
		t.Errorf("Fail then Ignore: changed %v, %v; want already fine", changed, err)
	}
	failLast := inject(t, inject(t, base, pathWebhook(0), fp("Ignore"), false), pathWebhook(0), fp("Fail"), false)
	want := inject(t, inject(t, base, pathWebhook(0), fp("Ignore"), false), pathWebhook(0), fp("Ignore"), false)
	if got := mustApply(t, failLast, IgnoreWebhookFailures()); !bytes.Equal(got, want) {
		t.Errorf("Ignore then Fail:\n got %x\nwant %x", got, want)
	}
}

// FuzzIgnoreWebhookFailures: on any value, the edit never panics and
// never writes into its input; what it returns decodes, with
// kube-apiserver's serializer for protobuf, into the same kind, with every
// webhook's failurePolicy Ignore and nothing else changed; and it changes
// nothing the second time.
func FuzzIgnoreWebhookFailures(f *testing.F) {
	ignore := policy(admissionregistrationv1.Ignore)
	for _, obj := range []runtime.Object{testValidatingWebhooks(), testValidatingWebhooks(ignore, ignore, ignore), testSmallPod(),
		&admissionregistrationv1beta1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Webhooks: []admissionregistrationv1beta1.ValidatingWebhook{{Name: "b.example.com"}}},
		&admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "m"}, Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "m.example.com"}}},
	} {
		f.Add(mustEncode(f, obj))
	}
	if b, err := EncodeStorageJSON(testValidatingWebhooks()); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		checkContentEdit(t, value, IgnoreWebhookFailures(), func(before *Object, model map[string]any) {
			hooks, _ := model["webhooks"].([]any)
			for _, h := range hooks {
				hook := h.(map[string]any)
				if _, set := hook["failurePolicy"]; set || before.APIVersion == "admissionregistration.k8s.io/v1" {
					hook["failurePolicy"] = "Ignore"
				}
			}
		})
	})
}

// checkContentEdit checks one edit of a kind the wire-level edit model
// (checkEdits) does not cover: it never writes into its input; it returns
// bytes only when it changes something; what it returns decodes, with
// kube-apiserver's serializer for protobuf, into the same format and kind,
// whose content is the value's as model changes it (model gets a copy);
// and applied again it changes nothing.
func checkContentEdit(t *testing.T, value []byte, edit Edit, model func(before *Object, content map[string]any)) {
	t.Helper()
	in := bytes.Clone(value)
	after, changed, err := ApplyEdits(value, edit)
	if !bytes.Equal(value, in) {
		t.Fatal("the edit wrote into its input")
	}
	if err != nil || !changed {
		if after != nil {
			t.Fatalf("no change (%v) but %d bytes returned", err, len(after))
		}
		return
	}
	before := mustDecode(t, value)
	o := mustDecode(t, after)
	if o.Format != before.Format || o.APIVersion != before.APIVersion || o.Kind != before.Kind {
		t.Fatalf("edited %s %s %s decodes as %s %s %s", before.Format, before.APIVersion, before.Kind, o.Format, o.APIVersion, o.Kind)
	}
	if o.Format == FormatProtobuf {
		if _, _, err := apiserverProtobuf.Decode(after, nil, nil); err != nil {
			t.Fatalf("kube-apiserver's serializer cannot read the edited value: %v", err)
		}
	}
	content, err := before.Content()
	if err != nil {
		t.Fatal(err)
	}
	// A copy to change: the decoded content is the object's own.
	var want map[string]any
	if err := json.Unmarshal(mustJSON(t, content), &want); err != nil {
		t.Fatal(err)
	}
	model(before, want)
	got, err := o.Content()
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, got, want) {
		t.Fatalf("the edit changed more than it says:\n got %v\nwant %v", got, want)
	}
	if again, changed, err := ApplyEdits(after, edit); err != nil || changed || again != nil {
		t.Fatalf("second application: changed %v, %v", changed, err)
	}
}
