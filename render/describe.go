package render

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Describe lays a description (etcdops.Store.Describe) out as `kubectl
// describe` does, with its section names and order (k8s.io/kubectl
// pkg/describe/describe.go: describePod, describeNode, describeSecret,
// describeConfigMap, DescribeEvents), and lifeboat's own fields where an
// outage needs them: the key, the pod's node state and eviction, the
// taints of its node, whether what a pod uses is in etcd, a webhook's
// service. `lifeboat describe` and the TUI's d show this same text;
// color (ANSI) is the caller's choice.
//
// Everything read from etcd is made terminal-safe. A Secret's values are
// never shown, only their key names and sizes (as kubectl), and its
// annotations that copy them are redacted; kubectl apply's
// last-applied-configuration annotation is left out, as kubectl does.
func Describe(d *etcdops.Description, now time.Time, color bool) string {
	x := &describer{d: d, now: now, st: describeStylesFor(color)}
	tw := tabwriter.NewWriter(&x.buf, 0, 8, 2, ' ', 0)
	x.w = tw
	x.describe()
	tw.Flush()
	return x.buf.String()
}

// describer writes a description through one tabwriter, as kubectl's
// PrefixWriter does: "Name:\tvalue" fields, indented two spaces a level.
// Colour goes only where it cannot upset the alignment: in the last cell
// of a line (its value), or on a line without a tab (a section title);
// tabwriter would count escape sequences as text.
type describer struct {
	d   *etcdops.Description
	now time.Time
	st  describeStyles
	buf strings.Builder
	w   io.Writer
}

type describeStyles struct {
	title, bad, badBold, warn func(string) string
}

func describeStylesFor(color bool) describeStyles {
	if !color {
		plain := func(s string) string { return s }
		return describeStyles{plain, plain, plain, plain}
	}
	style := func(s lipgloss.Style) func(string) string { return func(t string) string { return s.Render(t) } }
	return describeStyles{
		title:   style(diffRenderer.NewStyle().Bold(true).Foreground(lipgloss.Color("6"))),
		bad:     style(diffRenderer.NewStyle().Foreground(lipgloss.Color("1"))),
		badBold: style(diffRenderer.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)),
		warn:    style(diffRenderer.NewStyle().Foreground(lipgloss.Color("3"))),
	}
}

func indent(level int) string { return strings.Repeat("  ", level) }

// field writes "name:\tvalue"; value comes from etcd and is made safe.
func (x *describer) field(level int, name, value string) {
	x.fieldSafe(level, name, Safe(value))
}

// fieldSafe writes "name:\tvalue" with a value already safe (and perhaps
// coloured).
func (x *describer) fieldSafe(level int, name, value string) {
	fmt.Fprintf(x.w, "%s%s:\t%s\n", indent(level), name, value)
}

// list writes a field of several values, one a line, aligned; <none> when
// there are none.
func (x *describer) list(level int, name string, values []string) {
	if len(values) == 0 {
		x.fieldSafe(level, name, "<none>")
		return
	}
	for i, v := range values {
		if i == 0 {
			x.field(level, name, v)
		} else {
			fmt.Fprintf(x.w, "%s\t%s\n", indent(level), Safe(v))
		}
	}
}

// title writes a section title, a line without a tab.
func (x *describer) title(level int, name string) {
	fmt.Fprintf(x.w, "%s%s\n", indent(level), x.st.title(name))
}

// line writes text from etcd on a line of its own.
func (x *describer) line(level int, text string) {
	fmt.Fprintf(x.w, "%s%s\n", indent(level), Safe(text))
}

// table writes a heading, its underline and rows, as kubectl's tables;
// cells are made safe.
func (x *describer) table(level int, heading []string, rows [][]string) {
	under := make([]string, len(heading))
	for i, h := range heading {
		under[i] = strings.Repeat("-", len(h))
	}
	fmt.Fprintf(x.w, "%s%s\n", indent(level), strings.Join(heading, "\t"))
	fmt.Fprintf(x.w, "%s%s\n", indent(level), strings.Join(under, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = Safe(c)
		}
		fmt.Fprintf(x.w, "%s%s\n", indent(level), strings.Join(cells, "\t"))
	}
}

func (x *describer) describe() {
	d := x.d
	it := d.Item
	x.field(0, "Name", it.Name)
	if it.Namespace != "" {
		x.field(0, "Namespace", it.Namespace)
	}
	x.field(0, "Key", it.Key)
	switch {
	case it.DecodeErr != nil:
		x.fieldSafe(0, "Value", x.st.bad("cannot be decoded: "+Line(it.DecodeErr.Error())))
	case it.Object == nil:
	case it.Encrypted():
		x.fieldSafe(0, "Value", "encrypted at rest ("+Safe(it.Object.Encryption.String())+"): lifeboat has no key to read it")
	default:
		x.object()
	}
	x.events()
}

// object describes a decoded object: kubectl's fields for its kind, then
// its sections.
func (x *describer) object() {
	obj := x.d.Item.Object
	x.field(0, "Kind", obj.Kind+" ("+obj.APIVersion+")")
	switch o := obj.AsTyped().(type) {
	case *corev1.Pod:
		x.pod(o)
		return
	case *corev1.Node:
		x.node(o)
		return
	}
	x.meta()
	if len(x.d.Conditions) > 0 {
		x.conditions()
	}
	switch o := obj.AsTyped().(type) {
	case *corev1.Secret:
		x.secret(o)
	case *corev1.ConfigMap:
		x.configMap(o)
	}
	if etcdops.IsWebhookConfiguration(x.d.Item.Resource) {
		x.webhooks()
	}
}

// meta writes the fields of metadata every kind has: labels, annotations,
// creation, deletion, finalizers and owners.
func (x *describer) meta() {
	x.labelsAndAnnotations()
	x.created()
	x.deletion()
}

func (x *describer) labelsAndAnnotations() {
	meta := x.d.Item.Object.Meta
	x.list(0, "Labels", labelList(meta.Labels))
	x.annotations()
}

