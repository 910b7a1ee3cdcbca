package doctor

import (
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

// census is what one scan keeps: a few facts per object, not the objects,
// so that doctor's memory stays small at 150,000 pods.
type census struct {
	layout    etcdops.Layout
	keys      int
	broken    []etcdops.Item // what kube-apiserver cannot decode (DecodeStored)
	encrypted map[string]int // by provider and key
	leases    map[string]leaseFacts
	nodes     map[string]*nodeFacts
	nodeNames []string
	pods      []podFacts
	// configMaps and secrets are the keys of each (namespace/name).
	configMaps map[string]map[string]bool
	secrets    map[string]map[string]bool
	services   map[string]*serviceFacts // namespace/name
	// readyEndpoints counts, per Service (namespace/name), the ready
	// endpoints of its EndpointSlices.
	readyEndpoints map[string]int
	webhooks       []webhookFacts
	policies       map[string]policyFacts
	bindings       []bindingFacts
	apiServices    []apiServiceFacts
	namespaces     map[string]*namespaceFacts
	// left counts, per namespace, the objects of each resource under it:
	// what a namespace stuck Terminating still holds.
	left map[string]map[string]int
	// customObjects are the keys of custom resources' objects, for the
	// parameters admission policies name.
	customObjects map[string]bool
	// held are, per namespace, the objects being deleted that finalizers
	// hold: what keeps a Terminating namespace.
	held map[string][]heldObject
	// lastTolerations and lastRefs are the last pod's, which the next
	// often shares.
	lastTolerations []corev1.Toleration
	lastRefs        []configRef
}

// heldObject is an object being deleted that finalizers hold.
type heldObject struct {
	resource, name string
	finalizers     []string
}

type leaseFacts struct {
	etcdops.LeaseStatus
	key string
}

type nodeFacts struct {
	name, key     string
	ready         corev1.ConditionStatus
	readySince    time.Time // the Ready condition's lastTransitionTime
	controlPlane  bool
	unschedulable bool
	taints        []corev1.Taint
}

type podFacts struct {
	namespace, name, node, key string
	deleting                   time.Time // when its deletion was asked for; zero when not deleting
	phase                      corev1.PodPhase
	labels                     map[string]string // kube-system pods only: cluster DNS is found by them
	failing                    string            // why it fails: a container's waiting reason, or readiness
	owner                      string
	refs                       []configRef
	tolerations                []corev1.Toleration // NoExecute ones
}

// configRef is a ConfigMap or Secret (or one of its keys) a pod needs to
// start: a volume, its items or a subPath into it, env or envFrom, none of
// them optional.
type configRef struct {
	kind string // "configmap" or "secret"
	name string
	key  string // "" for the object as a whole
	via  via    // where the pod names it
}

type serviceFacts struct {
	selector map[string]string
}

type webhookFacts struct {
	configKind    string // "validating" or "mutating"
	config, key   string
	webhook       string
	failurePolicy admissionregistrationv1.FailurePolicyType
	service       *admissionregistrationv1.ServiceReference // nil: a URL
	url           string
	matchesAll    bool // a rule matches every resource
	rules         string
}

type policyFacts struct {
	name, key     string
	failurePolicy admissionregistrationv1.FailurePolicyType
	paramKind     *admissionregistrationv1.ParamKind
}

type bindingFacts struct {
	name, key, policy string
	paramRef          *admissionregistrationv1.ParamRef
}

type apiServiceFacts struct {
	name, key string
	service   *apiregistrationv1.ServiceReference
	available string // the Available condition: "True", "False (reason)", "" when absent
}

type namespaceFacts struct {
	name, key      string
	deleting       time.Time
	specFinalizers []string
	finalizers     []string
	conditions     []corev1.NamespaceCondition
}

func newCensus(l etcdops.Layout) *census {
	return &census{layout: l, encrypted: map[string]int{}, leases: map[string]leaseFacts{}, nodes: map[string]*nodeFacts{},
		configMaps: map[string]map[string]bool{}, secrets: map[string]map[string]bool{}, services: map[string]*serviceFacts{},
		readyEndpoints: map[string]int{}, policies: map[string]policyFacts{}, namespaces: map[string]*namespaceFacts{},
		left: map[string]map[string]int{}, customObjects: map[string]bool{}, held: map[string][]heldObject{}}
}

func (c *census) add(it *etcdops.Item) {
	c.keys++
	switch {
	case it.Key == c.layout.Root()+"/health" || it.Resource.Name == "":
		return
	case it.DecodeErr != nil:
		c.broken = append(c.broken, etcdops.Item{Record: etcdops.Record{Key: it.Key}, KeyInfo: it.KeyInfo, DecodeErr: it.DecodeErr})
		return
	case it.Encrypted() && it.DecryptErr != nil:
		// kube-apiserver started with the config lifeboat was given
		// cannot read it either.
		c.broken = append(c.broken, etcdops.Item{Record: etcdops.Record{Key: it.Key}, KeyInfo: it.KeyInfo, DecodeErr: it.DecryptErr})
		return
	case it.Encrypted():
		c.encrypted[it.Object.Encryption.String()]++
		c.countLeft(it)
		return
	}
	c.countLeft(it)
	if m := it.Object.Meta; it.Namespace != "" && m.DeletionTimestamp != nil && len(m.Finalizers) > 0 {
		c.held[it.Namespace] = append(c.held[it.Namespace], heldObject{resource: it.Resource.String(), name: it.Name, finalizers: m.Finalizers})
	}
	if it.Resource.Custom {
		c.customObjects[it.Key] = true
	}
	nsName := it.Namespace + "/" + it.Name
	switch obj := it.Object.AsTyped().(type) {
	case *coordinationv1.Lease:
		st, _ := etcdops.LeaseStatusOf(*it)
		c.leases[nsName] = leaseFacts{LeaseStatus: st, key: it.Key}
	case *corev1.Node:
		c.addNode(it.Key, obj)
	case *corev1.Pod:
		f := podFactsOf(it.Key, obj)
		// The key's namespace and name are the object's (the apiserver
		// derives the key from them) and share its memory.
		f.namespace, f.name = it.Namespace, it.Name
		f.refs = c.sharedRefs(c.unsatisfied(f.namespace, f.refs))
		f.tolerations = c.shared(f.tolerations)
		c.pods = append(c.pods, f)
	case *corev1.ConfigMap:
		c.configMaps[nsName] = keySet(obj.Data, obj.BinaryData)
	case *corev1.Secret:
		c.secrets[nsName] = keySet(obj.Data, obj.StringData)
	case *corev1.Service:
		c.services[nsName] = &serviceFacts{selector: obj.Spec.Selector}
	case *discoveryv1.EndpointSlice:
		svc := obj.Labels[discoveryv1.LabelServiceName]
		for _, ep := range obj.Endpoints {
			// A nil ready condition is ready (discovery/v1 EndpointConditions).
			if svc != "" && (ep.Conditions.Ready == nil || *ep.Conditions.Ready) {
				c.readyEndpoints[it.Namespace+"/"+svc]++
			}
		}
	case *corev1.Namespace:
		n := &namespaceFacts{name: obj.Name, key: it.Key, conditions: obj.Status.Conditions, finalizers: obj.Finalizers}
		for _, f := range obj.Spec.Finalizers {
			n.specFinalizers = append(n.specFinalizers, string(f))
		}
		if obj.DeletionTimestamp != nil {
			n.deleting = obj.DeletionTimestamp.Time
		}
		c.namespaces[obj.Name] = n
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		for _, w := range obj.Webhooks {
			c.addWebhook("validating", it.Key, obj.Name, w.Name, w.FailurePolicy, w.ClientConfig, w.Rules)
		}
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		for _, w := range obj.Webhooks {
			c.addWebhook("mutating", it.Key, obj.Name, w.Name, w.FailurePolicy, w.ClientConfig, w.Rules)
		}
	case *admissionregistrationv1.ValidatingAdmissionPolicy:
		c.policies[obj.Name] = policyFacts{name: obj.Name, key: it.Key, failurePolicy: failurePolicy(obj.Spec.FailurePolicy), paramKind: obj.Spec.ParamKind}
	case *admissionregistrationv1.ValidatingAdmissionPolicyBinding:
		c.bindings = append(c.bindings, bindingFacts{name: obj.Name, key: it.Key, policy: obj.Spec.PolicyName, paramRef: obj.Spec.ParamRef})
	case *apiregistrationv1.APIService:
		a := apiServiceFacts{name: obj.Name, key: it.Key, service: obj.Spec.Service}
		for _, cond := range obj.Status.Conditions {
			if cond.Type == apiregistrationv1.Available {
				a.available = string(cond.Status)
				if cond.Status != apiregistrationv1.ConditionTrue && cond.Reason != "" {
					a.available += " (" + cond.Reason + ")"
				}
			}
		}
		c.apiServices = append(c.apiServices, a)
	}
}

// keySet is the keys of a ConfigMap's or a Secret's two maps.
func keySet[A, B any](a map[string]A, b map[string]B) map[string]bool {
	keys := make(map[string]bool, len(a)+len(b))
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// countLeft counts a namespaced object in its namespace.
func (c *census) countLeft(it *etcdops.Item) {
	if it.Namespace == "" || !it.Resource.Namespaced {
		return
	}
	byRes := c.left[it.Namespace]
	if byRes == nil {
		byRes = map[string]int{}
		c.left[it.Namespace] = byRes
	}
	byRes[it.Resource.String()]++
}

func (c *census) addNode(key string, obj *corev1.Node) {
	n := &nodeFacts{name: obj.Name, key: key, ready: corev1.ConditionUnknown, unschedulable: obj.Spec.Unschedulable, taints: obj.Spec.Taints}
	_, n.controlPlane = obj.Labels["node-role.kubernetes.io/control-plane"]
	for _, cond := range obj.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			n.ready, n.readySince = cond.Status, cond.LastTransitionTime.Time
		}
	}
	c.nodes[obj.Name] = n
	c.nodeNames = append(c.nodeNames, obj.Name)
}

