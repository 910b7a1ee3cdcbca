package doctor

import (
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// Findings on admission that blocks the cluster: webhooks that fail closed
// and call a Service that is not there, admission policies whose
// parameters are missing, and aggregated APIs without their Service.

func (c *census) admissionFindings() []Finding {
	var out []Finding
	byConfig := map[string][]webhookFacts{}
	var order []string
	for _, w := range c.webhooks {
		if w.failurePolicy != admissionregistrationv1.Fail || w.service == nil {
			continue // Ignore lets requests through; a URL lifeboat cannot check
		}
		if _, ok := c.services[w.service.Namespace+"/"+w.service.Name]; ok && c.readyEndpoints[w.service.Namespace+"/"+w.service.Name] > 0 {
			continue
		}
		id := w.configKind + "/" + w.config
		if byConfig[id] == nil {
			order = append(order, id)
		}
		byConfig[id] = append(byConfig[id], w)
	}
	for _, id := range order {
		hooks := byConfig[id]
		w0 := hooks[0]
		f := Finding{ID: "webhook-fails-closed", Severity: Critical, Area: "admission", Keys: []string{w0.key},
			Title: fmt.Sprintf("%s webhook configuration %s fails closed (failurePolicy Fail) and its Service cannot answer: every request it matches is refused (%d webhook(s))", w0.configKind, w0.config, len(hooks))}
		all := false
		for _, w := range hooks {
			svc := w.service.Namespace + "/" + w.service.Name
			why := "does not exist"
			if _, ok := c.services[svc]; ok {
				why = "has no ready endpoints"
			}
			f.Evidence = append(f.Evidence, fmt.Sprintf("webhook %s calls Service %s, which %s; it matches %s", w.webhook, svc, why, orNone(w.rules)))
			all = all || w.matchesAll
		}
		if all {
			f.Evidence = append(f.Evidence, "it matches every resource, including what kube-apiserver writes as it starts: the apiserver may never become ready (kubernetes#56761)")
		}
		f.Advice = []string{"disable it until its Service is back (failurePolicy Ignore, undoable), or delete it"}
		f.Fix = []string{"lifeboat webhooks disable " + w0.config + " --dry-run"}
		out = append(out, f)
	}
	out = append(out, c.policyFindings()...)
	out = append(out, c.apiServiceFindings()...)
	return out
}

// policyFindings are ValidatingAdmissionPolicyBindings that deny every
// request their policy matches because its parameter object is missing:
// the policy fails closed, or the binding's parameterNotFoundAction is
// Deny (the default).
func (c *census) policyFindings() []Finding {
	var out []Finding
	for _, b := range c.bindings {
		p, ok := c.policies[b.policy]
		if !ok || p.paramKind == nil || b.paramRef == nil || b.paramRef.Name == "" {
			continue
		}
		deny := b.paramRef.ParameterNotFoundAction == nil || *b.paramRef.ParameterNotFoundAction == admissionregistrationv1.DenyAction
		if !deny && p.failurePolicy != admissionregistrationv1.Fail {
			continue
		}
		exists, known := c.paramExists(p.paramKind, b.paramRef)
		if !known || exists {
			continue
		}
		ns := b.paramRef.Namespace
		out = append(out, Finding{ID: "admission-policy-fails-closed", Severity: Critical, Area: "admission", Keys: []string{b.key, p.key},
			Title:    fmt.Sprintf("admission policy binding %s denies every request policy %s matches: its parameter %s %s does not exist", b.name, p.name, p.paramKind.Kind, strings.TrimPrefix(ns+"/"+b.paramRef.Name, "/")),
			Evidence: []string{fmt.Sprintf("policy %s: paramKind %s %s, failurePolicy %s", p.name, p.paramKind.APIVersion, p.paramKind.Kind, p.failurePolicy)},
			Advice:   []string{"restore the parameter object, or delete the binding until it is back"},
			Fix:      []string{"lifeboat delete validatingadmissionpolicybindings " + b.name + " --dry-run"}})
	}
	return out
}

// paramExists reports whether a policy's parameter exists; known is false
// for kinds doctor does not keep (it keeps ConfigMaps and Secrets, the
// usual parameters, and custom resources).
func (c *census) paramExists(kind *admissionregistrationv1.ParamKind, ref *admissionregistrationv1.ParamRef) (exists, known bool) {
	switch {
	case kind.APIVersion == "v1" && kind.Kind == "ConfigMap":
		_, exists = c.configMaps[ref.Namespace+"/"+ref.Name]
		return exists, true
	case kind.APIVersion == "v1" && kind.Kind == "Secret":
		_, exists = c.secrets[ref.Namespace+"/"+ref.Name]
		return exists, true
	}
	return false, false
}

// apiServiceFindings are aggregated APIs whose Service is missing or has
// no ready endpoints: discovery of their group fails, and kube-controller-
// manager's namespace controller cannot finish deleting any namespace while
// it cannot list them.
func (c *census) apiServiceFindings() []Finding {
	var out []Finding
	for _, a := range c.apiServices {
		if a.service == nil {
			continue // served by kube-apiserver itself
		}
		svc := a.service.Namespace + "/" + a.service.Name
		why := ""
		switch _, ok := c.services[svc]; {
		case !ok:
			why = "does not exist"
		case c.readyEndpoints[svc] == 0:
			why = "has no ready endpoints"
		default:
			continue
		}
		f := Finding{ID: "apiservice-unavailable", Severity: Warning, Area: "admission", Keys: []string{a.key},
			Title:  fmt.Sprintf("APIService %s calls Service %s, which %s: discovery of its group fails, and namespaces cannot finish deleting", a.name, svc, why),
			Advice: []string{"restore its Service, or delete the APIService if the extension is gone for good"},
			Fix:    []string{"lifeboat delete apiservices " + a.name + " --dry-run"}}
		if a.available != "" {
			f.Evidence = []string{"Available: " + a.available}
		}
		out = append(out, f)
	}
	return out
}
