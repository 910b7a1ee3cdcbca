package embedetcd

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
)

const (
	// readyTimeout bounds how long Start waits for the member to elect itself
	// leader and serve; a single member on loopback needs well under a second.
	readyTimeout = 30 * time.Second
	// bindAttempts is how often Start picks new ports when another process
	// took a free port between choosing it and binding it.
	bindAttempts = 5
	// logFile, inside the data directory, receives etcd's warnings and errors
	// so that nothing is written over the terminal (the demo runs a TUI).
	logFile = "etcd.log"
)

// Server is a running embedded etcd member.
type Server struct {
	etcd      *embed.Etcd
	endpoint  string
	closeOnce sync.Once
}

// Start runs a single-member etcd with its data in dir and waits until it
// serves clients.
//
// embed can listen on port 0, but it would then advertise ":0" as the
// member's client and peer URLs (in `etcdctl member list`, and to clients
// that sync endpoints). Start instead asks the kernel for free ports, gives
// them to etcd for both listening and advertising, and picks again if one was
// taken in between.
func Start(dir string) (*Server, error) { return StartTLS(dir, TLS{}) }

// TLS has a server serve its clients over TLS (the zero TLS: plain HTTP).
type TLS struct {
	// CertFile and KeyFile are the server's certificate and key.
	CertFile, KeyFile string
	// ClientCAFile, when set, makes the server require a client
	// certificate signed by this CA (etcd's --client-cert-auth).
	ClientCAFile string
}

// StartTLS is Start with the client URL served over tls, when tls names a
// certificate: the endpoint is then https://127.0.0.1:PORT.
func StartTLS(dir string, tls TLS) (*Server, error) {
	var lastErr error
	for range bindAttempts {
		s, err := start(dir, tls)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("start embedded etcd in %s: no free loopback ports after %d attempts: %w", dir, bindAttempts, lastErr)
}

func start(dir string, tls TLS) (*Server, error) {
	ports, err := FreePorts(2)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", dir, err)
	}
	clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", ports[0])}
	if tls.CertFile != "" {
		clientURL.Scheme = "https"
	}
	peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", ports[1])}

	cfg := embed.NewConfig()
	cfg.Name = "lifeboat"
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	if tls.CertFile != "" {
		cfg.ClientTLSInfo = transport.TLSInfo{CertFile: tls.CertFile, KeyFile: tls.KeyFile,
			TrustedCAFile: tls.ClientCAFile, ClientCertAuth: tls.ClientCAFile != ""}
	}
	// NewConfig leaves ListenMetricsUrls empty: /metrics is served only on the
	// loopback client URL, never on another interface.
	cfg.ListenMetricsUrls = nil
	cfg.Logger = "zap"
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{filepath.Join(dir, logFile)}
	// The data is a throwaway practice cluster or test fixture; fsync would
	// only make seeding and benchmarks measure the disk.
	cfg.UnsafeNoFsync = true

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s on %s: %w", dir, clientURL.Host, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s failed while starting (log: %s): %w", dir, filepath.Join(dir, logFile), err)
	case <-time.After(readyTimeout):
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s not ready after %s (log: %s)", dir, readyTimeout, filepath.Join(dir, logFile))
	}
	return &Server{
		etcd:     e,
		endpoint: clientURL.Scheme + "://" + e.Clients[0].Addr().String(),
	}, nil
}

// FreePorts returns n distinct loopback ports that were free a moment ago.
// All listeners stay open until every port is chosen, so the kernel does not
// hand out the same port twice.
func FreePorts(n int) ([]string, error) {
	ports := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		defer l.Close()
		_, port, err := net.SplitHostPort(l.Addr().String())
		if err != nil {
			return nil, err
		}
		ports = append(ports, port)
	}
	return ports, nil
}

// Endpoint is the client URL the server is bound to, "http://127.0.0.1:PORT"
// ("https://" with TLS), as etcdctl's --endpoints and
// clientv3.Config.Endpoints take it.
func (s *Server) Endpoint() string { return s.endpoint }

// Close stops the server and waits for it to release its ports and data
// directory. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(s.etcd.Close)
}