func (c *census) addWebhook(kind, key, config, name string, policy *admissionregistrationv1.FailurePolicyType, cc admissionregistrationv1.WebhookClientConfig, rules []admissionregistrationv1.RuleWithOperations) {
	w := webhookFacts{configKind: kind, config: config, key: key, webhook: name, failurePolicy: failurePolicy(policy), service: cc.Service}
	if cc.URL != nil {
		w.url = *cc.URL
	}
	var desc []string
	for _, r := range rules {
		for _, res := range r.Resources {
			if res == "*" || res == "*/*" {
				w.matchesAll = true
			}
		}
		ops := make([]string, len(r.Operations))
		for i, op := range r.Operations {
			ops[i] = string(op)
		}
		desc = append(desc, strings.Join(ops, ",")+" "+strings.Join(r.Resources, ","))
	}
	w.rules = strings.Join(desc, "; ")
	c.webhooks = append(c.webhooks, w)
}

// failurePolicy is a policy as kube-apiserver defaults it: Fail, for
// admissionregistration v1 (SetDefaults_ValidatingWebhook and the
// policies' defaults).
func failurePolicy(p *admissionregistrationv1.FailurePolicyType) admissionregistrationv1.FailurePolicyType {
	if p == nil {
		return admissionregistrationv1.Fail
	}
	return *p
}
