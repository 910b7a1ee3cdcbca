package etcdops

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// DisableWebhooks sets failurePolicy Ignore on every webhook of the named
// ValidatingWebhookConfigurations or MutatingWebhookConfigurations: a
// webhook whose service is down then stops blocking every request it
// matches (kube-apiserver admits what it cannot have judged) once the
// apiserver is back. With Operation.DeleteWebhooks the configurations are
// deleted instead (DeleteObjects).
const DisableWebhooks Action = "disable-webhooks"

// WebhookKinds are what disable-webhooks' kind (--kind) takes, and the
// resources they name.
var WebhookKinds = map[string]string{
	"validating": "validatingwebhookconfigurations",
	"mutating":   "mutatingwebhookconfigurations",
}

// webhookKindNames are WebhookKinds' keys, in the order errors list them.
var webhookKindNames = []string{"validating", "mutating"}

// IsWebhookConfiguration says whether r is one of the admission webhook
// configurations disable-webhooks edits.
func IsWebhookConfiguration(r Resource) bool {
	return r.Group == "admissionregistration.k8s.io" && slices.Contains([]string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}, r.Name)
}

// validateWebhooks checks a disable-webhooks operation: names, a known kind,
// and a resource (when resolved already) that is a webhook configuration of
// that kind.
func (op Operation) validateWebhooks() error {
	if len(op.Query.Names) == 0 {
		return usageErrorf("disable-webhooks: name the webhook configurations (a selection is never disabled whole by accident)")
	}
	want, ok := WebhookKinds[op.WebhookKind]
	if op.WebhookKind != "" && !ok {
		return usageErrorf("disable-webhooks: bad kind %q: %suse %s", op.WebhookKind, didYouMean(op.WebhookKind, webhookKindNames), strings.Join(webhookKindNames, " or "))
	}
	res := op.Query.Resource
	switch {
	case res.Name == "":
		return nil // resolved by ResolveOperations
	case !IsWebhookConfiguration(res):
		return usageErrorf("disable-webhooks edits validatingwebhookconfigurations and mutatingwebhookconfigurations, not %s", res)
	case op.WebhookKind != "" && res.Name != want:
		return usageErrorf("disable-webhooks: kind %s is %s, not %s", op.WebhookKind, want, res)
	}
	return nil
}

// resolved says whether the operation can be planned: a disable-webhooks
// operation must first be given its resource, and its deletion made a
// delete, by ResolveOperations.
func (op Operation) resolved() bool {
	return op.Action != DisableWebhooks || op.Query.Resource.Name != "" && !op.DeleteWebhooks
}

// ResolveOperations makes every disable-webhooks operation one that can be
// planned: each name goes to the webhook configuration resource that holds
// it (the kind given, or whichever of validating and mutating has an object
// of that name: a name both have needs the kind), and with DeleteWebhooks
// the operation becomes a delete of those objects. It reads one key per
// name and resource. Other operations are returned as they are.
func (s *Store) ResolveOperations(ctx context.Context, ops []Operation) ([]Operation, error) {
	var out []Operation
	for _, op := range ops {
		if op.Action != DisableWebhooks {
			out = append(out, op)
			continue
		}
		if err := op.Validate(); err != nil {
			return nil, err
		}
		byResource, err := s.webhookResources(ctx, op)
		if err != nil {
			return nil, err
		}
		for _, name := range webhookKindNames {
			names := byResource[WebhookKinds[name]]
			if len(names) == 0 {
				continue
			}
			r := op
			r.Query = Query{Resource: MustResolveResource(WebhookKinds[name]), Names: names, Revision: op.Query.Revision}
			r.WebhookKind, r.DeleteWebhooks = name, false
			if op.DeleteWebhooks {
				r.Action = DeleteObjects
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// webhookResources maps each webhook configuration resource to the names
// of op that are its objects.
func (s *Store) webhookResources(ctx context.Context, op Operation) (map[string][]string, error) {
	kinds := webhookKindNames
	switch {
	case op.Query.Resource.Name != "":
		kinds = nil
		for kind, res := range WebhookKinds {
			if res == op.Query.Resource.Name {
				kinds = []string{kind}
			}
		}
	case op.WebhookKind != "":
		kinds = []string{op.WebhookKind}
	}
	out := map[string][]string{}
	for _, name := range op.Query.Names {
		var found, keys []string
		for _, kind := range kinds {
			key := s.layout.Key(MustResolveResource(WebhookKinds[kind]), "", name)
			keys = append(keys, key)
			_, ok, err := s.Get(ctx, key)
			if err != nil {
				return nil, err
			}
			if ok {
				found = append(found, kind)
			}
		}
		switch len(found) {
		case 0:
			if len(kinds) == 1 {
				return nil, &NotFoundError{Key: keys[0], What: KeyInfo{Resource: MustResolveResource(WebhookKinds[kinds[0]]), Name: name}}
			}
			return nil, fmt.Errorf("no webhook configuration is named %s (neither %s exists): 'lifeboat get validatingwebhookconfigurations,mutatingwebhookconfigurations' lists them", name, strings.Join(keys, " nor "))
		case 1:
			res := WebhookKinds[found[0]]
			out[res] = append(out[res], name)
		default:
			return nil, usageErrorf("both a ValidatingWebhookConfiguration and a MutatingWebhookConfiguration are named %s: say which with --kind validating or --kind mutating (kind: in a plan)", name)
		}
	}
	return out, nil
}
