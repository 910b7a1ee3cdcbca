package etcdops

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Webhook is one webhook of a ValidatingWebhookConfiguration or a
// MutatingWebhookConfiguration as kube-apiserver applies it, and whether
// what it calls is there to answer. While the apiserver cannot call a
// webhook, failurePolicy decides: Fail refuses every request it matches,
// Ignore admits them unjudged.
type Webhook struct {
	Name string
	// FailurePolicy is Fail or Ignore: as stored or, when the webhook
	// sets none (Defaulted), its version's default.
	FailurePolicy          string
	FailurePolicyDefaulted bool
	// Service is the Service it calls, its port defaulted (443); nil when
	// it calls URL.
	Service *admissionregistrationv1.ServiceReference
	URL     string
	// ServiceFound says whether the Service is in etcd. ReadyEndpoints
	// counts the ready endpoints of its EndpointSlices (labelled
	// kubernetes.io/service-name with its name; a ready condition that is
	// unset counts as ready, as discovery/v1 defines it): what the
	// apiserver's call to the Service's address can reach.
	ServiceFound   bool
	ReadyEndpoints int
	// Rules say which operations on which resources it is called for.
	Rules []admissionregistrationv1.RuleWithOperations
	// NamespaceSelector and ObjectSelector narrow what it is called for;
	// nil or empty select everything.
	NamespaceSelector, ObjectSelector *metav1.LabelSelector
	// TimeoutSeconds is as stored, or its version's default.
	TimeoutSeconds int32
}

// Down says whether the webhook calls a Service that cannot answer: not in
// etcd, or without a ready endpoint. A URL's reachability is unknown here.
func (w Webhook) Down() bool {
	return w.Service != nil && (!w.ServiceFound || w.ReadyEndpoints == 0)
}

// Blocks says whether the webhook refuses what it matches while it is
// down: failurePolicy Fail. 'lifeboat webhooks disable' sets Ignore.
func (w Webhook) Blocks() bool {
	return w.Down() && w.FailurePolicy == string(admissionregistrationv1.Fail)
}

// webhookDefaults are what kube-apiserver's defaulting gives a webhook
// that sets none (k8s.io/kubernetes pkg/apis/admissionregistration/v1 and
// v1beta1 defaults.go): each version its own.
var webhookDefaults = map[string]struct {
	failurePolicy admissionregistrationv1.FailurePolicyType
	timeout       int32
}{
	"admissionregistration.k8s.io/v1":      {admissionregistrationv1.Fail, 10},
	"admissionregistration.k8s.io/v1beta1": {admissionregistrationv1.Ignore, 30},
}

// defaultServicePort is a ServiceReference's port when it sets none
// (SetDefaults_ServiceReference, in both versions).
const defaultServicePort = 443

// describeWebhooks reads a webhook configuration's webhooks, and the
// Services and EndpointSlices they call.
func (s *Store) describeWebhooks(ctx context.Context, d *Description) error {
	obj := d.Item.Object
	defaults, ok := webhookDefaults[obj.APIVersion]
	if !ok {
		return nil // a version this lifeboat does not know: shown as stored
	}
	content, err := obj.Content()
	if err != nil {
		return err
	}
	// Both versions spell the webhooks alike: read them as v1.
	var hooks []Webhook
	add := func(name string, cc admissionregistrationv1.WebhookClientConfig, rules []admissionregistrationv1.RuleWithOperations,
		policy *admissionregistrationv1.FailurePolicyType, nsSel, objSel *metav1.LabelSelector, timeout *int32) {
		w := Webhook{Name: name, Rules: rules, NamespaceSelector: nsSel, ObjectSelector: objSel,
			FailurePolicy: string(defaults.failurePolicy), FailurePolicyDefaulted: policy == nil, TimeoutSeconds: defaults.timeout}
		if policy != nil {
			w.FailurePolicy = string(*policy)
		}
		if timeout != nil {
			w.TimeoutSeconds = *timeout
		}
		if cc.URL != nil {
			w.URL = *cc.URL
		}
		if cc.Service != nil {
			svc := *cc.Service
			if svc.Port == nil {
				port := int32(defaultServicePort)
				svc.Port = &port
			}
			w.Service = &svc
		}
		hooks = append(hooks, w)
	}
	switch obj.Kind {
	case "ValidatingWebhookConfiguration":
		var c admissionregistrationv1.ValidatingWebhookConfiguration
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(content, &c); err != nil {
			return err
		}
		for _, h := range c.Webhooks {
			add(h.Name, h.ClientConfig, h.Rules, h.FailurePolicy, h.NamespaceSelector, h.ObjectSelector, h.TimeoutSeconds)
		}
	case "MutatingWebhookConfiguration":
		var c admissionregistrationv1.MutatingWebhookConfiguration
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(content, &c); err != nil {
			return err
		}
		for _, h := range c.Webhooks {
			add(h.Name, h.ClientConfig, h.Rules, h.FailurePolicy, h.NamespaceSelector, h.ObjectSelector, h.TimeoutSeconds)
		}
	default:
		return nil
	}
	// Webhooks of one configuration mostly call one Service: read each once.
	type backend struct {
		found bool
		ready int
	}
	seen := map[string]backend{}
	for i := range hooks {
		svc := hooks[i].Service
		if svc == nil {
			continue
		}
		ref := svc.Namespace + "/" + svc.Name
		b, ok := seen[ref]
		if !ok {
			if b.found, b.ready, err = s.serviceBackends(ctx, svc.Namespace, svc.Name); err != nil {
				return fmt.Errorf("webhook %s: service %s: %w", hooks[i].Name, ref, err)
			}
			seen[ref] = b
		}
		hooks[i].ServiceFound, hooks[i].ReadyEndpoints = b.found, b.ready
	}
	d.Webhooks = hooks
	return nil
}

// serviceBackends says whether Service namespace/name is in etcd, and how
// many ready endpoints its EndpointSlices hold.
func (s *Store) serviceBackends(ctx context.Context, namespace, name string) (found bool, ready int, err error) {
	_, found, err = s.Get(ctx, s.layout.Key(MustResolveResource("services"), namespace, name))
	if err != nil {
		return false, 0, err
	}
	q := Query{Resource: MustResolveResource("endpointslices"), Namespace: namespace,
		Selector: labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name})}
	_, err = s.List(ctx, q, func(it Item) error {
		if it.Object == nil || it.Encrypted() {
			return nil
		}
		content, err := it.Object.Content()
		if err != nil {
			return nil
		}
		// discovery/v1 and v1beta1 spell endpoints and conditions alike.
		var slice discoveryv1.EndpointSlice
		if runtime.DefaultUnstructuredConverter.FromUnstructured(content, &slice) != nil {
			return nil
		}
		for _, e := range slice.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				ready++
			}
		}
		return nil
	})
	return found, ready, err
}
