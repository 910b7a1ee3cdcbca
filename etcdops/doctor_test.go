package etcdops_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// finding returns the first finding whose title contains all the words.
func finding(d *etcdops.Diagnosis, words ...string) (etcdops.Finding, bool) {
	for _, f := range d.Findings {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(f.Title, w)
		}
		if ok {
			return f, true
		}
	}
	return etcdops.Finding{}, false
}

func titles(d *etcdops.Diagnosis) string {
	var out []string
	for _, f := range d.Findings {
		out = append(out, string(f.Severity)+": "+f.Title)
	}
	return strings.Join(out, "\n")
}

// TestDoctorOnTheCapsizedCluster: on the demo scenario doctor names the
// poison value, the silent and tainted nodes with their Terminating pods,
// the cordon and the deleted ConfigMap, each with its fixing command; and
// whether kube-controller-manager must be stopped first.
func TestDoctorOnTheCapsizedCluster(t *testing.T) {
	for _, alive := range []bool{false, true} {
		t.Run(map[bool]string{false: "controller-manager stopped", true: "controller-manager alive"}[alive], func(t *testing.T) {
			store, _, _ := capsized(t, demo.Options{Malformed: true, ControllerManagerAlive: alive})
			d, err := store.Doctor(context.Background(), testNow)
			if err != nil {
				t.Fatal(err)
			}
			want := []struct {
				severity etcdops.Severity
				words    []string
				fix      string
			}{
				{etcdops.Critical, []string{"1 value(s) under pods", "cannot decode"}, "lifeboat quarantine /registry/pods/default/poison"},
				{etcdops.Critical, []string{"5 of 8 node(s) have a silent kubelet", "5 of them tainted", "40 pod(s) Terminating"}, "lifeboat pods undelete -A --dry-run"},
				{etcdops.Warning, []string{"node worker-3 is cordoned"}, "lifeboat nodes uncordon worker-3 --dry-run"},
				{etcdops.Warning, []string{"configmap shop/cart-config does not exist"}, "lifeboat history configmaps cart-config -n shop --deleted"},
			}
			for _, w := range want {
				f, ok := finding(d, w.words...)
				if !ok {
					t.Errorf("no finding %q in:\n%s", w.words, titles(d))
					continue
				}
				if f.Severity != w.severity || !strings.Contains(strings.Join(f.Fix, "\n"), w.fix) {
					t.Errorf("%q: %s, fixes %q; want %s and %q", f.Title, f.Severity, f.Fix, w.severity, w.fix)
				}
			}
			nodes, _ := finding(d, "silent kubelet")
			stopFirst := strings.Contains(strings.Join(nodes.Fix, "\n"), "first stop kube-controller-manager")
			_, running := finding(d, "kube-controller-manager is running")
			if stopFirst != alive || running != alive {
				t.Errorf("controller-manager alive %v: says stop it first %v, says it runs %v", alive, stopFirst, running)
			}
			// Only the deleted ConfigMap is missing: every other mount exists.
			for _, f := range d.Findings {
				if strings.Contains(f.Title, "does not exist") && !strings.Contains(f.Title, "shop/cart-config") {
					t.Errorf("unexpected missing object: %s", f.Title)
				}
			}
			for i := 1; i < len(d.Findings); i++ {
				if rank(d.Findings[i].Severity) < rank(d.Findings[i-1].Severity) {
					t.Fatalf("findings not ranked by severity:\n%s", titles(d))
				}
			}
		})
	}
}

