package etcdops

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// Description is what `kubectl describe` shows of an object, read from
// etcd alone: the object (render.Describe lays out its fields), its
// conditions, the node a pod runs on with the taints that evict it, the
// pod's tolerations and when the taint manager evicts it, whether what the
// pod uses is in etcd, a node's pods, a webhook configuration's services,
// and the events recorded about the object.
type Description struct {
	Item Item
	// Conditions are status.conditions, for any kind that has them.
	Conditions []Condition
	// Node is the node described, or the node a pod is bound to (nil when
	// the pod is not bound, or its node is not in etcd).
	Node *corev1.Node
	// NodeLease is the node's kubelet lease: a stale one is what makes the
	// node lifecycle controller taint the node.
	NodeLease LeaseStatus
	// Tolerations are a pod's.
	Tolerations []corev1.Toleration
	// Eviction is when the taint manager evicts the pod from its node; nil
	// when no taint of the node evicts it (or it is deleted already).
	Eviction *Eviction
	// Webhooks are a webhook configuration's webhooks: what each one
	// calls, whether that can answer, and what it does meanwhile.
	Webhooks []Webhook
	// Events are the events about the object, oldest first.
	Events []*corev1.Event
	// NodePods are a described node's pods that have not terminated
	// (status.phase neither Succeeded nor Failed), as kubectl describe
	// node lists them; Terminating ones included. Ordered by key.
	NodePods []*corev1.Pod
	// Refs are the objects a pod uses (ConfigMaps, Secrets and
	// PersistentVolumeClaims of its volumes, env and envFrom) and whether
	// each is in etcd: a pod whose ConfigMap is gone does not start.
	Refs []Ref
}

// Ref is an object a pod uses, in the pod's namespace.
type Ref struct {
	Resource string // configmaps, secrets or persistentvolumeclaims
	Name     string
	Found    bool
}

// Found says whether the pod's ConfigMap, Secret or PersistentVolumeClaim
// name is in etcd; known is false when Describe did not look it up.
func (d *Description) Found(resource, name string) (found, known bool) {
	for _, r := range d.Refs {
		if r.Resource == resource && r.Name == name {
			return r.Found, true
		}
	}
	return false, false
}

// Condition is one entry of an object's status.conditions.
type Condition struct {
	Type, Status, Reason, Message string
	// LastTransition is lastTransitionTime, or lastHeartbeatTime for a
	// node's conditions that have no transition time.
	LastTransition time.Time
}

// Eviction says when the taint manager evicts a pod from its node.
type Eviction struct {
	// In is the time left; 0 means as soon as the controller runs.
	In time.Duration
}

// Describe reads an object and what `kubectl describe` shows with it. An
// object that does not decode is described by its key alone, with its
// events.
func (s *Store) Describe(ctx context.Context, info KeyInfo, now time.Time) (*Description, error) {
	key := s.layout.Key(info.Resource, info.Namespace, info.Name)
	it, found, err := s.GetItem(ctx, key)
	switch {
	case err != nil:
		return nil, fmt.Errorf("describe %s: %w", info, err)
	case !found:
		return nil, &NotFoundError{Key: key, What: info}
	}
	d := &Description{Item: it}
	if it.Object != nil && !it.Encrypted() {
		d.Conditions = conditions(it)
		switch obj := it.Object.AsTyped().(type) {
		case *corev1.Pod:
			d.Tolerations = obj.Spec.Tolerations
			if err := s.describeNode(ctx, d, obj.Spec.NodeName); err != nil {
				return nil, fmt.Errorf("describe %s: %w", info, err)
			}
			if d.Node != nil && obj.DeletionTimestamp == nil {
				if left, ok := EvictionIn(obj, d.Node.Spec.Taints, now); ok {
					d.Eviction = &Eviction{In: left}
				}
			}
			if d.Refs, err = s.podRefs(ctx, obj); err != nil {
				return nil, fmt.Errorf("describe %s: %w", info, err)
			}
		case *corev1.Node:
			d.Node = obj
			if d.NodeLease, err = s.Lease(ctx, "kube-node-lease", obj.Name); err != nil {
				return nil, fmt.Errorf("describe %s: kubelet lease: %w", info, err)
			}
			if d.NodePods, err = s.nodePods(ctx, obj.Name); err != nil {
				return nil, fmt.Errorf("describe %s: its pods: %w", info, err)
			}
		}
		if IsWebhookConfiguration(it.Resource) {
			if err := s.describeWebhooks(ctx, d); err != nil {
				return nil, fmt.Errorf("describe %s: %w", info, err)
			}
		}
	}
	if d.Events, err = s.Events(ctx, it); err != nil {
		return nil, fmt.Errorf("describe %s: %w", info, err)
	}
	return d, nil
}

