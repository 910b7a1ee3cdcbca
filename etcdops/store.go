package etcdops

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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
	// CommandTimeout bounds every request to etcd once connected (etcdctl's
	// --command-timeout): a stalled etcd ends the command with an error
	// instead of a hang. Default DefaultCommandTimeout. A write whose
	// outcome etcd did not report is settled by reading its key, which
	// may wait for a new leader, for up to DoubtWaits command timeouts.
	CommandTimeout time.Duration
	Prefix         string // kube-apiserver's --etcd-prefix
	ReadOnly       bool   // refuse every write
	// EncryptionConfig is kube-apiserver's --encryption-provider-config
	// file: with it, encrypted values are decrypted, and writes are
	// encrypted as the apiserver would write them (LoadEncryption).
	EncryptionConfig string
	// Lazy connects without waiting for etcd to answer, for a front end that
	// shows an unreachable etcd itself and retries (the TUI). Bad TLS files
	// still fail at once.
	Lazy bool
}

// DefaultDialTimeout makes an unreachable etcd fail fast, as etcdctl's
// --dial-timeout does.
const DefaultDialTimeout = 5 * time.Second

// DefaultCommandTimeout bounds each etcd request: a page of a scan, one Txn.
// A healthy etcd answers those in milliseconds; an fsync stall of a few
// seconds still gets through.
const DefaultCommandTimeout = 10 * time.Second

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
	timeout   time.Duration // per request
	// crypt is kube-apiserver's encryption at rest; nil without
	// --encryption-config.
	crypt *Encryption
	// tls says why TLS fails, when it does.
	tls tlsTarget
	// snapshot is the file a store opened by OpenSnapshot reads; "" for
	// a live etcd.
	snapshot string
	// kine is set once kineOnce found the store to be kine (k3s), which
	// serves a narrower API: see servesOnlyPrefixWatches.
	kineOnce sync.Once
	kine     bool
	// keysProven holds, per group/resource, whether the encryption config
	// decrypts the resource's values in etcd (proveKeys): nil, or why not.
	keysProven sync.Map
	// rangeLimit is rangeLimit, smaller in tests that need many pages.
	rangeLimit int64
	// beforeTxn, when set by tests, runs before each compare-and-swap Txn
	// (one at a time): the window in which a concurrent writer causes a
	// conflict.
	beforeTxn func(key string)
	hookMu    sync.Mutex
	// seen is the highest etcd revision a response has shown: every
	// write sent after it is applied, if at all, at a later revision.
	// Settling an unknown delete reads the key's history from there.
	seen atomic.Int64
	// identity is the etcd cluster the endpoints reach, once Cluster
	// asked (journals record it; undo compares it).
	identityMu sync.Mutex
	identity   *ClusterIdentity
	// txnWorkers run Apply's Txns, keeping their goroutines (and stacks)
	// from one window to the next.
	txnWorkers parallel.Workers
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
		DialOptions: []grpc.DialOption{rangeCodecOption()},
	}
	user, password := cfg.User, cfg.Password
	if name, pass, found := strings.Cut(user, ":"); found && password == "" {
		user, password = name, pass
	}
	clientCfg.Username, clientCfg.Password = user, password
	target := tlsTarget{cacert: cfg.CACert, cert: cfg.Cert, key: cfg.Key}
	if cfg.CACert != "" || cfg.Cert != "" || cfg.Key != "" {
		tlsCfg, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		clientCfg.TLS, target.config = tlsCfg, tlsCfg
	}
	cli, err := clientv3.New(clientCfg)
	if err != nil {
		return nil, fmt.Errorf("connect to etcd %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	s := NewStore(cli, cfg.Prefix, cfg.ReadOnly)
	s.endpoints, s.tls = cfg.Endpoints, target
	if cfg.EncryptionConfig != "" {
		if s.crypt, err = LoadEncryption(ctx, cfg.EncryptionConfig); err != nil {
			cli.Close()
			return nil, err
		}
	}
	s.ownClient = true
	if cfg.CommandTimeout > 0 {
		s.timeout = cfg.CommandTimeout
	}
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
		if answered(err) {
			// The endpoint answered, with an error: kine (k3s) computes
			// Status' database size with SQLite's dbstat table, and fails
			// it when its SQLite is built without one. Reading one key
			// shows it serves what lifeboat needs.
			_, err = cli.Get(sctx, s.healthKey(), clientv3.WithKeysOnly())
		}
		cancel()
		if err == nil {
			reachable = true
			break
		}
		lastErr = err
	}
	if !reachable {
		cli.Close()
		if why := target.reason(ctx, cfg.Endpoints); why != nil {
			return nil, why
		}
		return nil, fmt.Errorf("etcd %s unreachable within %s: %v (check --endpoints, TLS flags and that etcd is running)",
			strings.Join(cfg.Endpoints, ","), cfg.DialTimeout, lastErr)
	}
	return s, nil
}

