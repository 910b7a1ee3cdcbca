package outages

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// cluster collects what a scenario stores, then writes it.
type cluster struct {
	now     time.Time
	objects map[string]*stored // by resource/namespace/name
	order   []string
	// later are writes after the first pass: updates and deletes, whose
	// earlier versions etcd's history holds.
	later []*stored
	uids  int
}

type stored struct {
	resource, namespace, name string
	obj                       runtime.Object
	raw                       []byte // a value that is not an object
	deleted                   bool
}

func id(resource, namespace, name string) string { return resource + "/" + namespace + "/" + name }

func (c *cluster) ago(d time.Duration) time.Time { return c.now.Add(-d) }

func (c *cluster) put(resource, namespace, name string, obj runtime.Object) {
	k := id(resource, namespace, name)
	if _, ok := c.objects[k]; !ok {
		c.order = append(c.order, k)
	}
	c.objects[k] = &stored{resource: resource, namespace: namespace, name: name, obj: obj}
}

func (c *cluster) putRaw(resource, namespace, name string, raw []byte) {
	c.put(resource, namespace, name, nil)
	c.objects[id(resource, namespace, name)].raw = raw
}

// remove drops an object the scenario built on: it was never written.
func (c *cluster) remove(resource, namespace, name string) {
	delete(c.objects, id(resource, namespace, name))
}

// deleteLater deletes an object once everything is written; updateLater
// writes its next version then: etcd's history holds the first.
func (c *cluster) deleteLater(resource, namespace, name string) {
	c.later = append(c.later, &stored{resource: resource, namespace: namespace, name: name, deleted: true})
}

func (c *cluster) updateLater(resource, namespace, name string, obj runtime.Object) {
	c.later = append(c.later, &stored{resource: resource, namespace: namespace, name: name, obj: obj})
}

func (c *cluster) get(resource, namespace, name string) runtime.Object {
	s, ok := c.objects[id(resource, namespace, name)]
	if !ok {
		panic(fmt.Sprintf("outages: no %s", id(resource, namespace, name)))
	}
	return s.obj
}

func (c *cluster) node(name string) *corev1.Node { return c.get("nodes", "", name).(*corev1.Node) }
func (c *cluster) pod(ns, name string) *corev1.Pod {
	return c.get("pods", ns, name).(*corev1.Pod)
}
func (c *cluster) lease(ns, name string) *coordinationv1.Lease {
	return c.get("leases", ns, name).(*coordinationv1.Lease)
}

// write stores everything under prefix as kube-apiserver does
// (protobuf), then makes the later writes.
func (c *cluster) write(ctx context.Context, cli *clientv3.Client, prefix string) error {
	layout := etcdops.Layout{Prefix: prefix}
	var writes []*stored
	for _, k := range c.order {
		if s, ok := c.objects[k]; ok {
			writes = append(writes, s)
		}
	}
	for _, s := range append(writes, c.later...) {
		res, err := etcdops.ResolveResource(s.resource)
		if err != nil {
			return err
		}
		key := layout.Key(res, s.namespace, s.name)
		switch {
		case s.deleted:
			_, err = cli.Delete(ctx, key)
		case s.raw != nil:
			err = demo.PutValue(ctx, cli, key, s.raw, clientv3.NoLease)
		default:
			err = demo.PutObject(ctx, cli, key, s.obj, clientv3.NoLease)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

func (c *cluster) meta(kind, namespace, name string, created time.Time, labels map[string]string) metav1.ObjectMeta {
	c.uids++
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels, CreationTimestamp: metav1.NewTime(created),
		UID: types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", c.uids))}
}

// The healthy cluster every scenario starts from: one control-plane node
// and two workers, cluster DNS spread over the workers, a web Deployment,
// the control plane's leases renewed as an apiserver that serves renews
// them.
const (
	clusterAge    = 30 * 24 * time.Hour
	kubeletLease  = 40 // seconds
	leaderLease   = 15
	identityLease = 3600
	controlPlane  = "cp-1"
)

var workers = []string{"worker-1", "worker-2"}

func newCluster(now time.Time) *cluster {
	c := &cluster{now: now.UTC().Truncate(time.Second), objects: map[string]*stored{}}
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease", "shop"} {
		c.put("namespaces", "", ns, &corev1.Namespace{ObjectMeta: c.meta("Namespace", "", ns, c.ago(clusterAge), map[string]string{"kubernetes.io/metadata.name": ns}),
			Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}})
	}
	c.addNode(controlPlane, true)
	for _, w := range workers {
		c.addNode(w, false)
	}
	c.put("leases", "kube-system", "apiserver-"+controlPlane, &coordinationv1.Lease{
		ObjectMeta: c.meta("Lease", "kube-system", "apiserver-"+controlPlane, c.ago(6*time.Hour), map[string]string{
			"apiserver.kubernetes.io/identity": "kube-apiserver", "kubernetes.io/hostname": controlPlane}),
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("apiserver-" + controlPlane + "_1"), LeaseDurationSeconds: ptr[int32](identityLease),
			RenewTime: micro(c.ago(3 * time.Second))}})
	for _, comp := range []string{"kube-controller-manager", "kube-scheduler"} {
		c.put("leases", "kube-system", comp, &coordinationv1.Lease{
			ObjectMeta: c.meta("Lease", "kube-system", comp, c.ago(clusterAge), nil),
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr(controlPlane + "_" + comp), LeaseDurationSeconds: ptr[int32](leaderLease),
				AcquireTime: micro(c.ago(6 * time.Hour)), RenewTime: micro(c.ago(2 * time.Second))}})
	}
	c.put("services", "kube-system", "kube-dns", &corev1.Service{ObjectMeta: c.meta("Service", "kube-system", "kube-dns", c.ago(clusterAge), map[string]string{"k8s-app": "kube-dns"}),
		Spec: corev1.ServiceSpec{Selector: map[string]string{"k8s-app": "kube-dns"}, ClusterIP: "10.96.0.10",
			Ports: []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}}}})
	for i, w := range workers {
		c.addPod("kube-system", fmt.Sprintf("coredns-7db6d8ff4d-%d", i), w, "ReplicaSet/coredns-7db6d8ff4d", map[string]string{"k8s-app": "kube-dns"})
		c.addPod("shop", fmt.Sprintf("web-5d8f7c6b9-%d", i), w, "ReplicaSet/web-5d8f7c6b9", map[string]string{"app": "web"})
	}
	return c
}

