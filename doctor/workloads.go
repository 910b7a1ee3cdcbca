package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/parallel"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Findings on workloads: cluster DNS, failing pods, and the ConfigMaps and
// Secrets (and their keys) pods need but that are not there.

// workloadFindings are cluster DNS and the failing pods; explained are
// the pods a missing ConfigMap or Secret already accounts for.
func (c *census) workloadFindings(k clock, o Outage, explained map[string]bool) []Finding {
	var out []Finding
	out = append(out, c.dnsFindings(k, o)...)
	failing := map[string][]podFacts{}
	for _, p := range c.pods {
		if !p.deleting.IsZero() || p.failing == "" || explained[p.key] {
			continue
		}
		// On a silent node pods are not ready because their kubelet is
		// gone: the node finding says so. One that only lost the
		// apiserver reported them failing before it went.
		if state, _, _ := c.nodeState(p.node, k, o); c.nodes[p.node] != nil && (state == nodeSilent || state == nodeSilentBefore) {
			continue
		}
		owner := p.namespace + "/" + orNone(p.owner)
		failing[owner] = append(failing[owner], p)
	}
	for _, owner := range sortedKeys(failing) {
		pods := failing[owner]
		f := Finding{ID: "pods-failing", Severity: Warning, Area: "workloads", Title: fmt.Sprintf("%d pod(s) of %s failing (%s)", len(pods), owner, pods[0].failing)}
		for i, p := range pods {
			if i < maxNodeLines {
				f.Evidence = append(f.Evidence, fmt.Sprintf("pods/%s/%s on %s: %s", p.namespace, p.name, orNone(p.node), p.failing))
			}
			f.Keys = append(f.Keys, p.key)
		}
		out = append(out, f)
	}
	return out
}

// dnsPods are the pods of cluster DNS, Terminating ones included: those
// the kube-system/kube-dns Service selects (kubeadm's, whatever runs behind
// it), and those labelled k8s-app=kube-dns or coredns.
func (c *census) dnsPods() []podFacts {
	var sel labels.Selector
	if svc := c.services["kube-system/kube-dns"]; svc != nil && len(svc.selector) > 0 {
		sel = labels.SelectorFromSet(svc.selector)
	}
	var out []podFacts
	for _, p := range c.pods {
		if p.namespace != "kube-system" {
			continue
		}
		app := p.labels["k8s-app"]
		if (sel != nil && sel.Matches(labels.Set(p.labels))) || app == "kube-dns" || app == "coredns" {
			out = append(out, p)
		}
	}
	return out
}

func (c *census) dnsFindings(k clock, o Outage) []Finding {
	dns := c.dnsPods()
	if len(dns) == 0 {
		return nil
	}
	// Where the replicas were placed, evicted ones included: replicas
	// lost with a silent node are the node finding's, not a placement
	// that puts all of DNS on one node.
	nodes := map[string]bool{}
	healthy, onControlPlane := 0, 0
	var ev, keys []string
	for _, p := range dns {
		nodes[p.node] = true
		n := c.nodes[p.node]
		if !p.deleting.IsZero() {
			ev = append(ev, fmt.Sprintf("pods/%s/%s on %s, Terminating since %s", p.namespace, p.name, orNone(p.node), k.ago(p.deleting)))
			keys = append(keys, p.key)
			if n != nil && n.controlPlane {
				onControlPlane++
			}
			continue
		}
		state, _, _ := c.nodeState(p.node, k, o)
		where := "on " + orNone(p.node)
		switch {
		case p.node == "":
			where = "not scheduled"
		case n == nil:
			where += ", a node that does not exist"
		case state == nodeSilent || state == nodeSilentBefore:
			where += ", a silent node"
		case state == nodeLostWithAPI:
			where += ", a node that only lost the apiserver"
		}
		if n != nil && n.controlPlane {
			onControlPlane++
			where += " (control plane)"
		}
		// A pod on a node that only lost the apiserver still serves: its
		// kubelet runs it, and DNS answers from what it last watched.
		if n != nil && p.phase == corev1.PodRunning && p.failing == "" && (state == nodeHealthy || state == nodeLostWithAPI) {
			healthy++
		}
		ev = append(ev, fmt.Sprintf("pods/%s/%s %s, %s", p.namespace, p.name, where, orNone(string(p.phase))))
		keys = append(keys, p.key)
	}
	var out []Finding
	if healthy == 0 {
		out = append(out, Finding{ID: "dns-down", Severity: Critical, Area: "workloads", Keys: keys, Evidence: ev,
			Title: fmt.Sprintf("cluster DNS is down: none of its %d pod(s) runs on a node that is there and not silent", len(dns))})
		return out
	}
	// One finding for where DNS runs: on control-plane nodes only says
	// more than on one node, when both are true.
	switch {
	case onControlPlane == len(dns):
		out = append(out, Finding{ID: "dns-control-plane-only", Severity: Warning, Area: "workloads", Keys: keys, Evidence: ev,
			Title: fmt.Sprintf("cluster DNS runs only on control-plane nodes (%s): a control-plane outage or a network cut takes DNS with it", strings.Join(sortedKeys(nodes), ", "))})
	case len(nodes) == 1:
		for node := range nodes {
			out = append(out, Finding{ID: "dns-one-node", Severity: Warning, Area: "workloads", Keys: keys, Evidence: ev,
				Title: fmt.Sprintf("all %d cluster DNS pod(s) run on one node, %s: it goes down with that node", len(dns), orNone(node))})
		}
	}
	return out
}

