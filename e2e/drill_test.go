package e2e

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestDrill is case 8, the seeds' outage as a drill, and the evidence behind
// docs/runbooks/node-partition.md: a real kube-controller-manager (node
// lifecycle and taint eviction controllers) taints nodes whose kubelet Leases
// are never renewed and evicts their pods; lifeboat repairs them once the
// controller-manager is stopped; with the controller-manager alive the
// repair is undone within seconds.
func TestDrill(t *testing.T) {
	// A non-default --etcd-prefix, as some distributions use: lifeboat gets
	// the same --prefix.
	c := newCluster(t, "/drill-registry",
		"--default-unreachable-toleration-seconds=2",
		"--default-not-ready-toleration-seconds=2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	dead := []string{"worker-1", "worker-2"}
	// One node stays healthy: with every node unreachable the node lifecycle
	// controller assumes it is itself cut off ("master disruption mode") and
	// evicts nothing.
	all := append([]string{"healthy-1"}, dead...)
	for _, name := range all {
		c.kubeletNode(t, name)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.renewLease(ctx, t, "healthy-1") }()
	defer wg.Wait()
	defer cancel()

	c.namespace(t, "shop")
	for _, s := range []podSpec{
		{ns: "shop", name: "cart-1", node: "worker-1", finalizers: []string{holdFinalizer}},
		{ns: "shop", name: "cart-2", node: "worker-1"},
		{ns: "shop", name: "db-1", node: "worker-2", finalizers: []string{holdFinalizer}},
		{ns: "shop", name: "web-1", node: "healthy-1"},
	} {
		p := c.pod(t, s)
		var tol []string
		for _, to := range p.Spec.Tolerations {
			tol = append(tol, to.Key+":"+string(to.Effect)+" for "+time.Duration(ptr.Deref(to.TolerationSeconds, 0)*int64(time.Second)).String())
		}
		t.Logf("pod shop/%s on %s, tolerations from DefaultTolerationSeconds: %s", p.Name, p.Spec.NodeName, strings.Join(tol, ", "))
	}
	evicted := []string{"shop/cart-1", "shop/cart-2", "shop/db-1"}

	nl, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := c.cs.CoreV1().Nodes().Watch(ctx, metav1.ListOptions{ResourceVersion: nl.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	nodes := c.watch(t, "nodes", nw)
	pl, err := c.cs.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pw, err := c.cs.CoreV1().Pods("shop").Watch(ctx, metav1.ListOptions{ResourceVersion: pl.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	c.watch(t, "pods", pw)

	t.Log("=== the outage: kube-controller-manager runs, worker-1 and worker-2 stop renewing their kubelet Leases")
	c.startKCM(t, ctx)
	c.waitOutage(t, dead, evicted, "healthy-1", "shop/web-1")

	t.Log("=== the runbook: stop kube-controller-manager first, then repair")
	c.stopKCM(t)
	// This controller-manager released its leader Lease on the way out
	// (holderIdentity "", leaseDurationSeconds 1: client-go
	// tools/leaderelection release); client-go treats a Lease with no holder
	// as free whatever its renewTime (tryAcquireOrRenew), so lifeboat must
	// not say a controller-manager is running.
	t.Run("no-running-warning-after-the-lease-is-released", func(t *testing.T) {
		r := c.lifeboat(t, "nodes", "untaint", "--all", "--dry-run")
		if strings.Contains(r.stderr, "kube-controller-manager is running") {
			t.Errorf("FINDING: lifeboat warns that kube-controller-manager is running although its leader Lease was released (no holder): " +
				"etcdops.LeaseStatus.Alive should return false when Holder is empty")
		}
	})
	c.lifeboat(t, "get", "nodes")
	c.lifeboat(t, "get", "pods", "-A", "--node", "worker-1")
	c.lifeboat(t, "get", "leases", "-n", "kube-node-lease")
	c.lifeboat(t, "nodes", "untaint", "--all", "--dry-run")
	c.lifeboat(t, "pods", "undelete", "-A", "--dry-run")
	untaint := c.lifeboat(t, "--journal", c.work+"/drill-untaint.jsonl", "nodes", "untaint", "--all", "--yes", "-o", "json")
	untainted := mustChange(t, untaint, 2)
	undeleted := mustChange(t, c.lifeboat(t, "--journal", c.work+"/drill-undelete.jsonl", "pods", "undelete", "-A", "--yes", "-o", "json"), 3)
	mark := nodes.count()
	c.assertRepaired(t, dead, evicted, untainted, undeleted)
	// Nothing undoes the repair while the controller-manager is down: wait
	// twice its grace period and look again.
	time.Sleep(8 * time.Second)
	for _, ev := range nodes.since(mark) {
		t.Errorf("node event with the controller-manager stopped: %s", describeEvent(ev))
	}
	c.assertRepaired(t, dead, evicted, untainted, undeleted)
	t.Log("repair held for 8 s (2x --node-monitor-grace-period) with kube-controller-manager stopped")

	t.Log("=== the same repair with kube-controller-manager alive: it is undone")
	c.startKCM(t, ctx)
	defer c.stopKCM(t)
	// It re-taints the nodes on its own (their Ready condition is Unknown
	// and their Leases stale) and evicts the pods again; repair again while
	// it runs.
	c.waitOutage(t, dead, evicted, "healthy-1", "shop/web-1")
	again := c.lifeboat(t, "--journal", c.work+"/drill-alive-untaint.jsonl", "nodes", "untaint", "--all", "--yes", "-o", "json")
	repaired := mustChange(t, again, 2)
	if !strings.Contains(again.stderr, "kube-controller-manager is running") {
		t.Errorf("lifeboat did not warn that kube-controller-manager is running; stderr:\n%s", again.stderr)
	}
	start := time.Now()
	for _, name := range dead {
		name := name
		at := repaired[name].NewRevision
		eventually(t, "node "+name+" re-tainted after lifeboat's write at resourceVersion "+itoa(at), 60*time.Second, func() (bool, string) {
			n, err := c.cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			return hasUnreachable(n) && rv(n) > at, "resourceVersion " + n.ResourceVersion + nodeSummary(n)
		})
	}
	t.Logf("kube-controller-manager re-tainted both nodes %s after lifeboat untainted them: stop it first", time.Since(start).Round(100*time.Millisecond))

	// And it evicts the pods lifeboat undeletes again.
	reUndeleted := mustChange(t, c.lifeboat(t, "--journal", c.work+"/drill-alive-undelete.jsonl", "pods", "undelete", "-A", "--yes", "-o", "json"), 3)
	start = time.Now()
	for _, name := range evicted {
		ns, pn, _ := strings.Cut(name, "/")
		at := reUndeleted[name].NewRevision
		eventually(t, "pod "+name+" evicted again after lifeboat's write at resourceVersion "+itoa(at), 60*time.Second, func() (bool, string) {
			p, err := c.cs.CoreV1().Pods(ns).Get(ctx, pn, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			if p.DeletionTimestamp == nil {
				return false, "resourceVersion " + p.ResourceVersion + " not Terminating"
			}
			return rv(p) > at, "resourceVersion " + p.ResourceVersion + " Terminating again since " + p.DeletionTimestamp.UTC().Format(time.RFC3339)
		})
	}
	t.Logf("the taint eviction controller evicted the undeleted pods again %s after lifeboat's write", time.Since(start).Round(100*time.Millisecond))
	if n, err := c.cs.CoreV1().Nodes().Get(ctx, "healthy-1", metav1.GetOptions{}); err != nil || hasUnreachable(n) {
		t.Errorf("healthy-1: %v%s", err, nodeSummary(n))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// kubeletNode registers a node as a kubelet would: Ready, with a fresh
// heartbeat and a kubelet Lease in kube-node-lease.
func (c *cluster) kubeletNode(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	n, err := c.cs.CoreV1().Nodes().Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	n.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: now, LastTransitionTime: now}}
	if _, err := c.cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: v1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(name), LeaseDurationSeconds: ptr.To[int32](40),
			RenewTime: &metav1.MicroTime{Time: time.Now()}},
	}
	if _, err := c.cs.CoordinationV1().Leases(v1.NamespaceNodeLease).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("node %s Ready with kubelet Lease %s/%s renewed now", name, v1.NamespaceNodeLease, name)
}

// renewLease is the kubelet of a healthy node: it renews the Lease every
// second until ctx ends.
func (c *cluster) renewLease(ctx context.Context, t *testing.T, name string) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		l, err := c.cs.CoordinationV1().Leases(v1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			continue // the apiserver may be restarting, or ctx ended
		}
		l.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
		c.cs.CoordinationV1().Leases(v1.NamespaceNodeLease).Update(ctx, l, metav1.UpdateOptions{})
	}
}

// waitOutage waits until the controller-manager has tainted every dead node
// unreachable (NoExecute and NoSchedule) and evicted the given pods, and
// checks it left the healthy node and its pod alone.
func (c *cluster) waitOutage(t *testing.T, dead, evicted []string, healthyNode, healthyPod string) {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	for _, name := range dead {
		eventually(t, "node "+name+" tainted by the node lifecycle controller", 90*time.Second, func() (bool, string) {
			n, err := c.cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			var noExec, noSched bool
			for _, tn := range n.Spec.Taints {
				if tn.Key == v1.TaintNodeUnreachable {
					noExec = noExec || tn.Effect == v1.TaintEffectNoExecute
					noSched = noSched || tn.Effect == v1.TaintEffectNoSchedule
				}
			}
			return noExec && noSched, "resourceVersion " + n.ResourceVersion + nodeSummary(n) + " Ready=" + readyStatus(n)
		})
	}
	for _, name := range evicted {
		ns, pn, _ := strings.Cut(name, "/")
		eventually(t, "pod "+name+" evicted by the taint eviction controller", 90*time.Second, func() (bool, string) {
			p, err := c.cs.CoreV1().Pods(ns).Get(ctx, pn, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			if p.DeletionTimestamp == nil {
				return false, "resourceVersion " + p.ResourceVersion + " running"
			}
			return true, "resourceVersion " + p.ResourceVersion + " Terminating since " + p.DeletionTimestamp.UTC().Format(time.RFC3339) + " finalizers " + strings.Join(p.Finalizers, ",")
		})
	}
	t.Logf("outage reproduced in %s", time.Since(start).Round(100*time.Millisecond))
	n, err := c.cs.CoreV1().Nodes().Get(ctx, healthyNode, metav1.GetOptions{})
	if err != nil || hasUnreachable(n) {
		t.Errorf("healthy node %s: %v%s", healthyNode, err, nodeSummary(n))
	}
	ns, pn, _ := strings.Cut(healthyPod, "/")
	if p, err := c.cs.CoreV1().Pods(ns).Get(ctx, pn, metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Errorf("pod %s on the healthy node was evicted: %v", healthyPod, err)
	}
}

func readyStatus(n *v1.Node) string {
	for _, cond := range n.Status.Conditions {
		if cond.Type == v1.NodeReady {
			return string(cond.Status)
		}
	}
	return "none"
}

// assertRepaired checks through the apiserver that the nodes carry no
// unreachable taint and the pods are not Terminating, at the revisions
// lifeboat printed.
func (c *cluster) assertRepaired(t *testing.T, dead, evicted []string, untainted, undeleted map[string]result) {
	t.Helper()
	for _, name := range dead {
		n := c.checkNodeReads(t, name, untainted[name].NewRevision)
		if hasUnreachable(n) {
			t.Errorf("node %s still tainted:%s", name, nodeSummary(n))
		}
	}
	for _, name := range evicted {
		ns, pn, _ := strings.Cut(name, "/")
		p := c.checkPodReads(t, ns, pn, undeleted[name].NewRevision)
		if p.DeletionTimestamp != nil {
			t.Errorf("pod %s still Terminating", name)
		}
	}
}
