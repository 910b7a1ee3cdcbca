package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"slices"
	"testing"
)

// The apiserver must take kubectl's certificate as system:masters from the
// client CA it is given, and read the service-account key: a certificate
// that does not chain, or a key it cannot parse, would fail the stage
// only when the whole harness runs.
func TestKubeCredentialsChainToTheirCA(t *testing.T) {
	creds, err := writeKubeCredentials(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	parse := func(path, wantType string) []byte {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		block, rest := pem.Decode(data)
		if block == nil || block.Type != wantType || len(rest) != 0 {
			t.Fatalf("%s: want one PEM block %q", path, wantType)
		}
		return block.Bytes
	}
	ca, err := x509.ParseCertificate(parse(creds.ca, "CERTIFICATE"))
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA {
		t.Errorf("%s is not a CA", creds.ca)
	}
	client, err := x509.ParseCertificate(parse(creds.clientCert, "CERTIFICATE"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the client certificate does not verify as a client of the CA: %v", err)
	}
	if !slices.Equal(client.Subject.Organization, []string{"system:masters"}) {
		t.Errorf("client certificate groups %q, want system:masters (AlwaysAllow needs none, but RBAC would)", client.Subject.Organization)
	}
	if _, err := tls.LoadX509KeyPair(creds.clientCert, creds.clientKey); err != nil {
		t.Errorf("client key does not match its certificate: %v", err)
	}
	if _, err := x509.ParseECPrivateKey(parse(creds.serviceAccountKey, "EC PRIVATE KEY")); err != nil {
		t.Errorf("service-account key: %v", err)
	}
}