func (x *describer) created() {
	if ts := x.d.Item.Object.Meta.CreationTimestamp; !ts.IsZero() {
		x.field(0, "Created", ts.UTC().Format(time.RFC3339)+" ("+Ago(ts.Time, x.now)+")")
	}
}

// deletion writes lifeboat's fields of an object being deleted and of what
// holds it: since when, its finalizers and owners.
func (x *describer) deletion() {
	meta := x.d.Item.Object.Meta
	if ts := meta.DeletionTimestamp; ts != nil {
		grace := ""
		if s := meta.DeletionGracePeriodSeconds; s != nil {
			grace = fmt.Sprintf(", grace %ds", *s)
		}
		x.fieldSafe(0, "Deleting", x.st.warn(fmt.Sprintf("since %s (%s)%s", ts.UTC().Format(time.RFC3339), Ago(ts.Time, x.now), grace)))
	}
	if len(meta.Finalizers) > 0 {
		x.field(0, "Finalizers", strings.Join(meta.Finalizers, ", "))
	}
	var owners []string
	for _, ref := range meta.OwnerReferences {
		what := ref.Kind + "/" + ref.Name
		if ref.Controller != nil && *ref.Controller {
			what += " (controller)"
		}
		owners = append(owners, what)
	}
	if len(owners) > 0 {
		x.list(0, "Owner", owners)
	}
}

func labelList(labels map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		out = append(out, k+"="+labels[k])
	}
	return out
}

// maxAnnotationLen is where kubectl shortens an annotation's value.
const maxAnnotationLen = 140

// annotations writes the annotations as kubectl does, without kubectl
// apply's last-applied-configuration; a Secret's are those of its redacted
// rendering (codec.Object.Render): one that copies a value shows its size.
func (x *describer) annotations() {
	obj := x.d.Item.Object
	annotations := obj.Meta.Annotations
	if rendered, err := obj.Render(codec.RenderOptions{}); err == nil {
		md, _ := rendered["metadata"].(map[string]any)
		a, _ := md["annotations"].(map[string]any)
		annotations = map[string]string{}
		for k, v := range a {
			annotations[k], _ = v.(string)
		}
	} else if obj.Kind == "Secret" {
		annotations = nil // nothing unredacted
	}
	delete(annotations, corev1.LastAppliedConfigAnnotation)
	if len(annotations) == 0 {
		x.fieldSafe(0, "Annotations", "<none>")
		return
	}
	for i, k := range slices.Sorted(maps.Keys(annotations)) {
		lead := indent(0) + "Annotations:\t"
		if i > 0 {
			lead = "\t"
		}
		value := strings.TrimSuffix(annotations[k], "\n")
		if len(value)+len(k)+2 <= maxAnnotationLen && !strings.Contains(value, "\n") {
			fmt.Fprintf(x.w, "%s%s\n", lead, Safe(k+": "+value))
			continue
		}
		fmt.Fprintf(x.w, "%s%s\n", lead, Safe(k+":"))
		for _, l := range strings.Split(value, "\n") {
			if len(l) > maxAnnotationLen-2 {
				l = l[:maxAnnotationLen-2] + "..."
			}
			fmt.Fprintf(x.w, "\t  %s\n", Safe(l))
		}
	}
}

// conditions writes status.conditions, of any kind.
func (x *describer) conditions() {
	x.title(0, "Conditions:")
	var rows [][]string
	for _, c := range x.d.Conditions {
		rows = append(rows, []string{c.Type, c.Status, Ago(c.LastTransition, x.now), c.Reason, textutil.OneLine(c.Message)})
	}
	x.table(1, []string{"Type", "Status", "Since", "Reason", "Message"}, rows)
}

// events writes the events about the object, as kubectl does, oldest
// first.
func (x *describer) events() {
	if len(x.d.Events) == 0 {
		fmt.Fprintf(x.w, "%s <none in etcd> (events expire after kube-apiserver's --event-ttl, 1h by default)\n", x.st.title("Events:"))
		return
	}
	x.title(0, "Events:")
	var rows [][]string
	for _, e := range x.d.Events {
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		message := strings.TrimSpace(e.Message)
		if e.InvolvedObject.FieldPath != "" {
			message = e.InvolvedObject.FieldPath + ": " + message
		}
		rows = append(rows, []string{e.Type, e.Reason, x.eventAge(e), from, textutil.OneLine(message)})
	}
	x.table(1, []string{"Type", "Reason", "Age", "From", "Message"}, rows)
}

// eventAge is kubectl's event Age: since it first happened, or "last (xN
// over first)" for one that repeated.
func (x *describer) eventAge(e *corev1.Event) string {
	first := e.EventTime.Time
	if first.IsZero() {
		first = e.FirstTimestamp.Time
	}
	if first.IsZero() {
		first = etcdops.EventTime(e)
	}
	switch {
	case e.Series != nil:
		return fmt.Sprintf("%s (x%d over %s)", Age(e.Series.LastObservedTime.Time, x.now), e.Series.Count, Age(first, x.now))
	case e.Count > 1:
		return fmt.Sprintf("%s (x%d over %s)", Age(etcdops.EventTime(e), x.now), e.Count, Age(first, x.now))
	}
	return Age(first, x.now)
}

