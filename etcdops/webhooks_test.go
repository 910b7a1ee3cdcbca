package etcdops_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
)

// apiserverDecoder is apimachinery's protobuf serializer over client-go's
// scheme: how kube-apiserver reads what lifeboat wrote, independent of
// lifeboat's codec.
var apiserverDecoder = protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)

func failurePolicy(p admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.FailurePolicyType {
	return &p
}

// validatingConfig is a ValidatingWebhookConfiguration whose webhooks have
// these failure policies (nil: unset), calling Service policy/gatekeeper.
func validatingConfig(name string, policies ...*admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.ValidatingWebhookConfiguration {
	c := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), CreationTimestamp: metav1.NewTime(testNow)}}
	path, none := "/validate", admissionregistrationv1.SideEffectClassNone
	for i, p := range policies {
		c.Webhooks = append(c.Webhooks, admissionregistrationv1.ValidatingWebhook{
			Name:          strings.Repeat("x", i) + "check.gatekeeper.sh",
			ClientConfig:  admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "gatekeeper", Path: &path}},
			FailurePolicy: p,
			Rules: []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		})
	}
	return c
}

func mutatingConfig(name string, policies ...*admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.MutatingWebhookConfiguration {
	c := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-m-" + name), CreationTimestamp: metav1.NewTime(testNow)}}
	url := "https://injector.example.com/mutate"
	for i, p := range policies {
		c.Webhooks = append(c.Webhooks, admissionregistrationv1.MutatingWebhook{
			Name: strings.Repeat("x", i) + "inject.example.com", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url}, FailurePolicy: p,
		})
	}
	return c
}