// maxHistoryLookups bounds how many ConfigMaps and Secrets that lack a
// key doctor walks the versions of, for the version to restore.
const maxHistoryLookups = 10

// configFindings are the ConfigMaps and Secrets, and keys of them, that
// pods need to start but that are not in etcd; for each, the version in
// etcd's history to restore when history still holds one. explained are
// the keys of the pods that need them.
func (c *census) configFindings(ctx context.Context, store *etcdops.Store, rev int64) (out []Finding, explained map[string]bool) {
	explained = map[string]bool{}
	type missing struct {
		kind, ns, name, key string
		pods                map[string][]string // owner -> pods
		vias                map[string]bool
	}
	found := map[string]*missing{}
	var order []string
	for _, p := range c.pods {
		if !p.deleting.IsZero() {
			continue
		}
		for _, r := range p.refs {
			if c.satisfies(p.namespace, r) {
				continue
			}
			key := r.key
			if !c.satisfies(p.namespace, configRef{kind: r.kind, name: r.name}) {
				key = "" // the object itself is missing
			}
			id := strings.Join([]string{r.kind, p.namespace, r.name, key}, "/")
			m := found[id]
			if m == nil {
				m = &missing{kind: r.kind, ns: p.namespace, name: r.name, key: key, pods: map[string][]string{}, vias: map[string]bool{}}
				found[id] = m
				order = append(order, id)
			}
			owner := orNone(p.owner)
			if l := m.pods[owner]; len(l) == 0 || l[len(l)-1] != p.name {
				m.pods[owner] = append(l, p.name)
			}
			m.vias[r.via.String()] = true
			explained[p.key] = true
		}
	}
	out = make([]Finding, len(order))
	resources := make([]string, len(order))
	for i, id := range order {
		m := found[id]
		resources[i] = map[string]string{"configmap": "configmaps", "secret": "secrets"}[m.kind]
		n := 0
		for _, pods := range m.pods {
			n += len(pods)
		}
		f := Finding{Severity: Warning, Area: "workloads"}
		if m.key == "" {
			f.ID = m.kind + "-missing"
			f.Title = fmt.Sprintf("%s %s/%s does not exist, and %d pod(s) need it: they cannot start", m.kind, m.ns, m.name, n)
		} else {
			f.ID = m.kind + "-key-missing"
			f.Title = fmt.Sprintf("%s %s/%s has no key %q, which %d pod(s) need: they cannot start (CreateContainerConfigError, then CrashLoopBackOff)", m.kind, m.ns, m.name, m.key, n)
		}
		owners := sortedKeys(m.pods)
		for j, owner := range owners {
			if j == maxNodeLines {
				f.Evidence = append(f.Evidence, fmt.Sprintf("... and %d more owners", len(owners)-j))
				break
			}
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s: %s", owner, podNames(m.pods[owner])))
		}
		vias := sortedKeys(m.vias)
		if len(vias) > maxPodNames {
			vias = append(vias[:maxPodNames], fmt.Sprintf("... and %d more", len(m.vias)-maxPodNames))
		}
		f.Evidence = append(f.Evidence, "needed by: "+strings.Join(vias, "; "))
		out[i] = f
	}
	c.restoreFixes(ctx, store, rev, out, func(i int) (resource, ns, name, key string) {
		m := found[order[i]]
		return resources[i], m.ns, m.name, m.key
	})
	for i, id := range order {
		m := found[id]
		if m.key == "" {
			out[i].Fix = append(out[i].Fix, fmt.Sprintf("lifeboat history %s %s -n %s --deleted", resources[i], m.name, m.ns))
		} else {
			out[i].Fix = append(out[i].Fix, fmt.Sprintf("lifeboat history %s %s -n %s", resources[i], m.name, m.ns))
		}
	}
	return out, explained
}

