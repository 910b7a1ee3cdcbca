package main

// End-to-end tests of the lifeboat command line against a real embedded etcd
// seeded with a capsized cluster (internal/demo). Most tests drive run()
// in-process; the ones that pin flag parsing and process exit codes run the
// real binary, built once by TestMain.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

// testNow is when the operator looks at the seeded cluster.
var testNow = time.Now().UTC().Truncate(time.Second)

var (
	binDir      string
	pkgDir      string // this package's directory: tests may t.Chdir away
	buildOnce   sync.Once
	builtBinary string
	buildErr    error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lifeboat-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// Journals go to $XDG_STATE_HOME/lifeboat/journals by default: keep
	// them out of the home directory of whoever runs the tests.
	os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	if pkgDir, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary builds ./cmd/lifeboat once per test process.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		builtBinary = filepath.Join(binDir, "lifeboat")
		cmd := exec.Command("go", "build", "-o", builtBinary, ".")
		cmd.Dir = pkgDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBinary
}

// cluster is one datastore (embedded etcd unless a test picks another
// backend) seeded with a capsized cluster.
type cluster struct {
	t        *testing.T
	endpoint string
	cli      *clientv3.Client
	jdir     string
	n        int
}

func newCluster(t *testing.T, opts demo.Options) *cluster {
	t.Helper()
	return clusterOf(t, etcdtest.Capsized(t, withNow(opts)))
}

// newClusterOn seeds a capsized cluster into backend b (see
// etcdtest.BackendNames): lifeboat reaches it at b.Endpoint.
func newClusterOn(t *testing.T, b etcdtest.Backend, opts demo.Options) *cluster {
	t.Helper()
	return clusterOf(t, etcdtest.CapsizedOn(t, b, withNow(opts)))
}

// withNow seeds at testNow, the CLI's clock, unless the test picks a time.
func withNow(opts demo.Options) demo.Options {
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	return opts
}

func clusterOf(t *testing.T, c etcdtest.Cluster) *cluster {
	return &cluster{t: t, endpoint: c.Endpoint, cli: c.Client, jdir: t.TempDir()}
}

// capsized is the usual cluster: malformed values in, controller-manager stopped.
func capsized(t *testing.T) *cluster {
	return newCluster(t, demo.Options{Malformed: true})
}

// result is what one lifeboat invocation did.
type result struct {
	code        int
	out, errOut string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, clip(r.out), clip(r.errOut))
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:2000] + "\n[...]\n" + s[len(s)-2000:]
	}
	return s
}

// lifeboat runs the CLI in-process, with no terminal and the given stdin.
func lifeboat(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, append([]string{"lifeboat"}, args...), streams{
		in: bytes.NewReader(stdin), out: &out, err: &errOut,
		now: func() time.Time { return testNow },
	})
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// run runs lifeboat against the cluster: --endpoints first and, unless the
// args choose one, a fresh --journal in a temporary directory so tests never
// write journals into the source tree.
func (c *cluster) run(args ...string) result {
	c.t.Helper()
	return c.runIn(nil, args...)
}

func (c *cluster) runIn(stdin []byte, args ...string) result {
	c.t.Helper()
	full := []string{"--endpoints", c.endpoint}
	if !contains(args, "--journal") {
		c.n++
		full = append(full, "--journal", c.journal(fmt.Sprintf("journal-%d.jsonl", c.n)))
	}
	return lifeboat(c.t, stdin, append(full, args...)...)
}

