package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	kubectrlmgrtesting "k8s.io/kubernetes/cmd/kube-controller-manager/app/testing"
	"k8s.io/utils/ptr"
)

// The gallery's clock. Kubelets renew Leases of kubeletLeaseSeconds (a
// kubelet's last 40 s). kube-apiserver renews its identity Lease every
// 10 s (k8s.io/kubernetes pkg/controlplane/apiserver/server.go,
// IdentityLeaseRenewIntervalPeriod); the Lease lasts an hour, so doctor
// counts an apiserver as stopped once it missed three renewals, 35 s with
// its 5 s clock margin, and dates the outage from the last one, at most
// 10 s before the stop. (A graceful stop, as here, deletes the identity
// Lease; doctor then dates the outage from the newest renewal of any Lease,
// the kubelets', a second before the stop, and waits as long.) A node
// "dead before the outage" stops renewing
// silentBeforeOutage before kube-apiserver stops: its Lease had expired
// (10 s + the margin) well before the outage began. doctor runs
// outageSettle after the stop, when the outage shows.
const (
	kubeletLeaseSeconds = 10
	silentBeforeOutage  = 35 * time.Second
	outageSettle        = 38 * time.Second
)

// controlPlaneStarts serialises starting kube-apiservers and
// controller-managers: each start takes both cores for a second or two,
// and both harnesses set process-wide state (feature gates, metrics) while
// they start.
var controlPlaneStarts sync.Mutex

// galleryCluster is one gallery scenario's cluster: an embedded etcd, a
// kube-apiserver, kube-controller-manager when the scenario needs it, and
// the kubelets of its nodes, which are nothing but their Lease renewals.
type galleryCluster struct {
	*cluster
	cli *clientv3.Client

	// mu guards the clientset the kubelets renew through, which a
	// restart replaces, and what the kubelets do.
	mu       sync.Mutex
	renewing map[string]bool
	// silencedAt is when the last kubelet meant dead stopped renewing.
	silencedAt time.Time
	// stoppedAt is when kube-apiserver was stopped.
	stoppedAt time.Time
	// journals are the journals of the fixes written for real.
	journals []string
	// holdsKCM: this scenario's kube-controller-manager runs.
	holdsKCM bool
	ip       int
}

func newGalleryCluster(t *testing.T, apiFlags ...string) *galleryCluster {
	t.Helper()
	c := func() *cluster {
		// Held until the apiserver is up, or the harness failed the test.
		controlPlaneStarts.Lock()
		defer controlPlaneStarts.Unlock()
		return newCluster(t, "/registry", apiFlags...)
	}()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.etcd.Endpoint()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	g := &galleryCluster{cluster: c, cli: cli, renewing: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); g.kubelets(ctx) }()
	// Registered after newCluster's, so it runs before etcd stops: the
	// kubelets, kube-controller-manager and kube-apiserver go first, rather
	// than retrying a gone etcd for the rest of the test binary's life.
	t.Cleanup(func() {
		cancel()
		<-done
		g.stopControllers(t)
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.api != nil {
			g.stopAPIServer(t)
		}
	})
	return g
}

func (g *galleryCluster) clientset() kubernetes.Interface {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cs
}

// kubelets renews, every second, the Lease of every node whose kubelet
// is alive, through whichever apiserver runs. While none does, the
// renewals fail, as a kubelet's do.
func (g *galleryCluster) kubelets(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		g.mu.Lock()
		cs, names := g.cs, make([]string, 0, len(g.renewing))
		for name := range g.renewing {
			names = append(names, name)
		}
		g.mu.Unlock()
		for _, name := range names {
			rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			leases := cs.CoordinationV1().Leases(v1.NamespaceNodeLease)
			if l, err := leases.Get(rctx, name, metav1.GetOptions{}); err == nil {
				l.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
				leases.Update(rctx, l, metav1.UpdateOptions{})
			}
			cancel()
		}
	}
}

// forget stops renewing a node's Lease without calling it dead: the node
// is about to be deleted.
func (g *galleryCluster) forget(names ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, name := range names {
		delete(g.renewing, name)
	}
}

