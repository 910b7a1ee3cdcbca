package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/bench/procfs"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// etcdModuleVersion is the etcd built from Go modules when no etcd is found:
// the version the main module's embedded etcd uses, as go.mod resolved it
// into this build (the harness runs with go run).
var etcdModuleVersion = func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "go.etcd.io/etcd/server/v3" {
				return dep.Version
			}
		}
	}
	return "v3.6.16"
}()

type etcdBinaries struct {
	etcd, etcdctl               string
	etcdVersion, etcdctlVersion string
}

// findEtcd finds etcd and etcdctl: the LIFEBOAT_BENCH_* variables, else PATH,
// else a build from Go modules.
func findEtcd(ctx context.Context, build bool) (etcdBinaries, error) {
	var b etcdBinaries
	if !build {
		b.etcd = findBinary("LIFEBOAT_BENCH_ETCD", "etcd")
		b.etcdctl = findBinary("LIFEBOAT_BENCH_ETCDCTL", "etcdctl")
	}
	if b.etcd == "" || b.etcdctl == "" {
		dir, err := buildEtcd(ctx)
		if err != nil {
			return b, err
		}
		if b.etcd == "" {
			b.etcd = filepath.Join(dir, "etcd")
		}
		if b.etcdctl == "" {
			b.etcdctl = filepath.Join(dir, "etcdctl")
		}
	}
	var err error
	if b.etcdVersion, err = binaryVersion(ctx, b.etcd, "--version", "etcd Version:"); err != nil {
		return b, err
	}
	if b.etcdctlVersion, err = binaryVersion(ctx, b.etcdctl, "version", "etcdctl version:"); err != nil {
		return b, err
	}
	return b, nil
}

func findBinary(env, name string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// binaryVersion runs `bin flag` and returns what follows label, e.g.
// "3.4.23" from "etcd Version: 3.4.23".
func binaryVersion(ctx context.Context, bin, flag, label string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, flag).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", bin, flag, err, bytes.TrimSpace(out))
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("%s %s: no %q in %q", bin, flag, label, out)
}

// buildEtcd builds etcd and etcdctl at etcdModuleVersion into the user cache
// directory, once, and returns that directory. `go install pkg@version`
// refuses etcd's modules (their go.mod files have replace directives), and
// the main module's go.mod must not change, so the build happens in a
// throwaway module of its own.
func buildEtcd(ctx context.Context) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "lifeboat", "bench", "etcd-"+etcdModuleVersion)
	bin := filepath.Join(dir, "bin")
	ok := true
	for _, name := range []string{"etcd", "etcdctl"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			ok = false
		}
	}
	if ok {
		return bin, nil
	}
	logf("no etcd found: building etcd and etcdctl %s from Go modules into %s (the first time takes a few minutes)", etcdModuleVersion, dir)
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	env := []string{"GOFLAGS=-mod=mod", "GOWORK=off"}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		if err := goQuiet(ctx, dir, env, "mod", "init", "lifeboat-bench-etcd"); err != nil {
			return "", err
		}
	}
	server, ctl := "go.etcd.io/etcd/server/v3", "go.etcd.io/etcd/etcdctl/v3"
	if err := goQuiet(ctx, dir, env, "get", server+"@"+etcdModuleVersion, ctl+"@"+etcdModuleVersion); err != nil {
		return "", err
	}
	for name, pkg := range map[string]string{"etcd": server, "etcdctl": ctl} {
		tmp := filepath.Join(bin, name+".tmp")
		if err := goCommand(ctx, dir, env, "build", "-o", tmp, pkg); err != nil {
			return "", err
		}
		if err := os.Rename(tmp, filepath.Join(bin, name)); err != nil {
			return "", err
		}
	}
	return bin, nil
}

// goCommand runs the go command in dir, its output on stderr.
func goCommand(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, goBinary(), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s (in %s): %w", strings.Join(args, " "), dir, err)
	}
	return nil
}

// goQuiet runs the go command in dir and shows its output only if it fails
// (go get lists every module it adds).
func goQuiet(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, goBinary(), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s (in %s): %w:\n%s", strings.Join(args, " "), dir, err, bytes.TrimSpace(out))
	}
	return nil
}

