package etcdops

import (
	"fmt"
	"sort"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
)

// The census: what Doctor keeps of one scan.

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
	case it.Encrypted() && it.DecryptErr != nil:
		// kube-apiserver started with the config lifeboat was given
		// cannot read it either.
		it.DecodeErr = it.DecryptErr
		c.broken = append(c.broken, *it)
		return
	case it.Encrypted():
		c.encrypted[it.Object.Encryption.String()]++
		return
	}
	ns := it.Namespace + "/" + it.Name
	switch obj := it.Object.AsTyped().(type) {
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

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
