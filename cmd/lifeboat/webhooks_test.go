package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const (
	gatekeeperKey = "/registry/validatingwebhookconfigurations/gatekeeper"
	injectorKey   = "/registry/mutatingwebhookconfigurations/injector"
)

// withWebhooks adds to the cluster a ValidatingWebhookConfiguration
// "gatekeeper" whose webhook fails closed, a MutatingWebhookConfiguration
// "injector" whose webhook sets no policy (Fail, v1's default), and "twin"
// of both kinds.
func (c *cluster) withWebhooks() {
	c.t.Helper()
	fail := admissionregistrationv1.Fail
	service := admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "gatekeeper"}}
	validating := func(name string) *admissionregistrationv1.ValidatingWebhookConfiguration {
		return &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(testNow)},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: "check.gatekeeper.sh", ClientConfig: service, FailurePolicy: &fail}}}
	}
	mutating := func(name string) *admissionregistrationv1.MutatingWebhookConfiguration {
		return &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(testNow)},
			Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "inject.example.com", ClientConfig: service}}}
	}
	for key, obj := range map[string]runtime.Object{
		gatekeeperKey: validating("gatekeeper"),
		injectorKey:   mutating("injector"),
		"/registry/validatingwebhookconfigurations/twin": validating("twin"),
		"/registry/mutatingwebhookconfigurations/twin":   mutating("twin"),
	} {
		if err := demo.PutObject(context.Background(), c.cli, key, obj, 0); err != nil {
			c.t.Fatal(err)
		}
	}
}

// failurePolicies are the failure policies of the webhooks stored at key,
// as kube-apiserver's serializer reads them ("" for unset).
func (c *cluster) failurePolicies(key string) []string {
	c.t.Helper()
	var out []string
	add := func(p *admissionregistrationv1.FailurePolicyType) {
		if p == nil {
			out = append(out, "")
		} else {
			out = append(out, string(*p))
		}
	}
	switch o := decodeObject(c.t, key, c.get(key).Value).(type) {
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		for _, h := range o.Webhooks {
			add(h.FailurePolicy)
		}
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		for _, h := range o.Webhooks {
			add(h.FailurePolicy)
		}
	default:
		c.t.Fatalf("%s holds a %T", key, o)
	}
	return out
}

// TestWebhooksDisable: the dry run shows the diff and writes nothing;
// --yes sets failurePolicy Ignore on every webhook of the named
// configurations, whichever kind they are (read back by kube-apiserver's
// serializer), prints each write with -o json, and undo puts them back;
// a second run has nothing to do; --delete removes a configuration; a name
// both kinds have needs --kind; no names, and --readonly, are refused.
func TestWebhooksDisable(t *testing.T) {
	c := capsized(t)
	c.withWebhooks()
	before := map[string]kv{gatekeeperKey: c.get(gatekeeperKey), injectorKey: c.get(injectorKey)}

	rev := c.revision()
	r := c.run("webhooks", "disable", "gatekeeper", "injector", "--dry-run")
	wantCode(t, r, exitOK)
	c.assertUnchanged(rev, r)
	for _, want := range []string{"-  failurePolicy: Fail", "+  failurePolicy: Ignore", "mutatingwebhookconfigurations/injector", "validatingwebhookconfigurations/gatekeeper",
		"disable webhooks (failurePolicy Ignore): 1 would change"} {
		if !strings.Contains(r.out+r.errOut, want) {
			t.Errorf("the dry run does not show %q:\n%s", want, r)
		}
	}

	j := c.journal("disable.jsonl")
	r = c.run("webhooks", "disable", "gatekeeper", "injector", "--yes", "-o", "json", "--journal", j)
	wantCode(t, r, exitOK)
	lines := jsonLines(t, r.out)
	if len(lines) != 2 {
		t.Fatalf("%d JSON lines, want one per configuration:\n%s", len(lines), r)
	}
	for _, m := range lines {
		if l := checkResultLine(t, m); !l.Changed || l.Action != "disable-webhooks" || l.NewRevision <= l.OldRevision {
			t.Errorf("line %+v, want a disable-webhooks write", l)
		}
	}
	for key := range before {
		if got := c.failurePolicies(key); strings.Join(got, ",") != "Ignore" {
			t.Errorf("%s: failure policies %v after disable, want [Ignore]", key, got)
		}
	}

	rev = c.revision()
	r = c.run("webhooks", "disable", "gatekeeper", "--yes")
	wantCode(t, r, exitOK)
	c.assertUnchanged(rev, r)
	if !strings.Contains(r.errOut, "1 already fine") {
		t.Errorf("a second disable is not already fine:\n%s", r)
	}

	wantCode(t, c.run("undo", j, "--yes"), exitOK)
	for key, was := range before {
		if got := c.get(key); got.Value != was.Value {
			t.Errorf("%s: undo did not put the configuration back byte for byte", key)
		}
	}

	r = c.run("webhooks", "disable", "injector", "--delete", "--yes")
	wantCode(t, r, exitOK)
	if resp, err := c.cli.Get(context.Background(), injectorKey); err != nil || len(resp.Kvs) != 0 {
		t.Errorf("--delete left %s (%v)", injectorKey, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"webhooks", "disable", "twin", "--yes"}, exitUsage, "say which with --kind validating or --kind mutating"},
		{[]string{"webhooks", "disable", "twin", "--kind", "validating", "--yes"}, exitOK, "1 changed"},
		{[]string{"webhooks", "disable", "twin", "--kind", "mutate", "--yes"}, exitUsage, `bad --kind "mutate"`},
		{[]string{"webhooks", "disable", "--yes"}, exitUsage, "needs the names of webhook configurations"},
		{[]string{"webhooks", "disable", "nosuch", "--yes"}, exitError, "no webhook configuration is named nosuch"},
		{[]string{"--readonly", "webhooks", "disable", "gatekeeper", "--yes"}, exitError, "--readonly"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			rev := c.revision()
			r := c.run(tc.args...)
			wantCode(t, r, tc.code)
			if !strings.Contains(r.errOut, tc.say) {
				t.Errorf("stderr does not say %q:\n%s", tc.say, r)
			}
			if tc.code != exitOK {
				c.assertUnchanged(rev, r)
			}
		})
	}
}

// TestWebhooksInPlans: disable-webhooks in a plan file runs with the
// other operations, resolving each name to its kind.
func TestWebhooksInPlans(t *testing.T) {
	c := capsized(t)
	c.withWebhooks()
	plan := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(plan, []byte("operations:\n- action: disable-webhooks\n  names: [gatekeeper, injector]\n- action: disable-webhooks\n  names: [twin]\n  kind: mutating\n  delete: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("apply", "-f", plan, "--yes")
	wantCode(t, r, exitOK)
	for _, key := range []string{gatekeeperKey, injectorKey} {
		if got := c.failurePolicies(key); strings.Join(got, ",") != "Ignore" {
			t.Errorf("%s: failure policies %v, want [Ignore]", key, got)
		}
	}
	if resp, err := c.cli.Get(context.Background(), "/registry/mutatingwebhookconfigurations/twin"); err != nil || len(resp.Kvs) != 0 {
		t.Errorf("the plan's delete left the mutating twin (%v)", err)
	}
	if got := c.failurePolicies("/registry/validatingwebhookconfigurations/twin"); strings.Join(got, ",") != "Fail" {
		t.Errorf("the validating twin was touched: %v", got)
	}
}
