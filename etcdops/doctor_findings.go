package etcdops

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Doctor's findings on storage, the control plane and workloads.

func (c *census) storageFindings() []Finding {
	byResource := map[string][]Item{}
	for _, it := range c.broken {
		byResource[it.Resource.String()] = append(byResource[it.Resource.String()], it)
	}
	var out []Finding
	for _, res := range sortedKeys(byResource) {
		items := byResource[res]
		f := Finding{Severity: Critical, Area: "storage",
			Title: fmt.Sprintf("%d value(s) under %s that kube-apiserver cannot decode: it fails to LIST all %s, and watches of them break", len(items), res, res)}
		for _, it := range items {
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s: %v", it.Key, it.DecodeErr))
			f.Keys = append(f.Keys, it.Key)
			f.Fix = append(f.Fix, "lifeboat quarantine "+it.Key)
		}
		out = append(out, f)
	}
	for _, provider := range sortedKeys(c.encrypted) {
		out = append(out, Finding{Severity: Info, Area: "storage",
			Title: fmt.Sprintf("%d value(s) encrypted at rest with %s: kube-apiserver needs that key in its --encryption-provider-config to read them", c.encrypted[provider], provider)})
	}
	return out
}

func (c *census) controlPlaneFindings(now time.Time) []Finding {
	var out []Finding
	for _, name := range []string{"kube-controller-manager", "kube-scheduler"} {
		l, ok := c.leases["kube-system/"+name]
		key := c.layout.Key(leasesResource, "kube-system", name)
		switch {
		case !ok:
			out = append(out, Finding{Severity: Info, Area: "control plane", Title: name + " has no leader lease (never elected, or leader election is off)", Keys: []string{key}})
		case l.Holder != "" && !stale(l.LeaseStatus, now):
			f := Finding{Severity: Info, Area: "control plane", Title: name + " is running: its leader renews its lease", Evidence: []string{leaseEvidence(l.LeaseStatus, now)}, Keys: []string{key}}
			if name == "kube-controller-manager" {
				f.Severity = Warning
				f.Title = "kube-controller-manager is running: its node lifecycle controller taints nodes whose kubelets are silent and evicts their pods, and undoes lifeboat's repairs"
				f.Fix = []string{"stop it before repairing: move kube-controller-manager.yaml out of /etc/kubernetes/manifests on every control-plane node"}
			}
			out = append(out, f)
		default:
			out = append(out, Finding{Severity: Info, Area: "control plane", Title: name + " is not running (its leader lease is stale or released)", Evidence: []string{leaseEvidence(l.LeaseStatus, now)}, Keys: []string{key}})
		}
	}

	var alive, dead []string
	var keys []string
	for _, id := range sortedKeys(c.leases) {
		l := c.leases[id]
		if l.Namespace != "kube-system" || l.labels["apiserver.kubernetes.io/identity"] != "kube-apiserver" {
			continue
		}
		keys = append(keys, c.layout.Key(leasesResource, l.Namespace, l.Name))
		if stale(l.LeaseStatus, now) {
			dead = append(dead, leaseEvidence(l.LeaseStatus, now))
		} else {
			alive = append(alive, leaseEvidence(l.LeaseStatus, now))
		}
	}
	switch {
	case len(keys) == 0:
		out = append(out, Finding{Severity: Info, Area: "control plane", Title: "no kube-apiserver identity leases (label apiserver.kubernetes.io/identity=kube-apiserver): Kubernetes before 1.26, or APIServerIdentity off"})
	case len(alive) == 0:
		out = append(out, Finding{Severity: Critical, Area: "control plane", Title: fmt.Sprintf("no kube-apiserver is alive: all %d identity leases are stale", len(keys)),
			Evidence: dead, Keys: keys, Fix: []string{"lifeboat doctor lists values that stop an apiserver from listing; check the apiserver's logs and its static pod manifest"}})
	case len(alive) == 1:
		out = append(out, Finding{Severity: Warning, Area: "control plane", Title: "one kube-apiserver is alive: a single point of failure", Evidence: append(alive, dead...), Keys: keys})
	default:
		out = append(out, Finding{Severity: Info, Area: "control plane", Title: fmt.Sprintf("%d kube-apiservers are alive", len(alive)), Evidence: append(alive, dead...), Keys: keys})
	}
	return out
}

