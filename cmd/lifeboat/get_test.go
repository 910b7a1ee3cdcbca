package main

// get with kubectl's habits: STATUS and AGE, -o wide, -o name, --sort-by,
// --field-selector, -w, "No resources found", and a value that does not
// decode reported once.

import (
	"bytes"
	"context"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	corev1 "k8s.io/api/core/v1"
)

// pods are the demo's pods under prefix as apimachinery decodes them (the
// poison value left out), by key.
func (c *cluster) pods(prefix string) map[string]*corev1.Pod {
	c.t.Helper()
	snap, _ := c.snapshot()
	out := map[string]*corev1.Pod{}
	for k, v := range snap {
		if strings.HasPrefix(k, prefix) && k != poisonKey {
			out[k] = decodeObject(c.t, k, v.Value).(*corev1.Pod)
		}
	}
	return out
}

// column is the cell under heading in each row of a table get printed, by
// the row's NAME. Columns are three spaces apart at least; a heading
// (NOMINATED NODE) or a cell (1 (5m ago)) may hold one.
func column(t *testing.T, out, heading string) map[string]string {
	t.Helper()
	ls := lines(out)
	var headings []string
	var offsets []int
	for at, rest := 0, ls[0]; rest != ""; {
		h, after, _ := strings.Cut(rest, "   ")
		headings, offsets = append(headings, h), append(offsets, at)
		trimmed := strings.TrimLeft(after, " ")
		at += len(rest) - len(trimmed)
		rest = trimmed
	}
	cell := func(l string, i int) string {
		from, to := offsets[i], len(l)
		if i+1 < len(offsets) {
			to = min(offsets[i+1], len(l))
		}
		if from >= len(l) {
			return ""
		}
		return strings.TrimSpace(l[from:to])
	}
	name, col := slices.Index(headings, "NAME"), slices.Index(headings, heading)
	if name < 0 || col < 0 {
		t.Fatalf("no column NAME or %s in %q", heading, ls[0])
	}
	cells := map[string]string{}
	for _, l := range ls[1:] {
		cells[cell(l, name)] = cell(l, col)
	}
	return cells
}

// TestGetPodsStatusLikeKubectl: `get pods -A | grep Terminating` finds
// every evicted pod of the demo, as it would with kubectl; STATUS and AGE
// are kubectl's.
func TestGetPodsStatusLikeKubectl(t *testing.T) {
	c := capsized(t)
	r := c.run("get", "pods", "-A")
	wantCode(t, r, exitPartial) // the poison pod
	if h := strings.Join(strings.Fields(lines(r.out)[0]), " "); h != "NAMESPACE NAME READY STATUS RESTARTS AGE TERMINATING-SINCE" {
		t.Errorf("header %q", h)
	}
	var grepped []string
	for _, l := range lines(r.out) {
		if strings.Contains(l, "Terminating") {
			f := strings.Fields(l)
			grepped = append(grepped, "/registry/pods/"+f[0]+"/"+f[1])
		}
	}
	sort.Strings(grepped)
	want := c.terminatingPods("/registry/pods/")
	if len(want) != 40 || !slices.Equal(grepped, want) {
		t.Errorf("grep Terminating finds %d pods, want the %d evicted ones\n got %q\nwant %q", len(grepped), len(want), grepped, want)
	}
	status, age, ready := column(t, r.out, "STATUS"), column(t, r.out, "AGE"), column(t, r.out, "READY")
	for key, p := range c.pods("/registry/pods/") {
		name := path.Base(key)
		wantStatus := string(p.Status.Phase)
		if p.DeletionTimestamp != nil {
			wantStatus = "Terminating"
		}
		if status[name] != wantStatus {
			t.Errorf("%s: STATUS %q, want %q", name, status[name], wantStatus)
		}
		if age[name] == "" || age[name] == "<unknown>" || strings.HasSuffix(age[name], "ago") {
			t.Errorf("%s: AGE %q, want kubectl's form (3d, 41m)", name, age[name])
		}
		n := 0
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Ready {
				n++
			}
		}
		if want := strconv.Itoa(n) + "/" + strconv.Itoa(len(p.Spec.Containers)); ready[name] != want {
			t.Errorf("%s: READY %q, want %q", name, ready[name], want)
		}
	}
	if status["poison"] != "<malformed>" {
		t.Errorf("the poison pod's STATUS is %q, want <malformed>", status["poison"])
	}
}