// goBinary is the go command that runs this program: $GO (as make passes
// it), else go on PATH.
func goBinary() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// moduleRoot is the main module's directory, from which ./cmd/lifeboat builds.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, goBinary(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the benchmark from inside the lifeboat module (go run ./internal/bench)")
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if !bytes.Contains(data, []byte("module github.com/lifeboat-k8s/lifeboat\n")) {
		return "", fmt.Errorf("%s is not lifeboat's go.mod: run the benchmark from the lifeboat module", gomod)
	}
	return filepath.Dir(gomod), nil
}

// etcdServer is the etcd process under test.
type etcdServer struct {
	*server
	url     string
	dataDir string
	cli     *clientv3.Client
}

// server is a server process the harness started, its output in a log.
type server struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	waitErr error // once exited is closed
}

// startServer starts bin with its output in logPath, killed with the
// harness (killWithParent).
func startServer(bin, logPath string, args ...string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	s := &server{cmd: exec.Command(bin, args...), logPath: logPath, exited: make(chan struct{})}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.Env = cleanEnv()
	killWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// exitError says how the server ended, with the end of its log.
func (s *server) exitError() error {
	return fmt.Errorf("%s exited: %v; its log ends:\n%s", filepath.Base(s.cmd.Path), s.waitErr, tail(s.logPath, 2000))
}

// stop ends the server: SIGTERM, then SIGKILL after grace.
func (s *server) stop(grace time.Duration) {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(grace):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startEtcd starts a one-member etcd with etcd's default settings (so fsync
// on) but for the backend quota, and waits until it serves.
func startEtcd(ctx context.Context, bin, dir string, quota int64) (*etcdServer, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	if peerPort == clientPort {
		if peerPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	s := &etcdServer{
		url:     fmt.Sprintf("http://127.0.0.1:%d", clientPort),
		dataDir: filepath.Join(dir, "data"),
	}
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// Never --unsafe-no-fsync: a real etcd fsyncs its WAL on every commit.
	s.server, err = startServer(bin, filepath.Join(dir, "etcd.log"),
		"--name", "bench",
		"--data-dir", s.dataDir,
		"--listen-client-urls", s.url,
		"--advertise-client-urls", s.url,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "bench="+peerURL,
		"--quota-backend-bytes", strconv.FormatInt(quota, 10),
	)
	if err != nil {
		return nil, err
	}
	logf("etcd started (pid %d) on %s, data in %s", s.pid(), s.url, s.dataDir)

	s.cli, err = clientv3.New(clientv3.Config{Endpoints: []string{s.url}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		s.stop()
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := s.cli.Status(sctx, s.url)
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-s.exited:
			err = s.exitError()
		case <-ctx.Done():
			err = ctx.Err()
		default:
			if time.Now().After(deadline) {
				err = fmt.Errorf("etcd not serving after 60 s: %v; its log:\n%s", err, tail(s.logPath, 2000))
			} else {
				time.Sleep(100 * time.Millisecond)
				continue
			}
		}
		s.stop()
		return nil, err
	}
}

// stop ends etcd: SIGTERM, then SIGKILL after 15 s.
func (s *etcdServer) stop() {
	if s.cli != nil {
		s.cli.Close()
		s.cli = nil
	}
	s.server.stop(15 * time.Second)
}

// peakRSSKiB is etcd's peak resident memory so far, 0 if unknown.
func (s *etcdServer) peakRSSKiB() int64 { return procfs.StatusKiB(s.pid(), "VmHWM") }

// fsyncs reads etcd's WAL fsync histogram from /metrics: how many fsyncs
// and their total time. ok is false if etcd does not publish it.
func (s *etcdServer) fsyncs(ctx context.Context) (count int64, total time.Duration, ok bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/metrics", nil)
	if err != nil {
		return 0, 0, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, false
	}
	defer resp.Body.Close()
	var sum float64
	var haveSum, haveCount bool
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, found := strings.CutPrefix(line, "etcd_disk_wal_fsync_duration_seconds_sum "); found {
			sum, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
			haveSum = err == nil
		}
		if v, found := strings.CutPrefix(line, "etcd_disk_wal_fsync_duration_seconds_count "); found {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			count, haveCount = int64(f), err == nil
		}
	}
	return count, time.Duration(sum * float64(time.Second)), haveSum && haveCount
}

// cleanEnv is the environment for the processes under test: without
// ETCDCTL_* and LIFEBOAT_* settings of the caller's, which would change
// what is measured.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ETCDCTL_") || strings.HasPrefix(kv, "LIFEBOAT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// tail is the last n bytes of a file, for error messages.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		f.Seek(st.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}
