package etcdops

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Doctor's findings on nodes: silent kubelets and the evictions to come.

// nodeRisk is a node whose kubelet has gone silent.
type nodeRisk struct {
	node  *nodeFacts
	lease LeaseStatus
	found bool
}

func (c *census) atRisk(now time.Time) []nodeRisk {
	var out []nodeRisk
	for _, name := range c.nodeNames {
		l, found := c.leases["kube-node-lease/"+name]
		if !found || stale(l.LeaseStatus, now) {
			out = append(out, nodeRisk{node: c.nodes[name], lease: l.LeaseStatus, found: found})
		}
	}
	return out
}

func (c *census) nodeFindings(now time.Time) []Finding {
	var out []Finding
	if f, ok := c.silentNodes(now); ok {
		out = append(out, f)
	}
	for _, name := range c.nodeNames {
		n := c.nodes[name]
		if n.unschedulable {
			out = append(out, Finding{Severity: Warning, Area: "nodes", Title: fmt.Sprintf("node %s is cordoned (spec.unschedulable)", name), Keys: []string{n.key},
				Fix: []string{"lifeboat nodes uncordon " + name + " --dry-run"}})
		}
	}
	return out
}

// maxNodeLines bounds the per-node evidence of one finding: a screen, not
// 5,000 lines.
const maxNodeLines = 20

// silentNodes is one finding for every node whose kubelet lease is stale:
// per node, its lease, its Ready condition, its eviction taints, its running
// pods and when the first is evicted, its Terminating pods and since when.
func (c *census) silentNodes(now time.Time) (Finding, bool) {
	risks := c.atRisk(now)
	if len(risks) == 0 {
		return Finding{}, false
	}
	podsOn := map[string][]podFacts{}
	pending := 0
	for _, p := range c.pods {
		podsOn[p.node] = append(podsOn[p.node], p)
		if p.node == "" && p.phase == corev1.PodPending && p.deleting.IsZero() {
			pending++
		}
	}
	f := Finding{Severity: Critical, Area: "nodes"}
	var names []string
	tainted, running, deleting := 0, 0, 0
	first := time.Duration(-1)
	var oldest time.Time
	for i, r := range risks {
		n := r.node
		names = append(names, n.name)
		f.Keys = append(f.Keys, n.key)
		line := n.name + ": "
		if r.found {
			line += fmt.Sprintf("kubelet lease renewed %s ago", now.Sub(r.lease.RenewTime).Round(time.Second))
		} else {
			line += "no kubelet lease"
		}
		line += fmt.Sprintf(", Ready=%s", n.ready)
		var noExecute []corev1.Taint
		for _, t := range n.taints {
			if t.Effect == corev1.TaintEffectNoExecute && (t.Key == corev1.TaintNodeUnreachable || t.Key == corev1.TaintNodeNotReady) {
				noExecute = append(noExecute, t)
				line += ", tainted " + t.ToString() + addedAgo(t, now)
			}
		}
		if len(noExecute) > 0 {
			tainted++
		} else {
			line += fmt.Sprintf(", not tainted yet (tainted once silent for %s)", NodeMonitorGracePeriod)
		}
		nodeRunning, nodeDeleting, nodeFirst := 0, 0, time.Duration(-1)
		var nodeOldest time.Time
		for _, p := range podsOn[n.name] {
			if !p.deleting.IsZero() {
				nodeDeleting++
				if nodeOldest.IsZero() || p.deleting.Before(nodeOldest) {
					nodeOldest = p.deleting
				}
				continue
			}
			nodeRunning++
			if left, ok := evictionIn(p, noExecute, now); ok && (nodeFirst < 0 || left < nodeFirst) {
				nodeFirst = left
			}
		}
		line += fmt.Sprintf(", %d running", nodeRunning)
		switch {
		case nodeFirst > 0:
			line += fmt.Sprintf(" (first evicted in %s)", nodeFirst.Round(time.Second))
		case nodeFirst == 0:
			line += " (past their tolerationSeconds: evicted as soon as the controller runs)"
		}
		if nodeDeleting > 0 {
			line += fmt.Sprintf(", %d Terminating since %s ago", nodeDeleting, now.Sub(nodeOldest).Round(time.Second))
			if oldest.IsZero() || nodeOldest.Before(oldest) {
				oldest = nodeOldest
			}
		}
		if nodeFirst >= 0 && (first < 0 || nodeFirst < first) {
			first = nodeFirst
		}
		running += nodeRunning
		deleting += nodeDeleting
		if i < maxNodeLines {
			f.Evidence = append(f.Evidence, line)
		}
	}
	if len(risks) > maxNodeLines {
		f.Evidence = append(f.Evidence, fmt.Sprintf("... and %d more nodes", len(risks)-maxNodeLines))
	}
	f.Title = fmt.Sprintf("%d of %d node(s) have a silent kubelet (lease stale), %d of them tainted for eviction; %d running pod(s) on them", len(risks), len(c.nodeNames), tainted, running)
	switch {
	case first > 0:
		f.Title += fmt.Sprintf(", the first evicted in %s", first.Round(time.Second))
	case first == 0:
		f.Title += ", some past their tolerationSeconds"
	}
	if deleting > 0 {
		f.Title += fmt.Sprintf("; %d pod(s) Terminating since %s (%s ago)", deleting, oldest.UTC().Format(time.RFC3339), now.Sub(oldest).Round(time.Second))
	}
	if len(risks) > 1 && pending > 0 {
		f.Evidence = append(f.Evidence, fmt.Sprintf("capacity lost: %d pod(s) Pending, unscheduled", pending))
	}
	cm := c.leases["kube-system/kube-controller-manager"]
	if cm.Holder != "" && !stale(cm.LeaseStatus, now) {
		f.Fix = append(f.Fix, "first stop kube-controller-manager (its lease is alive): it would taint and evict again")
	}
	if deleting > 0 {
		f.Fix = append(f.Fix, "lifeboat pods undelete -A --dry-run")
	}
	if tainted > 0 {
		which := strings.Join(names, " ")
		if len(names) > 10 {
			which = "--all"
		}
		f.Fix = append(f.Fix, "lifeboat nodes untaint "+which+" --dry-run")
	}
	return f, true
}

func addedAgo(t corev1.Taint, now time.Time) string {
	if t.TimeAdded == nil {
		return ""
	}
	return fmt.Sprintf(" (added %s ago)", now.Sub(t.TimeAdded.Time).Round(time.Second))
}

// evictionIn is how long until the taint manager evicts a pod from a node
// with these NoExecute taints: the earliest timeAdded + tolerationSeconds.
// A pod that tolerates a taint without a limit is never evicted for it;
// one that does not tolerate it at all goes at once.
func evictionIn(p podFacts, taints []corev1.Taint, now time.Time) (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, t := range taints {
		if t.TimeAdded == nil {
			continue
		}
		secs, tolerated := p.tolerations[t.Key]
		if !tolerated {
			secs, tolerated = p.tolerations[""]
		}
		if tolerated && secs == nil {
			continue
		}
		var grace time.Duration
		if tolerated {
			grace = time.Duration(*secs) * time.Second
		}
		left := max(t.TimeAdded.Add(grace).Sub(now), 0)
		if !found || left < best {
			best, found = left, true
		}
	}
	return best, found
}