// TestGetOutputs: -o wide and -o name, as kubectl prints them.
func TestGetOutputs(t *testing.T) {
	c := capsized(t)
	shop := c.pods("/registry/pods/shop/")
	var shopNames []string
	for k := range shop {
		shopNames = append(shopNames, "pod/"+path.Base(k))
	}
	sort.Strings(shopNames)
	tests := []struct {
		name   string
		args   []string
		header string // the words of the first line; "" for no header
		check  func(t *testing.T, r result)
	}{
		{"pods -o wide", []string{"get", "pods", "-n", "shop", "-o", "wide"},
			"NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES TERMINATING-SINCE FINALIZERS FORMAT SIZE REVISION",
			func(t *testing.T, r result) {
				ip, node := column(t, r.out, "IP"), column(t, r.out, "NODE")
				for k, p := range shop {
					if n := path.Base(k); ip[n] != p.Status.PodIPs[0].IP || node[n] != p.Spec.NodeName {
						t.Errorf("%s: IP %q NODE %q, want %q %q", n, ip[n], node[n], p.Status.PodIPs[0].IP, p.Spec.NodeName)
					}
				}
			}},
		{"nodes", []string{"get", "nodes"}, "NAME STATUS ROLES AGE VERSION",
			func(t *testing.T, r result) {
				status, roles := column(t, r.out, "STATUS"), column(t, r.out, "ROLES")
				want := map[string]string{"control-plane-1": "Ready", "worker-1": "NotReady", "worker-3": "NotReady,SchedulingDisabled", "worker-6": "Ready"}
				for n, s := range want {
					if status[n] != s {
						t.Errorf("%s: STATUS %q, want %q", n, status[n], s)
					}
				}
				if roles["control-plane-1"] != "control-plane" || roles["worker-1"] != "<none>" {
					t.Errorf("ROLES %v", roles)
				}
			}},
		{"nodes -o wide", []string{"get", "nodes", "-o", "wide"},
			"NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME TAINTS FORMAT SIZE REVISION",
			func(t *testing.T, r result) {
				for name, ip := range column(t, r.out, "INTERNAL-IP") {
					if want := c.node(name).Status.Addresses[0].Address; ip != want {
						t.Errorf("%s: INTERNAL-IP %q, want %q", name, ip, want)
					}
				}
			}},
		{"-o name", []string{"get", "pods", "-n", "shop", "-o", "name"}, "",
			func(t *testing.T, r result) {
				if got := lines(r.out); !slices.Equal(got, shopNames) {
					t.Errorf("-o name:\n got %q\nwant %q", got, shopNames)
				}
			}},
		{"-o name of a custom resource", []string{"get", "ct", "-A", "-o", "name"}, "",
			func(t *testing.T, r result) {
				if r.out != "crontab.stable.example.com/nightly-backup\n" {
					t.Errorf("-o name: %q", r.out)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.args...)
			wantCode(t, r, exitOK)
			if tt.header != "" {
				if h := strings.Join(strings.Fields(lines(r.out)[0]), " "); h != tt.header {
					t.Errorf("header\n got %s\nwant %s", h, tt.header)
				}
			}
			tt.check(t, r)
		})
	}
}