// silence stops a kubelet's renewals: the node is dead from now on.
func (g *galleryCluster) silence(t *testing.T, names ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, name := range names {
		delete(g.renewing, name)
	}
	g.silencedAt = time.Now()
	t.Logf("kubelets of %s stop renewing their Leases at %s", strings.Join(names, ", "), g.silencedAt.UTC().Format(time.RFC3339))
}

// outage stops the control plane: once the nodes meant dead have been
// silent for silentBeforeOutage, kube-controller-manager, then
// kube-apiserver; then it waits outageSettle.
func (g *galleryCluster) outage(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	silenced := g.silencedAt
	g.mu.Unlock()
	if wait := time.Until(silenced.Add(silentBeforeOutage)); !silenced.IsZero() && wait > 0 {
		t.Logf("waiting %s: the dead kubelets stay silent %s before the outage", wait.Round(time.Second), silentBeforeOutage)
		time.Sleep(wait)
	}
	g.logIdentityLeases(t)
	g.stopControllers(t)
	g.mu.Lock()
	g.stopAPIServer(t)
	g.stoppedAt = time.Now()
	g.mu.Unlock()
	t.Logf("=== outage: kube-apiserver stopped at %s; doctor runs %s later", g.stoppedAt.UTC().Format(time.RFC3339), outageSettle)
	time.Sleep(outageSettle)
}

// logIdentityLeases logs kube-apiserver's identity Leases, which tell
// doctor when the apiserver last ran.
func (g *galleryCluster) logIdentityLeases(t *testing.T) {
	t.Helper()
	l, err := g.cs.CoordinationV1().Leases("kube-system").List(context.Background(), metav1.ListOptions{LabelSelector: "apiserver.kubernetes.io/identity=kube-apiserver"})
	if err != nil {
		t.Logf("identity leases: %v", err)
		return
	}
	for _, lease := range l.Items {
		t.Logf("kube-apiserver identity lease kube-system/%s: holder %s, renewed %s, leaseDurationSeconds %d", lease.Name,
			ptr.Deref(lease.Spec.HolderIdentity, ""), lease.Spec.RenewTime.UTC().Format(time.RFC3339Nano), ptr.Deref(lease.Spec.LeaseDurationSeconds, 0))
	}
}

// restart starts kube-apiserver again on the same etcd.
func (g *galleryCluster) restart(t *testing.T) {
	t.Helper()
	controlPlaneStarts.Lock()
	defer controlPlaneStarts.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.startAPIServer(t)
}

// controllerManagers is held while a gallery scenario's
// kube-controller-manager runs: two in one process collide (configz and
// informer names are process-wide), so each scenario runs it only as
// long as it makes the outage, then stops it.
var controllerManagers sync.Mutex

// startControllers starts kube-controller-manager with the given
// controllers, on short timers, with its leader Lease released when it
// stops (TestGallery sets the gate). A silent kubelet is noticed after
// --node-monitor-grace-period, 10 s here (50 s by default): long enough
// that a renewal delayed on a loaded machine does not taint a live node.
// stopControllers stops it.
func (g *galleryCluster) startControllers(t *testing.T, controllers ...string) {
	t.Helper()
	flags := []string{
		"--kubeconfig=" + g.kubeconfig(t),
		"--controllers=" + strings.Join(controllers, ","),
		"--secure-port=0",
		"--node-monitor-period=1s",
		"--node-monitor-grace-period=10s",
		"--node-startup-grace-period=10s",
		"--node-eviction-rate=100",
		"--leader-elect=true",
		"--leader-elect-lease-duration=4s",
		"--leader-elect-renew-deadline=3s",
		"--leader-elect-retry-period=1s",
		"--feature-gates=ControllerManagerReleaseLeaderElectionLockOnExit=true",
	}
	controllerManagers.Lock()
	g.holdsKCM = true
	controlPlaneStarts.Lock()
	defer controlPlaneStarts.Unlock()
	// The scenario's test owns it (root), for the harness's temporary
	// directory.
	kcm, err := kubectrlmgrtesting.StartTestServer(g.root, context.Background(), flags)
	if err != nil {
		g.holdsKCM = false
		controllerManagers.Unlock()
		t.Fatalf("kube-controller-manager: %v", err)
	}
	g.kcm = &kcm
	t.Logf("kube-controller-manager up: %s", strings.Join(controllers, ", "))
}

