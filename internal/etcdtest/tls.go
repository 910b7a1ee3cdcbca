package etcdtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
)

// TLSServer is an embedded etcd serving its clients over TLS, and the
// files a client needs, or gets wrong.
type TLSServer struct {
	Endpoint string // https://127.0.0.1:PORT
	// CACert signed the server's certificate and the client's.
	CACert string
	// ClientCert and ClientKey are a client certificate CACert signed.
	ClientCert, ClientKey string
	// OtherCACert is a CA that signed neither: the wrong --cacert. It
	// signed OtherClientCert (and OtherClientKey), which etcd refuses.
	OtherCACert, OtherClientCert, OtherClientKey string
}

// TLSOptions shape StartTLS's server.
type TLSOptions struct {
	// Hosts are the names and addresses the server's certificate is for;
	// none means 127.0.0.1, the address it listens on.
	Hosts []string
	// ClientCertAuth makes the server require a client certificate signed
	// by CACert (etcd's --client-cert-auth).
	ClientCertAuth bool
}

// StartTLS runs an embedded etcd with TLS, its CA and certificates made
// for the test in t.TempDir(); it stops when the test ends.
func StartTLS(t testing.TB, o TLSOptions) TLSServer {
	t.Helper()
	dir := t.TempDir()
	isCA := func(c *x509.Certificate) {
		c.IsCA, c.KeyUsage, c.BasicConstraintsValid = true, x509.KeyUsageCertSign, true
	}
	ca, other := newCert(t, dir, "ca", nil, isCA), newCert(t, dir, "other-ca", nil, isCA)
	server := newCert(t, dir, "server", ca, func(c *x509.Certificate) {
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		hosts := o.Hosts
		if len(hosts) == 0 {
			hosts = []string{"127.0.0.1"}
		}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				c.IPAddresses = append(c.IPAddresses, ip)
			} else {
				c.DNSNames = append(c.DNSNames, h)
			}
		}
	})
	clientAuth := func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }
	client := newCert(t, dir, "client", ca, clientAuth)
	otherClient := newCert(t, dir, "other-client", other, clientAuth)
	cfg := embedetcd.TLS{CertFile: server.certFile, KeyFile: server.keyFile}
	if o.ClientCertAuth {
		cfg.ClientCAFile = ca.certFile
	}
	srv, err := embedetcd.StartTLS(t.TempDir(), cfg)
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(srv.Close)
	return TLSServer{Endpoint: srv.Endpoint(), CACert: ca.certFile, ClientCert: client.certFile, ClientKey: client.keyFile,
		OtherCACert: other.certFile, OtherClientCert: otherClient.certFile, OtherClientKey: otherClient.keyFile}
}

// testCert is a certificate and its key, in memory and in PEM files.
type testCert struct {
	cert              *x509.Certificate
	key               *ecdsa.PrivateKey
	certFile, keyFile string
}

// newCert makes a certificate named name, signed by parent (self-signed
// when nil), shaped by shape, and writes it and its key to dir.
func newCert(t testing.TB, dir, name string, parent *testCert, shape func(*x509.Certificate)) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "lifeboat test " + name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	shape(tmpl)
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := &testCert{cert: cert, key: key, certFile: filepath.Join(dir, name+".crt"), keyFile: filepath.Join(dir, name+".key")}
	for file, block := range map[string]*pem.Block{c.certFile: {Type: "CERTIFICATE", Bytes: der}, c.keyFile: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}