// pod writes a pod as kubectl describe pod does.
func (x *describer) pod(p *corev1.Pod) {
	d := x.d
	if p.Spec.Priority != nil {
		x.field(0, "Priority", fmt.Sprint(*p.Spec.Priority))
	}
	if p.Spec.PriorityClassName != "" {
		x.field(0, "Priority Class Name", p.Spec.PriorityClassName)
	}
	if p.Spec.RuntimeClassName != nil && *p.Spec.RuntimeClassName != "" {
		x.field(0, "Runtime Class Name", *p.Spec.RuntimeClassName)
	}
	if p.Spec.ServiceAccountName != "" {
		x.field(0, "Service Account", p.Spec.ServiceAccountName)
	}
	if p.Spec.NodeName == "" {
		x.fieldSafe(0, "Node", "<none>")
	} else {
		x.fieldSafe(0, "Node", Safe(p.Spec.NodeName+"/"+p.Status.HostIP)+x.nodeState())
	}
	if p.Status.StartTime != nil {
		x.field(0, "Start Time", p.Status.StartTime.Format(time.RFC1123Z))
	}
	x.labelsAndAnnotations()
	x.created()
	if ts := p.DeletionTimestamp; ts != nil && p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
		x.fieldSafe(0, "Status", x.st.warn("Terminating (lasts "+Age(ts.Time, x.now)+")"))
		if s := p.DeletionGracePeriodSeconds; s != nil {
			x.field(0, "Termination Grace Period", fmt.Sprintf("%ds", *s))
		}
	} else {
		x.field(0, "Status", string(p.Status.Phase))
	}
	if p.Status.Reason != "" {
		x.field(0, "Reason", p.Status.Reason)
	}
	if p.Status.Message != "" {
		x.field(0, "Message", textutil.OneLine(p.Status.Message))
	}
	x.deletion()
	if len(p.Spec.Tolerations) > 0 || hasNoExecute(d.Node) {
		x.fieldSafe(0, "Eviction", x.eviction(p))
	}
	x.field(0, "IP", p.Status.PodIP)
	if len(p.Status.PodIPs) == 0 {
		x.fieldSafe(0, "IPs", "<none>")
	} else {
		x.title(0, "IPs:")
		for _, ip := range p.Status.PodIPs {
			x.field(1, "IP", ip.IP)
		}
	}
	if p.Status.NominatedNodeName != "" {
		x.field(0, "NominatedNodeName", p.Status.NominatedNodeName)
	}
	if p.Spec.Resources != nil {
		x.title(0, "Resources:")
		x.resources(1, *p.Spec.Resources)
	}
	statuses := func(list []corev1.ContainerStatus) map[string]corev1.ContainerStatus {
		m := map[string]corev1.ContainerStatus{}
		for _, s := range list {
			m[s.Name] = s
		}
		return m
	}
	if len(p.Spec.InitContainers) > 0 {
		x.containers(p, "Init Containers", p.Spec.InitContainers, statuses(p.Status.InitContainerStatuses))
	}
	x.containers(p, "Containers", p.Spec.Containers, statuses(p.Status.ContainerStatuses))
	if len(p.Spec.EphemeralContainers) > 0 {
		var ec []corev1.Container
		for _, c := range p.Spec.EphemeralContainers {
			ec = append(ec, corev1.Container(c.EphemeralContainerCommon))
		}
		x.containers(p, "Ephemeral Containers", ec, statuses(p.Status.EphemeralContainerStatuses))
	}
	if len(d.Conditions) > 0 {
		x.conditions()
	}
	x.volumes(p.Spec.Volumes)
	qos := p.Status.QOSClass
	if qos == "" {
		qos = podQOS(p)
	}
	x.field(0, "QoS Class", string(qos))
	x.list(0, "Node-Selectors", labelList(p.Spec.NodeSelector))
	var tolerations []string
	for _, t := range sortedTolerations(p.Spec.Tolerations) {
		tolerations = append(tolerations, tolerationString(t))
	}
	x.list(0, "Tolerations", tolerations)
	if d.Node != nil && len(d.Node.Spec.Taints) > 0 {
		x.title(0, "Taints of its node "+Safe(d.Node.Name)+":")
		x.taints()
	}
}

// nodeState is what matters of a pod's node: Ready, and its kubelet lease.
func (x *describer) nodeState() string {
	n := x.d.Node
	if n == nil {
		return x.st.bad(" (not in etcd)")
	}
	ready := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = string(c.Status)
		}
	}
	return " · Ready=" + Safe(ready) + " · kubelet lease " + x.lease(x.d.NodeLease)
}

// lease is how long ago a kubelet lease was renewed, STALE when past its
// duration.
func (x *describer) lease(st etcdops.LeaseStatus) string {
	switch {
	case !st.Found:
		return "<none>"
	case st.RenewTime.IsZero():
		return "never renewed"
	case st.Alive(x.now):
		return duration.HumanDuration(st.Age(x.now)) + " ago"
	}
	return duration.HumanDuration(st.Age(x.now)) + " ago " + x.st.bad("STALE")
}

func hasNoExecute(n *corev1.Node) bool {
	return n != nil && slices.ContainsFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Effect == corev1.TaintEffectNoExecute })
}

// eviction says when the taint manager evicts the pod, and why.
func (x *describer) eviction(pod *corev1.Pod) string {
	d := x.d
	switch {
	case pod.DeletionTimestamp != nil:
		return "deletion already asked for (see Deleting)"
	case d.Node == nil || !hasNoExecute(d.Node):
		return "no NoExecute taint on its node"
	case d.Eviction == nil:
		return "never: it tolerates its node's NoExecute taints for ever"
	case d.Eviction.In == 0:
		return x.st.badBold("now: past its tolerationSeconds, evicted as soon as kube-controller-manager runs")
	}
	return x.st.badBold("in "+d.Eviction.In.Round(time.Second).String()) +
		" (its node's NoExecute taint, added + tolerationSeconds; 'lifeboat nodes untaint " + Safe(d.Node.Name) + "', or t on the TUI's :nodes, stops it)"
}

// taints writes the node's taints: what each does, and since when.
func (x *describer) taints() {
	var rows [][]string
	for _, t := range x.d.Node.Spec.Taints {
		added := ""
		if t.TimeAdded != nil {
			added = Ago(t.TimeAdded.Time, x.now)
		}
		rows = append(rows, []string{t.ToString(), added, taintEffect(t)})
	}
	x.table(1, []string{"Taint", "Added", "Effect"}, rows)
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

// sortedTolerations are sorted by key, as kubectl prints them; the pod's
// own list is left as it is.
func sortedTolerations(list []corev1.Toleration) []corev1.Toleration {
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b corev1.Toleration) int { return strings.Compare(a.Key, b.Key) })
	return out
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
	if t.Operator == corev1.TolerationOpExists && t.Value == "" {
		if t.Key != "" || t.Effect != "" {
			s += " "
		}
		s += "op=Exists"
	}
	if t.TolerationSeconds != nil {
		s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
	}
	return s
}

