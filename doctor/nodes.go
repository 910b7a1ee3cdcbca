package doctor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
)

// Findings on nodes: kubelets silent before the outage (their pods are the
// ones at risk), those that only lost the apiserver, cordons, pods bound
// to nodes that no longer exist, and the capacity lost.

// maxNodeLines bounds the per-node evidence of one finding: a screen, not
// 5,000 lines.
const maxNodeLines = 20

func (c *census) nodeFindings(k clock, o Outage) []Finding {
	var out []Finding
	podsOn := map[string][]podFacts{}
	for _, p := range c.pods {
		podsOn[p.node] = append(podsOn[p.node], p)
	}
	var silent, lost []string
	for _, name := range c.nodeNames {
		switch state, _, _ := c.nodeState(name, k, o); state {
		case nodeSilent, nodeSilentBefore:
			silent = append(silent, name)
		case nodeLostWithAPI:
			lost = append(lost, name)
		}
	}
	if len(silent) > 0 {
		out = append(out, c.silentNodes(silent, podsOn, k, o))
	}
	if len(lost) > 0 {
		out = append(out, c.lostNodes(lost, podsOn, k, o))
	}
	for _, name := range c.nodeNames {
		n := c.nodes[name]
		if n.unschedulable {
			out = append(out, Finding{ID: "node-cordoned", Severity: Warning, Area: "nodes", Title: fmt.Sprintf("node %s is cordoned (spec.unschedulable)", name), Keys: []string{n.key},
				Fix: []string{"lifeboat nodes uncordon " + name + " --dry-run"}})
		}
	}
	out = append(out, c.vanishedNodes(podsOn, k)...)
	if f, ok := c.capacityLost(silent, podsOn); ok {
		out = append(out, f)
	}
	return out
}

// nodeLine is the evidence of one silent node: its lease, its Ready
// condition and eviction taints, its pods and when the first is evicted,
// its Terminating pods and since when.
func (c *census) nodeLine(n *nodeFacts, l leaseFacts, found bool, pods []podFacts, k clock) (line string, tainted bool, running, deleting int, first time.Duration, oldest time.Time) {
	line = n.name + ": "
	if found {
		line += "kubelet lease renewed " + k.ago(l.RenewTime)
	} else {
		line += "no kubelet lease"
	}
	line += fmt.Sprintf(", Ready=%s", n.ready)
	if !n.readySince.IsZero() {
		line += " since " + k.ago(n.readySince)
	}
	var noExecute []corev1.Taint
	for _, t := range n.taints {
		if t.Effect == corev1.TaintEffectNoExecute && (t.Key == corev1.TaintNodeUnreachable || t.Key == corev1.TaintNodeNotReady) {
			noExecute = append(noExecute, t)
			line += ", tainted " + t.ToString()
			if t.TimeAdded != nil {
				line += " (added " + k.ago(t.TimeAdded.Time) + ")"
			}
		}
	}
	tainted = len(noExecute) > 0
	first = -1
	for _, p := range pods {
		if !p.deleting.IsZero() {
			deleting++
			if oldest.IsZero() || p.deleting.Before(oldest) {
				oldest = p.deleting
			}
			continue
		}
		running++
		if left, ok := etcdops.EvictionAfter(p.tolerations, noExecute, k.now); ok && (first < 0 || left < first) {
			first = left
		}
	}
	line += fmt.Sprintf(", %d running", running)
	switch {
	case first > 0:
		line += fmt.Sprintf(" (first evicted in %s)", first.Round(time.Second))
	case first == 0:
		line += " (evicted as soon as the taint eviction controller runs: past their tolerationSeconds, or not tolerating the taint)"
	}
	if deleting > 0 {
		line += fmt.Sprintf(", %d Terminating since %s", deleting, k.ago(oldest))
	}
	return line, tainted, running, deleting, first, oldest
}

