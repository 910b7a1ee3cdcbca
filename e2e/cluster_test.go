package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/klog/v2"
	kubeapiservertesting "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"
	kubectrlmgrtesting "k8s.io/kubernetes/cmd/kube-controller-manager/app/testing"
)

// lifeboatBin is the lifeboat binary built once by TestMain from the main
// module (through the replace in go.mod): the suite drives it as a user does.
var lifeboatBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lifeboat-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lifeboatBin = filepath.Join(dir, "lifeboat")
	build := exec.Command("go", "build", "-o", lifeboatBin, "github.com/lifeboat-k8s/lifeboat/cmd/lifeboat")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build lifeboat: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// The control plane logs a lot through klog; keep it out of the test
	// output (which shows the revisions and events) unless asked for.
	if os.Getenv("E2E_KLOG") != "stderr" {
		logPath := filepath.Join(os.TempDir(), "lifeboat-e2e-control-plane.log")
		if f, err := os.Create(logPath); err == nil {
			fs := flag.NewFlagSet("klog", flag.ContinueOnError)
			klog.InitFlags(fs)
			fs.Set("logtostderr", "false")
			fs.Set("alsologtostderr", "false")
			fs.Set("stderrthreshold", "FATAL")
			klog.SetOutput(f)
			fmt.Printf("kube-apiserver and kube-controller-manager log to %s (E2E_KLOG=stderr to see them here)\n", logPath)
			defer f.Close()
		}
	}
	code := m.Run()
	klog.Flush()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cluster is an embedded etcd with a real kube-apiserver (and, for the drill,
// a real kube-controller-manager) running in this process on loopback.
type cluster struct {
	etcd   *embedetcd.Server
	prefix string
	flags  []string // extra kube-apiserver flags, kept for restarts
	api    *kubeapiservertesting.TestServer
	cfg    *rest.Config
	cs     kubernetes.Interface
	dyn    dynamic.Interface
	ext    apiextensionsclient.Interface
	kcm    *kubectrlmgrtesting.TestServer
	work   string // journals and kubeconfig
	// root owns the apiservers: the harness stops one when the test it was
	// started for ends, so a replacement started in a subtest must not die
	// with it.
	root     *testing.T
	watchers []*recorder

	mu      sync.Mutex
	written map[string]bool // every etcd key lifeboat wrote (case 7)
}

func newCluster(t *testing.T, prefix string, apiFlags ...string) *cluster {
	t.Helper()
	etcdDir := t.TempDir()
	srv, err := embedetcd.Start(etcdDir)
	if err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(srv.Close)
	t.Logf("etcd %s (embedded, data in %s)", srv.Endpoint(), etcdDir)
	c := &cluster{etcd: srv, prefix: prefix, flags: apiFlags, work: t.TempDir(), written: map[string]bool{}, root: t}
	c.startAPIServer(t)
	return c
}

// startAPIServer starts a kube-apiserver on the cluster's etcd with
// upstream's own integration harness.
func (c *cluster) startAPIServer(t *testing.T) {
	t.Helper()
	storage := storagebackend.NewDefaultConfig(c.prefix, nil)
	storage.Transport.ServerList = []string{c.etcd.Endpoint()}
	flags := append([]string{
		"--disable-admission-plugins=ServiceAccount",
		"--etcd-servers=" + c.etcd.Endpoint(),
		"--etcd-prefix=" + c.prefix,
	}, c.flags...)
	start := time.Now()
	c.api = kubeapiservertesting.StartTestServerOrDie(c.root, nil, flags, storage)
	t.Logf("kube-apiserver up in %s at %s (etcd prefix %s)", time.Since(start).Round(time.Millisecond), c.api.ClientConfig.Host, c.prefix)
	c.cfg = rest.CopyConfig(c.api.ClientConfig)
	c.cs = kubernetes.NewForConfigOrDie(c.cfg)
	c.dyn = dynamic.NewForConfigOrDie(c.cfg)
	c.ext = apiextensionsclient.NewForConfigOrDie(c.cfg)
}

func (c *cluster) stopAPIServer(t *testing.T) {
	t.Helper()
	// Open watches are long-running requests: the apiserver would wait its
	// full shutdown timeout (60 s) for them.
	for _, w := range c.watchers {
		w.stop()
	}
	c.watchers = nil
	start := time.Now()
	c.api.TearDownFn()
	c.api = nil
	t.Logf("kube-apiserver stopped in %s", time.Since(start).Round(time.Millisecond))
}

// kubeconfig writes the apiserver's loopback client config as a kubeconfig
// file for kube-controller-manager.
func (c *cluster) kubeconfig(t *testing.T) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = &clientcmdapi.Cluster{
		Server:                   c.cfg.Host,
		CertificateAuthorityData: c.cfg.TLSClientConfig.CAData,
		TLSServerName:            c.cfg.TLSClientConfig.ServerName,
	}
	cfg.AuthInfos["e2e"] = &clientcmdapi.AuthInfo{Token: c.cfg.BearerToken}
	cfg.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "e2e"}
	cfg.CurrentContext = "e2e"
	path := filepath.Join(c.work, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// startKCM starts kube-controller-manager in this process with only the node
// lifecycle and taint eviction controllers, on short timers.
func (c *cluster) startKCM(t *testing.T, ctx context.Context) {
	t.Helper()
	flags := []string{
		"--kubeconfig=" + c.kubeconfig(t),
		"--controllers=node-lifecycle-controller,taint-eviction-controller",
		"--secure-port=0",
		"--node-monitor-period=1s",
		"--node-monitor-grace-period=4s",
		"--node-startup-grace-period=4s",
		"--node-eviction-rate=100",
		// The leader Lease kube-system/kube-controller-manager is what lifeboat
		// reads to warn that the controller-manager is alive.
		"--leader-elect=true",
		"--leader-elect-lease-duration=4s",
		"--leader-elect-renew-deadline=3s",
		"--leader-elect-retry-period=1s",
		// Without it, losing leadership (our stop) ends the process
		// (klog.FlushAndExit in app.Run); with it, the Lease is released.
		"--feature-gates=ControllerManagerReleaseLeaderElectionLockOnExit=true",
	}
	start := time.Now()
	c.kcm = kubectrlmgrtesting.StartTestServerOrDie(t, ctx, flags)
	t.Logf("kube-controller-manager up in %s: %s", time.Since(start).Round(time.Millisecond), strings.Join(flags[1:], " "))
}

func (c *cluster) stopKCM(t *testing.T) {
	t.Helper()
	if c.kcm != nil {
		c.kcm.TearDownFn()
		c.kcm = nil
		t.Logf("kube-controller-manager stopped")
	}
}

// result is one JSON Lines record of `lifeboat ... -o json`.
type result struct {
	Key         string `json:"key"`
	Resource    string `json:"resource"`
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	Action      string `json:"action"`
	Changed     bool   `json:"changed"`
	DryRun      bool   `json:"dryRun"`
	OldRevision int64  `json:"oldRevision"`
	NewRevision int64  `json:"newRevision"`
	Conflict    bool   `json:"conflict"`
	Error       string `json:"error"`
}

type run struct {
	args           []string
	stdout, stderr string
	code           int
	results        []result
}

// byName indexes the records of changed keys (namespace/name or name).
func (r run) byName() map[string]result {
	m := map[string]result{}
	for _, res := range r.results {
		m[objName(res.Namespace, res.Name)] = res
	}
	return m
}

func objName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// lifeboat runs the binary against the cluster's etcd. Arguments are given
// as a user types them; --endpoints and --prefix are added.
func (c *cluster) lifeboat(t *testing.T, args ...string) run {
	t.Helper()
	return c.lifeboatStdin(t, nil, args...)
}

func (c *cluster) lifeboatCmd(args ...string) *exec.Cmd {
	full := append([]string{"--endpoints", c.etcd.Endpoint(), "--prefix", c.prefix}, args...)
	cmd := exec.Command(lifeboatBin, full...)
	cmd.Dir = c.work
	// Journals not named with --journal go to the cluster's work directory.
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "LIFEBOAT_JOURNAL_DIR="+filepath.Join(c.work, "journals"))
	return cmd
}