// containers writes a pod's containers of one kind, each with its state.
func (x *describer) containers(p *corev1.Pod, label string, containers []corev1.Container, statuses map[string]corev1.ContainerStatus) {
	if len(containers) == 0 {
		x.title(0, label+": <none>")
		return
	}
	x.title(0, label+":")
	for _, c := range containers {
		status, ok := statuses[c.Name]
		x.line(1, c.Name+":")
		if ok {
			x.field(2, "Container ID", status.ContainerID)
		}
		x.field(2, "Image", c.Image)
		if ok {
			x.field(2, "Image ID", status.ImageID)
		}
		ports, hostPorts := containerPorts(c.Ports)
		if strings.Contains(ports, ",") {
			x.field(2, "Ports", ports)
		} else {
			x.field(2, "Port", orNone(ports))
		}
		if strings.Contains(hostPorts, ",") {
			x.field(2, "Host Ports", hostPorts)
		} else {
			x.field(2, "Host Port", orNone(hostPorts))
		}
		for _, cmd := range []struct {
			name string
			args []string
		}{{"Command", c.Command}, {"Args", c.Args}} {
			if len(cmd.args) == 0 {
				continue
			}
			x.line(2, cmd.name+":")
			for _, a := range cmd.args {
				for _, l := range strings.Split(a, "\n") {
					x.line(3, l)
				}
			}
		}
		if ok {
			x.containerState("State", status.State)
			if status.LastTerminationState.Terminated != nil {
				x.containerState("Last State", status.LastTerminationState)
			}
			x.field(2, "Ready", boolString(status.Ready))
			x.field(2, "Restart Count", fmt.Sprint(status.RestartCount))
		}
		x.resources(2, c.Resources)
		for _, probe := range []struct {
			name  string
			probe *corev1.Probe
		}{{"Liveness", c.LivenessProbe}, {"Readiness", c.ReadinessProbe}, {"Startup", c.StartupProbe}} {
			if probe.probe != nil {
				x.field(2, probe.name, probeString(probe.probe))
			}
		}
		x.envFrom(c)
		x.env(p, c)
		x.mounts(c)
	}
}

func containerPorts(list []corev1.ContainerPort) (ports, hostPorts string) {
	var p, h []string
	for _, port := range list {
		name := ""
		if port.Name != "" {
			name = " (" + port.Name + ")"
		}
		p = append(p, fmt.Sprintf("%d/%s%s", port.ContainerPort, port.Protocol, name))
		h = append(h, fmt.Sprintf("%d/%s%s", port.HostPort, port.Protocol, name))
	}
	return strings.Join(p, ", "), strings.Join(h, ", ")
}

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// containerState writes a container's state as kubectl does: Waiting and
// its reason, Running since, Terminated with its reason and exit code.
func (x *describer) containerState(name string, s corev1.ContainerState) {
	switch {
	case s.Running != nil:
		x.field(2, name, "Running")
		x.field(3, "Started", s.Running.StartedAt.Format(time.RFC1123Z))
	case s.Waiting != nil:
		x.field(2, name, "Waiting")
		if s.Waiting.Reason != "" {
			x.field(3, "Reason", s.Waiting.Reason)
		}
		if s.Waiting.Message != "" {
			x.field(3, "Message", textutil.OneLine(s.Waiting.Message))
		}
	case s.Terminated != nil:
		x.field(2, name, "Terminated")
		t := s.Terminated
		if t.Reason != "" {
			x.field(3, "Reason", t.Reason)
		}
		if t.Message != "" {
			x.field(3, "Message", textutil.OneLine(t.Message))
		}
		x.field(3, "Exit Code", fmt.Sprint(t.ExitCode))
		if t.Signal > 0 {
			x.field(3, "Signal", fmt.Sprint(t.Signal))
		}
		x.field(3, "Started", t.StartedAt.Format(time.RFC1123Z))
		x.field(3, "Finished", t.FinishedAt.Format(time.RFC1123Z))
	default:
		x.field(2, name, "Waiting")
	}
}

// resources writes limits and requests, by resource name.
func (x *describer) resources(level int, r corev1.ResourceRequirements) {
	for _, l := range []struct {
		name string
		list corev1.ResourceList
	}{{"Limits", r.Limits}, {"Requests", r.Requests}} {
		if len(l.list) == 0 {
			continue
		}
		x.line(level, l.name+":")
		for _, name := range slices.Sorted(maps.Keys(l.list)) {
			q := l.list[name]
			x.field(level+1, string(name), q.String())
		}
	}
}

// probeString is a probe as kubectl's DescribeProbe writes it.
func probeString(p *corev1.Probe) string {
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds #success=%d #failure=%d", p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold)
	switch {
	case p.Exec != nil:
		return fmt.Sprintf("exec %v %s", p.Exec.Command, attrs)
	case p.HTTPGet != nil:
		scheme := strings.ToLower(string(p.HTTPGet.Scheme))
		if scheme == "" {
			scheme = "http"
		}
		return fmt.Sprintf("http-get %s://%s:%s%s %s", scheme, p.HTTPGet.Host, p.HTTPGet.Port.String(), p.HTTPGet.Path, attrs)
	case p.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s %s", p.TCPSocket.Host, p.TCPSocket.Port.String(), attrs)
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		return fmt.Sprintf("grpc <pod>:%d %s %s", p.GRPC.Port, service, attrs)
	}
	return "unknown " + attrs
}

// missing is " · <what> not in etcd", in red, for a ConfigMap, Secret or
// claim a pod uses that etcd does not hold; "" otherwise.
func (x *describer) missing(resource, name string) string {
	if found, known := x.d.Found(resource, name); known && !found {
		return " · " + x.st.bad(strings.TrimSuffix(resource, "s")+" not in etcd")
	}
	return ""
}

func optional(b *bool) bool { return b != nil && *b }