// stopControllers stops kube-controller-manager, if it runs.
func (g *galleryCluster) stopControllers(t *testing.T) {
	t.Helper()
	g.stopKCM(t)
	if g.holdsKCM {
		g.holdsKCM = false
		controllerManagers.Unlock()
	}
}

// kubeletNode registers a node as its kubelet does: the Node, its status
// through the status subresource (Ready, capacity, node info), and its
// Lease in kube-node-lease, owned by the Node; then the kubelet renews it.
func (g *galleryCluster) kubeletNode(t *testing.T, name string, labels map[string]string, taints ...v1.Taint) *v1.Node {
	t.Helper()
	ctx := context.Background()
	l := map[string]string{
		"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
		"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
	}
	for k, v := range labels {
		l[k] = v
	}
	n, err := g.cs.CoreV1().Nodes().Create(ctx, &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
		Spec:       v1.NodeSpec{Taints: taints},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	now := metav1.Now()
	cond := func(typ v1.NodeConditionType, status v1.ConditionStatus, reason, msg string) v1.NodeCondition {
		return v1.NodeCondition{Type: typ, Status: status, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	capacity := v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourceMemory: resource.MustParse("16Gi"), v1.ResourcePods: resource.MustParse("110")}
	n.Status = v1.NodeStatus{
		Capacity: capacity, Allocatable: capacity,
		Conditions: []v1.NodeCondition{
			cond(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
		},
		Addresses: []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: g.nextIP("192.168.%d.%d")}, {Type: v1.NodeHostName, Address: name}},
		NodeInfo: v1.NodeSystemInfo{KubeletVersion: "v1.36.3", ContainerRuntimeVersion: "containerd://2.1.4", OSImage: "Ubuntu 24.04.3 LTS",
			KernelVersion: "6.8.0-79-generic", OperatingSystem: "linux", Architecture: "amd64"},
	}
	if n, err = g.cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("node %s status: %v", name, err)
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: v1.NamespaceNodeLease,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: name, UID: n.UID}}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(name), LeaseDurationSeconds: ptr.To[int32](kubeletLeaseSeconds),
			RenewTime: &metav1.MicroTime{Time: time.Now()}},
	}
	if _, err := g.cs.CoordinationV1().Leases(v1.NamespaceNodeLease).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubelet lease %s: %v", name, err)
	}
	g.mu.Lock()
	g.renewing[name] = true
	g.mu.Unlock()
	return n
}

// controlPlaneNode is a kubeadm control-plane node: its role label and
// the taint that keeps workloads off it.
func (g *galleryCluster) controlPlaneNode(t *testing.T, name string) *v1.Node {
	return g.kubeletNode(t, name, map[string]string{"node-role.kubernetes.io/control-plane": ""},
		v1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: v1.TaintEffectNoSchedule})
}

func (g *galleryCluster) nextIP(format string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ip++
	return fmt.Sprintf(format, g.ip/250, g.ip%250+2)
}

// workload is a Deployment whose ReplicaSet the deployment controller
// created: its pods are named <name>-<hash>-<suffix>.
type workload struct {
	ns, name, hash string
	labels         map[string]string
	spec           v1.PodSpec
	replicas       int32
	// rs is the owner reference its pods carry, set by deploy.
	rs metav1.OwnerReference
}

func (w *workload) podName(suffix string) string { return w.name + "-" + w.hash + "-" + suffix }

// deploy creates the Deployment and its ReplicaSet as the deployment
// controller leaves them (owner reference, pod-template-hash, status
// through the status subresource). No controller runs: the pods are
// created by runPod, as the ReplicaSet controller and the scheduler
// would.
func (g *galleryCluster) deploy(t *testing.T, w *workload) {
	t.Helper()
	ctx := context.Background()
	tmpl := v1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: w.labels}, Spec: w.spec}
	d, err := g.cs.AppsV1().Deployments(w.ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: w.name, Namespace: w.ns, Labels: w.labels, Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(w.replicas), Selector: &metav1.LabelSelector{MatchLabels: w.labels}, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("deployment %s/%s: %v", w.ns, w.name, err)
	}
	rsLabels := map[string]string{"pod-template-hash": w.hash}
	for k, v := range w.labels {
		rsLabels[k] = v
	}
	rsTmpl := tmpl.DeepCopy()
	rsTmpl.Labels = rsLabels
	rs, err := g.cs.AppsV1().ReplicaSets(w.ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: w.name + "-" + w.hash, Namespace: w.ns, Labels: rsLabels,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": fmt.Sprint(w.replicas)},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(w.replicas), Selector: &metav1.LabelSelector{MatchLabels: rsLabels}, Template: *rsTmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("replicaset %s/%s: %v", w.ns, w.name, err)
	}
	w.rs = metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
	w.labels = rsLabels
}

