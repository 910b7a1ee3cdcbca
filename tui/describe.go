package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// d shows an object as `kubectl describe` does, read from etcd alone
// (etcdops.Describe): owners, node, conditions, the taints and
// tolerations that decide an eviction and when it comes, and the events.

// describeMsg is a description read for the describe screen.
type describeMsg struct {
	info etcdops.KeyInfo
	d    *etcdops.Description
	at   time.Time
}

// describeCmd reads what describe shows.
func (m *Model) describeCmd(info etcdops.KeyInfo) tea.Cmd {
	store, now := m.store, m.now()
	ctx, cancel := m.ioContext()
	return func() tea.Msg {
		defer cancel()
		d, err := store.Describe(ctx, info, now)
		if err != nil {
			return readErrMsg{err: err}
		}
		return describeMsg{info: info, d: d, at: now}
	}
}

// describeScreen is the description of one object, in a pager (/ searches
// it); ctrl+r reads it again.
type describeScreen struct {
	textScreen
	msg describeMsg
}

// showDescription shows a description: on the describe screen of that
// object when it is on top, else on a new one.
func (m *Model) showDescription(msg describeMsg) {
	text := describeText(msg.d, msg.at)
	if s, ok := m.top().(*describeScreen); ok && s.msg.d.Item.Key == msg.d.Item.Key {
		s.msg = msg
		s.pager.setContent(text)
		return
	}
	m.push(&describeScreen{textScreen: newTextScreen(m, text), msg: msg})
}

// owns ctrl+r: it describes the object again (the caches need no list).
func (s *describeScreen) owns(msg tea.KeyMsg) bool { return key.Matches(msg, s.m.keys.Refresh) }

func (s *describeScreen) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, s.m.keys.Refresh), key.Matches(k, s.m.keys.Describe):
			return s.m.describeCmd(s.msg.info)
		case key.Matches(k, s.m.keys.View):
			return s.m.readDetailCmd(s.msg.d.Item.Key, yamlOptions{})
		}
	}
	return s.textScreen.update(msg)
}

func (s *describeScreen) title() string {
	return fmt.Sprintf("%s describe  %s  rev %d", styleCrumb.Render(" "+render.Safe(s.msg.info.String())+" "), s.pager.status(), s.msg.d.Item.ModRevision)
}

func (s *describeScreen) hints() string {
	k := s.m.keys
	again := key.NewBinding(key.WithKeys(k.Refresh.Keys()...), key.WithHelp(k.Refresh.Help().Key, "read again"))
	return hintLine(nil, k.Back, k.Search, k.NextMatch, k.Wrap, k.View, again, k.Help)
}

// describeText lays a description out as kubectl describe does: fields,
// then tables.
func describeText(d *etcdops.Description, now time.Time) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	field := func(name, value string) { fmt.Fprintf(w, "%s:\t%s\n", name, value) }
	it := d.Item
	field("Name", render.Safe(it.Name))
	if it.Namespace != "" {
		field("Namespace", render.Safe(it.Namespace))
	}
	field("Key", render.Safe(it.Key))
	switch {
	case it.DecodeErr != nil:
		field("Value", styleBad.Render("cannot be decoded: "+render.Line(it.DecodeErr.Error())))
	case it.Encrypted():
		field("Value", "encrypted at rest ("+render.Safe(it.Object.Encryption.String())+"): lifeboat has no key to read it")
	default:
		objectFields(field, d, now)
	}
	w.Flush()
	if len(d.Conditions) > 0 {
		b.WriteString("\n" + styleTitle.Render("Conditions:") + "\n")
		rows := [][]string{{"TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"}}
		for _, c := range d.Conditions {
			rows = append(rows, []string{c.Type, c.Status, c.Reason, render.Ago(c.LastTransition, now), oneLine(c.Message)})
		}
		writeTable(&b, rows)
	}
	if etcdops.IsWebhookConfiguration(it.Resource) && it.Object != nil && !it.Encrypted() {
		webhooksText(&b, it.Name, d.Webhooks)
	}
	if d.Node != nil && len(d.Node.Spec.Taints) > 0 {
		title := "Taints:"
		if _, pod := it.Object.Typed.(*corev1.Pod); pod {
			title = "Taints of its node " + render.Safe(d.Node.Name) + ":"
		}
		b.WriteString("\n" + styleTitle.Render(title) + "\n")
		rows := [][]string{{"TAINT", "ADDED", "EFFECT"}}
		for _, t := range d.Node.Spec.Taints {
			added := ""
			if t.TimeAdded != nil {
				added = render.Ago(t.TimeAdded.Time, now)
			}
			rows = append(rows, []string{t.ToString(), added, taintEffect(t)})
		}
		writeTable(&b, rows)
	}
	if len(d.Tolerations) > 0 {
		b.WriteString("\n" + styleTitle.Render("Tolerations:") + "\n")
		for _, t := range d.Tolerations {
			b.WriteString("  " + render.Safe(tolerationString(t)) + "\n")
		}
	}
	b.WriteString("\n" + styleTitle.Render("Events:"))
	if len(d.Events) == 0 {
		b.WriteString(" <none in etcd> (events expire after kube-apiserver's --event-ttl, 1h by default)\n")
		return b.String()
	}
	b.WriteString("\n")
	rows := [][]string{{"TYPE", "REASON", "AGE", "FROM", "MESSAGE"}}
	for _, e := range d.Events {
		age := render.Ago(etcdops.EventTime(e), now)
		if e.Count > 1 {
			age += fmt.Sprintf(" (x%d)", e.Count)
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		rows = append(rows, []string{e.Type, e.Reason, age, from, oneLine(e.Message)})
	}
	writeTable(&b, rows)
	return b.String()
}