func (x *describer) envFrom(c corev1.Container) {
	if len(c.EnvFrom) == 0 {
		return
	}
	x.line(2, "Environment Variables from:")
	for _, e := range c.EnvFrom {
		var from, name, resource string
		var opt *bool
		switch {
		case e.ConfigMapRef != nil:
			from, name, resource, opt = "ConfigMap", e.ConfigMapRef.Name, "configmaps", e.ConfigMapRef.Optional
		case e.SecretRef != nil:
			from, name, resource, opt = "Secret", e.SecretRef.Name, "secrets", e.SecretRef.Optional
		}
		if e.Prefix != "" {
			from += " with prefix '" + e.Prefix + "'"
		}
		fmt.Fprintf(x.w, "%s%s\t%s\tOptional: %t%s\n", indent(3), Safe(name), Safe(from), optional(opt), x.missing(resource, name))
	}
}

// env writes the container's environment as kubectl does: values, and
// where the others come from (never a Secret's value).
func (x *describer) env(p *corev1.Pod, c corev1.Container) {
	if len(c.Env) == 0 {
		x.fieldSafe(2, "Environment", "<none>")
		return
	}
	x.line(2, "Environment:")
	for _, e := range c.Env {
		name := Safe(e.Name)
		switch {
		case e.ValueFrom == nil:
			for i, l := range strings.Split(e.Value, "\n") {
				if i == 0 {
					fmt.Fprintf(x.w, "%s%s:\t%s\n", indent(3), name, Safe(l))
				} else {
					fmt.Fprintf(x.w, "%s\t%s\n", indent(3), Safe(l))
				}
			}
		case e.ValueFrom.FieldRef != nil:
			f := e.ValueFrom.FieldRef
			fmt.Fprintf(x.w, "%s%s:\t%s\n", indent(3), name, Safe(fmt.Sprintf("%s (%s:%s)", fieldValue(p, f.FieldPath), f.APIVersion, f.FieldPath)))
		case e.ValueFrom.ResourceFieldRef != nil:
			r := e.ValueFrom.ResourceFieldRef
			fmt.Fprintf(x.w, "%s%s:\t%s\n", indent(3), name, Safe(fmt.Sprintf("%s (%s)", resourceFieldValue(p, c, r), r.Resource)))
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			fmt.Fprintf(x.w, "%s%s:\t%s\tOptional: %t%s\n", indent(3), name, Safe(fmt.Sprintf("<set to the key '%s' in secret '%s'>", r.Key, r.Name)),
				optional(r.Optional), x.missing("secrets", r.Name))
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			fmt.Fprintf(x.w, "%s%s:\t%s\tOptional: %t%s\n", indent(3), name, Safe(fmt.Sprintf("<set to the key '%s' of config map '%s'>", r.Key, r.Name)),
				optional(r.Optional), x.missing("configmaps", r.Name))
		default:
			fmt.Fprintf(x.w, "%s%s:\t\n", indent(3), name)
		}
	}
}

// fieldValue is what a downward API field path gives, for the fields a pod
// has in etcd; "" for the others, as kubectl leaves them.
func fieldValue(p *corev1.Pod, path string) string {
	switch path {
	case "metadata.name":
		return p.Name
	case "metadata.namespace":
		return p.Namespace
	case "metadata.uid":
		return string(p.UID)
	case "spec.nodeName":
		return p.Spec.NodeName
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName
	case "status.podIP":
		return p.Status.PodIP
	case "status.hostIP":
		return p.Status.HostIP
	}
	return ""
}

// resourceFieldValue is a container's request or limit as the downward
// API gives it: divided by the divisor, rounded up (kubectl's
// ExtractContainerResourceValue); an unset limit is the node's allocatable.
func resourceFieldValue(p *corev1.Pod, c corev1.Container, r *corev1.ResourceFieldSelector) string {
	if r.ContainerName != "" && r.ContainerName != c.Name {
		for _, other := range append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
			if other.Name == r.ContainerName {
				c = other
			}
		}
	}
	kind, name, _ := strings.Cut(r.Resource, ".")
	list := c.Resources.Requests
	if kind == "limits" {
		list = c.Resources.Limits
	}
	q, ok := list[corev1.ResourceName(name)]
	if !ok || q.IsZero() {
		if kind == "limits" {
			return "node allocatable"
		}
		return "0"
	}
	divisor := r.Divisor
	if name == string(corev1.ResourceCPU) {
		if divisor.IsZero() {
			divisor = resource.MustParse("1")
		}
		return fmt.Sprint(ceilDiv(q.MilliValue(), divisor.MilliValue()))
	}
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	return fmt.Sprint(ceilDiv(q.Value(), divisor.Value()))
}

func ceilDiv(a, b int64) int64 {
	if b <= 0 {
		return a
	}
	return (a + b - 1) / b
}

// mounts writes the container's volume mounts, by mount path: from which
// volume, ro or rw, and the subPath.
func (x *describer) mounts(c corev1.Container) {
	if len(c.VolumeMounts) == 0 {
		x.fieldSafe(2, "Mounts", "<none>")
	} else {
		x.line(2, "Mounts:")
		mounts := slices.Clone(c.VolumeMounts)
		slices.SortStableFunc(mounts, func(a, b corev1.VolumeMount) int { return strings.Compare(a.MountPath, b.MountPath) })
		for _, m := range mounts {
			flags := []string{"rw"}
			if m.ReadOnly {
				flags[0] = "ro"
			}
			if m.SubPath != "" {
				flags = append(flags, fmt.Sprintf("path=%q", m.SubPath))
			}
			if m.SubPathExpr != "" {
				flags = append(flags, fmt.Sprintf("pathExpr=%q", m.SubPathExpr))
			}
			x.line(3, fmt.Sprintf("%s from %s (%s)", m.MountPath, m.Name, strings.Join(flags, ",")))
		}
	}
	if len(c.VolumeDevices) > 0 {
		x.line(2, "Devices:")
		for _, dev := range c.VolumeDevices {
			x.line(3, dev.DevicePath+" from "+dev.Name)
		}
	}
}