// silentNodes is one finding for the nodes whose kubelets went silent
// while an apiserver served, or before the outage began: really gone, or
// cut off. Their pods are the ones at risk.
func (c *census) silentNodes(names []string, podsOn map[string][]podFacts, k clock, o Outage) Finding {
	f := Finding{ID: "nodes-silent", Severity: Critical, Area: "nodes"}
	tainted, running, deleting := 0, 0, 0
	first := time.Duration(-1)
	var oldest time.Time
	for i, name := range names {
		n := c.nodes[name]
		_, l, found := c.nodeState(name, k, o)
		f.Keys = append(f.Keys, n.key)
		line, isTainted, r, d, nodeFirst, nodeOldest := c.nodeLine(n, l, found, podsOn[name], k)
		if !isTainted {
			line += fmt.Sprintf(", not tainted yet (tainted once silent for %s)", NodeMonitorGracePeriod)
		} else {
			tainted++
		}
		running += r
		deleting += d
		if nodeFirst >= 0 && (first < 0 || nodeFirst < first) {
			first = nodeFirst
		}
		if !nodeOldest.IsZero() && (oldest.IsZero() || nodeOldest.Before(oldest)) {
			oldest = nodeOldest
		}
		if i < maxNodeLines {
			f.Evidence = append(f.Evidence, line)
		}
	}
	if len(names) > maxNodeLines {
		f.Evidence = append(f.Evidence, fmt.Sprintf("... and %d more nodes", len(names)-maxNodeLines))
	}
	if o.since.IsZero() {
		f.Title = fmt.Sprintf("%d of %d node(s) have a silent kubelet (lease stale) while kube-apiserver serves", len(names), len(c.nodeNames))
	} else {
		f.ID = "nodes-silent-before-outage"
		f.Title = fmt.Sprintf("%d of %d node(s) went silent before the outage began (%s): really gone or cut off", len(names), len(c.nodeNames), o.Since)
	}
	f.Title += fmt.Sprintf(", %d of them tainted for eviction; %d running pod(s) on them", tainted, running)
	switch {
	case first > 0:
		f.Title += fmt.Sprintf(", the first evicted in %s", first.Round(time.Second))
	case first == 0:
		f.Title += ", some evicted as soon as the taint eviction controller runs"
	}
	if deleting > 0 {
		f.Title += fmt.Sprintf("; %d pod(s) Terminating since %s (%s)", deleting, oldest.UTC().Format(time.RFC3339), k.ago(oldest))
	}
	if cm := c.leases["kube-system/kube-controller-manager"]; cm.Holder != "" && !stale(cm.LeaseStatus, k) {
		f.Advice = append(f.Advice, "first stop kube-controller-manager (its lease is alive): it would taint and evict again")
	}
	f.Advice = append(f.Advice, "check whether these nodes are alive behind a partition (their console, ssh): undelete and untaint them only if they are; if they are gone, delete their pods ('lifeboat delete pods -A --node NODE')")
	if deleting > 0 {
		f.Fix = append(f.Fix, "lifeboat pods undelete -A --dry-run")
	}
	if tainted > 0 {
		f.Fix = append(f.Fix, "lifeboat nodes untaint "+nodeArgs(names)+" --dry-run")
	}
	return f
}