// answered reports whether err is an error etcd (or kine) sent back, as
// opposed to one that says nothing answered in time.
func answered(err error) bool {
	st, ok := status.FromError(err)
	if err == nil || !ok {
		return false
	}
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return false
	}
	return true
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
	return &Store{client: cli, layout: Layout{Prefix: prefix}, readOnly: readOnly, endpoints: cli.Endpoints(), timeout: DefaultCommandTimeout, rangeLimit: rangeLimit}
}

// requestContext gives one etcd request its deadline.
func (s *Store) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// describe turns a request that ran out of time into an error that names
// the endpoint and says what to check: why TLS fails, when it does.
func (s *Store) describe(err error) error {
	if code := status.Code(err); code == codes.Unavailable || code == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		if why := s.tls.reason(context.Background(), s.endpoints); why != nil {
			return why
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
		return fmt.Errorf("etcd %s did not answer within %s (stalled, overloaded or gone; check it with 'etcdctl endpoint status', raise --command-timeout): %w",
			strings.Join(s.endpoints, ","), s.timeout, err)
	}
	if status.Code(err) == codes.Unavailable {
		return fmt.Errorf("etcd %s unavailable (check that it is running and reachable): %w", strings.Join(s.endpoints, ","), err)
	}
	return err
}

// Close releases the connection if Open made it.
func (s *Store) Close() error {
	s.crypt.Close()
	if s.ownClient {
		return s.client.Close()
	}
	return nil
}

// UseEncryption makes the store read and write through kube-apiserver's
// encryption at rest (see Config.EncryptionConfig); Close closes it.
func (s *Store) UseEncryption(e *Encryption) { s.crypt = e }

// Layout is the key layout of this store's prefix.
func (s *Store) Layout() Layout { return s.layout }

// ReadOnly reports whether writes are refused.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Endpoints are the etcd endpoints in use.
func (s *Store) Endpoints() []string { return s.endpoints }

// SnapshotFile is the file a store opened by OpenSnapshot reads; "" for a
// live etcd.
func (s *Store) SnapshotFile() string { return s.snapshot }

// MemberStatus is what one endpoint says of its member.
type MemberStatus struct {
	Endpoint string
	Status   *clientv3.StatusResponse // nil when Err is set
	Err      error
}

// MemberStatuses asks every endpoint for its member's status (kine
// answers one without raft, or none).
func (s *Store) MemberStatuses(ctx context.Context) []MemberStatus {
	out := make([]MemberStatus, 0, len(s.endpoints))
	for _, ep := range s.endpoints {
		rctx, cancel := s.requestContext(ctx)
		st, err := s.client.Status(rctx, ep)
		cancel()
		out = append(out, MemberStatus{Endpoint: ep, Status: st, Err: err})
	}
	return out
}

// Alarms lists the cluster's alarms (NOSPACE, CORRUPT).
func (s *Store) Alarms(ctx context.Context) (*clientv3.AlarmResponse, error) {
	rctx, cancel := s.requestContext(ctx)
	defer cancel()
	return s.client.AlarmList(rctx)
}

