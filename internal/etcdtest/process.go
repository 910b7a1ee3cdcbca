package etcdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
	"go.uber.org/zap"
)

const (
	// EnvEtcdBinary names the etcd binary StartEtcdProcess runs; without it,
	// "etcd" is looked up on PATH (Debian's etcd-server package: etcd 3.4).
	EnvEtcdBinary = "LIFEBOAT_TEST_ETCD"
	// EnvRequireEtcd34, set to 1 (CI), turns a missing etcd binary, or one
	// that is not etcd 3.4, into a test failure instead of a skip.
	EnvRequireEtcd34 = "LIFEBOAT_REQUIRE_ETCD34"

	// processReadyTimeout bounds the wait for a started etcd to serve; one
	// member on loopback needs about a second.
	processReadyTimeout = 30 * time.Second
	processBindAttempts = 5
	processLog          = "etcd.log"
)

// StartEtcdProcess runs a real etcd server as a separate process: the binary
// named by $LIFEBOAT_TEST_ETCD, or etcd on PATH. It is a single member with
// its data in t.TempDir() and fsync on (etcd's default), client and peer URLs
// on 127.0.0.1 at ports picked at run time. It returns once the member
// serves, with its client URL and a client connected to it; t.Cleanup closes
// the client, then kills the process and waits for it.
//
// Without a binary the test is skipped, saying how to get one, unless
// LIFEBOAT_REQUIRE_ETCD34=1, which also requires the binary to be etcd 3.4.
func StartEtcdProcess(t testing.TB) (endpoint string, cli *clientv3.Client) {
	t.Helper()
	endpoint, _, cli = startEtcdProcess(t)
	return endpoint, cli
}

func startEtcdProcess(t testing.TB) (endpoint, version string, cli *clientv3.Client) {
	t.Helper()
	bin, version := etcdBinary(t)
	dir := t.TempDir()
	var lastErr error
	for range processBindAttempts {
		p, err := startProcess(bin, dir)
		if err == nil {
			t.Logf("etcdtest: etcd %s (%s) serving at %s, data in %s", version, bin, p.endpoint, dir)
			// Registered before the client's cleanup, so it runs after it (LIFO).
			t.Cleanup(p.stop)
			return p.endpoint, version, connect(t, p.endpoint)
		}
		lastErr = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
		// The data directory of a member that never started can be reused.
		os.RemoveAll(filepath.Join(dir, "data"))
	}
	t.Fatalf("etcdtest: %v", lastErr)
	return "", "", nil
}

var errAddrInUse = errors.New("address already in use")

type etcdProcess struct {
	endpoint string
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has been waited for
	log      *os.File
	stopOnce sync.Once
}

func startProcess(bin, dir string) (*etcdProcess, error) {
	ports, err := embedetcd.FreePorts(2)
	if err != nil {
		return nil, err
	}
	clientURL := "http://" + net.JoinHostPort("127.0.0.1", ports[0])
	peerURL := "http://" + net.JoinHostPort("127.0.0.1", ports[1])
	logPath := filepath.Join(dir, processLog)
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	// Flags every etcd from 3.4 to 3.6 takes. No --unsafe-no-fsync: the
	// point of this backend is a real server writing to its disk.
	cmd := exec.Command(bin,
		"--name", "lifeboat",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "lifeboat="+peerURL,
		"--initial-cluster-state", "new",
		"--log-level", "warn",
	)
	cmd.Env = os.Environ()
	if runtime.GOARCH != "amd64" && os.Getenv("ETCD_UNSUPPORTED_ARCH") == "" {
		// etcd 3.4 refuses to start on other architectures (arm64
		// included) unless told this one is meant.
		cmd.Env = append(cmd.Env, "ETCD_UNSUPPORTED_ARCH="+runtime.GOARCH)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &etcdProcess{endpoint: clientURL, cmd: cmd, exited: make(chan struct{}), log: logFile}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(); err != nil {
		p.stop()
		out, _ := os.ReadFile(logPath)
		if bytes.Contains(out, []byte("address already in use")) {
			return nil, fmt.Errorf("%s: %w", bin, errAddrInUse)
		}
		return nil, fmt.Errorf("%s: %w (log %s:\n%s)", bin, err, logPath, tail(out, 2000))
	}
	return p, nil
}

// waitReady waits until the member answers a linearizable read, which needs
// it to have elected itself leader.
func (p *etcdProcess) waitReady() error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{p.endpoint}, DialTimeout: time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cli.Close()
	deadline := time.Now().Add(processReadyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := cli.Get(ctx, "health")
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited while starting: %v", p.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not serving at %s after %s: %v", p.endpoint, processReadyTimeout, err)
		}
	}
}

// stop kills the process and waits for it to exit. It may be called more
// than once.
func (p *etcdProcess) stop() {
	p.stopOnce.Do(func() {
		p.cmd.Process.Kill()
		<-p.exited
		p.log.Close()
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

var (
	etcdVersionMu sync.Mutex
	etcdVersions  = map[string]string{} // binary -> version
)

var etcdVersionLine = regexp.MustCompile(`(?m)^etcd Version: (\S+)`)

// etcdBinary finds the etcd binary and its version, or skips (or fails,
// under LIFEBOAT_REQUIRE_ETCD34=1) the test.
func etcdBinary(t testing.TB) (bin, version string) {
	t.Helper()
	require := os.Getenv(EnvRequireEtcd34) == "1"
	bin = os.Getenv(EnvEtcdBinary)
	if bin == "" {
		path, err := exec.LookPath("etcd")
		if err != nil {
			msg := fmt.Sprintf("etcdtest: no etcd binary: set %s or put etcd on PATH (Debian/Ubuntu: apt-get install etcd-server, which is etcd 3.4)", EnvEtcdBinary)
			if require {
				t.Fatalf("%s; %s=1 requires it", msg, EnvRequireEtcd34)
			}
			t.Skip(msg)
		}
		bin = path
	} else if _, err := os.Stat(bin); err != nil {
		// Asked for by name: a wrong path is a mistake, not a skip.
		t.Fatalf("etcdtest: %s=%s: %v", EnvEtcdBinary, bin, err)
	}
	etcdVersionMu.Lock()
	defer etcdVersionMu.Unlock()
	version, ok := etcdVersions[bin]
	if !ok {
		out, err := exec.Command(bin, "--version").CombinedOutput()
		m := etcdVersionLine.FindSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("etcdtest: %s --version: %v\n%s", bin, err, out)
		}
		version = string(m[1])
		etcdVersions[bin] = version
	}
	if require && !strings.HasPrefix(version, "3.4.") {
		t.Fatalf("etcdtest: %s is etcd %s; %s=1 requires etcd 3.4", bin, version, EnvRequireEtcd34)
	}
	return bin, version
}