// podState is what the kubelet reports: running and ready by default,
// else a container waiting for Reason.
type podState struct {
	waiting, message string
	restarts         int32
}

// runPod creates one pod of a workload bound to node, as the ReplicaSet
// controller creates it and the scheduler binds it, then reports its
// state as the node's kubelet does.
func (g *galleryCluster) runPod(t *testing.T, w *workload, suffix, node string, st podState) *v1.Pod {
	t.Helper()
	spec := *w.spec.DeepCopy()
	spec.NodeName = node
	p, err := g.cs.CoreV1().Pods(w.ns).Create(context.Background(), &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: w.podName(suffix), Namespace: w.ns, Labels: w.labels, OwnerReferences: []metav1.OwnerReference{w.rs}},
		Spec:       spec,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", w.ns, w.podName(suffix), err)
	}
	return g.report(t, p, st)
}

// report writes a pod's status through the status subresource, as its
// kubelet does: phase, conditions, IPs and the container's state.
func (g *galleryCluster) report(t *testing.T, p *v1.Pod, st podState) *v1.Pod {
	t.Helper()
	ctx := context.Background()
	start := metav1.Now()
	if p.Status.StartTime != nil {
		start = *p.Status.StartTime
	}
	ip := p.Status.PodIP
	if ip == "" {
		ip = g.nextIP("10.244.%d.%d")
	}
	var hostIP string
	if n, err := g.cs.CoreV1().Nodes().Get(ctx, p.Spec.NodeName, metav1.GetOptions{}); err == nil && len(n.Status.Addresses) > 0 {
		hostIP = n.Status.Addresses[0].Address
	}
	ready := v1.ConditionTrue
	phase := v1.PodRunning
	c := p.Spec.Containers[0]
	cs := v1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: c.Image + "@sha256:" + strings.Repeat("ab", 32),
		ContainerID: "containerd://" + strings.Repeat("cd", 32), RestartCount: st.restarts}
	switch st.waiting {
	case "":
		cs.Ready, cs.Started = true, ptr.To(true)
		cs.State.Running = &v1.ContainerStateRunning{StartedAt: start}
	case "CrashLoopBackOff":
		ready, cs.Started = v1.ConditionFalse, ptr.To(false)
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: st.waiting, Message: st.message}
		cs.LastTerminationState.Terminated = &v1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: start, FinishedAt: metav1.Now(), ContainerID: cs.ContainerID}
	default: // the container was never created
		ready, phase, cs.ContainerID, cs.ImageID = v1.ConditionFalse, v1.PodPending, "", ""
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: st.waiting, Message: st.message}
	}
	cond := func(typ v1.PodConditionType, status v1.ConditionStatus) v1.PodCondition {
		pc := v1.PodCondition{Type: typ, Status: status, LastTransitionTime: start}
		if status == v1.ConditionFalse {
			pc.Reason = "ContainersNotReady"
			pc.Message = "containers with unready status: [" + c.Name + "]"
		}
		return pc
	}
	p.Status = v1.PodStatus{
		Phase: phase, HostIP: hostIP, HostIPs: []v1.HostIP{{IP: hostIP}}, PodIP: ip, PodIPs: []v1.PodIP{{IP: ip}}, StartTime: &start, QOSClass: v1.PodQOSBestEffort,
		Conditions: []v1.PodCondition{
			cond(v1.PodReadyToStartContainers, v1.ConditionTrue), cond(v1.PodInitialized, v1.ConditionTrue),
			cond(v1.PodReady, ready), cond(v1.ContainersReady, ready), cond(v1.PodScheduled, v1.ConditionTrue),
		},
		ContainerStatuses: []v1.ContainerStatus{cs},
	}
	out, err := g.cs.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("pod %s/%s status: %v", p.Namespace, p.Name, err)
	}
	return out
}

