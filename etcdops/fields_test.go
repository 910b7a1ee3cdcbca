package etcdops_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// TestParseFieldSelector: apimachinery's syntax, and only the fields
// kube-apiserver lets each resource be selected by.
func TestParseFieldSelector(t *testing.T) {
	crontabs, err := etcdops.ResolveResource("crontabs.stable.example.com")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		resource etcdops.Resource
		selector string
		wantErr  string // "" for none
	}{
		{resource(t, "pods"), "", ""},
		{resource(t, "pods"), "metadata.namespace=shop,metadata.name!=web-0", ""},
		{resource(t, "pods"), "spec.nodeName=worker-1,status.phase==Running", ""},
		{resource(t, "pods"), "status.podIP=10.0.0.1,spec.hostNetwork=false,spec.restartPolicy=Always", ""},
		{resource(t, "nodes"), "metadata.name=worker-1,spec.unschedulable=true", ""},
		{resource(t, "secrets"), "type=kubernetes.io/tls", ""},
		{crontabs, "metadata.name=nightly", ""},
		{resource(t, "pods"), "spec.nodename=worker-1", "did you mean spec.nodeName?"},
		{resource(t, "pods"), "status.phse=Running", "did you mean status.phase?"},
		{resource(t, "nodes"), "metadata.namespace=shop", "nodes cannot be selected by metadata.namespace: use one of metadata.name, spec.unschedulable"},
		{resource(t, "configmaps"), "status.phase=Running", "configmaps cannot be selected by status.phase"},
		{crontabs, "spec.nodeName=x", "cannot be selected by spec.nodeName"},
		{resource(t, "pods"), "status.phase=", ""},
		{resource(t, "pods"), "status.phase", "bad field selector"},
		{resource(t, "pods"), "a=b=c,", "bad field selector"},
	}
	for _, tt := range tests {
		sel, err := etcdops.ParseFieldSelector(tt.resource, tt.selector)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s %q: %v", tt.resource, tt.selector, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s %q: error %v, want one saying %q", tt.resource, tt.selector, err, tt.wantErr)
		case err != nil:
			var usage *etcdops.UsageError
			if !errors.As(err, &usage) {
				t.Errorf("%s %q: %v is not a usage error (exit 2)", tt.resource, tt.selector, err)
			}
		case tt.selector == "" && sel != nil:
			t.Errorf("an empty selector selects by %v", sel)
		}
	}
}