// lostNodes is one finding for the nodes that lost the apiserver with
// everyone else: expected while it is down, nothing to repair on them.
func (c *census) lostNodes(names []string, podsOn map[string][]podFacts, k clock, o Outage) Finding {
	f := Finding{ID: "nodes-lost-with-apiserver", Severity: Info, Area: "nodes",
		Title: fmt.Sprintf("%d node(s) renewed their kubelet leases until the outage began (%s): they lost the apiserver, as every node does while it is down; nothing to repair on them, they renew when it is back", len(names), o.Since)}
	tainted := 0
	for i, name := range names {
		n := c.nodes[name]
		_, l, found := c.nodeState(name, k, o)
		f.Keys = append(f.Keys, n.key)
		line, isTainted, _, _, _, _ := c.nodeLine(n, l, found, podsOn[name], k)
		if isTainted {
			tainted++
		}
		if i < maxNodeLines {
			f.Evidence = append(f.Evidence, line)
		}
	}
	if len(names) > maxNodeLines {
		f.Evidence = append(f.Evidence, fmt.Sprintf("... and %d more nodes", len(names)-maxNodeLines))
	}
	if tainted > 0 {
		// Tainted before the outage, by a controller that saw them silent.
		f.Severity = Warning
		f.Title += fmt.Sprintf("; %d of them carry eviction taints from before", tainted)
		f.Fix = append(f.Fix, "lifeboat nodes untaint "+nodeArgs(names)+" --dry-run")
	}
	return f
}

// nodeArgs names nodes on a command line; --all past ten.
func nodeArgs(names []string) string {
	if len(names) > 10 {
		return "--all"
	}
	return strings.Join(names, " ")
}

// vanishedNodes is a finding per node that pods are bound to but that no
// longer exists (its Node object deleted: spot capacity reclaimed, a node
// scaled down): those pods cannot run, and only a delete removes them.
func (c *census) vanishedNodes(podsOn map[string][]podFacts, k clock) []Finding {
	var gone []string
	for node := range podsOn {
		if node != "" && c.nodes[node] == nil {
			gone = append(gone, node)
		}
	}
	sort.Strings(gone)
	var out []Finding
	for _, node := range gone {
		pods := podsOn[node]
		deleting := 0
		f := Finding{ID: "pods-on-vanished-node", Severity: Critical, Area: "nodes"}
		for i, p := range pods {
			f.Keys = append(f.Keys, p.key)
			state := string(p.phase)
			if !p.deleting.IsZero() {
				deleting++
				state = "Terminating since " + k.ago(p.deleting)
			}
			if i < maxNodeLines {
				f.Evidence = append(f.Evidence, fmt.Sprintf("pods/%s/%s (%s): %s", p.namespace, p.name, orNone(p.owner), state))
			}
		}
		if len(pods) > maxNodeLines {
			f.Evidence = append(f.Evidence, fmt.Sprintf("... and %d more pods", len(pods)-maxNodeLines))
		}
		f.Title = fmt.Sprintf("node %s does not exist, and %d pod(s) are bound to it (%d Terminating): they cannot run, and their controllers do not replace them while they exist", node, len(pods), deleting)
		f.Advice = []string{"kube-controller-manager's pod garbage collector deletes pods of nodes that no longer exist once it runs (gcOrphaned, k8s.io/kubernetes pkg/controller/podgc); while it cannot, delete them"}
		f.Fix = []string{"lifeboat delete pods -A --node " + node + " --dry-run"}
		out = append(out, f)
	}
	return out
}

// capacityLost is the pods left Pending, unscheduled, while nodes are
// silent: the capacity went with them.
func (c *census) capacityLost(silent []string, podsOn map[string][]podFacts) (Finding, bool) {
	gone := len(silent)
	for node := range podsOn {
		if node != "" && c.nodes[node] == nil {
			gone++
		}
	}
	pending := map[string]int{}
	total := 0
	for _, p := range podsOn[""] {
		if p.phase == corev1.PodPending && p.deleting.IsZero() {
			pending[p.namespace+"/"+orNone(p.owner)]++
			total++
		}
	}
	if gone == 0 || total == 0 {
		return Finding{}, false
	}
	f := Finding{ID: "capacity-lost", Severity: Warning, Area: "nodes",
		Title: fmt.Sprintf("%d pod(s) Pending, unscheduled, while %d node(s) are silent or gone: the capacity went with them", total, gone)}
	for _, owner := range sortedKeys(pending) {
		f.Evidence = append(f.Evidence, fmt.Sprintf("%s: %d Pending", owner, pending[owner]))
	}
	return f, true
}
