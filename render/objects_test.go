package render

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var now = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func running(ready bool, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "app", Ready: ready, RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Hour)}}}
}

func waiting(reason string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "app", RestartCount: restarts, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: ago(2 * time.Minute)}}}
}

func terminated(reason string, code, signal int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Signal: signal, Reason: reason}}}
}

func pod(phase corev1.PodPhase, mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "shop", CreationTimestamp: ago(3 * 24 * time.Hour)},
		Spec:       corev1.PodSpec{NodeName: "worker-1", Containers: []corev1.Container{{Name: "app"}}},
		Status:     corev1.PodStatus{Phase: phase},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

// TestPodColumns: READY, STATUS and RESTARTS as kubectl's printPod
// computes them.
func TestPodColumns(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	deleting := func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: now.Add(10 * time.Second)} }
	tests := []struct {
		name                    string
		pod                     *corev1.Pod
		ready, status, restarts string
	}{
		{"running and ready", pod(corev1.PodRunning, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true, 0)}
		}), "1/1", "Running", "0"},
		{"pending, no status yet", pod(corev1.PodPending, nil), "0/1", "Pending", "0"},
		{"the pod's reason wins over the phase", pod(corev1.PodFailed, func(p *corev1.Pod) { p.Status.Reason = "Evicted" }), "0/1", "Evicted", "0"},
		{"crash loop, with when it last restarted", pod(corev1.PodRunning, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{waiting("CrashLoopBackOff", 7)}
		}), "0/1", "CrashLoopBackOff", "7 (2m ago)"},
		{"completed", pod(corev1.PodSucceeded, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("Completed", 0, 0)}
		}), "0/1", "Completed", "0"},
		{"exit code without a reason", pod(corev1.PodFailed, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("", 137, 0)}
		}), "0/1", "ExitCode:137", "0"},
		{"signal without a reason", pod(corev1.PodFailed, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("", 0, 9)}
		}), "0/1", "Signal:9", "0"},
		{"completed, but another container still runs ready", pod(corev1.PodRunning, func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar"})
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true, 0), terminated("Completed", 0, 0)}
		}), "1/2", "Running", "0"},
		{"completed, another running but the pod not ready", pod(corev1.PodRunning, func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar"})
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true, 0), terminated("Completed", 0, 0)}
		}), "1/2", "NotReady", "0"},
		{"init container waiting", pod(corev1.PodPending, func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "migrate"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}
		}), "0/1", "Init:ImagePullBackOff", "0"},
		{"init container failed", pod(corev1.PodPending, func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "migrate"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", RestartCount: 2, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3}}}}
		}), "0/1", "Init:ExitCode:3", "2"},
		{"second of two init containers running", pod(corev1.PodPending, func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "a"}, {Name: "b"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
				{Name: "b", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			}
		}), "0/1", "Init:1/2", "0"},
		{"a started sidecar counts as a container", pod(corev1.PodRunning, func(p *corev1.Pod) {
			started := true
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: &always}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "proxy", Ready: true, Started: &started, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true, 0)}
		}), "2/2", "Running", "0"},
		{"scheduling gated", pod(corev1.PodPending, func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Reason: corev1.PodReasonSchedulingGated}}
		}), "0/1", "SchedulingGated", "0"},
		{"deletion asked: Terminating", pod(corev1.PodRunning, func(p *corev1.Pod) {
			deleting(p)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true, 0)}
		}), "1/1", "Terminating", "0"},
		{"deletion asked of a finished pod: its phase stays", pod(corev1.PodSucceeded, func(p *corev1.Pod) {
			deleting(p)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("Completed", 0, 0)}
		}), "0/1", "Completed", "0"},
		{"deletion asked of a pod on a lost node: Unknown", pod(corev1.PodRunning, func(p *corev1.Pod) {
			deleting(p)
			p.Status.Reason = "NodeLost"
		}), "0/1", "Unknown", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Pod(tt.pod, now)
			if got.Ready != tt.ready || got.Status != tt.status || got.Restarts != tt.restarts {
				t.Errorf("READY %q STATUS %q RESTARTS %q, want %q %q %q", got.Ready, got.Status, got.Restarts, tt.ready, tt.status, tt.restarts)
			}
		})
	}
}

