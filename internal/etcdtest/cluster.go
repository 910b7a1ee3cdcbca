package etcdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
)

// ClusterSize is how many members StartCluster runs: the smallest cluster
// that keeps a quorum when one member fails, as production control planes
// run it.
const ClusterSize = 3

// EtcdCluster is a three-member etcd on 127.0.0.1 whose members a test
// stops, as a crash would, and restarts: the leader failures a batch of
// writes must ride through.
type EtcdCluster struct {
	// Name is the backend: Embedded (three members in this process) or
	// EtcdProcess (three etcd processes).
	Name    string
	Version string
	// Endpoints are the members' client URLs, in member order.
	Endpoints []string
	// Client is connected to every member, as kube-apiserver's is.
	Client *clientv3.Client

	t       testing.TB
	mu      sync.Mutex
	members []clusterMember
	stopped []bool
}

// clusterMember is one member of an EtcdCluster, of either kind.
type clusterMember interface {
	// start runs the member on its data directory (new or existing).
	start() error
	// stop ends it at once, as a crash would: no leadership transfer,
	// requests in flight lost. What is left to release (listeners,
	// connections) may still be closing when it returns.
	stop()
	// wait waits until a stopped member has released everything.
	wait()
	endpoint() string
}

// Election timing of StartCluster's members: etcd's defaults (100 ms
// heartbeats, a 1 s election timeout), which leave room for two shared
// cores under a write load without spurious elections. A stopped leader is
// replaced within about two seconds.
const (
	clusterHeartbeat = 100 * time.Millisecond
	clusterElection  = time.Second
	// clusterReadyTimeout bounds the wait for a member, or a leader.
	clusterReadyTimeout = 30 * time.Second
)

// StartCluster runs a three-member cluster of backend Embedded or
// EtcdProcess, with data in t.TempDir() and ports picked at run time,
// and returns once every member serves. t.Cleanup closes the client, then
// stops the members. The EtcdProcess backend skips t without an etcd
// binary, as StartEtcdProcess does (it fails under
// LIFEBOAT_REQUIRE_ETCD34=1).
func StartCluster(t testing.TB, backend string) *EtcdCluster {
	t.Helper()
	c := &EtcdCluster{Name: backend, t: t}
	var newMember func(dir, name string, client, peer url.URL, initial string) clusterMember
	switch backend {
	case Embedded:
		c.Version = version.Version
		newMember = func(dir, name string, client, peer url.URL, initial string) clusterMember {
			return &embeddedMember{dir: dir, name: name, client: client, peer: peer, initial: initial}
		}
	case EtcdProcess:
		var bin string
		bin, c.Version = etcdBinary(t)
		newMember = func(dir, name string, client, peer url.URL, initial string) clusterMember {
			return &processMember{bin: bin, dir: dir, name: name, client: client, peer: peer, initial: initial}
		}
	default:
		t.Fatalf("etcdtest: StartCluster: backend %q is not %s or %s", backend, Embedded, EtcdProcess)
	}
	root := t.TempDir()
	var lastErr error
	for range processBindAttempts {
		members, err := startMembers(root, newMember)
		if err == nil {
			c.members, c.stopped = members, make([]bool, len(members))
			break
		}
		lastErr = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
		// Members that never formed a cluster: start afresh on new ports.
		for i := range ClusterSize {
			os.RemoveAll(filepath.Join(root, memberName(i)))
		}
	}
	if c.members == nil {
		t.Fatalf("etcdtest: start a %d-member %s cluster: %v", ClusterSize, backend, lastErr)
	}
	// Registered before the client's cleanup, so it runs after it (LIFO).
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, m := range c.members {
			if !c.stopped[i] {
				m.stop()
				c.stopped[i] = true
			}
		}
		for _, m := range c.members {
			m.wait()
		}
	})
	for _, m := range c.members {
		c.Endpoints = append(c.Endpoints, m.endpoint())
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("etcdtest: connect to %v: %v", c.Endpoints, err)
	}
	t.Cleanup(func() { cli.Close() })
	c.Client = cli
	t.Logf("etcdtest: %d-member etcd %s (%s) serving at %s", ClusterSize, c.Version, backend, strings.Join(c.Endpoints, ","))
	return c
}

func memberName(i int) string { return fmt.Sprintf("m%d", i) }

