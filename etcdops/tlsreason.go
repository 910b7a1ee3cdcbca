package etcdops

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// tlsProbeTimeout bounds each look at an endpoint's TLS, on a path that
// has already failed: long enough for a handshake across a WAN, short
// enough not to double a wait.
const tlsProbeTimeout = 2 * time.Second

// tlsTarget is what the store knows of etcd's TLS, to say, when etcd does
// not answer, whether TLS is why. gRPC retries a failed handshake until the
// deadline and then says only "context deadline exceeded".
type tlsTarget struct {
	config            *tls.Config // from --cacert, --cert, --key; nil without them
	cacert, cert, key string
}

// reason returns why TLS with the first of endpoints that fails it fails,
// naming the x509 reason and the flag that fixes it; nil when no endpoint
// fails TLS (or none uses it).
func (t tlsTarget) reason(ctx context.Context, endpoints []string) error {
	for _, ep := range endpoints {
		if err := t.probe(ctx, ep); err != nil {
			return fmt.Errorf("etcd %s: %w", ep, err)
		}
	}
	return nil
}

// probe makes a TLS connection to endpoint as the etcd client would, and
// reads the server's first word: with TLS 1.3 a server that refuses the
// client's certificate says so only once the client's handshake is done.
func (t tlsTarget) probe(ctx context.Context, endpoint string) error {
	network, addr, host, useTLS := t.dialTarget(endpoint)
	if !useTLS {
		return nil
	}
	cfg := &tls.Config{}
	if t.config != nil {
		cfg = t.config.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"h2"} // as gRPC asks
	ctx, cancel := context.WithTimeout(ctx, tlsProbeTimeout)
	defer cancel()
	conn, err := (&tls.Dialer{Config: cfg}).DialContext(ctx, network, addr)
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return nil // nothing listens there: not a TLS problem
	}
	if err == nil {
		defer conn.Close()
		deadline, _ := ctx.Deadline()
		conn.SetReadDeadline(deadline)
		_, err = conn.Read(make([]byte, 1))
		if !errors.As(err, &op) || op.Op != "remote error" {
			return nil // data, a timeout or EOF: TLS itself went through
		}
	}
	return t.explain(err, host)
}

// dialTarget reads an endpoint as clientv3 does: https:// and unixs://
// always use TLS, a bare host:port when TLS flags are given, http:// and
// unix:// never.
func (t tlsTarget) dialTarget(endpoint string) (network, addr, host string, useTLS bool) {
	scheme, rest, found := strings.Cut(endpoint, "://")
	if !found {
		scheme, rest = "", endpoint
	}
	switch scheme {
	case "https":
		useTLS = true
	case "unixs":
		return "unix", rest, "localhost", true
	case "":
		useTLS = t.config != nil
	default:
		return "", "", "", false
	}
	addr, _, _ = strings.Cut(rest, "/")
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return "tcp", addr, host, useTLS
}

// explain turns a TLS failure into what is wrong and which flag fixes it.
func (t tlsTarget) explain(err error, host string) error {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var op *net.OpError
	trusted := "the system's CAs (no --cacert given)"
	if t.cacert != "" {
		trusted = "--cacert " + t.cacert
	}
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("TLS: etcd's certificate is signed by a CA that is not in %s (%w): give --cacert the CA that signed etcd's certificate (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)", trusted, err)
	case errors.As(err, &hostname):
		return fmt.Errorf("TLS: etcd's certificate is not for %s (%w): name etcd in --endpoints by a host or address its certificate is for", host, err)
	case errors.As(err, &invalid):
		return fmt.Errorf("TLS: etcd's certificate is not valid (%w): renew it, or check this machine's clock", err)
	case errors.As(err, &op) && op.Op == "remote error" && t.cert == "":
		return fmt.Errorf("TLS: etcd requires a client certificate and none was given (%w): give --cert and --key (kubeadm: /etc/kubernetes/pki/etcd/healthcheck-client.crt and .key)", err)
	case errors.As(err, &op) && op.Op == "remote error":
		return fmt.Errorf("TLS: etcd refused the client certificate --cert %s (%w): give --cert and --key a certificate signed by a CA etcd trusts (its --trusted-ca-file)", t.cert, err)
	}
	return fmt.Errorf("TLS with etcd failed (%w): check --cacert, --cert and --key", err)
}