// TestGetSortBy: --sort-by takes kubectl's JSONPath forms and orders as
// kubectl does; objects that compare equal keep their key order.
func TestGetSortBy(t *testing.T) {
	c := capsized(t)
	shop := c.pods("/registry/pods/shop/")
	keys := make([]string, 0, len(shop))
	for k := range shop {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	byCreation := slices.Clone(keys)
	sort.SliceStable(byCreation, func(i, j int) bool {
		return shop[byCreation[i]].CreationTimestamp.Before(&shop[byCreation[j]].CreationTimestamp)
	})
	byNode := slices.Clone(keys)
	sort.SliceStable(byNode, func(i, j int) bool { return shop[byNode[i]].Spec.NodeName < shop[byNode[j]].Spec.NodeName })
	names := func(keys []string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = "pod/" + path.Base(k)
		}
		return out
	}
	if slices.Equal(byCreation, keys) {
		t.Fatal("the demo's shop pods were created in key order: the test would prove nothing")
	}
	tests := []struct {
		sortBy string
		want   []string
	}{
		{".metadata.creationTimestamp", names(byCreation)},
		{"metadata.creationTimestamp", names(byCreation)},
		{"{.metadata.creationTimestamp}", names(byCreation)},
		{"{.spec.nodeName}", names(byNode)},
	}
	for _, tt := range tests {
		r := c.run("get", "pods", "-n", "shop", "-o", "name", "--sort-by", tt.sortBy)
		wantCode(t, r, exitOK)
		if got := lines(r.out); !slices.Equal(got, tt.want) {
			t.Errorf("--sort-by %s:\n got %q\nwant %q", tt.sortBy, got, tt.want)
		}
	}
	// The table and JSON sort the same way.
	r := c.run("get", "pods", "-n", "shop", "--sort-by", ".metadata.creationTimestamp")
	wantCode(t, r, exitOK)
	var rows []string
	for _, l := range lines(r.out)[1:] {
		rows = append(rows, "pod/"+strings.Fields(l)[0])
	}
	if !slices.Equal(rows, names(byCreation)) {
		t.Errorf("table sorted by creation:\n got %q", rows)
	}
	r = c.run("get", "pods", "-n", "shop", "-o", "json", "--sort-by", "{.spec.nodeName}")
	wantCode(t, r, exitOK)
	var items []string
	for _, it := range parseList(t, r.out) {
		items = append(items, "pod/"+it["metadata"].(map[string]any)["name"].(string))
	}
	if !slices.Equal(items, names(byNode)) {
		t.Errorf("JSON sorted by node:\n got %q", items)
	}
	for _, bad := range []string{".no.such.field", "{{.metadata.name}}", "{.metadata[}"} {
		r := c.run("get", "pods", "-n", "shop", "--sort-by", bad)
		if r.code != exitUsage || r.out != "" || len(lines(r.errOut)) != 1 {
			t.Errorf("--sort-by %s: want exit 2, one line and no output, got %s", bad, r)
		}
	}
}

// TestGetFieldSelector: the fields kube-apiserver selects by, evaluated on
// what etcd holds.
func TestGetFieldSelector(t *testing.T) {
	c := capsized(t)
	all := c.pods("/registry/pods/")
	tests := []struct {
		selector string
		args     []string
		keep     func(key string, p *corev1.Pod) bool
	}{
		{"status.phase=Running,spec.nodeName=worker-6", []string{"-A"},
			func(_ string, p *corev1.Pod) bool {
				return p.Status.Phase == corev1.PodRunning && p.Spec.NodeName == "worker-6"
			}},
		{"spec.nodeName!=worker-6", []string{"-n", "shop"},
			func(k string, p *corev1.Pod) bool { return p.Namespace == "shop" && p.Spec.NodeName != "worker-6" }},
		{"metadata.namespace=payments", []string{"-A"}, func(_ string, p *corev1.Pod) bool { return p.Namespace == "payments" }},
		{"metadata.name=etcd-control-plane-1", []string{"-A"}, func(_ string, p *corev1.Pod) bool { return p.Name == "etcd-control-plane-1" }},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			r := c.run(append([]string{"get", "pods", "-o", "name", "--field-selector", tt.selector}, tt.args...)...)
			var want []string
			for k, p := range all {
				if tt.keep(k, p) {
					want = append(want, "pod/"+p.Name)
				}
			}
			got := lines(r.out)
			sort.Strings(got)
			sort.Strings(want)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("got %q\nwant %q\n%s", got, want, r)
			}
		})
	}
	r := c.run("get", "pods", "-A", "--field-selector", "spec.nodename=worker-1")
	if r.code != exitUsage || !strings.Contains(r.errOut, "did you mean spec.nodeName?") || r.out != "" {
		t.Errorf("a misspelt field: %s", r)
	}
	r = c.run("get", "nodes", "--field-selector", "spec.unschedulable=true", "-o", "name")
	if r.code != exitOK || r.out != "node/worker-3\n" {
		t.Errorf("cordoned nodes: %s", r)
	}
}