func (c *cluster) lifeboatStdin(t *testing.T, stdin *os.File, args ...string) run {
	t.Helper()
	cmd := c.lifeboatCmd(args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	r := runLifeboat(t, cmd, args)
	r.parse(t)
	c.record(r)
	t.Logf("$ lifeboat %s   (exit %d)\n%s%s", strings.Join(args, " "), r.code, indent("stderr| ", r.stderr), indent("stdout| ", r.stdout))
	return r
}

// runLifeboat runs cmd, a lifeboat typed as args, to its exit; only a
// lifeboat that cannot be started fails the test.
func runLifeboat(t *testing.T, cmd *exec.Cmd, args []string) run {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := run{args: args, stdout: out.String(), stderr: errb.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	default:
		t.Fatalf("run lifeboat %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func (r *run) parse(t *testing.T) {
	t.Helper()
	if !contains(r.args, "json") {
		return
	}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || !strings.HasPrefix(line, "{") {
			continue
		}
		var res result
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			t.Fatalf("lifeboat -o json printed a line that is not a result: %q: %v", line, err)
		}
		r.results = append(r.results, res)
	}
}

func (c *cluster) record(r run) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, res := range r.results {
		if res.Changed && res.NewRevision > 0 {
			c.written[res.Key] = true
		}
	}
}