// maxPodNames bounds the pods of one owner a line names.
const maxPodNames = 5

// podNames names the pods, "pods a, b (2)", or the first few and how many.
func podNames(names []string) string {
	if len(names) <= maxPodNames {
		return "pods " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%d pods: %s, ... and %d more", len(names), strings.Join(names[:maxPodNames], ", "), len(names)-maxPodNames)
}

// restoreFixes look in etcd's history, for each finding, for the newest
// version of its object that exists (and holds key, when one is named),
// and give the restore that puts it back; none when history holds no such
// version. The deleted objects' versions come from one replay of etcd's
// history (up to rev, the scan's revision); the live ones' from walking
// their own versions back, a few at once.
func (c *census) restoreFixes(ctx context.Context, store *etcdops.Store, rev int64, findings []Finding, of func(i int) (resource, ns, name, key string)) {
	keys := make([]string, len(findings))
	var gone []string
	var live []int
	for i := range findings {
		resource, ns, name, key := of(i)
		keys[i] = c.layout.Key(etcdops.MustResolveResource(resource), ns, name)
		if key == "" {
			gone = append(gone, keys[i])
		} else if len(live) < maxHistoryLookups {
			live = append(live, i)
		}
	}
	found := func(i int, v etcdops.Record, how string) {
		resource, ns, name, _ := of(i)
		f := &findings[i]
		f.Keys = append(f.Keys, keys[i])
		f.Evidence = append(f.Evidence, fmt.Sprintf("etcd's history holds the version at revision %d%s", v.ModRevision, how))
		f.Fix = append(f.Fix, fmt.Sprintf("lifeboat restore %s %s -n %s --revision %d --dry-run", resource, name, ns, v.ModRevision))
	}
	if len(gone) > 0 {
		dels, _, err := store.DeletionsOf(ctx, gone, rev)
		for i := range findings {
			if _, _, _, key := of(i); key != "" {
				continue
			}
			switch d := dels[keys[i]]; {
			case err != nil:
				findings[i].Evidence = append(findings[i].Evidence, "history: "+textutil.OneLine(err.Error()))
			case len(d) > 0 && d[len(d)-1].Prev.Value != nil:
				last := d[len(d)-1]
				found(i, last.Prev, fmt.Sprintf(", deleted at revision %d", last.Revision))
			}
		}
	}
	parallel.ForN(len(live), 4, func(j int) {
		i := live[j]
		resource, _, _, key := of(i)
		versions, err := store.Versions(ctx, keys[i])
		if err != nil {
			findings[i].Evidence = append(findings[i].Evidence, "history: "+textutil.OneLine(err.Error()))
			return
		}
		for _, v := range versions {
			if holdsKey(etcdops.MustResolveResource(resource), v.Value, key) {
				found(i, v, " with key "+key)
				return
			}
		}
	})
}

// holdsKey reports whether a stored ConfigMap or Secret has key.
func holdsKey(res etcdops.Resource, value []byte, key string) bool {
	obj, err := etcdops.DecodeStored(res, value)
	if err != nil {
		return false
	}
	switch o := obj.AsTyped().(type) {
	case *corev1.ConfigMap:
		_, data := o.Data[key]
		_, binary := o.BinaryData[key]
		return data || binary
	case *corev1.Secret:
		_, ok := o.Data[key]
		return ok
	}
	return false
}