func TestNodeStatusAndRoles(t *testing.T) {
	node := func(ready corev1.ConditionStatus, unschedulable bool, labels map[string]string) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", Labels: labels}, Spec: corev1.NodeSpec{Unschedulable: unschedulable}}
		if ready != "" {
			n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, {Type: corev1.NodeReady, Status: ready}}
		}
		return n
	}
	tests := []struct {
		name   string
		node   *corev1.Node
		status string
		roles  []string
	}{
		{"ready", node(corev1.ConditionTrue, false, nil), "Ready", []string{}},
		{"not ready", node(corev1.ConditionFalse, false, nil), "NotReady", []string{}},
		{"kubelet stopped reporting", node(corev1.ConditionUnknown, false, nil), "NotReady", []string{}},
		{"no Ready condition", node("", false, nil), "Unknown", []string{}},
		{"cordoned", node(corev1.ConditionUnknown, true, nil), "NotReady,SchedulingDisabled", []string{}},
		{"roles from both labels, sorted", node(corev1.ConditionTrue, false, map[string]string{
			"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "edge", "node-role.kubernetes.io/": "x",
		}), "Ready", []string{"control-plane", "edge", "worker"}},
	}
	for _, tt := range tests {
		if got := NodeStatus(tt.node); got != tt.status {
			t.Errorf("%s: STATUS %q, want %q", tt.name, got, tt.status)
		}
		if got := NodeRoles(tt.node); !slices.Equal(got, tt.roles) {
			t.Errorf("%s: ROLES %q, want %q", tt.name, got, tt.roles)
		}
	}
}

// item is what etcdops hands over for a stored object.
func item(t *testing.T, res string, obj runtime.Object, namespace, name string) etcdops.Item {
	t.Helper()
	value, err := codec.EncodeProtobuf(obj)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := codec.Decode(value)
	if err != nil {
		t.Fatal(err)
	}
	r := etcdops.MustResolveResource(res)
	return etcdops.Item{Record: etcdops.Record{Key: etcdops.Layout{}.Key(r, namespace, name), Value: value, ModRevision: 42},
		KeyInfo: etcdops.KeyInfo{Resource: r, Namespace: namespace, Name: name}, Object: decoded}
}

// TestColumnsAndRows: the default table, -o wide's and every namespace's,
// for each kind of table, and a row of each fits its headings.
func TestColumnsAndRows(t *testing.T) {
	grace := int64(30)
	p := pod(corev1.PodRunning, func(p *corev1.Pod) {
		p.DeletionTimestamp = &metav1.Time{Time: now.Add(-90*time.Second + 30*time.Second)}
		p.DeletionGracePeriodSeconds = &grace
		p.Finalizers = []string{"shop.example.com/drain"}
		p.Status.PodIPs = []corev1.PodIP{{IP: "10.244.1.7"}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true, 0)}
	})
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", CreationTimestamp: ago(40 * 24 * time.Hour)},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute}, {Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.36.3", OSImage: "Ubuntu", KernelVersion: "6.8", Architecture: "amd64"},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.21"}}}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "shop", CreationTimestamp: ago(5 * time.Minute)}}
	tests := []struct {
		name    string
		it      etcdops.Item
		opts    TableOptions
		columns string
		row     string
	}{
		{"pods", item(t, "pods", p, "shop", "web-0"), TableOptions{},
			"NAME|READY|STATUS|RESTARTS|AGE|NODE|TERMINATING-SINCE",
			"web-0|1/1|Terminating|0|3d|worker-1|90s ago"},
		{"pods, every namespace, wide", item(t, "pods", p, "shop", "web-0"), TableOptions{AllNamespaces: true, Wide: true},
			"NAMESPACE|NAME|READY|STATUS|RESTARTS|AGE|IP|NODE|NOMINATED NODE|READINESS GATES|TERMINATING-SINCE|FINALIZERS",
			"shop|web-0|1/1|Terminating|0|3d|10.244.1.7|worker-1|<none>|<none>|90s ago|shop.example.com/drain"},
		{"pods, compact (the TUI)", item(t, "pods", p, "shop", "web-0"), TableOptions{AllNamespaces: true, Compact: true},
			"NAMESPACE|NAME|STATUS|NODE|TERMINATING-SINCE|FINALIZERS",
			"shop|web-0|Terminating|worker-1|90s ago|shop.example.com/drain"},
		{"nodes", item(t, "nodes", n, "", "worker-1"), TableOptions{AllNamespaces: true},
			"NAME|STATUS|ROLES|AGE|VERSION|TAINTS",
			"worker-1|Unknown|<none>|40d|v1.36.3|node.kubernetes.io/unreachable:NoExecute,dedicated=gpu:NoSchedule"},
		{"nodes, wide", item(t, "nodes", n, "", "worker-1"), TableOptions{Wide: true},
			"NAME|STATUS|ROLES|AGE|VERSION|INTERNAL-IP|EXTERNAL-IP|OS-IMAGE|KERNEL-VERSION|CONTAINER-RUNTIME|TAINTS",
			"worker-1|Unknown|<none>|40d|v1.36.3|10.0.0.21|<none>|Ubuntu|6.8 (amd64)|<unknown>|node.kubernetes.io/unreachable:NoExecute,dedicated=gpu:NoSchedule"},
		{"nodes, compact", item(t, "nodes", n, "", "worker-1"), TableOptions{Compact: true},
			"NAME|STATUS|TAINTS",
			"worker-1|Unknown|node.kubernetes.io/unreachable:NoExecute,dedicated=gpu:NoSchedule"},
		{"any other resource", item(t, "configmaps", cm, "shop", "cfg"), TableOptions{Wide: true},
			"NAME|KIND|FORMAT|SIZE|REVISION|AGE",
			"cfg|ConfigMap|protobuf|" + strconv.Itoa(len(item(t, "configmaps", cm, "shop", "cfg").Value)) + "|42|5m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.it.Resource
			if got := strings.Join(Columns(res, tt.opts), "|"); got != tt.columns {
				t.Errorf("columns\n got %s\nwant %s", got, tt.columns)
			}
			if got := strings.Join(Row(res, tt.it, tt.opts, now), "|"); got != tt.row {
				t.Errorf("row\n got %s\nwant %s", got, tt.row)
			}
		})
	}
}

