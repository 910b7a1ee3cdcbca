package render_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/render"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// crashingPod is a pod whose container crash-loops: Waiting now, its last
// run Terminated with exit code 137; it mounts a claim, a host path, a
// ConfigMap's items and a subPath, takes env from a ConfigMap that is
// not in etcd, and carries terminal escapes in what etcd holds.
func crashingPod(now time.Time) *corev1.Pod {
	hostPathType := corev1.HostPathDirectory
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "crasher", UID: "crasher-uid",
			CreationTimestamp: metav1.NewTime(now.Add(-time.Hour)),
			Labels:            map[string]string{"app": "crasher", "evil": "x\x1b]0;pwned\x07y"}},
		Spec: corev1.PodSpec{
			NodeName: "worker-6",
			Volumes: []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "crasher-data"}}},
				{Name: "logs", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log/crasher", Type: &hostPathType}}},
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "frontend-config"},
					Items:                []corev1.KeyToPath{{Key: "config.yaml", Path: "app.yaml"}}}}},
				{Name: "scratch", VolumeSource: corev1.VolumeSource{AWSElasticBlockStore: &corev1.AWSElasticBlockStoreVolumeSource{VolumeID: "vol-1"}}},
			},
			Containers: []corev1.Container{{
				Name: "crasher", Image: "registry.example.com/crasher:1",
				EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "crasher-env"}}}},
				Env:     []corev1.EnvVar{{Name: "GREETING", Value: "hi\x1b[2J"}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "data", MountPath: "/data"},
					{Name: "config", MountPath: "/etc/crasher/app.yaml", SubPath: "app.yaml", ReadOnly: true},
					{Name: "logs", MountPath: "/logs"},
				},
			}},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, HostIP: "10.0.0.27", PodIP: "10.244.17.9",
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "crasher", RestartCount: 7, Image: "registry.example.com/crasher:1",
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					Reason: "OOMKilled", ExitCode: 137, StartedAt: metav1.NewTime(now.Add(-6 * time.Minute)), FinishedAt: metav1.NewTime(now.Add(-5 * time.Minute))}},
			}},
		},
	}
}