// encoded stores obj as kube-apiserver does.
func encoded(t testing.TB, obj runtime.Object) []byte {
	t.Helper()
	b, err := codec.EncodeProtobuf(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// webhookCluster is an etcd holding webhook configurations: "gatekeeper"
// (Fail, Ignore, unset), "injector" (mutating, Fail), "relaxed" (Ignore
// only) and "twin" (one of each kind).
func webhookCluster(t *testing.T) (*etcdops.Store, *clientv3.Client) {
	t.Helper()
	_, cli := etcdtest.Start(t)
	fail, ignore := failurePolicy(admissionregistrationv1.Fail), failurePolicy(admissionregistrationv1.Ignore)
	for key, obj := range map[string]runtime.Object{
		"/registry/validatingwebhookconfigurations/gatekeeper": validatingConfig("gatekeeper", fail, ignore, nil),
		"/registry/mutatingwebhookconfigurations/injector":     mutatingConfig("injector", fail),
		"/registry/validatingwebhookconfigurations/relaxed":    validatingConfig("relaxed", ignore, ignore),
		"/registry/validatingwebhookconfigurations/twin":       validatingConfig("twin", fail),
		"/registry/mutatingwebhookconfigurations/twin":         mutatingConfig("twin", fail),
	} {
		putObject(t, cli, key, obj)
	}
	return etcdops.NewStore(cli, "/registry", false), cli
}

// TestResolveWebhooks: each name goes to the kind of configuration that
// holds it; a name both kinds hold needs the kind, one neither holds is
// not found; --delete makes the operation a delete.
func TestResolveWebhooks(t *testing.T) {
	store, _ := webhookCluster(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		names []string
		kind  string
		del   bool
		want  []string // "action resource names" of each resolved operation
		error string
	}{
		{"both kinds", []string{"gatekeeper", "injector", "relaxed"}, "", false,
			[]string{"disable-webhooks validatingwebhookconfigurations gatekeeper,relaxed", "disable-webhooks mutatingwebhookconfigurations injector"}, ""},
		{"delete", []string{"injector"}, "", true, []string{"delete mutatingwebhookconfigurations injector"}, ""},
		{"a name both kinds have, with its kind", []string{"twin"}, "mutating", false, []string{"disable-webhooks mutatingwebhookconfigurations twin"}, ""},
		{"a name both kinds have", []string{"twin"}, "", false, nil, "both a ValidatingWebhookConfiguration and a MutatingWebhookConfiguration are named twin: say which with --kind"},
		{"no such name", []string{"nosuch"}, "", false, nil, "no webhook configuration is named nosuch"},
		{"not of that kind", []string{"injector"}, "validating", false, nil, "validatingwebhookconfigurations/injector not found"},
		{"a bad kind", []string{"twin"}, "validation", false, nil, `bad kind "validation": did you mean validating?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := etcdops.Operation{Action: etcdops.DisableWebhooks, Query: names(tc.names...), WebhookKind: tc.kind, DeleteWebhooks: tc.del}
			ops, err := store.ResolveOperations(ctx, []etcdops.Operation{op})
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("ResolveOperations = %v, want an error saying %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, op := range ops {
				got = append(got, string(op.Action)+" "+op.Query.Resource.Name+" "+strings.Join(op.Query.Names, ","))
			}
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("resolved to %q, want %q", got, tc.want)
			}
		})
	}
	// An operation not resolved is never planned, whatever it would read.
	if _, err := planOf(ctx, store, etcdops.Operation{Action: etcdops.DisableWebhooks, Query: etcdops.Query{Names: []string{"gatekeeper"}}}); err == nil {
		t.Error("Plan of an unresolved disable-webhooks: no error")
	}
}

// names is a query of these names: a disable-webhooks operation's,
// before ResolveOperations gives it its resource.
func names(n ...string) etcdops.Query { return etcdops.Query{Names: n} }

// TestDisableWebhooks: every webhook of the named configurations ends
// with failurePolicy Ignore and every other byte as it was (the value is
// exactly the configuration encoded with Ignore everywhere), as
// kube-apiserver's own serializer reads it; a configuration with only
// Ignore is already fine and not written; the journal's undo puts every
// byte back; --delete removes the keys and its undo re-creates them.
func TestDisableWebhooks(t *testing.T) {
	ctx := context.Background()
	store, cli := webhookCluster(t)
	before := snapshot(t, cli)
	ignore := failurePolicy(admissionregistrationv1.Ignore)
	want := map[string][]byte{
		"/registry/validatingwebhookconfigurations/gatekeeper": encoded(t, validatingConfig("gatekeeper", ignore, ignore, ignore)),
		"/registry/mutatingwebhookconfigurations/injector":     encoded(t, mutatingConfig("injector", ignore)),
	}

	ops, err := store.ResolveOperations(ctx, []etcdops.Operation{{Action: etcdops.DisableWebhooks, Query: names("gatekeeper", "injector", "relaxed")}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.NewBatch(ctx, testNow, ops...)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Preview(ctx, func(int, *etcdops.Change) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if changed, unchanged, skipped := b.Counts(); changed != 2 || unchanged != 1 || skipped != 0 {
		t.Errorf("preview: %d to change, %d already fine, %d skipped; want 2, 1 (relaxed), 0", changed, unchanged, skipped)
	}
	j := newJournal(t)
	for _, r := range applyPreviewed(t, b, j) {
		if r.Err != nil || !r.Changed {
			t.Errorf("%s: %+v", r.Key, r)
		}
	}
	after := snapshot(t, cli)
	for key, value := range want {
		if !bytes.Equal(after[key].Value, value) {
			t.Errorf("%s: written value is not the configuration with failurePolicy Ignore, every other byte kept:\n got %x\nwant %x", key, after[key].Value, value)
		}
		obj, _, err := apiserverDecoder.Decode(after[key].Value, nil, nil)
		if err != nil {
			t.Fatalf("%s: kube-apiserver's serializer cannot read it: %v", key, err)
		}
		var policies []*admissionregistrationv1.FailurePolicyType
		switch c := obj.(type) {
		case *admissionregistrationv1.ValidatingWebhookConfiguration:
			for _, h := range c.Webhooks {
				policies = append(policies, h.FailurePolicy)
			}
		case *admissionregistrationv1.MutatingWebhookConfiguration:
			for _, h := range c.Webhooks {
				policies = append(policies, h.FailurePolicy)
			}
		}
		for i, p := range policies {
			if p == nil || *p != admissionregistrationv1.Ignore {
				t.Errorf("%s: webhook %d failurePolicy %v, want Ignore", key, i, p)
			}
		}
	}
	relaxed := "/registry/validatingwebhookconfigurations/relaxed"
	if after[relaxed].ModRevision != before[relaxed].ModRevision {
		t.Errorf("%s, already Ignore, was written", relaxed)
	}

	for _, r := range undoJournal(t, store, j.Path()) {
		if r.Err != nil {
			t.Errorf("undo %s: %v", r.Key, r.Err)
		}
	}
	undone := snapshot(t, cli)
	for key := range want {
		if !bytes.Equal(undone[key].Value, before[key].Value) {
			t.Errorf("%s: undo did not put the configuration back byte for byte", key)
		}
	}

	// --delete: the same names, deleted; undo re-creates them.
	ops, err = store.ResolveOperations(ctx, []etcdops.Operation{{Action: etcdops.DisableWebhooks, Query: names("injector"), DeleteWebhooks: true}})
	if err != nil {
		t.Fatal(err)
	}
	j = newJournal(t)
	_, results := applyOp(t, store, ops[0], j)
	injector := "/registry/mutatingwebhookconfigurations/injector"
	if _, ok := snapshot(t, cli)[injector]; ok || len(results) != 1 || !results[0].Changed {
		t.Fatalf("--delete: results %+v, key still there %v", results, ok)
	}
	undoJournal(t, store, j.Path())
	if got := snapshot(t, cli)[injector]; !bytes.Equal(got.Value, before[injector].Value) {
		t.Error("undo of --delete did not re-create the configuration as it was")
	}
}

// TestDisableWebhooksRefusesOtherKinds: a resolved operation names its
// resource; any other resource is refused before anything is read.
func TestDisableWebhooksRefusesOtherKinds(t *testing.T) {
	op := etcdops.Operation{Action: etcdops.DisableWebhooks, Query: etcdops.Query{Resource: resource(t, "configmaps"), Names: []string{"a"}}}
	var usage *etcdops.UsageError
	if err := op.Validate(); !errors.As(err, &usage) || !strings.Contains(err.Error(), "not configmaps") {
		t.Errorf("Validate = %v, want a usage error naming configmaps", err)
	}
	if err := (etcdops.Operation{Action: etcdops.DisableWebhooks}).Validate(); err == nil || !strings.Contains(err.Error(), "name the webhook configurations") {
		t.Errorf("Validate without names = %v", err)
	}
}