func (c *cluster) writtenKeys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.written))
	for k := range c.written {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func indent(prefix, s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + line + "\n")
	}
	return b.String()
}

// mustChange asserts every record is a real write with a new revision.
func mustChange(t *testing.T, r run, want int) map[string]result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("lifeboat %s: exit %d, want 0", strings.Join(r.args, " "), r.code)
	}
	got := map[string]result{}
	for _, res := range r.results {
		if !res.Changed {
			continue
		}
		if res.NewRevision <= res.OldRevision || res.Error != "" || res.Conflict {
			t.Errorf("%s: bad result %+v", res.Key, res)
		}
		got[objName(res.Namespace, res.Name)] = res
	}
	if len(got) != want {
		t.Fatalf("lifeboat %s changed %d objects, want %d: %+v", strings.Join(r.args, " "), len(got), want, r.results)
	}
	return got
}

// recorder keeps the events of one watch and logs them as they arrive.
type recorder struct {
	t      *testing.T
	what   string
	w      watch.Interface
	mu     sync.Mutex
	events []watch.Event
	notify chan struct{}
	done   chan struct{}

	stopOnce sync.Once
}

// watch records a watch that stopAPIServer ends first.
func (c *cluster) watch(t *testing.T, what string, w watch.Interface) *recorder {
	r := newRecorder(t, what, w)
	c.watchers = append(c.watchers, r)
	return r
}

func newRecorder(t *testing.T, what string, w watch.Interface) *recorder {
	r := &recorder{t: t, what: what, w: w, notify: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range w.ResultChan() {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
			t.Logf("watch %s: %s", what, describeEvent(ev))
			select {
			case r.notify <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(r.stop)
	return r
}

func (r *recorder) stop() {
	r.stopOnce.Do(r.w.Stop)
	<-r.done
}

func describeEvent(ev watch.Event) string {
	obj, ok := ev.Object.(metav1.Object)
	if !ok {
		return fmt.Sprintf("%s %v", ev.Type, ev.Object)
	}
	extra := ""
	if ts := obj.GetDeletionTimestamp(); ts != nil {
		extra += " deletionTimestamp=" + ts.UTC().Format(time.RFC3339)
	}
	if g := obj.GetDeletionGracePeriodSeconds(); g != nil {
		extra += " deletionGracePeriodSeconds=" + strconv.FormatInt(*g, 10)
	}
	if f := obj.GetFinalizers(); len(f) > 0 {
		extra += " finalizers=" + strings.Join(f, ",")
	}
	extra += nodeSummary(ev.Object)
	return fmt.Sprintf("%s %s resourceVersion=%s%s", ev.Type, objName(obj.GetNamespace(), obj.GetName()), obj.GetResourceVersion(), extra)
}

// count returns the number of events so far.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// since returns the events from index i on.
func (r *recorder) since(i int) []watch.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]watch.Event(nil), r.events[i:]...)
}

// waitFor waits until ok holds for the events from index i on.
func (r *recorder) waitFor(i int, timeout time.Duration, ok func([]watch.Event) bool) []watch.Event {
	r.t.Helper()
	deadline := time.After(timeout)
	for {
		evs := r.since(i)
		if ok(evs) {
			return evs
		}
		select {
		case <-r.notify:
		case <-deadline:
			r.t.Fatalf("watch %s: condition not met after %s; events: %d", r.what, timeout, len(evs))
			return nil
		}
	}
}

// lastModified returns, per object, its last MODIFIED event.
func lastModified(evs []watch.Event) map[string]watch.Event {
	m := map[string]watch.Event{}
	for _, ev := range evs {
		if ev.Type != watch.Modified {
			continue
		}
		obj := ev.Object.(metav1.Object)
		m[objName(obj.GetNamespace(), obj.GetName())] = ev
	}
	return m
}

// eventAt reports whether an object had a MODIFIED event at revision rev.
func modifiedAt(evs []watch.Event, name string, rev int64) (runtime.Object, bool) {
	want := strconv.FormatInt(rev, 10)
	for _, ev := range evs {
		if ev.Type != watch.Modified {
			continue
		}
		obj := ev.Object.(metav1.Object)
		if objName(obj.GetNamespace(), obj.GetName()) == name && obj.GetResourceVersion() == want {
			return ev.Object, true
		}
	}
	return nil, false
}

func rv(o metav1.Object) int64 {
	n, err := strconv.ParseInt(o.GetResourceVersion(), 10, 64)
	if err != nil {
		panic(fmt.Sprintf("%s: resourceVersion %q: %v", o.GetName(), o.GetResourceVersion(), err))
	}
	return n
}

func eventually(t *testing.T, what string, timeout time.Duration, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		done, state := ok()
		if state != last {
			t.Logf("%s: %s", what, state)
			last = state
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached after %s (last: %s)", what, timeout, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