// startMembers starts every member, then waits for each to serve: a member
// of a new cluster serves only once a quorum of its peers has started.
func startMembers(root string, newMember func(dir, name string, client, peer url.URL, initial string) clusterMember) ([]clusterMember, error) {
	ports, err := embedetcd.FreePorts(2 * ClusterSize)
	if err != nil {
		return nil, err
	}
	urls := func(i int) (client, peer url.URL) {
		return url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", ports[2*i])},
			url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", ports[2*i+1])}
	}
	var initial []string
	for i := range ClusterSize {
		_, peer := urls(i)
		initial = append(initial, memberName(i)+"="+peer.String())
	}
	members := make([]clusterMember, ClusterSize)
	stopAll := func() {
		for _, m := range members {
			if m != nil {
				m.stop()
				m.wait()
			}
		}
	}
	for i := range ClusterSize {
		client, peer := urls(i)
		dir := filepath.Join(root, memberName(i))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			stopAll()
			return nil, err
		}
		m := newMember(dir, memberName(i), client, peer, strings.Join(initial, ","))
		if err := m.start(); err != nil {
			stopAll()
			return nil, err
		}
		members[i] = m
	}
	for _, m := range members {
		if err := waitServing(m.endpoint(), clusterReadyTimeout); err != nil {
			stopAll()
			for _, m := range members {
				if pm, ok := m.(*processMember); ok && pm.addrInUse() {
					return nil, fmt.Errorf("%s: %w", pm.name, errAddrInUse)
				}
			}
			return nil, err
		}
	}
	return members, nil
}