func (c *cluster) journal(name string) string { return filepath.Join(c.jdir, name) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kv is one key as etcd holds it.
type kv struct {
	Value       string
	ModRevision int64
	Lease       int64
}

// snapshot reads every key under /registry/ and etcd's current revision.
func (c *cluster) snapshot() (map[string]kv, int64) {
	c.t.Helper()
	resp, err := c.cli.Get(context.Background(), "/registry/", clientv3.WithPrefix())
	if err != nil {
		c.t.Fatal(err)
	}
	m := make(map[string]kv, len(resp.Kvs))
	for _, k := range resp.Kvs {
		m[string(k.Key)] = kv{Value: string(k.Value), ModRevision: k.ModRevision, Lease: k.Lease}
	}
	return m, resp.Header.Revision
}

func (c *cluster) revision() int64 {
	c.t.Helper()
	_, rev := c.snapshot()
	return rev
}

func (c *cluster) get(key string) kv {
	c.t.Helper()
	resp, err := c.cli.Get(context.Background(), key)
	if err != nil {
		c.t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		c.t.Fatalf("%s: no such key", key)
	}
	k := resp.Kvs[0]
	return kv{Value: string(k.Value), ModRevision: k.ModRevision, Lease: k.Lease}
}

// assertUnchanged fails if etcd's revision moved since rev: nothing was written.
func (c *cluster) assertUnchanged(rev int64, r result) {
	c.t.Helper()
	if now := c.revision(); now != rev {
		c.t.Errorf("etcd revision %d -> %d: something was written\n%s", rev, now, r)
	}
}

func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
}

// diffKeys lists keys whose value, revision or lease differ between two snapshots.
func diffKeys(a, b map[string]kv) []string {
	var keys []string
	for k, va := range a {
		if vb, ok := b[k]; !ok || va != vb {
			keys = append(keys, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

func valueDiffKeys(a, b map[string]kv) []string {
	var keys []string
	for k, va := range a {
		if vb, ok := b[k]; !ok || va.Value != vb.Value || va.Lease != vb.Lease {
			keys = append(keys, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// decoder is apimachinery's own storage serializer, independent of
// lifeboat's codec: the tests check etcd's content with it.
var decoder = protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)

func decodeObject(t *testing.T, key string, value string) runtime.Object {
	t.Helper()
	obj, _, err := decoder.Decode([]byte(value), nil, nil)
	if err != nil {
		t.Fatalf("%s: apimachinery cannot decode the stored value: %v", key, err)
	}
	return obj
}

func (c *cluster) node(name string) *corev1.Node {
	c.t.Helper()
	key := "/registry/minions/" + name
	n, ok := decodeObject(c.t, key, c.get(key).Value).(*corev1.Node)
	if !ok {
		c.t.Fatalf("%s: not a Node", key)
	}
	return n
}

func (c *cluster) pod(key string) *corev1.Pod {
	c.t.Helper()
	p, ok := decodeObject(c.t, key, c.get(key).Value).(*corev1.Pod)
	if !ok {
		c.t.Fatalf("%s: not a Pod", key)
	}
	return p
}

// terminatingPods are the keys under prefix of pods with a deletionTimestamp,
// decoded by apimachinery (the malformed poison pod is left out).
func (c *cluster) terminatingPods(prefix string) []string {
	c.t.Helper()
	snap, _ := c.snapshot()
	var keys []string
	for k, v := range snap {
		if !strings.HasPrefix(k, prefix) || k == poisonKey {
			continue
		}
		if p := decodeObject(c.t, k, v.Value).(*corev1.Pod); p.DeletionTimestamp != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

const (
	poisonKey    = "/registry/pods/default/poison"
	encryptedKey = "/registry/secrets/payments/card-processor-token"
	crKey        = "/registry/stable.example.com/crontabs/default/nightly-backup"
)

// parseList parses get -o json output that must be a v1 List.
func parseList(t *testing.T, out string) []map[string]any {
	t.Helper()
	var doc struct {
		APIVersion string           `json:"apiVersion"`
		Kind       string           `json:"kind"`
		Items      []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, clip(out))
	}
	if doc.Kind != "List" || doc.APIVersion != "v1" {
		t.Fatalf("output is %s %s, want v1 List", doc.APIVersion, doc.Kind)
	}
	return doc.Items
}

// jsonLines parses -o json output of a write command.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var res []map[string]any
	for _, l := range lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %v: %q", err, l)
		}
		res = append(res, m)
	}
	return res
}

// exe runs the built binary with env added to the test's environment.
func exe(t *testing.T, env []string, args ...string) (result, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	// Only the variables the test gives: no ETCDCTL_* or LIFEBOAT_* of
	// whoever runs the tests.
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "ETCDCTL_") && !strings.HasPrefix(e, "LIFEBOAT_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{code: code, out: out.String(), errOut: errOut.String()}, elapsed
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
