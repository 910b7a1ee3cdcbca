package doctor

import (
	"fmt"
	"sort"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// Findings on the control plane: the kube-apiservers, and the controller
// manager whose node lifecycle controller undoes lifeboat's repairs.

func (c *census) controlPlaneFindings(k clock, o Outage) []Finding {
	var out []Finding
	var alive, silent []string
	var keys []string
	for _, id := range sortedKeys(c.leases) {
		l := c.leases[id]
		if !isAPIServerIdentity(l.LeaseStatus) {
			continue
		}
		keys = append(keys, l.key)
		line := fmt.Sprintf("leases/%s/%s: holder %q, renewed %s (it renews every %s)", l.Namespace, l.Name, l.Holder, k.ago(l.RenewTime), APIServerRenewInterval)
		if !l.RenewTime.IsZero() && k.since(l.RenewTime) <= apiserverSilentAfter {
			alive = append(alive, line)
		} else {
			silent = append(silent, line)
		}
	}
	switch {
	case !o.since.IsZero():
		f := Finding{ID: "apiserver-outage", Severity: Critical, Area: "control plane", Keys: keys,
			Title:    fmt.Sprintf("no kube-apiserver serves: the outage began at %s (%s), when the last one last renewed its identity lease", o.Since, k.ago(o.since)),
			Evidence: silent,
			Advice: []string{
				"read the kube-apiserver's log and its static pod manifest (/etc/kubernetes/manifests/kube-apiserver.yaml) on each control-plane node",
				"a value it cannot decode stops it listing a whole resource: the storage findings name any",
				"a webhook that fails closed can keep it from becoming ready: the admission findings name any",
			}}
		if o.Estimated {
			f.Title = fmt.Sprintf("no kube-apiserver serves: nothing renewed a lease since %s (%s), so the outage began about then; no kube-apiserver holds an identity lease (each deletes its own as it shuts down cleanly; before Kubernetes 1.26 there are none)", o.Since, k.ago(o.since))
		}
		out = append(out, f)
	case len(keys) == 0:
		out = append(out, Finding{ID: "apiserver-identity-unknown", Severity: Info, Area: "control plane",
			Title: "no kube-apiserver identity leases (label apiserver.kubernetes.io/identity=kube-apiserver): Kubernetes before 1.26, or APIServerIdentity off"})
	case len(alive) == 1:
		out = append(out, Finding{ID: "apiserver-single", Severity: Info, Area: "control plane", Title: "one kube-apiserver serves",
			Evidence: append(alive, silent...), Keys: keys})
	default:
		out = append(out, Finding{ID: "apiservers-alive", Severity: Info, Area: "control plane", Title: fmt.Sprintf("%d kube-apiservers serve", len(alive)),
			Evidence: append(alive, silent...), Keys: keys})
	}

	for _, name := range []string{"kube-controller-manager", "kube-scheduler"} {
		l, ok := c.leases["kube-system/"+name]
		key := c.layout.Key(leasesResource, "kube-system", name)
		switch {
		case !ok:
			out = append(out, Finding{ID: name + "-no-lease", Severity: Info, Area: "control plane", Title: name + " has no leader lease (never elected, or leader election is off)", Keys: []string{key}})
		case l.Holder != "" && !stale(l.LeaseStatus, k):
			f := Finding{ID: name + "-running", Severity: Info, Area: "control plane", Title: name + " is running: its leader renews its lease", Evidence: []string{leaseEvidence(l, k)}, Keys: []string{key}}
			if name == "kube-controller-manager" {
				f.ID = "controller-manager-running"
				f.Title = "kube-controller-manager is running: its leader renews its lease"
				if c.nodesSilent(k, o) {
					// It would undo the nodes' repairs: nothing else here.
					f.Severity = Warning
					f.Title = "kube-controller-manager is running: its node lifecycle controller taints nodes whose kubelets are silent and evicts their pods, and undoes lifeboat's repairs"
					f.Advice = []string{"stop it before repairing the nodes: move kube-controller-manager.yaml out of /etc/kubernetes/manifests on every control-plane node"}
				}
			}
			out = append(out, f)
		default:
			id := name + "-stopped"
			if name == "kube-controller-manager" {
				id = "controller-manager-stopped"
			}
			out = append(out, Finding{ID: id, Severity: Info, Area: "control plane", Title: name + " is not running (its leader lease is stale or released)", Evidence: []string{leaseEvidence(l, k)}, Keys: []string{key}})
		}
	}
	return out
}

// nodesSilent reports whether a node's kubelet is silent, or was before
// the outage.
func (c *census) nodesSilent(k clock, o Outage) bool {
	for _, name := range c.nodeNames {
		if state, _, _ := c.nodeState(name, k, o); state == nodeSilent || state == nodeSilentBefore {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// Resources doctor names in keys and fixes.
var (
	leasesResource = etcdops.MustResolveResource("leases")
	podsResource   = etcdops.MustResolveResource("pods")
)
