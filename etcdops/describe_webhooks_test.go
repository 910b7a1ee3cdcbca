package etcdops_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// endpointSlice is a slice of Service namespace/service with an endpoint
// per ready condition (nil: unset, which discovery/v1 reads as ready).
func endpointSlice(namespace, name, service string, ready ...*bool) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for _, r := range ready {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{"10.244.1.7"}, Conditions: discoveryv1.EndpointConditions{Ready: r}})
	}
	return s
}

// TestDescribeWebhooks: describe of a webhook configuration gives each
// webhook's failure policy (its version's default when unset), what it
// calls (the Service's port defaulted to 443), whether the Service is in
// etcd and how many ready endpoints its EndpointSlices hold (unset ready
// counts, other Services' slices do not), its rules, selectors and
// timeout; and which of them refuse requests while they are down.
func TestDescribeWebhooks(t *testing.T) {
	_, cli := etcdtest.Start(t)
	yes, no := true, false
	timeout := int32(3)
	path, url := "/validate", "https://hooks.example.com/check"
	config := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			{Name: "served.example.com", FailurePolicy: failurePolicy(admissionregistrationv1.Fail), TimeoutSeconds: &timeout,
				ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "gatekeeper", Path: &path}},
				Rules: []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}}}},
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"policy": "enforced"}}},
			{Name: "gone.example.com",
				ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "gone"}}},
			{Name: "idle.example.com", FailurePolicy: failurePolicy(admissionregistrationv1.Ignore),
				ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "idle"}}},
			{Name: "url.example.com", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url}},
		},
	}
	putObject(t, cli, "/registry/validatingwebhookconfigurations/gatekeeper", config)
	putObject(t, cli, "/registry/services/specs/policy/gatekeeper", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "policy", Name: "gatekeeper"}})
	putObject(t, cli, "/registry/services/specs/policy/idle", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "policy", Name: "idle"}})
	putObject(t, cli, "/registry/endpointslices/policy/gatekeeper-a", endpointSlice("policy", "gatekeeper-a", "gatekeeper", &yes, &no))
	putObject(t, cli, "/registry/endpointslices/policy/gatekeeper-b", endpointSlice("policy", "gatekeeper-b", "gatekeeper", nil))
	putObject(t, cli, "/registry/endpointslices/policy/idle-a", endpointSlice("policy", "idle-a", "idle", &no))
	putObject(t, cli, "/registry/endpointslices/policy/other-a", endpointSlice("policy", "other-a", "other", &yes))

	store := etcdops.NewStore(cli, "/registry", true)
	d, err := store.Describe(context.Background(), etcdops.KeyInfo{Resource: resource(t, "validatingwebhookconfigurations"), Name: "gatekeeper"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		policy          string
		defaulted       bool
		calls           string
		found           bool
		ready           int
		timeout         int32
		down, blocks    bool
		rules, nsLabels int
	}
	wants := []want{
		{"Fail", false, "policy/gatekeeper:443/validate", true, 2, 3, false, false, 1, 1},
		{"Fail", true, "policy/gone:443", false, 0, 10, true, true, 0, 0},
		{"Ignore", false, "policy/idle:443", true, 0, 10, true, false, 0, 0},
		{"Fail", true, "https://hooks.example.com/check", false, 0, 10, false, false, 0, 0},
	}
	if len(d.Webhooks) != len(wants) {
		t.Fatalf("%d webhooks described, want %d", len(d.Webhooks), len(wants))
	}
	for i, w := range wants {
		h := d.Webhooks[i]
		calls := h.URL
		if h.Service != nil {
			calls = h.Service.Namespace + "/" + h.Service.Name + ":" + strconv.Itoa(int(*h.Service.Port))
			if h.Service.Path != nil {
				calls += *h.Service.Path
			}
		}
		nsLabels := 0
		if h.NamespaceSelector != nil {
			nsLabels = len(h.NamespaceSelector.MatchLabels)
		}
		got := want{h.FailurePolicy, h.FailurePolicyDefaulted, calls, h.ServiceFound, h.ReadyEndpoints, h.TimeoutSeconds, h.Down(), h.Blocks(), len(h.Rules), nsLabels}
		if got != w {
			t.Errorf("%s: %+v, want %+v", h.Name, got, w)
		}
	}
}