// volumes writes the pod's volumes: each one's type and source, as
// kubectl does, and whether the ConfigMap, Secret or claim is in etcd.
func (x *describer) volumes(volumes []corev1.Volume) {
	if len(volumes) == 0 {
		x.fieldSafe(0, "Volumes", "<none>")
		return
	}
	x.title(0, "Volumes:")
	for _, v := range volumes {
		x.line(1, v.Name+":")
		src := v.VolumeSource
		switch {
		case src.HostPath != nil:
			x.field(2, "Type", "HostPath (bare host directory volume)")
			x.field(2, "Path", src.HostPath.Path)
			hostPathType := "<none>"
			if src.HostPath.Type != nil {
				hostPathType = string(*src.HostPath.Type)
			}
			x.field(2, "HostPathType", hostPathType)
		case src.EmptyDir != nil:
			x.field(2, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)")
			x.field(2, "Medium", string(src.EmptyDir.Medium))
			limit := "<unset>"
			if l := src.EmptyDir.SizeLimit; l != nil && l.Sign() > 0 {
				limit = l.String()
			}
			x.field(2, "SizeLimit", limit)
		case src.Secret != nil:
			x.field(2, "Type", "Secret (a volume populated by a Secret)")
			x.fieldSafe(2, "SecretName", Safe(src.Secret.SecretName)+x.missing("secrets", src.Secret.SecretName))
			x.field(2, "Optional", fmt.Sprint(optional(src.Secret.Optional)))
			x.items(src.Secret.Items)
		case src.ConfigMap != nil:
			x.field(2, "Type", "ConfigMap (a volume populated by a ConfigMap)")
			x.fieldSafe(2, "Name", Safe(src.ConfigMap.Name)+x.missing("configmaps", src.ConfigMap.Name))
			x.field(2, "Optional", fmt.Sprint(optional(src.ConfigMap.Optional)))
			x.items(src.ConfigMap.Items)
		case src.PersistentVolumeClaim != nil:
			x.field(2, "Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)")
			x.fieldSafe(2, "ClaimName", Safe(src.PersistentVolumeClaim.ClaimName)+x.missing("persistentvolumeclaims", src.PersistentVolumeClaim.ClaimName))
			x.field(2, "ReadOnly", fmt.Sprint(src.PersistentVolumeClaim.ReadOnly))
		case src.Projected != nil:
			x.field(2, "Type", "Projected (a volume that contains injected data from multiple sources)")
			for _, p := range src.Projected.Sources {
				switch {
				case p.Secret != nil:
					x.fieldSafe(2, "SecretName", Safe(p.Secret.Name)+x.missing("secrets", p.Secret.Name))
					x.field(2, "Optional", fmt.Sprint(optional(p.Secret.Optional)))
				case p.ConfigMap != nil:
					x.fieldSafe(2, "ConfigMapName", Safe(p.ConfigMap.Name)+x.missing("configmaps", p.ConfigMap.Name))
					x.field(2, "Optional", fmt.Sprint(optional(p.ConfigMap.Optional)))
				case p.DownwardAPI != nil:
					x.field(2, "DownwardAPI", "true")
				case p.ServiceAccountToken != nil:
					secs := int64(3600)
					if p.ServiceAccountToken.ExpirationSeconds != nil {
						secs = *p.ServiceAccountToken.ExpirationSeconds
					}
					x.field(2, "TokenExpirationSeconds", fmt.Sprint(secs))
				case p.ClusterTrustBundle != nil:
					x.field(2, "ClusterTrustBundle", p.ClusterTrustBundle.Path)
				}
			}
		case src.DownwardAPI != nil:
			x.field(2, "Type", "DownwardAPI (a volume populated by information about the pod)")
			x.line(2, "Items:")
			for _, item := range src.DownwardAPI.Items {
				switch {
				case item.FieldRef != nil:
					x.line(3, item.FieldRef.FieldPath+" -> "+item.Path)
				case item.ResourceFieldRef != nil:
					x.line(3, item.ResourceFieldRef.Resource+" -> "+item.Path)
				}
			}
		case src.NFS != nil:
			x.field(2, "Type", "NFS (an NFS mount that lasts the lifetime of a pod)")
			x.field(2, "Server", src.NFS.Server)
			x.field(2, "Path", src.NFS.Path)
			x.field(2, "ReadOnly", fmt.Sprint(src.NFS.ReadOnly))
		case src.CSI != nil:
			x.field(2, "Type", "CSI (a Container Storage Interface (CSI) volume source)")
			x.field(2, "Driver", src.CSI.Driver)
			if src.CSI.FSType != nil {
				x.field(2, "FSType", *src.CSI.FSType)
			}
			x.field(2, "ReadOnly", fmt.Sprint(optional(src.CSI.ReadOnly)))
			x.list(2, "VolumeAttributes", labelList(src.CSI.VolumeAttributes))
		case src.Ephemeral != nil:
			x.field(2, "Type", "EphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)")
			if t := src.Ephemeral.VolumeClaimTemplate; t != nil && t.Spec.StorageClassName != nil {
				x.field(2, "StorageClass", *t.Spec.StorageClassName)
			}
		case src.Image != nil:
			x.field(2, "Type", "Image (a container image or OCI artifact)")
			x.field(2, "Reference", src.Image.Reference)
			x.field(2, "PullPolicy", string(src.Image.PullPolicy))
		default:
			x.field(2, "Type", volumeType(src))
		}
	}
}

// items writes which keys of a ConfigMap or Secret a volume projects, and
// to which paths.
func (x *describer) items(items []corev1.KeyToPath) {
	for i, item := range items {
		name := "Items"
		if i > 0 {
			fmt.Fprintf(x.w, "%s\t%s\n", indent(2), Safe(item.Key+" -> "+item.Path))
			continue
		}
		x.field(2, name, item.Key+" -> "+item.Path)
	}
}

// volumeType names the source of a volume kubectl's layout above does not
// cover by its VolumeSource field (AWSElasticBlockStore, RBD, ...).
func volumeType(src corev1.VolumeSource) string {
	v := reflect.ValueOf(src)
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			return v.Type().Field(i).Name
		}
	}
	return "<unknown>"
}

