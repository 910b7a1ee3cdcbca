package doctor_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lifeboat-k8s/lifeboat/doctor"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/internal/outages"
)

var testNow = etcdtest.Now

func diagnose(t *testing.T, cli *clientv3.Client) *doctor.Diagnosis {
	t.Helper()
	d, err := doctor.Diagnose(context.Background(), etcdops.NewStore(cli, "/registry", true), testNow)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// byID returns the findings with id.
func byID(d *doctor.Diagnosis, id string) []doctor.Finding {
	var out []doctor.Finding
	for _, f := range d.Findings {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

func one(t *testing.T, d *doctor.Diagnosis, id string) doctor.Finding {
	t.Helper()
	fs := byID(d, id)
	if len(fs) != 1 {
		t.Fatalf("%d finding(s) %s, want 1, in:\n%s", len(fs), id, titles(d))
	}
	return fs[0]
}

func titles(d *doctor.Diagnosis) string {
	var out []string
	for _, f := range d.Findings {
		out = append(out, string(f.Severity)+" "+f.ID+": "+f.Title)
	}
	return strings.Join(out, "\n")
}

// problems are the ids of the findings above Info, each once, sorted.
func problems(d *doctor.Diagnosis) []string {
	var ids []string
	for _, f := range d.Findings {
		if f.Severity != doctor.Info && !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

var negativeAge = regexp.MustCompile(`-[0-9][0-9.hms]* ago`)

// TestEveryScenarioNamesExactlyItsProblem: on each scenario doctor reports
// the problems it holds and nothing on its healthy parts; findings are
// ranked, carry an id, and fixes that write are printed with --dry-run;
// no age is negative.
func TestEveryScenarioNamesExactlyItsProblem(t *testing.T) {
	seen := map[string]bool{}
	t.Cleanup(func() { checkRunbookIndex(t, seen) })
	for _, s := range outages.All() {
		t.Run(s.Name, func(t *testing.T) {
			_, cli := etcdtest.Start(t)
			if err := s.Seed(context.Background(), cli, "", testNow); err != nil {
				t.Fatal(err)
			}
			d := diagnose(t, cli)
			for _, f := range d.Findings {
				seen[f.ID] = true
			}
			want := slices.Sorted(slices.Values(s.Problems))
			if got := problems(d); !slices.Equal(got, want) {
				t.Errorf("problems %q, want %q:\n%s", got, want, titles(d))
			}
			for _, id := range s.Info {
				if len(byID(d, id)) == 0 {
					t.Errorf("no %s in:\n%s", id, titles(d))
				}
			}
			checkShape(t, d)
		})
	}
}

// checkRunbookIndex: docs/runbooks/README.md tells what to do of every
// finding id the scenarios made doctor report.
func checkRunbookIndex(t *testing.T, ids map[string]bool) {
	index, err := os.ReadFile("../docs/runbooks/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for id := range ids {
		if !strings.Contains(string(index), "`"+id+"`") {
			t.Errorf("docs/runbooks/README.md does not name finding %s", id)
		}
	}
}

// checkShape holds for every diagnosis.
func checkShape(t *testing.T, d *doctor.Diagnosis) {
	t.Helper()
	rank := map[doctor.Severity]int{doctor.Critical: 0, doctor.Warning: 1, doctor.Info: 2}
	for i, f := range d.Findings {
		if f.ID == "" || f.Title == "" || f.Area == "" {
			t.Errorf("finding without id, title or area: %+v", f)
		}
		if i > 0 && rank[f.Severity] < rank[d.Findings[i-1].Severity] {
			t.Errorf("findings not ranked by severity:\n%s", titles(d))
		}
		for _, fix := range f.Fix {
			verb := strings.Fields(fix)[1]
			if !strings.HasPrefix(fix, "lifeboat ") || (verb != "history" && verb != "get" && verb != "describe" && !strings.HasSuffix(fix, " --dry-run")) {
				t.Errorf("%s: fix %q is not a lifeboat command line that previews (--dry-run)", f.ID, fix)
			}
		}
		text := strings.Join(append(append([]string{f.Title}, f.Evidence...), f.Advice...), "\n")
		if m := negativeAge.FindString(text); m != "" {
			t.Errorf("%s: a negative age %q in:\n%s", f.ID, m, text)
		}
	}
}

// TestTheOutageTimeline: with the apiserver stopped 73 s ago (its last
// renewal), worker-2 silent for 30 minutes is told apart from the nodes
// that only lost the apiserver; the outage's start is the last renewal.
func TestTheOutageTimeline(t *testing.T) {
	_, cli := etcdtest.Start(t)
	s := scenario(t, "node dead before the outage")
	if err := s.Seed(context.Background(), cli, "", testNow); err != nil {
		t.Fatal(err)
	}
	d := diagnose(t, cli)
	began := testNow.Add(-73 * time.Second)
	if !d.Outage.Began().Equal(began) || d.Outage.Since != began.Format(time.RFC3339) || d.Outage.Estimated {
		t.Errorf("outage began %v (%q, estimated %v), want %v", d.Outage.Began(), d.Outage.Since, d.Outage.Estimated, began)
	}
	if len(d.Outage.APIServers) != 1 || d.Outage.APIServers[0].Alive || d.Outage.ControllerManager == nil || d.Outage.ControllerManager.Alive {
		t.Errorf("holders: %+v, controller-manager %+v", d.Outage.APIServers, d.Outage.ControllerManager)
	}
	outage := one(t, d, "apiserver-outage")
	if outage.Severity != doctor.Critical || !strings.Contains(outage.Title, began.Format(time.RFC3339)) || !strings.Contains(outage.Title, "1m13s ago") {
		t.Errorf("apiserver-outage: %s %q", outage.Severity, outage.Title)
	}
	before := one(t, d, "nodes-silent-before-outage")
	if !slices.Equal(before.Keys, []string{"/registry/minions/worker-2"}) || before.Severity != doctor.Critical {
		t.Errorf("silent before the outage: %s %q", before.Severity, before.Keys)
	}
	if !strings.Contains(strings.Join(before.Fix, "\n"), "lifeboat nodes untaint worker-2 --dry-run") {
		t.Errorf("silent before the outage: fixes %q", before.Fix)
	}
	lost := one(t, d, "nodes-lost-with-apiserver")
	if !slices.Equal(lost.Keys, []string{"/registry/minions/cp-1", "/registry/minions/worker-1"}) || lost.Severity != doctor.Info || len(lost.Fix) != 0 {
		t.Errorf("lost with the apiserver: %s %q, fixes %q", lost.Severity, lost.Keys, lost.Fix)
	}
}

// TestAnOutageWithoutIdentityLeases: before Kubernetes 1.26 no apiserver
// has an identity lease; a cluster where no lease was renewed for two
// minutes is in an outage that began about when the newest renewal was.
func TestAnOutageWithoutIdentityLeases(t *testing.T) {
	_, cli := etcdtest.Start(t)
	put(t, cli, map[string]runtime.Object{
		"/registry/minions/w":                &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w"}},
		"/registry/leases/kube-node-lease/w": kubeletLease("w", testNow.Add(-2*time.Minute)),
	})
	d := diagnose(t, cli)
	if !d.Outage.Estimated || !d.Outage.Began().Equal(testNow.Add(-2*time.Minute)) {
		t.Errorf("outage %+v, want estimated at the newest renewal", d.Outage)
	}
	if f := one(t, d, "apiserver-outage"); !strings.Contains(f.Title, "before Kubernetes 1.26") {
		t.Errorf("apiserver-outage: %q", f.Title)
	}
	if len(byID(d, "nodes-lost-with-apiserver")) != 1 {
		t.Errorf("node w renewed until the outage: \n%s", titles(d))
	}
}

// TestAClockThatDisagreesIsSaidOnce: renewTimes in this machine's future
// give no negative age, and the clock line says so.
func TestAClockThatDisagreesIsSaidOnce(t *testing.T) {
	_, cli := etcdtest.Start(t)
	if err := scenario(t, "clock ahead").Seed(context.Background(), cli, "", testNow); err != nil {
		t.Fatal(err)
	}
	d := diagnose(t, cli)
	if !strings.Contains(d.Clock, "in this machine's future") {
		t.Errorf("clock: %q", d.Clock)
	}
	for _, f := range d.Findings {
		if strings.Contains(f.Title, "future") {
			t.Errorf("the clock said again in %s: %q", f.ID, f.Title)
		}
	}
}

func scenario(t *testing.T, name string) outages.Scenario {
	t.Helper()
	for _, s := range outages.All() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no scenario %q", name)
	return outages.Scenario{}
}

// TestDoctorOnTheCapsizedCluster: on the demo doctor names the poison
// value, the silent and tainted nodes with their Terminating pods, the
// cordon and the deleted ConfigMap, each with its fix; and whether
// kube-controller-manager must be stopped first.
func TestDoctorOnTheCapsizedCluster(t *testing.T) {
	for _, alive := range []bool{false, true} {
		t.Run(map[bool]string{false: "controller-manager stopped", true: "controller-manager alive"}[alive], func(t *testing.T) {
			c := etcdtest.Capsized(t, demo.Options{Malformed: true, ControllerManagerAlive: alive, Now: testNow})
			d := diagnose(t, c.Client)
			want := []string{"configmap-missing", "node-cordoned", "nodes-silent", "undecodable-values"}
			if alive {
				want = append(want, "controller-manager-running")
				slices.Sort(want)
			}
			if got := problems(d); !slices.Equal(got, want) {
				t.Errorf("problems %q, want %q:\n%s", got, want, titles(d))
			}
			for _, w := range []struct {
				id, words, fix string
			}{
				{"undecodable-values", "1 value(s) under pods", "lifeboat quarantine /registry/pods/default/poison --dry-run"},
				{"nodes-silent", "5 of 8 node(s) have a silent kubelet (lease stale) while kube-apiserver serves, 5 of them tainted for eviction; 5 running pod(s) on them; 40 pod(s) Terminating", "lifeboat pods undelete -A --dry-run"},
				{"nodes-silent", "", "lifeboat nodes untaint worker-1 worker-2 worker-3 worker-4 worker-5 --dry-run"},
				{"node-cordoned", "node worker-3 is cordoned", "lifeboat nodes uncordon worker-3 --dry-run"},
				{"configmap-missing", "configmap shop/cart-config does not exist", "lifeboat history configmaps cart-config -n shop --deleted"},
				{"configmap-missing", "", "lifeboat restore configmaps cart-config -n shop --revision "},
			} {
				f := one(t, d, w.id)
				if !strings.Contains(f.Title, w.words) || !strings.Contains(strings.Join(f.Fix, "\n"), w.fix) {
					t.Errorf("%s: %q, fixes %q; want %q and %q", w.id, f.Title, f.Fix, w.words, w.fix)
				}
			}
			nodes := one(t, d, "nodes-silent")
			if stopFirst := strings.Contains(strings.Join(nodes.Advice, "\n"), "first stop kube-controller-manager"); stopFirst != alive {
				t.Errorf("controller-manager alive %v: advice says stop it first %v", alive, stopFirst)
			}
			if d.Outage.Began() != (time.Time{}) || len(byID(d, "apiserver-single")) != 1 {
				t.Errorf("the demo's apiserver serves: outage %+v\n%s", d.Outage, titles(d))
			}
			checkShape(t, d)
		})
	}
}

// TestDoctorForecastsEvictions: a node whose kubelet went silent is tainted
// unreachable:NoExecute at some time; a pod tolerating it for 300 s is
// evicted exactly 300 s after that, one tolerating it forever never, and
// doctor says how long is left. A healthy cluster has no problem at all.
func TestDoctorForecastsEvictions(t *testing.T) {
	tests := []struct {
		name        string
		taintedAgo  time.Duration // 0: not tainted
		leaseAgo    time.Duration
		wantTitle   string
		wantHealthy bool
	}{
		{"tainted 100 s ago, 300 s toleration", 100 * time.Second, 10 * time.Minute, "the first evicted in 3m20s", false},
		{"tainted 299 s ago", 299 * time.Second, 10 * time.Minute, "the first evicted in 1s", false},
		{"past the toleration", 10 * time.Minute, 20 * time.Minute, "some evicted as soon as the taint eviction controller runs", false},
		{"silent, not tainted yet", 0, 2 * time.Minute, "0 of them tainted", false},
		{"lease within its duration and the clock margin", 0, 44 * time.Second, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cli := etcdtest.Start(t)
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1"},
				Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
			if tt.taintedAgo > 0 {
				added := metav1.NewTime(testNow.Add(-tt.taintedAgo))
				node.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}}
				node.Status.Conditions[0].Status = corev1.ConditionUnknown
			}
			put(t, cli, map[string]runtime.Object{
				"/registry/minions/worker-1":                  node,
				"/registry/leases/kube-node-lease/worker-1":   kubeletLease("worker-1", testNow.Add(-tt.leaseAgo)),
				"/registry/leases/kube-system/apiserver-1":    identityLease("apiserver-1", testNow.Add(-time.Second)),
				"/registry/pods/default/web":                  &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "worker-1", Tolerations: tolerate(300)}},
				"/registry/pods/default/node-agent-tolerates": &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "node-agent-tolerates", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "worker-1", Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}},
			})
			d := diagnose(t, cli)
			if healthy := d.Problems() == 0; healthy != tt.wantHealthy {
				t.Fatalf("healthy %v, want %v:\n%s", healthy, tt.wantHealthy, titles(d))
			}
			if tt.wantTitle != "" {
				if f := one(t, d, "nodes-silent"); !strings.Contains(f.Title, tt.wantTitle) {
					t.Errorf("%q lacks %q", f.Title, tt.wantTitle)
				}
			}
		})
	}
}