// evict evicts pods through the Eviction API, as kubectl drain and a
// node termination handler do: each is deleted with its grace period and
// stays Terminating, since no kubelet is left to confirm it stopped.
func (g *galleryCluster) evict(t *testing.T, pods ...*v1.Pod) {
	t.Helper()
	for _, p := range pods {
		err := g.cs.CoreV1().Pods(p.Namespace).EvictV1(context.Background(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace}})
		if err != nil {
			t.Fatalf("evict %s/%s: %v", p.Namespace, p.Name, err)
		}
	}
}

// service creates a Service and the EndpointSlice the EndpointSlice
// controller keeps for it.
func (g *galleryCluster) service(t *testing.T, ns, name string, labels, selector map[string]string, ports []v1.ServicePort, backends ...*v1.Pod) *v1.Service {
	t.Helper()
	svc, err := g.cs.CoreV1().Services(ns).Create(context.Background(), &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec:       v1.ServiceSpec{Selector: selector, Ports: ports},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("service %s/%s: %v", ns, name, err)
	}
	g.endpoints(t, svc, backends...)
	return svc
}

// endpoints writes a Service's EndpointSlice from its pods as they are
// now, as the EndpointSlice controller does: a pod being deleted is
// terminating and not ready.
func (g *galleryCluster) endpoints(t *testing.T, svc *v1.Service, pods ...*v1.Pod) {
	t.Helper()
	ctx := context.Background()
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name + "-x7k2p", Namespace: svc.Namespace,
			Labels:          map[string]string{discoveryv1.LabelServiceName: svc.Name, discoveryv1.LabelManagedBy: "endpointslice-controller.k8s.io"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for _, sp := range svc.Spec.Ports {
		port := sp.TargetPort.IntVal
		if port == 0 {
			port = sp.Port
		}
		slice.Ports = append(slice.Ports, discoveryv1.EndpointPort{Name: ptr.To(sp.Name), Port: ptr.To(port), Protocol: ptr.To(sp.Protocol)})
	}
	for _, p := range pods {
		cur, err := g.cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("endpoints of %s: pod %s: %v", svc.Name, p.Name, err)
		}
		terminating := cur.DeletionTimestamp != nil
		ready := podReady(cur)
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{cur.Status.PodIP},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready && !terminating), Serving: ptr.To(ready), Terminating: ptr.To(terminating)},
			NodeName:   ptr.To(cur.Spec.NodeName),
			TargetRef:  &v1.ObjectReference{Kind: "Pod", Namespace: cur.Namespace, Name: cur.Name, UID: cur.UID},
		})
	}
	slices := g.cs.DiscoveryV1().EndpointSlices(svc.Namespace)
	old, err := slices.Get(ctx, slice.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = slices.Create(ctx, slice, metav1.CreateOptions{})
	case err == nil:
		slice.ResourceVersion = old.ResourceVersion
		_, err = slices.Update(ctx, slice, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatalf("endpointslice of %s/%s: %v", svc.Namespace, svc.Name, err)
	}
}