func (c *census) workloadFindings(now time.Time) []Finding {
	var out []Finding
	risks := map[string]bool{}
	for _, r := range c.atRisk(now) {
		risks[r.node.name] = true
	}
	var dns []podFacts
	failing := map[string][]podFacts{}
	missing := map[string][]string{}
	for _, p := range c.pods {
		if !p.deleting.IsZero() {
			continue
		}
		if p.dns {
			dns = append(dns, p)
		}
		// On a silent node, pods are not ready because their kubelet is
		// gone: the node finding says so.
		if p.crashing != "" && !risks[p.node] {
			failing[p.namespace+"/"+orNone(p.owner)] = append(failing[p.namespace+"/"+orNone(p.owner)], p)
		}
		for _, m := range p.mounts {
			kind, name, _ := strings.Cut(m, "/")
			set := c.configMaps
			if kind == "secret" {
				set = c.secrets
			}
			if !set[p.namespace+"/"+name] {
				missing[p.namespace+"/"+m] = append(missing[p.namespace+"/"+m], p.namespace+"/"+p.name)
			}
		}
	}
	if len(dns) > 0 {
		nodes := map[string]bool{}
		healthy, onControlPlane := 0, 0
		var ev []string
		for _, p := range dns {
			nodes[p.node] = true
			n := c.nodes[p.node]
			if n != nil && n.controlPlane {
				onControlPlane++
			}
			if p.node != "" && !risks[p.node] && (n == nil || n.ready == corev1.ConditionTrue) {
				healthy++
			}
			ev = append(ev, fmt.Sprintf("pods/%s/%s on %s", p.namespace, p.name, orNone(p.node)))
		}
		switch {
		case healthy == 0:
			out = append(out, Finding{Severity: Critical, Area: "workloads", Title: fmt.Sprintf("cluster DNS is down: none of its %d pod(s) is on a Ready node with a live kubelet", len(dns)), Evidence: ev})
		case len(nodes) == 1 && len(dns) > 1:
			out = append(out, Finding{Severity: Warning, Area: "workloads", Title: fmt.Sprintf("all %d cluster DNS pods are on one node", len(dns)), Evidence: ev})
		case onControlPlane == len(dns):
			out = append(out, Finding{Severity: Warning, Area: "workloads", Title: "cluster DNS runs only on control-plane nodes", Evidence: ev})
		}
	}
	for _, owner := range sortedKeys(failing) {
		pods := failing[owner]
		f := Finding{Severity: Warning, Area: "workloads", Title: fmt.Sprintf("%d pod(s) of %s failing (%s)", len(pods), owner, pods[0].crashing)}
		for _, p := range pods {
			f.Evidence = append(f.Evidence, fmt.Sprintf("pods/%s/%s on %s: %s", p.namespace, p.name, orNone(p.node), p.crashing))
			f.Keys = append(f.Keys, p.key)
		}
		out = append(out, f)
	}
	for _, ref := range sortedKeys(missing) {
		ns, m, _ := strings.Cut(ref, "/")
		kind, name, _ := strings.Cut(m, "/")
		res := map[string]string{"configmap": "configmaps", "secret": "secrets"}[kind]
		out = append(out, Finding{Severity: Warning, Area: "workloads",
			Title:    fmt.Sprintf("%s %s/%s does not exist, and %d pod(s) mount it: they cannot start", kind, ns, name, len(missing[ref])),
			Evidence: missing[ref],
			Fix:      []string{fmt.Sprintf("lifeboat history %s %s -n %s --deleted   # find it, then lifeboat restore", res, name, ns)}})
	}
	return out
}

// storage reads the member's status and alarms, and the revision the
// apiserver last compacted (its compactor's compact_rev_key, outside the
// prefix: k8s.io/apiserver pkg/storage/etcd3/compact.go).
func (s *Store) storage(ctx context.Context, rev int64) []Finding {
	var out []Finding
	info := Finding{Severity: Info, Area: "storage", Title: fmt.Sprintf("etcd at revision %d", rev)}
	if rec, found, err := s.Get(ctx, "compact_rev_key"); err == nil && found {
		if compacted, err := strconv.ParseInt(string(rec.Value), 10, 64); err == nil {
			info.Evidence = append(info.Evidence, fmt.Sprintf("kube-apiserver last compacted at revision %d: history before it is gone", compacted))
		}
	}
	if s.snapshot != "" {
		// No member to ask: the file is all there is.
		info.Evidence = append(info.Evidence, "read from the snapshot "+s.snapshot+": no member status or alarms")
		return append(out, info)
	}
	for _, ep := range s.endpoints {
		rctx, cancel := s.requestContext(ctx)
		st, err := s.client.Status(rctx, ep)
		cancel()
		if err != nil {
			info.Evidence = append(info.Evidence, fmt.Sprintf("%s: no status (%v): kine, or a member that is down", ep, oneLine(err)))
			continue
		}
		info.Evidence = append(info.Evidence, fmt.Sprintf("%s: etcd %s, member %x, leader %x, raft term %d, db %d MiB (%d MiB in use)",
			ep, st.Version, st.Header.MemberId, st.Leader, st.RaftTerm, st.DbSize>>20, st.DbSizeInUse>>20))
		for _, e := range st.Errors {
			out = append(out, Finding{Severity: Critical, Area: "storage", Title: fmt.Sprintf("etcd %s reports: %s", ep, e)})
		}
	}
	rctx, cancel := s.requestContext(ctx)
	alarms, err := s.client.AlarmList(rctx)
	cancel()
	if err == nil {
		for _, a := range alarms.Alarms {
			f := Finding{Severity: Critical, Area: "storage", Title: fmt.Sprintf("etcd alarm %s on member %x: etcd refuses writes", a.Alarm, a.MemberID)}
			if a.Alarm.String() == "NOSPACE" {
				f.Fix = []string{"etcdctl compact, etcdctl defrag, then etcdctl alarm disarm (lifeboat cannot write until then)"}
			}
			out = append(out, f)
		}
	}
	return append(out, info)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