// objectFields are the fields of a decoded object.
func objectFields(field func(name, value string), d *etcdops.Description, now time.Time) {
	obj := d.Item.Object
	meta := obj.Meta
	field("Kind", render.Safe(obj.Kind+" ("+obj.APIVersion+")"))
	if !meta.CreationTimestamp.IsZero() {
		field("Created", meta.CreationTimestamp.UTC().Format(time.RFC3339)+" ("+render.Ago(meta.CreationTimestamp.Time, now)+")")
	}
	if len(meta.Labels) > 0 {
		var labels []string
		for k, v := range meta.Labels {
			labels = append(labels, k+"="+v)
		}
		sort.Strings(labels)
		field("Labels", render.Safe(strings.Join(labels, ", ")))
	}
	if ts := meta.DeletionTimestamp; ts != nil {
		grace := ""
		if s := meta.DeletionGracePeriodSeconds; s != nil {
			grace = fmt.Sprintf(", grace %ds", *s)
		}
		field("Deleting", styleWarn.Render(fmt.Sprintf("since %s (%s)%s", ts.UTC().Format(time.RFC3339), render.Ago(ts.Time, now), grace)))
	}
	if len(meta.Finalizers) > 0 {
		field("Finalizers", render.Safe(strings.Join(meta.Finalizers, ", ")))
	}
	for _, ref := range meta.OwnerReferences {
		what := ref.Kind + "/" + ref.Name
		if ref.Controller != nil && *ref.Controller {
			what += " (controller)"
		}
		field("Owner", render.Safe(what))
	}
	switch o := obj.Typed.(type) {
	case *corev1.Pod:
		node := "<not scheduled>"
		if o.Spec.NodeName != "" {
			node = render.Safe(o.Spec.NodeName) + nodeState(d, now)
		}
		field("Node", node)
		if o.Status.Phase != "" {
			field("Phase", string(o.Status.Phase))
		}
		if len(o.Spec.Tolerations) > 0 || hasNoExecute(d.Node) {
			field("Eviction", eviction(d, o))
		}
	case *corev1.Node:
		field("Unschedulable", fmt.Sprint(o.Spec.Unschedulable))
		field("Kubelet lease", leaseCell(d.NodeLease, now))
	}
}

// nodeState is what matters of a pod's node: Ready, and its kubelet lease.
func nodeState(d *etcdops.Description, now time.Time) string {
	if d.Node == nil {
		return styleBad.Render(" (not in etcd)")
	}
	ready := "Unknown"
	for _, c := range d.Node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = string(c.Status)
		}
	}
	return " · Ready=" + ready + " · kubelet lease " + leaseCell(d.NodeLease, now)
}

func hasNoExecute(n *corev1.Node) bool {
	return n != nil && slices.ContainsFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Effect == corev1.TaintEffectNoExecute })
}

// eviction says when the taint manager evicts the pod, and why.
func eviction(d *etcdops.Description, pod *corev1.Pod) string {
	switch {
	case pod.DeletionTimestamp != nil:
		return "deletion already asked for (see Deleting)"
	case d.Node == nil || !hasNoExecute(d.Node):
		return "no NoExecute taint on its node"
	case d.Eviction == nil:
		return "never: it tolerates its node's NoExecute taints for ever"
	case d.Eviction.In == 0:
		return styleBadBold.Render("now: past its tolerationSeconds, evicted as soon as kube-controller-manager runs")
	}
	return styleBadBold.Render("in "+d.Eviction.In.Round(time.Second).String()) + " (its node's NoExecute taint, added + tolerationSeconds; stop it with t on :nodes)"
}

// taintEffect says what a taint does to pods.
func taintEffect(t corev1.Taint) string {
	switch t.Effect {
	case corev1.TaintEffectNoExecute:
		return "evicts pods, after their tolerationSeconds"
	case corev1.TaintEffectNoSchedule:
		return "no new pods"
	case corev1.TaintEffectPreferNoSchedule:
		return "fewer new pods"
	}
	return string(t.Effect)
}

