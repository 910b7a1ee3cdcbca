package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestWebhooksFromTheTUI: on :validatingwebhookconfigurations, d describes
// each webhook (its failure policy, the Service it calls, that the Service
// has no ready endpoint, its rules and selectors) and says the webhook
// refuses what it matches; i previews failurePolicy Ignore as a diff, y
// writes it through the journal, and the journal view's u puts it back.
// Elsewhere i says where it works.
func TestWebhooksFromTheTUI(t *testing.T) {
	h := newHarness(t, harnessOptions{width: 160, height: 48})
	const key = "/registry/validatingwebhookconfigurations/gatekeeper"
	fail := admissionregistrationv1.Fail
	path := "/validate"
	for k, obj := range map[string]runtime.Object{
		key: &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper", CreationTimestamp: metav1.NewTime(testNow)},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: "check.gatekeeper.sh", FailurePolicy: &fail,
				ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "gatekeeper", Path: &path}},
				Rules: []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"policy": "enforced"}}}},
		},
		"/registry/services/specs/policy/gatekeeper": &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "policy", Name: "gatekeeper"}},
	} {
		if err := demo.PutObject(context.Background(), h.cli, k, obj, 0); err != nil {
			t.Fatal(err)
		}
	}
	original := h.object(key)

	h.press("i")
	if !strings.Contains(h.m.status, "i disables webhooks: switch with :validatingwebhookconfigurations") {
		t.Errorf("i on pods: status %q", h.m.status)
	}

	h.showOnly("validatingwebhookconfigurations", "gatekeeper")
	h.press("d")
	h.waitFor("the description", func() bool { return on[*describeScreen](h) })
	checkText(t, "describe", ansiStrip(topAs[*describeScreen](h).pager.content), []string{
		"Webhooks:", "check.gatekeeper.sh", "Failure policy:", "Fail", "service policy/gatekeeper:443/validate",
		"in etcd · no ready endpoint in its EndpointSlices", `CREATE pods (apiGroups "", apiVersions v1)`, "Namespace selector:", "policy=enforced",
		"Object selector:", "everything", "Timeout:", "10s",
		"refuses every request it matches while its service is down", "'lifeboat webhooks disable gatekeeper'"}, nil)
	h.checkSize()
	h.press("q")

	h.press("i")
	h.waitFor("the preview", func() bool { return on[*previewScreen](h) })
	checkText(t, "preview", ansiStrip(h.screen()), []string{"disable webhooks (failurePolicy Ignore)", "-  failurePolicy: Fail", "+  failurePolicy: Ignore"}, nil)
	h.press("y")
	h.waitFor("summary", func() bool { return on[*summaryScreen](h) })
	written := h.object(key)
	if !strings.Contains(string(written.Value), "Ignore") || strings.Contains(string(written.Value), "Fail") {
		t.Fatalf("i did not write failurePolicy Ignore to %s", key)
	}

	h.press("ctrl+j")
	h.waitFor("journal rows", func() bool { return h.journalRows() == 1 })
	h.press("u")
	h.waitFor("undo preview", func() bool { return on[*previewScreen](h) })
	h.press("y")
	h.waitFor("undo summary", func() bool { return on[*summaryScreen](h) })
	if back := h.object(key); string(back.Value) != string(original.Value) {
		t.Error("undo did not put the configuration back as it was")
	}
}