// waitServing waits until the member at endpoint answers a linearizable
// read: it has a leader, and its quorum is up.
func waitServing(endpoint string, timeout time.Duration) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cli.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cli.Get(ctx, "health")
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("member at %s not serving after %s: %v", endpoint, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Leader is the index of the member that is leader now, as the members
// themselves say (Status on each: the one whose leader is itself). It
// waits, up to half a minute, while there is none (an election).
func (c *EtcdCluster) Leader(ctx context.Context) (int, error) {
	deadline := time.Now().Add(clusterReadyTimeout)
	for {
		for i, ep := range c.Endpoints {
			if c.isStopped(i) {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			st, err := c.Client.Status(sctx, ep)
			cancel()
			if err == nil && st.Leader != 0 && st.Leader == st.Header.MemberId {
				return i, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return -1, err
		}
		if time.Now().After(deadline) {
			return -1, fmt.Errorf("etcdtest: no member of %v says it is leader after %s", c.Endpoints, clusterReadyTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StopLeader finds the leader and stops it as a crash would (SIGKILL for a
// process; for an embedded member, raft stopped at once, then its
// listeners closed): no leadership transfer, requests in flight lost. It
// returns the member's index.
func (c *EtcdCluster) StopLeader(ctx context.Context) (int, error) {
	i, err := c.Leader(ctx)
	if err != nil {
		return -1, err
	}
	c.Stop(i)
	return i, nil
}

// Stop stops member i as a crash would.
func (c *EtcdCluster) Stop(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped[i] {
		c.members[i].stop()
		c.stopped[i] = true
	}
}

// Restart starts stopped member i again on its data and ports, and waits
// until it serves (it has caught up with the leader's log) and every
// running member follows one leader.
func (c *EtcdCluster) Restart(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped[i] {
		return fmt.Errorf("etcdtest: member %d is running", i)
	}
	c.members[i].wait()
	if err := c.members[i].start(); err != nil {
		return err
	}
	c.stopped[i] = false
	if err := waitServing(c.members[i].endpoint(), clusterReadyTimeout); err != nil {
		return err
	}
	return c.waitAgreed()
}

// waitAgreed waits until every running member names the same leader.
// c.mu is held.
func (c *EtcdCluster) waitAgreed() error {
	deadline := time.Now().Add(clusterReadyTimeout)
	for {
		leaders := map[uint64]bool{}
		for i, ep := range c.Endpoints {
			if c.stopped[i] {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			st, err := c.Client.Status(ctx, ep)
			cancel()
			if err != nil {
				leaders[0] = true
				continue
			}
			leaders[st.Leader] = true
		}
		if len(leaders) == 1 && !leaders[0] {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("etcdtest: the members of %v do not agree on a leader after %s", c.Endpoints, clusterReadyTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *EtcdCluster) isStopped(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped[i]
}

// processMember is a member run as an etcd process.
type processMember struct {
	bin, dir, name string
	client, peer   url.URL
	initial        string

	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File
}

func (m *processMember) endpoint() string { return m.client.String() }

func (m *processMember) start() error {
	logFile, err := os.OpenFile(filepath.Join(m.dir, processLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	// Flags every etcd from 3.4 to 3.6 takes; fsync on, as in production.
	// On a restart the member's WAL names the cluster, and the initial-*
	// flags are ignored. Pre-vote, the default from 3.5 on, keeps a
	// restarted member that has not yet heard from the leader from
	// deposing it: the only leader changes are the ones a test makes.
	cmd := exec.Command(m.bin,
		"--name", m.name,
		"--data-dir", filepath.Join(m.dir, "data"),
		"--listen-client-urls", m.client.String(),
		"--advertise-client-urls", m.client.String(),
		"--listen-peer-urls", m.peer.String(),
		"--initial-advertise-peer-urls", m.peer.String(),
		"--initial-cluster", m.initial,
		"--initial-cluster-state", "new",
		"--initial-cluster-token", "lifeboat-test",
		"--heartbeat-interval", fmt.Sprint(clusterHeartbeat.Milliseconds()),
		"--election-timeout", fmt.Sprint(clusterElection.Milliseconds()),
		"--pre-vote",
		"--log-level", "warn",
	)
	cmd.Env = os.Environ()
	if runtime.GOARCH != "amd64" && os.Getenv("ETCD_UNSUPPORTED_ARCH") == "" {
		cmd.Env = append(cmd.Env, "ETCD_UNSUPPORTED_ARCH="+runtime.GOARCH)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", m.bin, err)
	}
	m.cmd, m.log, m.exited = cmd, logFile, make(chan struct{})
	exited := m.exited
	go func() {
		cmd.Wait()
		close(exited)
	}()
	return nil
}

// stop kills the process (SIGKILL: what a crashed machine does to it) and
// waits for it.
func (m *processMember) stop() {
	if m.cmd == nil {
		return
	}
	m.cmd.Process.Kill()
	<-m.exited
	m.log.Close()
	m.cmd = nil
}

// wait has nothing to wait for: stop waited for the process.
func (m *processMember) wait() {}

// addrInUse reports whether the member's log says a port was taken.
func (m *processMember) addrInUse() bool {
	out, _ := os.ReadFile(filepath.Join(m.dir, processLog))
	return bytes.Contains(out, []byte("address already in use"))
}

// embeddedMember is a member run in this process by etcd's embed package.
type embeddedMember struct {
	dir, name    string
	client, peer url.URL
	initial      string

	etcd   *embed.Etcd
	closed chan struct{} // closed once a stopped member's Close returned
}

func (m *embeddedMember) endpoint() string { return m.client.String() }

func (m *embeddedMember) start() error {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = filepath.Join(m.dir, "data")
	cfg.ListenClientUrls = []url.URL{m.client}
	cfg.AdvertiseClientUrls = []url.URL{m.client}
	cfg.ListenPeerUrls = []url.URL{m.peer}
	cfg.AdvertisePeerUrls = []url.URL{m.peer}
	cfg.InitialCluster = m.initial
	cfg.InitialClusterToken = "lifeboat-test"
	cfg.TickMs = uint(clusterHeartbeat.Milliseconds())
	cfg.ElectionMs = uint(clusterElection.Milliseconds())
	cfg.ListenMetricsUrls = nil
	cfg.Logger = "zap"
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{filepath.Join(m.dir, processLog)}
	// Three members share this process and two cores: no fsync, as for
	// the single embedded member. The process backend keeps fsync on.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		if e != nil {
			e.Close()
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s: %w: %v", m.name, errAddrInUse, err)
		}
		return fmt.Errorf("start embedded member %s: %w", m.name, err)
	}
	m.etcd = e
	return nil
}

// stop halts raft at once (HardStop: no leadership transfer, as in a
// crash, so the others must notice the silence and elect), and fails the
// requests in flight. Closing the listeners and connections takes about a
// second (embed waits for idle peer connections), as long as an election:
// it goes on in the background, so that the cluster is without its leader
// while the test carries on, as after a crash.
func (m *embeddedMember) stop() {
	if m.etcd == nil {
		return
	}
	e, closed := m.etcd, make(chan struct{})
	m.etcd, m.closed = nil, closed
	e.Server.HardStop()
	go func() {
		defer close(closed)
		e.Close()
	}()
}

func (m *embeddedMember) wait() {
	if m.closed != nil {
		<-m.closed
	}
}