// TestRowOfAValueThatDoesNotDecode: it still gets a row, which says so
// where its status would be.
func TestRowOfAValueThatDoesNotDecode(t *testing.T) {
	for _, res := range []string{"pods", "nodes", "leases", "configmaps"} {
		r := etcdops.MustResolveResource(res)
		it := etcdops.Item{Record: etcdops.Record{Key: "/registry/x/poison", Value: []byte("not an object"), ModRevision: 7},
			KeyInfo: etcdops.KeyInfo{Resource: r, Name: "poison"}, DecodeErr: errors.New("malformed")}
		for _, opts := range []TableOptions{{}, {Wide: true}, {Compact: true}} {
			cols, row := Columns(r, opts), Row(r, it, opts, now)
			if len(row) != len(cols) || row[0] != "poison" {
				t.Errorf("%s (%+v): row %q under %q", res, opts, row, cols)
			}
			status := slices.IndexFunc(cols, func(c string) bool { return c == "STATUS" || c == "HOLDER" || c == "KIND" })
			if row[status] != "<malformed>" {
				t.Errorf("%s: %s is %q, want <malformed>", res, cols[status], row[status])
			}
		}
	}
}

func TestObjectName(t *testing.T) {
	crontabs := etcdops.Resource{Name: "crontabs", Group: "stable.example.com", Kind: "CronTab", Custom: true}
	tests := []struct {
		it   etcdops.Item
		want string
	}{
		{etcdops.Item{KeyInfo: etcdops.KeyInfo{Resource: etcdops.MustResolveResource("pods"), Name: "web-0"}}, "pod/web-0"},
		{etcdops.Item{KeyInfo: etcdops.KeyInfo{Resource: etcdops.MustResolveResource("deployments"), Name: "web"}}, "deployment.apps/web"},
		{etcdops.Item{KeyInfo: etcdops.KeyInfo{Resource: crontabs, Name: "nightly"}}, "crontab.stable.example.com/nightly"},
		// A custom resource known only by its key: its object's kind.
		{etcdops.Item{KeyInfo: etcdops.KeyInfo{Resource: etcdops.Resource{Name: "widgets", Group: "example.com", Custom: true}, Name: "w"},
			Object: &codec.Object{Kind: "Widget"}}, "widget.example.com/w"},
	}
	for _, tt := range tests {
		if got := ObjectName(tt.it); got != tt.want {
			t.Errorf("ObjectName = %q, want %q", got, tt.want)
		}
	}
}

func TestAge(t *testing.T) {
	if got := Age(time.Time{}, now); got != "<unknown>" {
		t.Errorf("Age(zero) = %q", got)
	}
	if got := Age(now.Add(-49*time.Hour), now); got != "2d1h" {
		t.Errorf("Age(49h) = %q, want kubectl's 2d1h", got)
	}
	if got := Ago(now.Add(-90*time.Second), now); got != "90s ago" {
		t.Errorf("Ago(90s) = %q", got)
	}
}