// Revision is etcd's current revision: the resourceVersion a LIST would show.
// Every response header carries it; reading one key (not a range, whose
// count etcd computes over every key) keeps this cheap on large clusters.
// The key is <prefix>/health: on etcd any key would do, but kine answers a
// read that finds nothing with the revision its watchers have caught up to,
// which lags its writes, and a read that finds a key with its latest
// revision. kine creates /registry/health when it starts
// (pkg/logstructured/logstructured.go) for kube-apiserver's health check,
// which reads path.Join("/", prefix, "health")
// (k8s.io/apiserver pkg/storage/storagebackend/factory/etcd3.go).
func (s *Store) Revision(ctx context.Context) (int64, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	resp, err := s.client.Get(ctx, s.healthKey(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("read etcd revision: %w", s.describe(err))
	}
	s.noteRevision(resp.Header.Revision)
	return resp.Header.Revision, nil
}

// noteRevision records that etcd has reached rev.
func (s *Store) noteRevision(rev int64) {
	for {
		seen := s.seen.Load()
		if rev <= seen || s.seen.CompareAndSwap(seen, rev) {
			return
		}
	}
}

// outcomeUnknown reports whether a write that failed with err may have been
// applied all the same. etcd answers a request it refused with a definite
// error (a failed compare is not an error at all); what it cannot answer
// is a request it lost track of, and the client cannot tell a request that
// never arrived from one whose response did not:
//
//   - the leader failed with the proposal in flight ("request timed out,
//     possibly due to previous leader failure", "leader changed"), or a
//     member had none to forward it to ("no leader"): codes.Unavailable;
//   - the connection was reset, or the member stopped, while the request
//     was in flight: codes.Unavailable from gRPC itself;
//   - the request's own deadline (--command-timeout) passed:
//     context.DeadlineExceeded, or codes.DeadlineExceeded;
//   - the member was shutting down (a rolling restart): "etcdserver: server
//     stopped" (codes.Unavailable); or, passed on by etcd without a code of
//     their own (codes.Unknown), raft's "raft: stopped" under a proposal
//     in flight and etcd's "etcdserver: request cancelled" for a request
//     still waiting for its proposal;
//   - a follower that knows no leader yet (an election) refused to forward
//     the proposal: raft's "raft proposal dropped", also codes.Unknown.
//
// Some of these mean the write cannot have been applied ("no leader" is
// refused before it is proposed), but the rule that settles them, reading
// the key, is right for every one, so they are not told apart.
func outcomeUnknown(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// The client turns etcd's own errors into rpctypes.EtcdError, which
	// keeps the gRPC code but is not a gRPC status.
	var etcdErr rpctypes.EtcdError
	if errors.As(err, &etcdErr) {
		return etcdErr.Code() == codes.Unavailable || etcdErr.Code() == codes.DeadlineExceeded
	}
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	case codes.Unknown:
		return slices.Contains(unmappedUnknown, st.Message())
	}
	return false
}

// unmappedUnknown are the errors above that etcd sends as codes.Unknown,
// with their own text: go.etcd.io/raft's ErrStopped and ErrProposalDropped,
// and etcdserver's ErrCanceled (server/etcdserver/errors).
var unmappedUnknown = []string{"raft: stopped", "raft proposal dropped", "etcdserver: request cancelled"}

// DoubtWaits is how many command timeouts lifeboat waits, in all, for etcd
// to settle whether one write was applied: long enough for a new leader
// (an election takes a few election timeouts, 1 s each by default, and a
// proposal lost with the old leader times out on the server after 7 s),
// short enough that an etcd without quorum ends the command.
const DoubtWaits = 3

// doubtWait is how long lifeboat waits for etcd to settle one write whose
// outcome it did not report.
func (s *Store) doubtWait() time.Duration { return DoubtWaits * s.timeout }

// healthKey is kube-apiserver's etcd health check key.
func (s *Store) healthKey() string { return s.layout.prefix() + "/health" }
