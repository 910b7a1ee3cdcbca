package etcdops

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Config says how to reach etcd; its fields mirror etcdctl's flags.
type Config struct {
	Endpoints   []string
	CACert      string // --cacert
	Cert        string // --cert
	Key         string // --key
	User        string // --user, "name" or "name:password" as etcdctl accepts
	Password    string // --password
	DialTimeout time.Duration
	Prefix      string // kube-apiserver's --etcd-prefix
	ReadOnly    bool   // refuse every write
	// Lazy connects without waiting for etcd to answer, for a front end that
	// shows an unreachable etcd itself and retries (the TUI). Bad TLS files
	// still fail at once.
	Lazy bool
}

// DefaultDialTimeout makes an unreachable etcd fail fast, as etcdctl's
// --dial-timeout does.
const DefaultDialTimeout = 5 * time.Second

// ErrReadOnly is returned by every write path when the store was opened
// read-only.
var ErrReadOnly = errors.New("lifeboat is in --readonly mode: no writes are made (drop --readonly to repair)")

// Store is a connection to the etcd of one Kubernetes control plane.
type Store struct {
	client    *clientv3.Client
	layout    Layout
	readOnly  bool
	endpoints []string
	ownClient bool
	// beforeTxn, when set by tests, runs before each compare-and-swap Txn:
	// the window in which a concurrent writer causes a conflict.
	beforeTxn func(keys []string)
}

// Open connects to etcd and checks it answers within the dial timeout, so
// that an unreachable etcd is one clear error rather than a hang.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		cfg.Endpoints = []string{"127.0.0.1:2379"}
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	clientCfg := clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: cfg.DialTimeout,
		Logger:      zap.NewNop(),
	}
	user, password := cfg.User, cfg.Password
	if name, pass, found := strings.Cut(user, ":"); found && password == "" {
		user, password = name, pass
	}
	clientCfg.Username, clientCfg.Password = user, password
	if cfg.CACert != "" || cfg.Cert != "" || cfg.Key != "" {
		tlsCfg, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		clientCfg.TLS = tlsCfg
	}
	cli, err := clientv3.New(clientCfg)
	if err != nil {
		return nil, fmt.Errorf("connect to etcd %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	s := NewStore(cli, cfg.Prefix, cfg.ReadOnly)
	s.endpoints = cfg.Endpoints
	s.ownClient = true
	if cfg.Lazy {
		return s, nil
	}
	// clientv3.New does not block on the connection; ask every endpoint for
	// its status so a wrong address or certificate fails here, clearly.
	var lastErr error
	reachable := false
	for _, ep := range cfg.Endpoints {
		sctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
		_, err := cli.Status(sctx, ep)
		cancel()
		if err == nil {
			reachable = true
			break
		}
		lastErr = err
	}
	if !reachable {
		cli.Close()
		return nil, fmt.Errorf("etcd %s unreachable within %s: %v (check --endpoints, TLS flags and that etcd is running)",
			strings.Join(cfg.Endpoints, ","), cfg.DialTimeout, lastErr)
	}
	return s, nil
}

func tlsConfig(cfg Config) (*tls.Config, error) {
	info := transport.TLSInfo{CertFile: cfg.Cert, KeyFile: cfg.Key, TrustedCAFile: cfg.CACert}
	tlsCfg, err := info.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("etcd TLS (--cacert %q --cert %q --key %q): %w", cfg.CACert, cfg.Cert, cfg.Key, err)
	}
	return tlsCfg, nil
}

// NewStore wraps an existing client. Close does not close it.
func NewStore(cli *clientv3.Client, prefix string, readOnly bool) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: cli, layout: Layout{Prefix: prefix}, readOnly: readOnly, endpoints: cli.Endpoints()}
}

// Close releases the connection if Open made it.
func (s *Store) Close() error {
	if s.ownClient {
		return s.client.Close()
	}
	return nil
}

// Layout is the key layout of this store's prefix.
func (s *Store) Layout() Layout { return s.layout }

// ReadOnly reports whether writes are refused.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Endpoints are the etcd endpoints in use.
func (s *Store) Endpoints() []string { return s.endpoints }

// Revision is etcd's current revision: the resourceVersion a LIST would show.
// Every response header carries it; reading one key (not a range, whose
// count etcd computes over every key) keeps this cheap on large clusters.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, s.layout.prefix()+"/", clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("read etcd revision: %w", err)
	}
	return resp.Header.Revision, nil
}
