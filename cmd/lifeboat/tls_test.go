package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

// TestTLSFailuresSayWhy: when TLS with etcd fails, the one error line names
// the x509 or TLS reason and the flag that fixes it, instead of "context
// deadline exceeded"; the TUI's store (Lazy) says the same on its first
// request.
func TestTLSFailuresSayWhy(t *testing.T) {
	mtls := etcdtest.StartTLS(t, etcdtest.TLSOptions{ClientCertAuth: true})
	elsewhere := etcdtest.StartTLS(t, etcdtest.TLSOptions{Hosts: []string{"etcd-0.other.example", "10.9.8.7"}})
	for _, tt := range []struct {
		name  string
		flags []string
		code  int
		want  []string // in the error line
	}{
		{"right CA and client certificate", []string{"--endpoints", mtls.Endpoint, "--cacert", mtls.CACert, "--cert", mtls.ClientCert, "--key", mtls.ClientKey}, exitOK, nil},
		{"unknown authority", []string{"--endpoints", mtls.Endpoint, "--cacert", mtls.OtherCACert, "--cert", mtls.ClientCert, "--key", mtls.ClientKey}, exitError,
			[]string{"etcd " + mtls.Endpoint + ": TLS:", "x509: certificate signed by unknown authority", "not in --cacert " + mtls.OtherCACert, "give --cacert the CA that signed etcd's certificate"}},
		{"unknown authority, no --cacert", []string{"--endpoints", mtls.Endpoint}, exitError,
			[]string{"x509: certificate signed by unknown authority", "not in the system's CAs (no --cacert given)", "give --cacert"}},
		{"name mismatch", []string{"--endpoints", elsewhere.Endpoint, "--cacert", elsewhere.CACert}, exitError,
			[]string{"etcd's certificate is not for 127.0.0.1", "x509: certificate is valid for 10.9.8.7, not 127.0.0.1", "--endpoints"}},
		{"missing client certificate", []string{"--endpoints", mtls.Endpoint, "--cacert", mtls.CACert}, exitError,
			[]string{"etcd requires a client certificate and none was given", "tls: certificate required", "give --cert and --key"}},
		{"client certificate of another CA", []string{"--endpoints", mtls.Endpoint, "--cacert", mtls.CACert, "--cert", mtls.OtherClientCert, "--key", mtls.OtherClientKey}, exitError,
			[]string{"etcd refused the client certificate --cert " + mtls.OtherClientCert, "remote error: tls:", "give --cert and --key a certificate signed by a CA etcd trusts"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := lifeboat(t, nil, append(tt.flags, "--dial-timeout", "1s", "get", "nodes")...)
			wantCode(t, r, tt.code)
			if tt.code == exitOK {
				return
			}
			if l := lines(r.errOut); len(l) != 1 || strings.Contains(l[0], "deadline exceeded") {
				t.Errorf("want one line with the reason, not the deadline:\n%s", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("the error does not say %q:\n%s", w, r)
				}
			}
		})
	}

	t.Run("the TUI's store", func(t *testing.T) {
		store, err := etcdops.Open(context.Background(), etcdops.Config{Endpoints: []string{mtls.Endpoint}, CACert: mtls.CACert, Lazy: true, CommandTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		_, err = store.Revision(context.Background())
		if err == nil || !strings.Contains(err.Error(), "etcd requires a client certificate and none was given") {
			t.Errorf("Revision = %v, want the missing client certificate named", err)
		}
	})
}
