package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/utils/ptr"
)

// TestUndeleteBatchWatchResume proves issue #7 through the real
// kube-apiserver's watch cache: every object lifeboat changes gets its own
// etcd revision, so a watcher that resumes from the resourceVersion of the
// first repaired object still receives every other repair.
//
// Why it matters: kube-apiserver gives every object change its own revision
// (one single-key Txn per write, etcd client/v3/kubernetes OptimisticPut).
// Clients resume a broken watch from the last resourceVersion they saw and
// receive only newer events: the watch cache keeps events with
// ResourceVersion > resourceVersion (k8s.io/apiserver
// pkg/storage/cacher/watch_cache.go getAllEventsSinceLocked), a cache watcher
// drops input events with ResourceVersion <= the last one it sent
// (cache_watcher.go process), and the etcd3 watcher starts at rev+1
// (pkg/storage/etcd3/watcher.go). If N objects shared one revision, a watch
// that broke after the first of them resumes past all the others.
func TestUndeleteBatchWatchResume(t *testing.T) {
	const n = 30
	c := newCluster(t, "/registry")
	ctx := context.Background()
	c.requireWatchCache(t, "pods")

	const ns = "e2e-revisions"
	c.namespace(t, ns)
	sel := map[string]string{"e2e.lifeboat.dev/case": "revisions"}
	before := map[string]*v1.Pod{}
	for i := 0; i < n; i++ {
		s := podSpec{ns: ns, name: fmt.Sprintf("batch-%02d", i), node: "node-r", finalizers: []string{holdFinalizer}, labels: sel, deleteGrace: ptr.To[int64](-1)}
		before[objName(s.ns, s.name)] = c.pod(t, s)
	}

	initEvents0 := c.metric(t, "apiserver_init_events_total", `group=""`, `resource="pods"`)
	r := c.lifeboat(t, "--journal", filepath.Join(c.work, "revisions.jsonl"), "pods", "undelete", "-n", ns, "-l", "e2e.lifeboat.dev/case=revisions", "--yes", "-o", "json")
	undeleted := mustChange(t, r, n)

	// 1. Every changed object has its own revision.
	byRev := map[int64][]string{}
	for name, res := range undeleted {
		if res.OldRevision != rv(before[name]) {
			t.Errorf("pod %s: lifeboat read revision %d, the API showed %s", name, res.OldRevision, before[name].ResourceVersion)
		}
		byRev[res.NewRevision] = append(byRev[res.NewRevision], name)
	}
	revs := make([]int64, 0, len(byRev))
	for rev, names := range byRev {
		revs = append(revs, rev)
		sort.Strings(names)
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
	t.Logf("lifeboat wrote %d pods at %d distinct revisions, %d..%d", n, len(revs), revs[0], revs[len(revs)-1])
	if len(revs) != n {
		var shared []string
		for _, rev := range revs {
			if names := byRev[rev]; len(names) > 1 {
				shared = append(shared, fmt.Sprintf("revision %d: %d pods (%s)", rev, len(names), strings.Join(names, " ")))
			}
		}
		t.Errorf("%d changed pods got only %d distinct revisions; kube-apiserver gives every object change its own revision "+
			"(one single-key Txn per write), lifeboat shared them:\n  %s", n, len(revs), strings.Join(shared, "\n  "))
	}

	// 2. Reads through the apiserver show each pod at lifeboat's revision,
	// no longer Terminating. The default LIST is a consistent read (served
	// from the watch cache once it has caught up with etcd); resourceVersion
	// "0" reads whatever the watch cache holds, so wait for it to catch up.
	checkList := func(what string, opts metav1.ListOptions) (bool, string) {
		list, err := c.cs.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return false, fmt.Sprintf("%s: %v", what, err)
		}
		var bad []string
		for i := range list.Items {
			p := &list.Items[i]
			name := objName(p.Namespace, p.Name)
			if rv(p) != undeleted[name].NewRevision || p.DeletionTimestamp != nil || p.DeletionGracePeriodSeconds != nil {
				bad = append(bad, fmt.Sprintf("%s at %s (lifeboat: %d) deletionTimestamp=%v", name, p.ResourceVersion, undeleted[name].NewRevision, p.DeletionTimestamp))
			}
		}
		if len(list.Items) != n || len(bad) > 0 {
			return false, fmt.Sprintf("%s at list resourceVersion %s: %d pods, %d not at lifeboat's revision or still Terminating: %s",
				what, list.ResourceVersion, len(list.Items), len(bad), strings.Join(bad, "; "))
		}
		return true, fmt.Sprintf("%s at list resourceVersion %s: all %d pods at lifeboat's revisions, none Terminating", what, list.ResourceVersion, n)
	}
	if ok, state := checkList("LIST (consistent)", metav1.ListOptions{LabelSelector: "e2e.lifeboat.dev/case=revisions"}); !ok {
		t.Errorf("%s", state)
	} else {
		t.Log(state)
	}
	eventually(t, "LIST resourceVersion=0 (watch cache)", 30*time.Second, func() (bool, string) {
		return checkList("LIST resourceVersion=0", metav1.ListOptions{LabelSelector: "e2e.lifeboat.dev/case=revisions", ResourceVersion: "0"})
	})
	for name, res := range undeleted {
		got := c.checkPodReads(t, ns, before[name].Name, res.NewRevision)
		if d := sameExcept(before[name], got, "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds"); d != "" {
			t.Errorf("pod %s: fields other than the deletion fields changed (-before +after):\n%s", name, d)
		}
	}

	// 3. A watch resumed at the first repaired object's resourceVersion
	// (served by the watch cache from its event history) receives every
	// other repair.
	first := revs[0]
	firstName := byRev[first][0]
	others := map[string]int64{}
	for name, res := range undeleted {
		if name != firstName {
			others[name] = res.NewRevision
		}
	}
	t.Logf("a watcher saw %s at resourceVersion %d and resumes its watch there", firstName, first)
	w, err := c.cs.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "e2e.lifeboat.dev/case=revisions", ResourceVersion: strconv.FormatInt(first, 10)})
	if err != nil {
		t.Fatalf("WATCH from resourceVersion %d: %v", first, err)
	}
	pods := c.watch(t, "pods from the first repair", w)
	const timeout = 30 * time.Second
	missing := func(evs []watch.Event) []string {
		var m []string
		for name, rev := range others {
			if _, ok := modifiedAt(evs, name, rev); !ok {
				m = append(m, fmt.Sprintf("%s@%d", name, rev))
			}
		}
		sort.Strings(m)
		return m
	}
	deadline := time.After(timeout)
	var evs []watch.Event