// TestGetNoResourcesFound: kubectl's words, on stderr, whether the
// namespace is empty or the selectors left nothing.
func TestGetNoResourcesFound(t *testing.T) {
	c := capsized(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"get", "pods", "-n", "shop", "-l", "app=nothing"}, "No resources found in shop namespace."},
		{[]string{"get", "pods", "-n", "shop", "--node", "worker-99"}, "No resources found in shop namespace."},
		{[]string{"get", "pods", "-n", "shop", "--field-selector", "status.phase=Failed", "-o", "name"}, "No resources found in shop namespace."},
		{[]string{"get", "pods", "-n", "empty-namespace"}, "No resources found in empty-namespace namespace."},
		{[]string{"get", "configmaps", "-l", "app=nothing"}, "No resources found in default namespace."},
		{[]string{"get", "nodes", "-l", "app=nothing"}, "No resources found"},
		{[]string{"get", "configmaps", "-A", "-l", "app=nothing"}, "No resources found"},
	}
	for _, tt := range tests {
		r := c.run(tt.args...)
		if r.code != exitOK || r.out != "" || r.errOut != tt.want+"\n" {
			t.Errorf("%v: want exit 0, no output and %q on stderr, got %s", tt.args, tt.want, r)
		}
	}
}

// TestGetUndecodableValueOnce: the poison pod is named once, on stderr,
// with what to do; the listing holds what was asked for, no more.
func TestGetUndecodableValueOnce(t *testing.T) {
	c := capsized(t)
	tests := []struct {
		name      string
		args      []string
		poisonRow bool // the poison pod has a line on stdout
		stdout    func(t *testing.T, out string)
	}{
		{"every pod: its row says <malformed>", []string{"get", "pods", "-A"}, true, nil},
		{"every pod's name", []string{"get", "pods", "-A", "-o", "name"}, true, nil},
		{"a label selector cannot match it", []string{"get", "pods", "-A", "-l", "app=nothing"}, false,
			func(t *testing.T, out string) {
				if out != "" {
					t.Errorf("stdout %q, want nothing", out)
				}
			}},
		{"a label selector that matches others", []string{"get", "pods", "-A", "-l", "app=cart"}, false, nil},
		{"a field selector cannot match it", []string{"get", "pods", "-A", "--field-selector", "status.phase=Running", "-o", "name"}, false, nil},
		{"asked for by name, as YAML", []string{"get", "pods", "poison", "-o", "yaml"}, false,
			func(t *testing.T, out string) {
				if out != "" {
					t.Errorf("stdout %q, want nothing: an empty List would say it does not exist", out)
				}
			}},
		{"as a JSON List", []string{"get", "pods", "-n", "default", "-o", "json"}, false,
			func(t *testing.T, out string) {
				if items := parseList(t, out); len(items) != 0 {
					t.Errorf("%d items", len(items))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.args...)
			wantCode(t, r, exitPartial)
			var said []string
			for _, l := range lines(r.errOut) {
				if strings.Contains(l, "poison") {
					said = append(said, l)
				}
			}
			if len(said) != 1 || !strings.Contains(said[0], "pods/default/poison") || !strings.Contains(said[0], "lifeboat quarantine "+poisonKey) {
				t.Errorf("want one line on stderr naming the key and the fix, got %q", said)
			}
			if got := strings.Contains(r.out, "poison"); got != tt.poisonRow {
				t.Errorf("poison on stdout: %v, want %v\n%s", got, tt.poisonRow, r)
			}
			if tt.stdout != nil {
				tt.stdout(t, r.out)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// watching is a `get -w` running in-process until stop.
type watching struct {
	out, err syncBuffer
	cancel   context.CancelFunc
	code     chan int
}

func (c *cluster) watch(args ...string) *watching {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watching{cancel: cancel, code: make(chan int, 1)}
	go func() {
		w.code <- run(ctx, append([]string{"lifeboat", "--endpoints", c.endpoint}, args...), streams{
			in: strings.NewReader(""), out: &w.out, err: &w.err, now: func() time.Time { return testNow },
		})
	}()
	return w
}

// waitFor waits until stdout holds a line with every one of words.
func (w *watching) waitFor(t *testing.T, words ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range lines(w.out.String()) {
			if holdsAll(l, words) {
				return l
			}
		}
		select {
		case code := <-w.code:
			t.Fatalf("get -w ended (exit %d) before printing %q:\n%s\n%s", code, words, w.out.String(), w.err.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no line with %q within 20s:\n%s\nstderr:\n%s", words, w.out.String(), w.err.String())
	return ""
}

// stop is Ctrl-C: it returns the exit code.
func (w *watching) stop(t *testing.T) int {
	t.Helper()
	w.cancel()
	select {
	case code := <-w.code:
		return code
	case <-time.After(20 * time.Second):
		t.Fatal("get -w still running 20s after Ctrl-C")
	}
	return -1
}

// holdsAll says whether s holds every one of words.
func holdsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// TestGetWatch: get -w lists, then prints a row for each change etcd's
// watch delivers, and Ctrl-C ends it with exit 0.
func TestGetWatch(t *testing.T) {
	c := capsized(t)
	key := c.terminatingPods("/registry/pods/shop/")[0]
	name := path.Base(key)

	w := c.watch("get", "pods", "-n", "shop", "-w", "--output-watch-events")
	w.waitFor(t, "EVENT", "NAME", "STATUS")
	w.waitFor(t, "ADDED", name, "Terminating")
	// Someone (the apiserver, another lifeboat) clears the deletion.
	p := c.pod(key)
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = nil, nil
	value, err := codec.EncodeProtobuf(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.cli.Put(context.Background(), key, string(value)); err != nil {
		t.Fatal(err)
	}
	row := w.waitFor(t, "MODIFIED", name, "Running")
	header := lines(w.out.String())[0]
	if strings.Index(row, "Running") != strings.Index(header, "STATUS") {
		t.Errorf("the watched row does not line up with the table:\n%s\n%s", header, row)
	}
	if _, err := c.cli.Delete(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "DELETED", name)
	// A value that does not decode, written while watching: said once.
	if _, err := c.cli.Put(context.Background(), "/registry/pods/shop/poison-2", "not an object"); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "ADDED", "poison-2", "<malformed>")
	if code := w.stop(t); code != exitOK {
		t.Errorf("Ctrl-C: exit %d, want 0\n%s", code, w.err.String())
	}
	var said []string
	for _, l := range lines(w.err.String()) {
		if strings.Contains(l, "poison-2") {
			said = append(said, l)
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], "lifeboat quarantine /registry/pods/shop/poison-2") {
		t.Errorf("poison-2 said %d times on stderr, want once with the fix:\n%s", len(said), w.err.String())
	}
	if _, err := c.cli.Delete(context.Background(), "/registry/pods/shop/poison-2"); err != nil {
		t.Fatal(err)
	}

	t.Run("-o name, --watch-only, a selector", func(t *testing.T) {
		w := c.watch("get", "pods", "-A", "-w", "--watch-only", "-o", "name", "-l", "app=cart")
		relabel := func(key, app string) {
			p := c.pod(key)
			p.Labels["app"] = app
			value, err := codec.EncodeProtobuf(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.cli.Put(context.Background(), key, string(value)); err != nil {
				t.Fatal(err)
			}
		}
		var cart, other string
		for k, p := range c.pods("/registry/pods/shop/") {
			switch p.Labels["app"] {
			case "cart":
				cart = k
			case "frontend":
				other = k
			}
		}
		// No list: nothing says when the watch has started, so write
		// until a change shows.
		for i := 0; i < 100 && !strings.Contains(w.out.String(), "pod/"); i++ {
			relabel(other, "frontend") // not selected: never printed
			relabel(cart, "cart")      // still selected: printed
			time.Sleep(100 * time.Millisecond)
		}
		w.waitFor(t, "pod/"+path.Base(cart))
		if code := w.stop(t); code != exitOK {
			t.Errorf("exit %d", code)
		}
		for _, l := range lines(w.out.String()) {
			if l != "pod/"+path.Base(cart) {
				t.Errorf("--watch-only -l app=cart printed %q: only the cart pod's changes were selected", l)
			}
		}
	})
}

// TestWatchSaysWhyItWaits: a watch of an etcd that froze says so on
// stderr within seconds, and that it waits, rather than staying silent.
func TestWatchSaysWhyItWaits(t *testing.T) {
	c := capsized(t)
	proxy := etcdtest.NewStallProxy(t, c.endpoint)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &watching{cancel: cancel, code: make(chan int, 1)}
	go func() {
		w.code <- run(ctx, []string{"lifeboat", "--endpoints", proxy.Endpoint(), "get", "cm", "-n", "shop", "-w"}, streams{
			in: strings.NewReader(""), out: &w.out, err: &w.err, now: time.Now,
		})
	}()
	w.waitFor(t, "frontend-config")
	proxy.Freeze()
	deadline := time.Now().Add(4 * livenessEvery)
	for !strings.Contains(w.err.String(), "the watch is waiting") {
		if time.Now().After(deadline) {
			t.Fatalf("no word on stderr %s after etcd froze:\n%s", 4*livenessEvery, w.err.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := w.stop(t); code != exitOK {
		t.Errorf("Ctrl-C: exit %d, want 0", code)
	}
}

// TestGetLabelSelectorTable: a pod table prints no labels and does not
// decode them, but a label selector still reads them: the table, the
// table with --show-labels and -o name select the same pods.
func TestGetLabelSelectorTable(t *testing.T) {
	c := capsized(t)
	names := func(args ...string) []string {
		t.Helper()
		r := c.run(args...)
		wantCode(t, r, exitOK)
		var got []string
		for _, l := range lines(r.out) {
			if f := strings.Fields(l); len(f) > 0 && f[0] != "NAME" {
				got = append(got, strings.TrimPrefix(f[0], "pod/"))
			}
		}
		slices.Sort(got)
		return got
	}
	all := names("get", "pods", "-n", "shop")
	table := names("get", "pods", "-n", "shop", "-l", "app=cart")
	if len(table) == 0 || len(table) == len(all) {
		t.Fatalf("-l app=cart selected %d of the %d pods in shop", len(table), len(all))
	}
	if labels := names("get", "pods", "-n", "shop", "-l", "app=cart", "--show-labels"); !slices.Equal(table, labels) {
		t.Errorf("table %v, with --show-labels %v", table, labels)
	}
	if byName := names("get", "pods", "-n", "shop", "-l", "app=cart", "-o", "name"); !slices.Equal(table, byName) {
		t.Errorf("table %v, -o name %v", table, byName)
	}
}
