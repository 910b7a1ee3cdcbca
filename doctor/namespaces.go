package doctor

import (
	"fmt"
	"strings"
)

// Findings on namespaces stuck Terminating: why, and what is left in them.

// maxHeld bounds the objects a finding names, and fixes.
const maxHeld = 10

func (c *census) namespaceFindings(k clock) []Finding {
	var out []Finding
	for _, name := range sortedKeys(c.namespaces) {
		n := c.namespaces[name]
		if n.deleting.IsZero() {
			continue
		}
		left := c.left[name]
		total := 0
		var parts []string
		for _, res := range sortedKeys(left) {
			total += left[res]
			parts = append(parts, fmt.Sprintf("%s %d", res, left[res]))
		}
		f := Finding{ID: "namespace-stuck-terminating", Severity: Warning, Area: "namespaces", Keys: []string{n.key},
			Title: fmt.Sprintf("namespace %s is Terminating since %s (%s), with %d object(s) left in it", name, n.deleting.UTC().Format("2006-01-02T15:04:05Z"), k.ago(n.deleting), total)}
		if len(n.specFinalizers) > 0 {
			f.Evidence = append(f.Evidence, "spec.finalizers: "+strings.Join(n.specFinalizers, ", ")+" (kube-controller-manager's namespace controller removes kubernetes once the namespace is empty)")
		}
		if len(n.finalizers) > 0 {
			f.Evidence = append(f.Evidence, "metadata.finalizers: "+strings.Join(n.finalizers, ", "))
		}
		if len(parts) > 0 {
			f.Evidence = append(f.Evidence, "left: "+strings.Join(parts, ", "))
		}
		for _, cond := range n.conditions {
			if cond.Status == "True" && cond.Message != "" {
				f.Evidence = append(f.Evidence, string(cond.Type)+": "+cond.Message)
			}
		}
		held := c.held[name]
		for i, h := range held {
			if i == maxHeld {
				f.Evidence = append(f.Evidence, fmt.Sprintf("... and %d more objects held by finalizers", len(held)-maxHeld))
				break
			}
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s %s is being deleted, held by finalizers %s", h.resource, h.name, strings.Join(h.finalizers, ", ")))
			f.Fix = append(f.Fix, fmt.Sprintf("lifeboat finalizers remove %s %s -n %s --dry-run", h.resource, h.name, name))
		}
		f.Advice = append(f.Advice,
			"a finalizer is a controller's promise to clean up: remove one only when its controller is gone for good, or its cleanup is done",
			"an APIService without its Service keeps the namespace controller from listing what is left: the admission findings name any")
		f.Fix = append(f.Fix, "lifeboat finalizers remove namespaces "+name+" --dry-run")
		out = append(out, f)
	}
	return out
}