func rank(s etcdops.Severity) int {
	return map[etcdops.Severity]int{etcdops.Critical: 0, etcdops.Warning: 1, etcdops.Info: 2}[s]
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
		tolerations []corev1.Toleration
		wantTitle   string
		wantHealthy bool
	}{
		{"tainted 100 s ago, 300 s toleration", 100 * time.Second, 10 * time.Minute, tolerate(300), "the first evicted in 3m20s", false},
		{"tainted 299 s ago", 299 * time.Second, 10 * time.Minute, tolerate(300), "the first evicted in 1s", false},
		{"past the toleration", 10 * time.Minute, 20 * time.Minute, tolerate(300), "some past their tolerationSeconds", false},
		{"silent, not tainted yet", 0, 2 * time.Minute, tolerate(300), "0 of them tainted", false},
		{"lease within its duration and the clock margin", 0, 44 * time.Second, tolerate(300), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			_, cli := etcdtest.Start(t)
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1"},
				Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
			if tt.taintedAgo > 0 {
				added := metav1.NewTime(testNow.Add(-tt.taintedAgo))
				node.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}}
				node.Status.Conditions[0].Status = corev1.ConditionUnknown
			}
			renewed := metav1.NewMicroTime(testNow.Add(-tt.leaseAgo))
			holder, secs := "worker-1", int32(40)
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
				Spec: corev1.PodSpec{NodeName: "worker-1", Tolerations: tt.tolerations}}
			put(t, cli, map[string]runtime.Object{
				"/registry/minions/worker-1":                  node,
				"/registry/leases/kube-node-lease/worker-1":   &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", Namespace: "kube-node-lease"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &renewed}},
				"/registry/pods/default/web":                  pod,
				"/registry/pods/default/node-agent-tolerates": &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "node-agent-tolerates", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "worker-1", Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}},
			})
			d, err := etcdops.NewStore(cli, "/registry", true).Doctor(ctx, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if healthy := d.Problems() == 0; healthy != tt.wantHealthy {
				t.Fatalf("healthy %v, want %v:\n%s", healthy, tt.wantHealthy, titles(d))
			}
			if tt.wantTitle != "" {
				if _, ok := finding(d, "silent kubelet", tt.wantTitle); !ok {
					t.Errorf("no %q in:\n%s", tt.wantTitle, titles(d))
				}
			}
		})
	}
}

// TestDoctorGroupsFailingPodsByOwner: pods in CrashLoopBackOff, and
// running pods failing readiness, are grouped by their owner; pods on a
// silent node are not (the node finding covers them).
func TestDoctorGroupsFailingPodsByOwner(t *testing.T) {
	_, cli := etcdtest.Start(t)
	renewed := metav1.NewMicroTime(testNow)
	holder, secs := "w", int32(40)
	owner := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7f9", Controller: ptrTo(true)}}
	crash := corev1.ContainerStatus{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}
	unready := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}
	put(t, cli, map[string]runtime.Object{
		"/registry/minions/w":                &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w"}, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}},
		"/registry/leases/kube-node-lease/w": &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "kube-node-lease"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &renewed}},
		"/registry/pods/shop/api-7f9-a":      &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "api-7f9-a", Namespace: "shop", OwnerReferences: owner}, Spec: corev1.PodSpec{NodeName: "w"}, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{crash}}},
		"/registry/pods/shop/api-7f9-b":      &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "api-7f9-b", Namespace: "shop", OwnerReferences: owner}, Spec: corev1.PodSpec{NodeName: "w"}, Status: unready},
		"/registry/pods/shop/healthy":        &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "healthy", Namespace: "shop"}, Spec: corev1.PodSpec{NodeName: "w"}, Status: corev1.PodStatus{Phase: corev1.PodRunning}},
	})
	d, err := etcdops.NewStore(cli, "/registry", true).Doctor(context.Background(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := finding(d, "2 pod(s) of shop/ReplicaSet/api-7f9 failing")
	if !ok || f.Severity != etcdops.Warning || len(f.Keys) != 2 {
		t.Errorf("no grouped finding for the failing pods (got %+v) in:\n%s", f, titles(d))
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

func put(t *testing.T, cli *clientv3.Client, objects map[string]runtime.Object) {
	t.Helper()
	for key, obj := range objects {
		if err := demo.PutObject(context.Background(), cli, key, obj, clientv3.NoLease); err != nil {
			t.Fatal(err)
		}
	}
}
