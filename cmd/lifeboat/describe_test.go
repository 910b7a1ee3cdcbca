package main

import (
	"context"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDescribeCommand: 'lifeboat describe' prints kubectl describe's
// sections from etcd, the TUI's d text (render.Describe), never a Secret's
// values and nothing that drives the terminal; a missing object or resource
// is one line naming it and the fix, with get's exit codes; a value that
// does not decode is described as such and exits 3, as get.
func TestDescribeCommand(t *testing.T) {
	ec := etcdtest.Capsized(t, demo.Options{Now: testNow, Malformed: true})
	srv, c := ec.Server, clusterOf(t, ec)
	fail := admissionregistrationv1.Fail
	hook := &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: "check.gatekeeper.sh", FailurePolicy: &fail,
			ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "gatekeeper"}}}},
	}
	if err := demo.PutObject(context.Background(), c.cli, "/registry/validatingwebhookconfigurations/gatekeeper", hook, 0); err != nil {
		t.Fatal(err)
	}
	rev := c.revision()
	for _, tc := range []struct {
		name        string
		args        []string
		code        int
		want, avoid []string // on stdout
		errWant     []string
	}{
		{name: "evicted pod", args: []string{"describe", "pods", "frontend-vcgpxj2xjx-fsfcm", "-n", "shop"}, want: []string{
			"Name:", "frontend-vcgpxj2xjx-fsfcm", "Node:", "worker-1/10.0.0.22 · Ready=Unknown · kubelet lease", "STALE",
			"Status:", "Terminating", "Containers:", "  frontend:\n", "State:          Running", "Restart Count:  0",
			"Mounts:\n      /etc/frontend from config (ro)\n", "Volumes:\n  config:\n", "ConfigMap (a volume populated by a ConfigMap)",
			"QoS Class:", "Burstable", "Tolerations:", "node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
			"Events:\n  Type     Reason                Age", "NodeNotReady", "TaintManagerEviction"}, avoid: []string{"\x1b"}},
		{name: "pod/NAME, as kubectl takes it", args: []string{"describe", "pod/frontend-vcgpxj2xjx-fsfcm", "-n", "shop"}, want: []string{"Name:", "frontend-vcgpxj2xjx-fsfcm"}},
		{name: "node", args: []string{"describe", "node", "worker-3"}, want: []string{
			"Unschedulable:  true", "node.kubernetes.io/unschedulable:NoSchedule", "Conditions:", "Addresses:", "Capacity:", "Allocatable:",
			"Non-terminated Pods:", "Allocated resources:"}},
		{name: "two nodes", args: []string{"describe", "no", "worker-6", "worker-7"}, want: []string{"Name:           worker-6\n", "\n\nName:           worker-7\n"}},
		{name: "secret: sizes, never values", args: []string{"describe", "secret", "payments-api-db", "-n", "payments"}, want: []string{
			"Type:  Opaque", "Data\n====\n", "password:  24 bytes"}, avoid: []string{"hunter2", "last-applied", "payments_api"}},
		{name: "webhook configuration", args: []string{"describe", "validatingwebhookconfigurations", "gatekeeper"}, want: []string{
			"Webhooks:\n  check.gatekeeper.sh\n", "Failure policy:", "Fail", "Calls:", "service policy/gatekeeper:443", "Service:", "not in etcd",
			"refuses every request it matches while its service is down ('lifeboat webhooks disable gatekeeper'"}},
		{name: "missing cluster-scoped object", args: []string{"describe", "mutatingwebhookconfigurations", "gatekeeper"}, code: exitError,
			errWant: []string{"mutatingwebhookconfigurations/gatekeeper not found", "check the name"}},
		{name: "missing pod", args: []string{"describe", "pods", "no-such-pod", "-n", "shop"}, code: exitError,
			errWant: []string{"lifeboat: pods/shop/no-such-pod not found (no key /registry/pods/shop/no-such-pod): check the name and -n/--namespace, or --prefix\n"}},
		{name: "unknown resource", args: []string{"describe", "podz", "web"}, code: exitUsage, errWant: []string{"podz", "did you mean pods?"}},
		{name: "no name", args: []string{"describe", "pods", "-n", "shop"}, code: exitUsage,
			errWant: []string{"describe needs the name of the pod to describe, e.g. 'lifeboat describe pods NAME -n NAMESPACE'"}},
		{name: "no resource", args: []string{"describe"}, code: exitUsage, errWant: []string{"describe needs a resource and a name"}},
		{name: "value that does not decode", args: []string{"describe", "pods", "poison"}, code: exitPartial,
			want: []string{"Value:", "cannot be decoded"}, errWant: []string{"lifeboat quarantine /registry/pods/default/poison"}},
		{name: "encrypted secret", args: []string{"describe", "secret", "card-processor-token", "-n", "payments"},
			want: []string{"encrypted at rest (aescbc key key1)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(tc.args...)
			wantCode(t, r, tc.code)
			for _, w := range tc.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("stdout lacks %q\n%s", w, r)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(r.out, a) {
					t.Errorf("stdout shows %q\n%s", a, r)
				}
			}
			for _, w := range tc.errWant {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q\n%s", w, r)
				}
			}
			if tc.code != exitOK && tc.code != exitPartial && r.out != "" {
				t.Errorf("an error printed on stdout:\n%s", r)
			}
		})
	}
	c.assertUnchanged(rev, result{})

	// From a snapshot, with etcd gone: the same text.
	live := c.run("describe", "node", "worker-1")
	path := c.saveSnapshot()
	srv.Close()
	r := c.run("describe", "node", "worker-1", "--snapshot", path)
	wantCode(t, r, exitOK)
	if r.out != live.out {
		t.Errorf("describe --snapshot:\n%s\nlive:\n%s", r, live)
	}
}