// tolerationString is a toleration as kubectl describe writes it.
func tolerationString(t corev1.Toleration) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	if t.Effect != "" {
		s += ":" + string(t.Effect)
	}
	if t.Operator != "" {
		s = strings.TrimSpace(s + " op=" + string(t.Operator))
	}
	if t.TolerationSeconds != nil {
		s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
	}
	return s
}

// writeTable writes rows in aligned columns, the first row as the heading;
// cells come from etcd and are made safe. Colour comes after the
// alignment: tabwriter would count its escape sequences as text.
func writeTable(b *strings.Builder, rows [][]string) {
	var t strings.Builder
	w := tabwriter.NewWriter(&t, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = render.Safe(c)
		}
		fmt.Fprintln(w, "  "+strings.Join(cells, "\t"))
	}
	w.Flush()
	heading, rest, _ := strings.Cut(t.String(), "\n")
	b.WriteString(styleMuted.Render(heading) + "\n" + rest)
}

// webhooksText is a webhook configuration's webhooks, as describe shows
// them: what each one is called for, what it calls and whether that can
// answer, and what its failurePolicy does meanwhile.
func webhooksText(b *strings.Builder, config string, hooks []etcdops.Webhook) {
	b.WriteString("\n" + styleTitle.Render("Webhooks:"))
	if len(hooks) == 0 {
		b.WriteString(" <none>\n")
		return
	}
	b.WriteString("\n")
	for _, h := range hooks {
		b.WriteString("  " + styleValue.Render(render.Safe(h.Name)) + "\n")
		var t strings.Builder
		w := tabwriter.NewWriter(&t, 0, 4, 2, ' ', 0)
		field := func(name, value string) { fmt.Fprintf(w, "    %s:\t%s\n", name, value) }
		policy := h.FailurePolicy
		if h.FailurePolicyDefaulted {
			policy += " (unset: its version's default)"
		}
		field("Failure policy", policy)
		switch {
		case h.Service != nil:
			field("Calls", "service "+render.Safe(serviceRef(h.Service)))
			field("Service", serviceState(h))
		case h.URL != "":
			field("Calls", "url "+render.Safe(h.URL))
		}
		for i, r := range h.Rules {
			name := "Rules"
			if i > 0 {
				name = ""
			}
			field(name, render.Safe(ruleString(r)))
		}
		field("Namespace selector", render.Safe(selectorString(h.NamespaceSelector)))
		field("Object selector", render.Safe(selectorString(h.ObjectSelector)))
		field("Timeout", fmt.Sprintf("%ds", h.TimeoutSeconds))
		w.Flush()
		// Colour after the alignment: tabwriter counts escape sequences.
		text := t.String()
		if h.Blocks() {
			text += "    " + styleBadBold.Render("refuses every request it matches while its service is down") +
				" (i on the table, or 'lifeboat webhooks disable " + render.Safe(config) + "', sets Ignore)\n"
		}
		b.WriteString(text)
	}
}

// serviceRef is namespace/name:port/path, as the apiserver calls it.
func serviceRef(s *admissionregistrationv1.ServiceReference) string {
	ref := s.Namespace + "/" + s.Name
	if s.Port != nil {
		ref += fmt.Sprintf(":%d", *s.Port)
	}
	if s.Path != nil {
		ref += *s.Path
	}
	return ref
}

// serviceState says whether the Service a webhook calls can answer.
func serviceState(h etcdops.Webhook) string {
	switch {
	case !h.ServiceFound:
		return styleBad.Render("not in etcd")
	case h.ReadyEndpoints == 0:
		return "in etcd · " + styleBad.Render("no ready endpoint in its EndpointSlices")
	}
	return "in etcd · " + count(h.ReadyEndpoints, "ready endpoint", "ready endpoints") + " in its EndpointSlices"
}

// ruleString is one rule: the operations, then the resources with the
// groups, versions and scope they are matched in.
func ruleString(r admissionregistrationv1.RuleWithOperations) string {
	ops := make([]string, len(r.Operations))
	for i, op := range r.Operations {
		ops[i] = string(op)
	}
	groups := make([]string, len(r.APIGroups))
	for i, g := range r.APIGroups {
		groups[i] = g
		if g == "" {
			groups[i] = `""`
		}
	}
	s := fmt.Sprintf("%s %s (apiGroups %s, apiVersions %s", strings.Join(ops, ","), strings.Join(r.Resources, ","),
		strings.Join(groups, ","), strings.Join(r.APIVersions, ","))
	if r.Scope != nil {
		s += ", scope " + string(*r.Scope)
	}
	return s + ")"
}

// selectorString is a label selector as kubectl writes it; nil or empty
// selects everything.
func selectorString(sel *metav1.LabelSelector) string {
	if sel == nil || len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return "everything"
	}
	return metav1.FormatLabelSelector(sel)
}
