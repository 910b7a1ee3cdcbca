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
	rbacv1 "k8s.io/api/rbac/v1"
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
		p.Status.PodIP = "10.244.1.7"
		p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true, 0)}
	})
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", CreationTimestamp: ago(40 * 24 * time.Hour)},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute}, {Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.36.3", OSImage: "Ubuntu", KernelVersion: "6.8", Architecture: "amd64"},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.21"}}}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "shop", CreationTimestamp: ago(5 * time.Minute)}, Data: map[string]string{"a": "1", "b": "2"}}
	cmItem := item(t, "configmaps", cm, "shop", "cfg")
	tests := []struct {
		name    string
		it      etcdops.Item
		opts    TableOptions
		columns string
		row     string
	}{
		{"pods: kubectl's columns, and since when the deletion was asked", item(t, "pods", p, "shop", "web-0"), TableOptions{},
			"NAME|READY|STATUS|RESTARTS|AGE|TERMINATING-SINCE",
			"web-0|1/1|Terminating|0|3d|90s ago"},
		{"pods, every namespace, wide", item(t, "pods", p, "shop", "web-0"), TableOptions{AllNamespaces: true, Wide: true},
			"NAMESPACE|NAME|READY|STATUS|RESTARTS|AGE|IP|NODE|NOMINATED NODE|READINESS GATES|TERMINATING-SINCE|FINALIZERS|FORMAT|SIZE|REVISION",
			"shop|web-0|1/1|Terminating|0|3d|10.244.1.7|worker-1|<none>|<none>|90s ago|shop.example.com/drain|protobuf|" + strconv.Itoa(len(item(t, "pods", p, "shop", "web-0").Value)) + "|42"},
		{"pods, compact (the TUI)", item(t, "pods", p, "shop", "web-0"), TableOptions{AllNamespaces: true, Compact: true},
			"NAMESPACE|NAME|READY|STATUS|RESTARTS|AGE|TERMINATING-SINCE",
			"shop|web-0|1/1|Terminating|0|3d|90s ago"},
		{"nodes", item(t, "nodes", n, "", "worker-1"), TableOptions{AllNamespaces: true},
			"NAME|STATUS|ROLES|AGE|VERSION",
			"worker-1|Unknown|<none>|40d|v1.36.3"},
		{"nodes, wide: the taints after kubectl's", item(t, "nodes", n, "", "worker-1"), TableOptions{Wide: true},
			"NAME|STATUS|ROLES|AGE|VERSION|INTERNAL-IP|EXTERNAL-IP|OS-IMAGE|KERNEL-VERSION|CONTAINER-RUNTIME|TAINTS|FORMAT|SIZE|REVISION",
			"worker-1|Unknown|<none>|40d|v1.36.3|10.0.0.21|<none>|Ubuntu|6.8 (amd64)|<unknown>|node.kubernetes.io/unreachable:NoExecute,dedicated=gpu:NoSchedule|protobuf|" + strconv.Itoa(len(item(t, "nodes", n, "", "worker-1").Value)) + "|42"},
		{"nodes, compact", item(t, "nodes", n, "", "worker-1"), TableOptions{Compact: true},
			"NAME|STATUS|ROLES|AGE|VERSION|TAINTS",
			"worker-1|Unknown|<none>|40d|v1.36.3|node.kubernetes.io/unreachable:NoExecute,dedicated=gpu:NoSchedule"},
		{"configmaps", cmItem, TableOptions{},
			"NAME|DATA|AGE",
			"cfg|2|5m"},
		{"configmaps, wide: how it is stored", cmItem, TableOptions{Wide: true},
			"NAME|DATA|AGE|FORMAT|SIZE|REVISION",
			"cfg|2|5m|protobuf|" + strconv.Itoa(len(cmItem.Value)) + "|42"},
		{"a kind without printer: the apiserver's default columns", item(t, "roles", &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "shop", CreationTimestamp: metav1.NewTime(now)}}, "shop", "r"), TableOptions{},
			"NAME|CREATED AT",
			"r|" + now.Format(time.RFC3339)},
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

// TestCell: cells as kubectl's table printer writes them.
func TestCell(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"Running", "Running"},
		{int64(3), "3"},
		{int32(0), "0"},
		{true, "true"},
		{"first line\nsecond", "first line..."},
		{"bell\a", `bell\x07`},
	} {
		if got := Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%#v) = %q, want %q", tt.in, got, tt.want)
		}
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
			at := slices.Index(cols, "STATUS")
			if at < 0 {
				at = 1
			}
			if row[at] != "<malformed>" {
				t.Errorf("%s: %s is %q, want <malformed> in STATUS, else kubectl's second column", res, cols[at], row[at])
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