// podQOS is the pod's QoS class when its status has none, as
// k8s.io/kubernetes pkg/apis/core/v1/helper/qos reckons it for cpu and
// memory: Guaranteed when every container's requests equal its limits,
// BestEffort when none has any, else Burstable.
func podQOS(p *corev1.Pod) corev1.PodQOSClass {
	some, guaranteed := false, true
	for _, c := range append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			if hasReq && !req.IsZero() || hasLim && !lim.IsZero() {
				some = true
			}
			if !hasLim || hasReq && req.Cmp(lim) != 0 {
				guaranteed = false
			}
		}
	}
	switch {
	case !some:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// node writes a node as kubectl describe node does.
func (x *describer) node(n *corev1.Node) {
	var roles []string
	for k, v := range n.Labels {
		if role, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && role != "" {
			roles = append(roles, role)
		} else if k == "kubernetes.io/role" && v != "" {
			roles = append(roles, v)
		}
	}
	slices.Sort(roles)
	x.field(0, "Roles", orNone(strings.Join(slices.Compact(roles), ",")))
	x.labelsAndAnnotations()
	x.created()
	x.deletion()
	x.field(0, "Unschedulable", fmt.Sprint(n.Spec.Unschedulable))
	x.fieldSafe(0, "Kubelet lease", x.lease(x.d.NodeLease))
	if len(n.Spec.Taints) == 0 {
		x.fieldSafe(0, "Taints", "<none>")
	} else {
		x.title(0, "Taints:")
		x.taints()
	}
	if len(x.d.Conditions) > 0 {
		x.conditions()
	}
	x.title(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		x.field(1, string(a.Type), a.Address)
	}
	for _, l := range []struct {
		name string
		list corev1.ResourceList
	}{{"Capacity", n.Status.Capacity}, {"Allocatable", n.Status.Allocatable}} {
		if len(l.list) == 0 {
			continue
		}
		x.title(0, l.name+":")
		for _, name := range slices.Sorted(maps.Keys(l.list)) {
			q := l.list[name]
			x.field(1, string(name), q.String())
		}
	}
	info := n.Status.NodeInfo
	x.title(0, "System Info:")
	for _, f := range [][2]string{
		{"Machine ID", info.MachineID}, {"System UUID", info.SystemUUID}, {"Boot ID", info.BootID},
		{"Kernel Version", info.KernelVersion}, {"OS Image", info.OSImage}, {"Operating System", info.OperatingSystem},
		{"Architecture", info.Architecture}, {"Container Runtime Version", info.ContainerRuntimeVersion},
		{"Kubelet Version", info.KubeletVersion},
	} {
		x.field(1, f[0], f[1])
	}
	if n.Spec.PodCIDR != "" {
		x.field(0, "PodCIDR", n.Spec.PodCIDR)
	}
	if len(n.Spec.PodCIDRs) > 0 {
		x.field(0, "PodCIDRs", strings.Join(n.Spec.PodCIDRs, ","))
	}
	if n.Spec.ProviderID != "" {
		x.field(0, "ProviderID", n.Spec.ProviderID)
	}
	x.nodePods(n)
}

// nodePods writes the node's pods that have not terminated, with their
// requests and limits as shares of what the node can allocate, and the
// totals (kubectl's describeNodeResource). lifeboat adds each pod's
// status: in an outage, the Terminating ones matter.
func (x *describer) nodePods(n *corev1.Node) {
	pods := x.d.NodePods
	allocatable := n.Status.Capacity
	if len(n.Status.Allocatable) > 0 {
		allocatable = n.Status.Allocatable
	}
	share := func(q resource.Quantity, name corev1.ResourceName, milli bool) string {
		total := allocatable[name]
		if milli && total.MilliValue() != 0 {
			return fmt.Sprintf("%s (%d%%)", q.String(), int64(float64(q.MilliValue())/float64(total.MilliValue())*100))
		}
		if !milli && total.Value() != 0 {
			return fmt.Sprintf("%s (%d%%)", q.String(), int64(float64(q.Value())/float64(total.Value())*100))
		}
		return q.String() + " (0%)"
	}
	x.title(0, fmt.Sprintf("Non-terminated Pods: (%d in total)", len(pods)))
	var rows [][]string
	reqs, limits := corev1.ResourceList{}, corev1.ResourceList{}
	for _, p := range pods {
		req, limit := podRequests(p), podLimits(p)
		addTo(reqs, req)
		addTo(limits, limit)
		status := string(p.Status.Phase)
		if p.DeletionTimestamp != nil {
			status = "Terminating"
		}
		rows = append(rows, []string{p.Namespace, p.Name,
			share(req[corev1.ResourceCPU], corev1.ResourceCPU, true), share(limit[corev1.ResourceCPU], corev1.ResourceCPU, true),
			share(req[corev1.ResourceMemory], corev1.ResourceMemory, false), share(limit[corev1.ResourceMemory], corev1.ResourceMemory, false),
			Age(p.CreationTimestamp.Time, x.now), status})
	}
	x.table(1, []string{"Namespace", "Name", "CPU Requests", "CPU Limits", "Memory Requests", "Memory Limits", "Age", "Status"}, rows)
	x.title(0, "Allocated resources:")
	x.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)")
	rows = [][]string{
		{string(corev1.ResourceCPU), share(reqs[corev1.ResourceCPU], corev1.ResourceCPU, true), share(limits[corev1.ResourceCPU], corev1.ResourceCPU, true)},
		{string(corev1.ResourceMemory), share(reqs[corev1.ResourceMemory], corev1.ResourceMemory, false), share(limits[corev1.ResourceMemory], corev1.ResourceMemory, false)},
		{string(corev1.ResourceEphemeralStorage), share(reqs[corev1.ResourceEphemeralStorage], corev1.ResourceEphemeralStorage, false),
			share(limits[corev1.ResourceEphemeralStorage], corev1.ResourceEphemeralStorage, false)},
	}
	for _, name := range slices.Sorted(maps.Keys(allocatable)) {
		switch name {
		case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourcePods, corev1.ResourceStorage:
			continue
		}
		if strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			rows = append(rows, []string{string(name), share(reqs[name], name, false), share(limits[name], name, false)})
			continue
		}
		r, l := reqs[name], limits[name]
		rows = append(rows, []string{string(name), r.String(), l.String()})
	}
	x.table(1, []string{"Resource", "Requests", "Limits"}, rows)
}