// describeNode reads a pod's node and its kubelet lease.
func (s *Store) describeNode(ctx context.Context, d *Description, name string) error {
	if name == "" {
		return nil
	}
	node, found, err := s.GetItem(ctx, s.layout.Key(MustResolveResource("nodes"), "", name))
	if err != nil || !found || node.Object == nil {
		return err
	}
	n, ok := node.Object.AsTyped().(*corev1.Node)
	if !ok {
		return nil
	}
	d.Node = n
	d.NodeLease, err = s.Lease(ctx, "kube-node-lease", name)
	return err
}

// nodePods reads the pods bound to a node that have not terminated, as
// kubectl describe node selects them (spec.nodeName=NODE,
// status.phase!=Succeeded,status.phase!=Failed). Values that do not decode
// are left out: get and doctor report them. It reads every pod, but decodes
// only those whose value holds the node's name: protobuf, JSON and CBOR
// all store spec.nodeName as its bytes, so a value without them is bound
// elsewhere; at 150,000 pods decoding is what a scan spends its time on.
func (s *Store) nodePods(ctx context.Context, node string) ([]*corev1.Pod, error) {
	var pods []*corev1.Pod
	name := []byte(node)
	elsewhere := func(it *Item) bool { return !bytes.Contains(it.Value, name) }
	q := Query{Resource: MustResolveResource("pods"), AllNamespaces: true, Node: node}
	_, err := s.listPages(ctx, q, elsewhere, func(items []Item) error {
		for _, it := range items {
			if it.untouched || it.Object == nil || it.Encrypted() {
				continue
			}
			pod, ok := it.Object.AsTyped().(*corev1.Pod)
			if ok && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
				pods = append(pods, pod)
			}
		}
		return nil
	})
	return pods, err
}

// podRefs looks up the ConfigMaps, Secrets and PersistentVolumeClaims a pod
// uses: its volumes (projected ones too), its containers' env and envFrom.
// Each is read once, by key.
func (s *Store) podRefs(ctx context.Context, pod *corev1.Pod) ([]Ref, error) {
	var refs []Ref
	add := func(resource, name string) {
		if name != "" && !slices.Contains(refs, Ref{Resource: resource, Name: name}) {
			refs = append(refs, Ref{Resource: resource, Name: name})
		}
	}
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.ConfigMap != nil:
			add("configmaps", v.ConfigMap.Name)
		case v.Secret != nil:
			add("secrets", v.Secret.SecretName)
		case v.PersistentVolumeClaim != nil:
			add("persistentvolumeclaims", v.PersistentVolumeClaim.ClaimName)
		case v.Projected != nil:
			for _, p := range v.Projected.Sources {
				switch {
				case p.ConfigMap != nil:
					add("configmaps", p.ConfigMap.Name)
				case p.Secret != nil:
					add("secrets", p.Secret.Name)
				}
			}
		}
	}
	var containers []corev1.Container
	containers = append(containers, pod.Spec.InitContainers...)
	containers = append(containers, pod.Spec.Containers...)
	for _, c := range containers {
		for _, e := range c.EnvFrom {
			switch {
			case e.ConfigMapRef != nil:
				add("configmaps", e.ConfigMapRef.Name)
			case e.SecretRef != nil:
				add("secrets", e.SecretRef.Name)
			}
		}
		for _, e := range c.Env {
			switch {
			case e.ValueFrom == nil:
			case e.ValueFrom.ConfigMapKeyRef != nil:
				add("configmaps", e.ValueFrom.ConfigMapKeyRef.Name)
			case e.ValueFrom.SecretKeyRef != nil:
				add("secrets", e.ValueFrom.SecretKeyRef.Name)
			}
		}
	}
	for i := range refs {
		_, found, err := s.Get(ctx, s.layout.Key(MustResolveResource(refs[i].Resource), pod.Namespace, refs[i].Name))
		if err != nil {
			return nil, fmt.Errorf("%s/%s/%s: %w", refs[i].Resource, pod.Namespace, refs[i].Name, err)
		}
		refs[i].Found = found
	}
	return refs, nil
}

