package etcdops

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
)

// Doctor reads etcd only (one scan of the prefix at one revision, plus the
// member's status) and says what is broken, what happens next and which
// command fixes it. It never writes.

// Severity ranks a finding.
type Severity string

const (
	Critical Severity = "critical" // breaks the cluster now, or will within minutes
	Warning  Severity = "warning"  // a risk, or something lifeboat's repairs depend on
	Info     Severity = "info"     // context for the operator
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Finding is one verdict, with its evidence and the commands that fix it.
type Finding struct {
	Severity Severity `json:"severity"`
	Area     string   `json:"area"`
	Title    string   `json:"title"`
	Evidence []string `json:"evidence,omitempty"`
	Fix      []string `json:"fix,omitempty"`
	Keys     []string `json:"keys,omitempty"` // the etcd keys it is about
}

// Diagnosis is what Doctor found.
type Diagnosis struct {
	Revision int64     `json:"revision"`
	Now      time.Time `json:"now"`
	// Clock says which clock ages were measured with: lease renewTimes are
	// the holders' clocks, now is this machine's.
	Clock    string    `json:"clock"`
	Keys     int       `json:"keys"`
	Findings []Finding `json:"findings"`
}

// Problems counts the findings that are not Info.
func (d *Diagnosis) Problems() int {
	n := 0
	for _, f := range d.Findings {
		if f.Severity != Info {
			n++
		}
	}
	return n
}

// ClockMargin is how much older than its duration a lease must be before
// doctor calls it stale: renewTime is the holder's clock, not this
// machine's.
const ClockMargin = 5 * time.Second

// Kubernetes defaults doctor's forecasts rely on.
const (
	// DefaultTolerationSeconds is what the DefaultTolerationSeconds
	// admission plugin gives every pod for the not-ready and unreachable
	// NoExecute taints (plugin/pkg/admission/defaulttolerationseconds).
	DefaultTolerationSeconds = 300
	// NodeMonitorGracePeriod is kube-controller-manager's
	// --node-monitor-grace-period (40 s; 50 s since Kubernetes 1.32): how
	// long a kubelet may be silent before its node is tainted.
	NodeMonitorGracePeriod = 50 * time.Second
)

// Doctor diagnoses the cluster stored under the store's prefix.
func (s *Store) Doctor(ctx context.Context, now time.Time) (*Diagnosis, error) {
	d := &Diagnosis{Now: now.UTC(), Clock: fmt.Sprintf("this machine's clock (%s UTC) against the renewTimes the holders wrote; leases count as stale %s past their duration", now.UTC().Format(time.RFC3339), ClockMargin)}
	c := newCensus(s.layout)
	rev, err := s.scanPages(ctx, s.layout.prefix()+"/", func(page []*mvccpb.KeyValue) error {
		items := make([]Item, len(page))
		for i, kv := range page {
			items[i] = Item{Record: recordOf(kv)}
			items[i].KeyInfo, _ = s.layout.Parse(items[i].Key)
		}
		decodeAll(items)
		for i := range items {
			c.add(&items[i])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("doctor: %w", err)
	}
	d.Revision, d.Keys = rev, c.keys
	d.Findings = append(d.Findings, c.storageFindings()...)
	d.Findings = append(d.Findings, c.controlPlaneFindings(now)...)
	d.Findings = append(d.Findings, c.nodeFindings(now)...)
	d.Findings = append(d.Findings, c.workloadFindings(now)...)
	d.Findings = append(d.Findings, s.storage(ctx, rev)...)
	sort.SliceStable(d.Findings, func(i, j int) bool { return d.Findings[i].Severity.rank() < d.Findings[j].Severity.rank() })
	return d, nil
}

// census is what one scan keeps: a few facts per object, not the objects.
type census struct {
	layout     Layout
	keys       int
	broken     []Item // undecodable, or not what the apiserver stores there
	encrypted  map[string]int
	leases     map[string]leaseFacts // by namespace/name
	nodes      map[string]*nodeFacts
	nodeNames  []string
	pods       []podFacts
	configMaps map[string]bool // namespace/name
	secrets    map[string]bool
}

type leaseFacts struct {
	LeaseStatus
	labels map[string]string
}

type nodeFacts struct {
	name          string
	key           string
	ready         corev1.ConditionStatus
	controlPlane  bool
	unschedulable bool
	taints        []corev1.Taint
}

type podFacts struct {
	namespace, name, node, key string
	deleting                   time.Time
	phase                      corev1.PodPhase
	dns                        bool
	crashing                   string // why it fails: a container's waiting reason, or readiness
	owner                      string
	mounts                     []string // "configmap/name", "secret/name"
	tolerations                map[string]*int64
}

func newCensus(l Layout) *census {
	return &census{layout: l, encrypted: map[string]int{}, leases: map[string]leaseFacts{}, nodes: map[string]*nodeFacts{},
		configMaps: map[string]bool{}, secrets: map[string]bool{}}
}

func (c *census) add(it *Item) {
	c.keys++
	switch {
	case it.Key == c.layout.prefix()+"/health" || it.Resource.Name == "":
		return
	case it.DecodeErr != nil:
		c.broken = append(c.broken, *it)
		return
	case it.Encrypted():
		c.encrypted[it.Object.Encryption.String()]++
		return
	}
	if err := checkKind(it.Resource, it.Object.APIVersion, it.Object.Kind); err != nil {
		it.DecodeErr = err
		c.broken = append(c.broken, *it)
		return
	}
	ns := it.Namespace + "/" + it.Name
	switch obj := it.Object.Typed.(type) {
	case *coordinationv1.Lease:
		st, _ := leaseStatusOf(it.Namespace, it.Name, it.Object)
		c.leases[ns] = leaseFacts{LeaseStatus: st, labels: obj.Labels}
	case *corev1.Node:
		n := &nodeFacts{name: obj.Name, key: it.Key, ready: corev1.ConditionUnknown, unschedulable: obj.Spec.Unschedulable, taints: obj.Spec.Taints}
		_, n.controlPlane = obj.Labels["node-role.kubernetes.io/control-plane"]
		for _, cond := range obj.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				n.ready = cond.Status
			}
		}
		c.nodes[obj.Name] = n
		c.nodeNames = append(c.nodeNames, obj.Name)
	case *corev1.Pod:
		c.pods = append(c.pods, podFactsOf(it.Key, obj))
	case *corev1.ConfigMap:
		c.configMaps[ns] = true
	case *corev1.Secret:
		c.secrets[ns] = true
	}
}

func podFactsOf(key string, p *corev1.Pod) podFacts {
	f := podFacts{namespace: p.Namespace, name: p.Name, node: p.Spec.NodeName, key: key, phase: p.Status.Phase,
		dns: p.Namespace == "kube-system" && p.Labels["k8s-app"] == "kube-dns", tolerations: map[string]*int64{}}
	if p.DeletionTimestamp != nil {
		f.deleting = p.DeletionTimestamp.Time
	}
	for _, st := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := st.State.Waiting; w != nil && (w.Reason == "CrashLoopBackOff" || strings.HasPrefix(w.Reason, "CreateContainer") || w.Reason == "ImagePullBackOff") {
			f.crashing = w.Reason
		}
	}
	if f.crashing == "" && p.Status.Phase == corev1.PodRunning {
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionFalse {
				f.crashing = "running, failing readiness"
			}
		}
	}
	if ref := ownerOf(p); ref != "" {
		f.owner = ref
	}
	for _, v := range p.Spec.Volumes {
		switch {
		case v.ConfigMap != nil && (v.ConfigMap.Optional == nil || !*v.ConfigMap.Optional):
			f.mounts = append(f.mounts, "configmap/"+v.ConfigMap.Name)
		case v.Secret != nil && (v.Secret.Optional == nil || !*v.Secret.Optional):
			f.mounts = append(f.mounts, "secret/"+v.Secret.SecretName)
		}
	}
	for _, t := range p.Spec.Tolerations {
		if t.Effect == corev1.TaintEffectNoExecute || t.Effect == "" {
			f.tolerations[t.Key] = t.TolerationSeconds
		}
	}
	return f
}

func ownerOf(p *corev1.Pod) string {
	for _, ref := range p.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return ref.Kind + "/" + ref.Name
		}
	}
	if len(p.OwnerReferences) > 0 {
		return p.OwnerReferences[0].Kind + "/" + p.OwnerReferences[0].Name
	}
	return ""
}

// stale reports whether a lease is past its duration, with the clock margin.
func stale(l LeaseStatus, now time.Time) bool {
	return l.RenewTime.IsZero() || now.Sub(l.RenewTime) > l.Duration+ClockMargin
}

func leaseEvidence(l LeaseStatus, now time.Time) string {
	if l.RenewTime.IsZero() {
		return fmt.Sprintf("leases/%s/%s: holder %q, never renewed", l.Namespace, l.Name, l.Holder)
	}
	return fmt.Sprintf("leases/%s/%s: holder %q, renewed %s ago (renewTime %s), leaseDurationSeconds %d",
		l.Namespace, l.Name, l.Holder, now.Sub(l.RenewTime).Round(time.Second), l.RenewTime.UTC().Format(time.RFC3339), int(l.Duration.Seconds()))
}

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
				line += ", tainted " + TaintString(t) + addedAgo(t, now)
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

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