// TestDoctorGroupsFailingPodsByOwner: pods in CrashLoopBackOff, and
// running pods failing readiness, are grouped by their owner.
func TestDoctorGroupsFailingPodsByOwner(t *testing.T) {
	_, cli := etcdtest.Start(t)
	owner := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7f9", Controller: ptrTo(true)}}
	crash := corev1.ContainerStatus{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}
	unready := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}
	put(t, cli, map[string]runtime.Object{
		"/registry/minions/w":                &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w"}, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}},
		"/registry/leases/kube-node-lease/w": kubeletLease("w", testNow),
		"/registry/pods/shop/api-7f9-a":      &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "api-7f9-a", Namespace: "shop", OwnerReferences: owner}, Spec: corev1.PodSpec{NodeName: "w"}, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{crash}}},
		"/registry/pods/shop/api-7f9-b":      &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "api-7f9-b", Namespace: "shop", OwnerReferences: owner}, Spec: corev1.PodSpec{NodeName: "w"}, Status: unready},
		"/registry/pods/shop/healthy":        &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "healthy", Namespace: "shop"}, Spec: corev1.PodSpec{NodeName: "w"}, Status: corev1.PodStatus{Phase: corev1.PodRunning}},
	})
	d := diagnose(t, cli)
	f := one(t, d, "pods-failing")
	if !strings.Contains(f.Title, "2 pod(s) of shop/ReplicaSet/api-7f9 failing") || f.Severity != doctor.Warning || len(f.Keys) != 2 {
		t.Errorf("grouped finding: %+v", f)
	}
}

func ptrTo[T any](v T) *T { return &v }

func tolerate(seconds int64) []corev1.Toleration {
	var out []corev1.Toleration
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		out = append(out, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds})
	}
	return out
}

func kubeletLease(node string, renewed time.Time) *coordinationv1.Lease {
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: corev1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &node, LeaseDurationSeconds: ptrTo[int32](40), RenewTime: ptrTo(metav1.NewMicroTime(renewed))}}
}

func identityLease(name string, renewed time.Time) *coordinationv1.Lease {
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kube-system", Labels: map[string]string{"apiserver.kubernetes.io/identity": "kube-apiserver"}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptrTo(name + "_1"), LeaseDurationSeconds: ptrTo[int32](3600), RenewTime: ptrTo(metav1.NewMicroTime(renewed))}}
}

func put(t *testing.T, cli *clientv3.Client, objects map[string]runtime.Object) {
	t.Helper()
	for key, obj := range objects {
		if err := demo.PutObject(context.Background(), cli, key, obj, clientv3.NoLease); err != nil {
			t.Fatal(err)
		}
	}
}