// conditions reads status.conditions from the object's content, whatever
// its kind.
func conditions(it Item) []Condition {
	content, err := it.Object.Content()
	if err != nil {
		return nil
	}
	status, _ := content["status"].(map[string]any)
	list, _ := status["conditions"].([]any)
	var out []Condition
	for _, c := range list {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		cond := Condition{Type: str("type"), Status: str("status"), Reason: str("reason"), Message: str("message")}
		for _, k := range []string{"lastTransitionTime", "lastHeartbeatTime"} {
			if t, err := time.Parse(time.RFC3339, str(k)); err == nil {
				cond.LastTransition = t
				break
			}
		}
		out = append(out, cond)
	}
	return out
}

// EvictionIn is how long until the taint manager evicts pod from a node
// with these taints (EvictionAfter). ok is false when no taint evicts it.
func EvictionIn(pod *corev1.Pod, taints []corev1.Taint, now time.Time) (left time.Duration, ok bool) {
	return EvictionAfter(pod.Spec.Tolerations, taints, now)
}

// EvictionAfter is how long until the taint manager evicts a pod with
// these tolerations from a node with these taints, as k8s.io/kubernetes
// pkg/controller/tainteviction reckons it (processPodOnNode,
// getMinTolerationTime): a NoExecute taint the pod does not tolerate
// evicts it at once; otherwise after the shortest tolerationSeconds of the
// tolerations that matched, counted from when the taint came (its
// timeAdded); tolerations without seconds tolerate for ever. ok is false
// when no taint evicts it.
func EvictionAfter(tolerations []corev1.Toleration, taints []corev1.Taint, now time.Time) (left time.Duration, ok bool) {
	var since time.Time
	allTolerated := true
	var used []corev1.Toleration
	for _, t := range taints {
		if t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if t.TimeAdded != nil && (since.IsZero() || t.TimeAdded.Time.Before(since)) {
			since = t.TimeAdded.Time
		}
		matched := false
		for i := range tolerations {
			if tolerations[i].ToleratesTaint(klog.Background(), &t, false) {
				used, matched = append(used, tolerations[i]), true
				break
			}
		}
		allTolerated = allTolerated && matched
	}
	if since.IsZero() {
		return 0, false // no NoExecute taint, or none says when it came
	}
	if !allTolerated {
		return 0, true
	}
	minSeconds, limited := int64(0), false
	for _, tol := range used {
		if tol.TolerationSeconds == nil {
			continue
		}
		if secs := max(*tol.TolerationSeconds, 0); !limited || secs < minSeconds {
			minSeconds, limited = secs, true
		}
	}
	if !limited {
		return 0, false // tolerated for ever
	}
	return max(since.Add(time.Duration(minSeconds)*time.Second).Sub(now), 0), true
}

// Events are the events about an object, oldest first: those in its
// namespace ("default" for cluster-scoped objects, where event recorders
// put them) whose involvedObject names it, as `kubectl describe` finds
// them. An event whose uid differs is about an object of the same name
// that was deleted, except a kubelet's, which give a node its name as uid.
// events.k8s.io/v1 events are stored as core/v1 ones: their regarding is
// the involvedObject read here.
func (s *Store) Events(ctx context.Context, it Item) ([]*corev1.Event, error) {
	ns := it.Namespace
	if ns == "" {
		ns = "default"
	}
	var uid, kind string
	if it.Object != nil {
		uid, kind = string(it.Object.Meta.UID), it.Object.Kind
	}
	var out []*corev1.Event
	_, err := s.List(ctx, Query{Resource: MustResolveResource("events"), Namespace: ns}, func(ev Item) error {
		e, ok := typedEvent(ev)
		if !ok {
			return nil
		}
		ref := e.InvolvedObject
		switch {
		case ref.Name != it.Name || ref.Namespace != it.Namespace:
		case kind != "" && ref.Kind != "" && ref.Kind != kind:
		case uid != "" && ref.UID != "" && string(ref.UID) != uid && string(ref.UID) != it.Name:
		default:
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", it.KeyInfo, err)
	}
	slices.SortStableFunc(out, func(a, b *corev1.Event) int { return cmp.Compare(EventTime(a).UnixNano(), EventTime(b).UnixNano()) })
	return out, nil
}

func typedEvent(it Item) (*corev1.Event, bool) {
	if it.Object == nil {
		return nil, false
	}
	e, ok := it.Object.AsTyped().(*corev1.Event)
	return e, ok
}

// EventTime is when an event last happened: lastTimestamp, the series' last
// observation, eventTime (events.k8s.io), or when it was created.
func EventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