// TestDescribe: lifeboat describe and the TUI's d lay a description out as
// kubectl describe does, with lifeboat's outage fields; what etcd holds is
// made terminal-safe and a Secret's values never shown.
func TestDescribe(t *testing.T) {
	c := etcdtest.Capsized(t, demo.Options{Malformed: true})
	now := c.Seed.Now
	ctx := context.Background()
	copied := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "copied", Annotations: map[string]string{"note": "the token is s3cr3t-t0ken-value", "team": "sre"}},
		Type:       corev1.SecretTypeOpaque, Data: map[string][]byte{"token": []byte("s3cr3t-t0ken-value")}}
	repeated := &corev1.Event{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta:     metav1.ObjectMeta{Namespace: "shop", Name: "crasher.1"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "crasher", UID: "crasher-uid", FieldPath: "spec.containers{crasher}"},
		Type:           corev1.EventTypeWarning, Reason: "BackOff", Message: "Back-off restarting failed container crasher", Count: 12,
		FirstTimestamp: metav1.NewTime(now.Add(-50 * time.Minute)), LastTimestamp: metav1.NewTime(now.Add(-time.Minute)),
		Source: corev1.EventSource{Component: "kubelet", Host: "worker-6"}}
	other := repeated.DeepCopy() // about an older crasher: another uid
	other.Name, other.InvolvedObject.UID, other.Reason = "crasher.0", "older-uid", "Pulled"
	for key, obj := range map[string]runtime.Object{
		"/registry/pods/shop/crasher":     crashingPod(now),
		"/registry/secrets/shop/copied":   copied,
		"/registry/events/shop/crasher.1": repeated,
		"/registry/events/shop/crasher.0": other,
	} {
		if err := demo.PutObject(ctx, c.Client, key, obj, clientv3.NoLease); err != nil {
			t.Fatal(err)
		}
	}
	store := c.Store(true)
	for _, tc := range []struct {
		name, resource, namespace, object string
		want, avoid                       []string
	}{
		{name: "evicted pod", resource: "pods", namespace: "shop", object: "frontend-vcgpxj2xjx-fsfcm", want: []string{
			"Name:                      frontend-vcgpxj2xjx-fsfcm\n", "Key:                       /registry/pods/shop/frontend-vcgpxj2xjx-fsfcm\n",
			"Service Account:           frontend\n",
			"Node:                      worker-1/10.0.0.22 · Ready=Unknown · kubelet lease 20m ago STALE\n",
			"Status:                    Terminating (lasts 4m)\n", "Termination Grace Period:  30s\n",
			"Owner:                     ReplicaSet/frontend-vcgpxj2xjx (controller)\n",
			"Init Containers:\n  wait-for-deps:\n", "    State:          Terminated\n      Reason:       Completed\n      Exit Code:    0\n",
			"Containers:\n  frontend:\n", "    Ports:         8080/TCP (http), 9090/TCP (metrics)\n",
			"    State:          Running\n      Started:      Thu, 19 Nov 2026 03:00:04 +0000\n    Ready:          True\n    Restart Count:  0\n",
			"      DB_PASSWORD:                  <set to the key 'password' in secret 'frontend-db'>                   Optional: false\n",
			"      POD_NAME:                     frontend-vcgpxj2xjx-fsfcm (v1:metadata.name)\n", "      GOMAXPROCS:                   1 (limits.cpu)\n",
			"    Mounts:\n      /etc/frontend from config (ro)\n      /etc/tls from tls (ro)\n      /tmp from tmp (rw)\n",
			"Conditions:\n  Type                       Status  Since      Reason                  Message\n",
			"  DisruptionTarget           True    4m30s ago  DeletionByTaintManager  Taint manager: deleting due to NoExecute taint\n",
			"Volumes:\n  config:\n    Type:      ConfigMap (a volume populated by a ConfigMap)\n    Name:      frontend-config\n    Optional:  false\n",
			"    Type:        Secret (a volume populated by a Secret)\n    SecretName:  frontend-tls\n",
			"    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)\n", "    SizeLimit:  256Mi\n",
			"    Type:                    Projected (a volume that contains injected data from multiple sources)\n",
			"QoS Class:                   Burstable\n", "Node-Selectors:              <none>\n",
			"Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n",
			"Taints of its node worker-1:\n", "node.kubernetes.io/unreachable:NoExecute   9m30s ago  evicts pods, after their tolerationSeconds\n",
			"Events:\n  Type     Reason                Age    From                       Message\n  ----     ------                ---    ----                       -------\n" +
				"  Warning  NodeNotReady          19m    node-controller            Node is not ready\n" +
				"  Normal   TaintManagerEviction  4m30s  taint-eviction-controller  Marking for deletion Pod shop/frontend-vcgpxj2xjx-fsfcm\n"}},
		{name: "crash-looping pod", resource: "pods", namespace: "shop", object: "crasher", want: []string{
			"    State:          Waiting\n      Reason:       CrashLoopBackOff\n      Message:      back-off 5m0s restarting failed container\n" +
				"    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n",
			"    Ready:          False\n    Restart Count:  7\n",
			"    Environment Variables from:\n      crasher-env  ConfigMap  Optional: false · configmap not in etcd\n",
			`GREETING:  hi\x1b[2J`, `evil=x\x1b]0;pwned\x07y`,
			"      /data from data (rw)\n      /etc/crasher/app.yaml from config (ro,path=\"app.yaml\")\n      /logs from logs (rw)\n",
			"    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:  crasher-data · persistentvolumeclaim not in etcd\n    ReadOnly:   false\n",
			"    Type:          HostPath (bare host directory volume)\n    Path:          /var/log/crasher\n    HostPathType:  Directory\n",
			"    Name:      frontend-config\n    Optional:  false\n    Items:     config.yaml -> app.yaml\n",
			"  scratch:\n    Type:        AWSElasticBlockStore\n",
			"QoS Class:       Guaranteed\n", "Tolerations:     <none>\n",
			"  Warning  BackOff  60s (x12 over 50m)  kubelet  spec.containers{crasher}: Back-off restarting failed container crasher\n",
		}, avoid: []string{"\x1b", "Pulled", "Eviction:"}},
		{name: "pod whose ConfigMap was deleted", resource: "pods", namespace: "shop", object: "cart-pl6p7bx8w7-cz2kw", want: []string{
			"    Name:      cart-config · configmap not in etcd\n", "<set to the key 'REDIS_ADDR' of config map 'cart-config'>  Optional: false · configmap not in etcd\n",
			"Status:           Running\n", "Eviction:         no NoExecute taint on its node\n"},
			avoid: []string{"frontend-tls · secret not in etcd", "Deleting:"}},
		{name: "lost node", resource: "nodes", object: "worker-1", want: []string{
			"Roles:          <none>\n", "Unschedulable:  false\n", "Kubelet lease:  20m ago STALE\n",
			"Taints:\n  Taint                                      Added      Effect\n",
			"  Ready           Unknown  19m ago  NodeStatusUnknown  Kubelet stopped posting node status.\n",
			"Addresses:\n  InternalIP:  10.0.0.22\n  Hostname:    worker-1\n", "Capacity:\n  cpu:                16\n", "Allocatable:\n",
			"  Kubelet Version:            v1.36.3\n",
			"Non-terminated Pods: (9 in total)\n  Namespace    Name                                 CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age    Status\n",
			"  kube-system  kube-proxy-kjq9v                     0 (0%)        0 (0%)      0 (0%)           0 (0%)         40d    Running\n",
			"  shop         frontend-vcgpxj2xjx-fsfcm            270m (1%)     500m (3%)   288Mi (0%)       576Mi (0%)     3d     Terminating\n",
			"Allocated resources:\n", "  cpu                2160m (13%)  4 (25%)\n",
			"Events: <none in etcd> (events expire after kube-apiserver's --event-ttl, 1h by default)\n"}},
		{name: "cordoned control plane", resource: "nodes", object: "control-plane-1", want: []string{
			"Roles:          control-plane\n", "node-role.kubernetes.io/control-plane:NoSchedule", "kube-apiserver-control-plane-1"}},
		{name: "cordoned node", resource: "nodes", object: "worker-3", want: []string{"Unschedulable:  true\n", "node.kubernetes.io/unschedulable:NoSchedule"}},
		{name: "secret applied with kubectl", resource: "secrets", namespace: "payments", object: "payments-api-db", want: []string{
			"Annotations:  <none>\n", "\nType:  Opaque\n\nData\n====\nhost:      38 bytes\npassword:  24 bytes\nusername:  12 bytes\n"},
			avoid: []string{"hunter2", "last-applied", "payments_api"}},
		{name: "secret copied into an annotation", resource: "secrets", namespace: "shop", object: "copied", want: []string{
			"Annotations:  note: <redacted: 31 bytes>\n              team: sre\n", "token:  18 bytes\n"},
			avoid: []string{"s3cr3t"}},
		{name: "encrypted secret", resource: "secrets", namespace: "payments", object: "card-processor-token", want: []string{
			"Value:      encrypted at rest (aescbc key key1): lifeboat has no key to read it\n"}},
		{name: "configmap", resource: "configmaps", namespace: "shop", object: "frontend-config", want: []string{
			"Data\n====\nUPSTREAM_CART_URL:\n----\nhttp://cart.shop.svc.cluster.local:8080\n\nconfig.yaml:\n----\nserver:\n  listen: :8080\n",
			"\nBinaryData\n====\n"}},
		{name: "value that does not decode", resource: "pods", namespace: "default", object: "poison", want: []string{
			"Value:      cannot be decoded: /registry/pods/default/poison: malformed value"}},
		{name: "custom resource", resource: "crontabs.stable.example.com", namespace: "default", object: "nightly-backup", want: []string{
			"Kind:         CronTab (stable.example.com/v1)\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := store.ResolveResource(ctx, tc.resource)
			if err != nil {
				t.Fatal(err)
			}
			d, err := store.Describe(ctx, etcdops.KeyInfo{Resource: res, Namespace: tc.namespace, Name: tc.object}, now)
			if err != nil {
				t.Fatal(err)
			}
			out := render.Describe(d, now, false)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(out, a) {
					t.Errorf("shows %q:\n%s", a, out)
				}
			}
			colored := render.Describe(d, now, true)
			if strings.Contains(out, "\x1b") || !strings.Contains(colored, "\x1b[") {
				t.Errorf("colour: plain has escapes %v, coloured has none %v", strings.Contains(out, "\x1b"), !strings.Contains(colored, "\x1b["))
			}
		})
	}
}