func podReady(p *v1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

// clusterDNS is kubeadm's CoreDNS: the Deployment coredns in kube-system,
// its pods labelled k8s-app=kube-dns (one on each node given), and the
// Service kube-dns that selects them, with its EndpointSlice.
func (g *galleryCluster) clusterDNS(t *testing.T, nodes ...string) (*workload, *v1.Service, []*v1.Pod) {
	t.Helper()
	w := &workload{ns: "kube-system", name: "coredns", hash: "668d6bf9bc", labels: map[string]string{"k8s-app": "kube-dns"}, replicas: int32(len(nodes)),
		spec: v1.PodSpec{
			PriorityClassName: "system-cluster-critical",
			DNSPolicy:         v1.DNSDefault,
			Tolerations: []v1.Toleration{{Key: "CriticalAddonsOnly", Operator: v1.TolerationOpExists},
				{Key: "node-role.kubernetes.io/control-plane", Effect: v1.TaintEffectNoSchedule}},
			Containers: []v1.Container{{Name: "coredns", Image: "registry.k8s.io/coredns/coredns:v1.12.1", Args: []string{"-conf", "/etc/coredns/Corefile"},
				Ports: []v1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: v1.ProtocolUDP}, {Name: "dns-tcp", ContainerPort: 53, Protocol: v1.ProtocolTCP}}}},
		}}
	g.deploy(t, w)
	var pods []*v1.Pod
	for i, node := range nodes {
		pods = append(pods, g.runPod(t, w, corednsSuffixes[i], node, podState{}))
	}
	svc := g.service(t, "kube-system", "kube-dns",
		map[string]string{"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
		map[string]string{"k8s-app": "kube-dns"},
		[]v1.ServicePort{{Name: "dns", Port: 53, Protocol: v1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
			{Name: "dns-tcp", Port: 53, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromInt32(53)}},
		pods...)
	return w, svc, pods
}

var corednsSuffixes = []string{"7xq4k", "m2vzd", "c9l8s"}

// corednsPod is the name of clusterDNS's i-th pod.
func corednsPod(i int) string { return "coredns-668d6bf9bc-" + corednsSuffixes[i] }

// appWorkload is a plain application Deployment in ns.
func appWorkload(ns, name, hash string, replicas int32, volumes []v1.Volume, mounts []v1.VolumeMount) *workload {
	return &workload{ns: ns, name: name, hash: hash, replicas: replicas, labels: map[string]string{"app": name},
		spec: v1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](30),
			Volumes:                       volumes,
			Containers: []v1.Container{{Name: name, Image: "registry.example.com/" + ns + "/" + name + ":1.42.0", VolumeMounts: mounts,
				Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: v1.ProtocolTCP}}}},
		}}
}

func configMapVolume(volume, configMap string) v1.Volume {
	return v1.Volume{Name: volume, VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: configMap}}}}
}

func (g *galleryCluster) configMap(t *testing.T, ns, name string, data map[string]string, finalizers ...string) *v1.ConfigMap {
	t.Helper()
	cm, err := g.cs.CoreV1().ConfigMaps(ns).Create(context.Background(), &v1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Finalizers: finalizers}, Data: data}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("configmap %s/%s: %v", ns, name, err)
	}
	return cm
}

// kubectlOK runs kubectl and fails the test unless it exits 0.
func (g *galleryCluster) kubectlOK(t *testing.T, args ...string) string {
	t.Helper()
	r := g.kubectl(t, args...)
	t.Logf("$ kubectl %s   (exit %d)\n%s%s", strings.Join(args, " "), r.code, indent("stderr| ", r.stderr), indent("stdout| ", r.stdout))
	if r.code != 0 {
		t.Fatalf("kubectl %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// kubectlLogged runs kubectl and logs it, whatever its exit.
func (g *galleryCluster) kubectlLogged(t *testing.T, args ...string) run {
	t.Helper()
	r := g.kubectl(t, args...)
	t.Logf("$ kubectl %s   (exit %d)\n%s%s", strings.Join(args, " "), r.code, indent("stderr| ", r.stderr), indent("stdout| ", r.stdout))
	return r
}

// run runs lifeboat against the cluster's etcd as c.lifeboat does, but
// leaves its output unparsed: doctor's JSON is one document, not JSON
// Lines. Its timeouts are generous: the gallery's eight control planes
// share this process, on a machine that may be busy, and a slow etcd is
// not what a scenario tests.
func (g *galleryCluster) run(t *testing.T, args ...string) run {
	t.Helper()
	cmd := g.lifeboatCmd(append([]string{"--dial-timeout", "30s", "--command-timeout", "60s"}, args...)...)
	r := runLifeboat(t, cmd, args)
	t.Logf("$ lifeboat %s   (exit %d)\n%s%s", strings.Join(args, " "), r.code, indent("stderr| ", r.stderr), indent("stdout| ", r.stdout))
	return r
}

// revision is etcd's current revision.
func (g *galleryCluster) revision(t *testing.T) int64 {
	t.Helper()
	resp, err := g.cli.Get(context.Background(), "/lifeboat-gallery-probe", clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}