wait:
	for {
		evs = pods.since(0)
		if len(missing(evs)) == 0 {
			break
		}
		select {
		case <-pods.notify:
		case <-deadline:
			break wait
		}
	}
	// (The watch stays open until the test ends: stopping it would add the
	// client's own ERROR event for the closed stream.)
	evs = pods.since(0)
	if m := missing(evs); len(m) > 0 {
		t.Errorf("a watch resumed at resourceVersion %d (%s, the first repaired pod) received %d event(s) in %s; %d of the %d other repaired pods never arrived: %s\n"+
			"A watcher only receives events with a resourceVersion greater than the one it resumes from: a kubelet (or controller) whose watch "+
			"broke after it saw %s would never see these pods undeleted, and would keep treating them as Terminating. "+
			"Every object lifeboat changes needs its own revision, as kube-apiserver gives it.",
			first, firstName, len(evs), timeout, len(m), len(others), strings.Join(m, " "), firstName)
	} else {
		t.Logf("the watch resumed at resourceVersion %d received a MODIFIED event for each of the %d other repaired pods", first, len(others))
	}
	for _, ev := range evs {
		p, ok := ev.Object.(*v1.Pod)
		if !ok {
			t.Errorf("unexpected watch event %s", describeEvent(ev))
			continue
		}
		if rv(p) <= first {
			t.Errorf("watch from resourceVersion %d delivered an event at or before it: %s", first, describeEvent(ev))
		}
		if ev.Type != watch.Modified || p.DeletionTimestamp != nil || p.DeletionGracePeriodSeconds != nil {
			t.Errorf("want MODIFIED events of undeleted pods, got %s", describeEvent(ev))
		}
	}

	// The events came out of the watch cache's history (they were written
	// before the watch started): the cacher counts the events it replays to
	// a new watcher in apiserver_init_events_total.
	received := len(others) - len(missing(evs))
	var initEvents float64
	eventually(t, "the watch cache counts the events it replayed", 10*time.Second, func() (bool, string) {
		initEvents = c.metric(t, "apiserver_init_events_total", `group=""`, `resource="pods"`) - initEvents0
		return initEvents >= float64(received), fmt.Sprintf("apiserver_init_events_total{resource=\"pods\"} rose by %v (events the watch cache replayed from its history to new watchers); the watch received %d", initEvents, received)
	})
}

// requireWatchCache fails unless the apiserver runs with its watch cache for
// resource (--watch-cache, not turned off by --watch-cache-sizes=<resource>#0).
func (c *cluster) requireWatchCache(t *testing.T, resource string) {
	t.Helper()
	etcd := c.api.ServerOpts.Etcd
	if !etcd.EnableWatchCache {
		t.Fatalf("kube-apiserver runs with --watch-cache=false: this test needs the watch cache")
	}
	sizes, err := genericoptions.ParseWatchCacheSizes(etcd.WatchCacheSizes)
	if err != nil {
		t.Fatal(err)
	}
	for gr, size := range sizes {
		if gr.Resource == resource && size <= 0 {
			t.Fatalf("kube-apiserver runs with --watch-cache-sizes %s#%d: no watch cache for %s", gr, size, resource)
		}
	}
	t.Logf("kube-apiserver: --watch-cache=%v --watch-cache-sizes=%v: %s are served by the watch cache", etcd.EnableWatchCache, etcd.WatchCacheSizes, resource)
}

// metric reads one counter from the apiserver's /metrics: the sample of name
// whose labels include all of labels (0 if there is none yet).
func (c *cluster) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	raw, err := c.cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
next:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		end := strings.LastIndex(line, "}")
		if end < 0 {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line[:end], l) {
				continue next
			}
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			t.Fatalf("/metrics: %q: %v", line, err)
		}
		return v
	}
	return 0
}