func (c *cluster) addNode(name string, controlPlane bool) {
	labels := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
	n := &corev1.Node{ObjectMeta: c.meta("Node", "", name, c.ago(clusterAge), labels)}
	if controlPlane {
		labels["node-role.kubernetes.io/control-plane"] = ""
		n.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		LastHeartbeatTime: metav1.NewTime(c.ago(time.Minute)), LastTransitionTime: metav1.NewTime(c.ago(clusterAge))}}
	c.put("nodes", "", name, n)
	c.put("leases", corev1.NamespaceNodeLease, name, &coordinationv1.Lease{
		ObjectMeta: c.meta("Lease", corev1.NamespaceNodeLease, name, c.ago(clusterAge), nil),
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr(name), LeaseDurationSeconds: ptr[int32](kubeletLease),
			RenewTime: micro(c.ago(5 * time.Second))}})
}

// addPod adds a running, ready pod with the default tolerations of the
// not-ready and unreachable taints (300 s, DefaultTolerationSeconds).
func (c *cluster) addPod(ns, name, node, owner string, labels map[string]string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: c.meta("Pod", ns, name, c.ago(7*24*time.Hour), labels)}
	if kind, ownerName, ok := cut(owner); ok {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: ownerName, UID: "owner-" + types.UID(ownerName), Controller: ptr(true)}}
	}
	p.Spec = corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/" + name + ":1"}},
		Tolerations: []corev1.Toleration{
			{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr[int64](300)},
			{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr[int64](300)},
		}}
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(c.ago(7 * 24 * time.Hour))}}}}}
	if node == "" {
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}}
	}
	c.put("pods", ns, name, p)
	return p
}

// stopAPIServer freezes every lease as it was when the last apiserver
// stopped, ago: nothing renews a lease without one.
func (c *cluster) stopAPIServer(ago time.Duration) {
	for _, s := range c.objects {
		if l, ok := s.obj.(*coordinationv1.Lease); ok && l.Spec.RenewTime != nil && c.now.Sub(l.Spec.RenewTime.Time) < ago {
			l.Spec.RenewTime = micro(l.Spec.RenewTime.Add(-ago))
		}
	}
}

// shiftLeases moves every renewTime by d: the holders' clocks disagree
// with the operator's.
func (c *cluster) shiftLeases(d time.Duration) {
	for _, s := range c.objects {
		if l, ok := s.obj.(*coordinationv1.Lease); ok && l.Spec.RenewTime != nil {
			l.Spec.RenewTime = micro(l.Spec.RenewTime.Add(d))
		}
	}
}

// silence makes a node's kubelet stop renewing ago, and the node lifecycle
// controller do what it does 50 s later (Ready=Unknown, the unreachable
// taints) and, once the pods' 300 s toleration ends, evict them: they stay
// Terminating, since only their kubelet confirms the kill.
func (c *cluster) silence(name string, ago time.Duration) {
	c.lease(corev1.NamespaceNodeLease, name).Spec.RenewTime = micro(c.ago(ago))
	n := c.node(name)
	unknown := c.ago(ago - 50*time.Second)
	n.Status.Conditions[0] = corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown",
		Message: "Kubelet stopped posting node status.", LastHeartbeatTime: metav1.NewTime(c.ago(ago)), LastTransitionTime: metav1.NewTime(unknown)}
	n.Spec.Taints = append(n.Spec.Taints,
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: ptr(metav1.NewTime(unknown))},
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: ptr(metav1.NewTime(unknown))})
	evicted := unknown.Add(300 * time.Second)
	if evicted.After(c.now) {
		return
	}
	for _, k := range c.order {
		s, ok := c.objects[k]
		if !ok {
			continue
		}
		if p, ok := s.obj.(*corev1.Pod); ok && p.Spec.NodeName == name {
			p.DeletionTimestamp = ptr(metav1.NewTime(evicted.Add(30 * time.Second)))
			p.DeletionGracePeriodSeconds = ptr[int64](30)
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
		}
	}
}

func cut(owner string) (kind, name string, ok bool) {
	for i := range owner {
		if owner[i] == '/' {
			return owner[:i], owner[i+1:], true
		}
	}
	return "", "", false
}

func ptr[T any](v T) *T { return &v }

func micro(t time.Time) *metav1.MicroTime { m := metav1.NewMicroTime(t); return &m }