func addTo(sum, list corev1.ResourceList) {
	for name, q := range list {
		total := sum[name]
		total.Add(q)
		sum[name] = total
	}
}

// podRequests and podLimits are what a pod asks of its node, as
// k8s.io/component-helpers resource.PodRequests reckons it: its pod-level
// resources when set; else its containers' summed with its sidecars
// (restartable init containers), or the largest init container's with the
// sidecars started before it when that is more; plus its overhead.
func podRequests(p *corev1.Pod) corev1.ResourceList {
	return podResources(p, func(r corev1.ResourceRequirements) corev1.ResourceList { return r.Requests })
}

func podLimits(p *corev1.Pod) corev1.ResourceList {
	return podResources(p, func(r corev1.ResourceRequirements) corev1.ResourceList { return r.Limits })
}

func podResources(p *corev1.Pod, of func(corev1.ResourceRequirements) corev1.ResourceList) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for _, c := range p.Spec.Containers {
		addTo(sum, of(c.Resources))
	}
	sidecars, initMax := corev1.ResourceList{}, corev1.ResourceList{}
	for _, c := range p.Spec.InitContainers {
		own := of(c.Resources)
		step := corev1.ResourceList{}
		addTo(step, sidecars)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			addTo(sum, own)
			addTo(sidecars, own)
			step = corev1.ResourceList{}
			addTo(step, sidecars)
		} else {
			addTo(step, own)
		}
		for name, q := range step {
			if cur, ok := initMax[name]; !ok || q.Cmp(cur) > 0 {
				initMax[name] = q
			}
		}
	}
	for name, q := range initMax {
		if cur, ok := sum[name]; !ok || q.Cmp(cur) > 0 {
			sum[name] = q
		}
	}
	if p.Spec.Resources != nil {
		for name, q := range of(*p.Spec.Resources) {
			if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
				sum[name] = q
			}
		}
	}
	addTo(sum, p.Spec.Overhead)
	return sum
}

// secret writes a Secret as kubectl does: its type and the size of each
// key's value, never the value.
func (x *describer) secret(s *corev1.Secret) {
	x.title(0, "")
	x.field(0, "Type", string(s.Type))
	x.title(0, "")
	x.title(0, "Data")
	x.title(0, "====")
	for _, k := range slices.Sorted(maps.Keys(s.Data)) {
		x.field(0, k, fmt.Sprintf("%d bytes", len(s.Data[k])))
	}
	for _, k := range slices.Sorted(maps.Keys(s.StringData)) {
		x.field(0, k, fmt.Sprintf("%d bytes (stringData)", len(s.StringData[k])))
	}
}

// configMap writes a ConfigMap's data as kubectl does: each key, then its
// value; binary data by size.
func (x *describer) configMap(c *corev1.ConfigMap) {
	x.title(0, "")
	x.title(0, "Data")
	x.title(0, "====")
	for _, k := range slices.Sorted(maps.Keys(c.Data)) {
		x.line(0, k+":")
		x.line(0, "----")
		for _, l := range strings.Split(strings.TrimSuffix(c.Data[k], "\n"), "\n") {
			x.line(0, l)
		}
		x.line(0, "")
	}
	if len(c.Data) == 0 {
		x.title(0, "")
	}
	x.title(0, "BinaryData")
	x.title(0, "====")
	for _, k := range slices.Sorted(maps.Keys(c.BinaryData)) {
		x.field(0, k, fmt.Sprintf("%d bytes", len(c.BinaryData[k])))
	}
	x.title(0, "")
}

// webhooks writes a webhook configuration's webhooks: what each one is
// called for, what it calls and whether that can answer, and what its
// failurePolicy does meanwhile.
func (x *describer) webhooks() {
	hooks := x.d.Webhooks
	if len(hooks) == 0 {
		x.title(0, "Webhooks: <none>")
		return
	}
	x.title(0, "Webhooks:")
	for _, h := range hooks {
		x.line(1, h.Name)
		policy := h.FailurePolicy
		if h.FailurePolicyDefaulted {
			policy += " (unset: its version's default)"
		}
		x.field(2, "Failure policy", policy)
		switch {
		case h.Service != nil:
			x.field(2, "Calls", "service "+serviceRef(h.Service))
			x.fieldSafe(2, "Service", x.serviceState(h))
		case h.URL != "":
			x.field(2, "Calls", "url "+h.URL)
		}
		var rules []string
		for _, r := range h.Rules {
			rules = append(rules, ruleString(r))
		}
		if len(rules) > 0 {
			x.list(2, "Rules", rules)
		}
		x.field(2, "Namespace selector", selectorString(h.NamespaceSelector))
		x.field(2, "Object selector", selectorString(h.ObjectSelector))
		x.field(2, "Timeout", fmt.Sprintf("%ds", h.TimeoutSeconds))
		if h.Blocks() {
			fmt.Fprintf(x.w, "%s%s ('lifeboat webhooks disable %s', or i on the TUI's table, sets Ignore)\n", indent(2),
				x.st.badBold("refuses every request it matches while its service is down"), Safe(x.d.Item.Name))
		}
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
func (x *describer) serviceState(h etcdops.Webhook) string {
	switch {
	case !h.ServiceFound:
		return x.st.bad("not in etcd")
	case h.ReadyEndpoints == 0:
		return "in etcd · " + x.st.bad("no ready endpoint in its EndpointSlices")
	case h.ReadyEndpoints == 1:
		return "in etcd · 1 ready endpoint in its EndpointSlices"
	}
	return fmt.Sprintf("in etcd · %d ready endpoints in its EndpointSlices", h.ReadyEndpoints)
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
