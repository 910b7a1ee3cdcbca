package render

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// TableOptions choose the columns of a table of objects.
type TableOptions struct {
	// AllNamespaces puts a NAMESPACE column first, for namespaced resources.
	AllNamespaces bool
	// Wide adds the columns kubectl adds for -o wide, and lifeboat's own
	// (finalizers) after them.
	Wide bool
	// Compact leaves out the kubectl columns that a screen shared with a
	// header and a status line has no room for (READY, RESTARTS, AGE,
	// ROLES, VERSION), and keeps what triage needs: the TUI's table.
	Compact bool
}

// shown says in which tables a column is.
type shown uint8

const (
	inCompact shown = 1 << iota
	inDefault
	inWide
	always = inCompact | inDefault | inWide
)

func (o TableOptions) table() shown {
	switch {
	case o.Wide:
		return inWide
	case o.Compact:
		return inCompact
	}
	return inDefault
}

// sheet is the table of one kind of resource: every column, and in which
// tables each shows.
type sheet struct {
	columns []string
	shown   []shown
	// problem is the column that says why an item cannot be shown.
	problem int
	cells   func(it etcdops.Item, now time.Time) []string
}

// The columns are kubectl's (k8s.io/kubernetes pkg/printers/internalversion
// printers.go: printPod, printNode, printLease), with what an SRE triaging
// an outage from etcd needs next to them: since when a pod is terminating
// and what holds it, a node's taints, when a lease was last renewed, how
// an object is stored.
var (
	podSheet = sheet{
		columns: []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES", "TERMINATING-SINCE", "FINALIZERS"},
		shown:   []shown{always, inDefault | inWide, always, inDefault | inWide, inDefault | inWide, inWide, always, inWide, inWide, always, inCompact | inWide},
		problem: 2,
		cells:   podCells,
	}
	nodeSheet = sheet{
		columns: []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME", "TAINTS"},
		shown:   []shown{always, always, inDefault | inWide, inDefault | inWide, inDefault | inWide, inWide, inWide, inWide, inWide, inWide, always},
		problem: 1,
		cells:   nodeCells,
	}
	leaseSheet = sheet{
		columns: []string{"NAME", "HOLDER", "AGE", "RENEWED"},
		shown:   []shown{always, always, inDefault | inWide, always},
		problem: 1,
		cells:   leaseCells,
	}
	objectSheet = sheet{
		columns: []string{"NAME", "KIND", "FORMAT", "SIZE", "REVISION", "AGE"},
		shown:   []shown{always, always, always, always, always, inDefault | inWide},
		problem: 1,
		cells:   objectCells,
	}
)

func sheetOf(r etcdops.Resource) *sheet {
	switch {
	case r.Custom:
		return &objectSheet
	case r.Name == "pods":
		return &podSheet
	case r.Name == "nodes":
		return &nodeSheet
	case r.Name == "leases":
		return &leaseSheet
	}
	return &objectSheet
}

// Columns are the headings of a table of r. NAMESPACE leads when rows span
// namespaces.
func Columns(r etcdops.Resource, o TableOptions) []string {
	var cols []string
	if r.Namespaced && o.AllNamespaces {
		cols = append(cols, "NAMESPACE")
	}
	return append(cols, sheetOf(r).pick(sheetOf(r).columns, o)...)
}

// Row is one item under Columns(r, o), its ages as seen at now.
func Row(r etcdops.Resource, it etcdops.Item, o TableOptions, now time.Time) []string {
	var row []string
	if r.Namespaced && o.AllNamespaces {
		row = append(row, it.Namespace)
	}
	sh := sheetOf(r)
	var cells []string
	if problem := ItemProblem(it); problem != "" {
		// A value lifeboat cannot read still gets a row: it is exactly what
		// the operator needs to see. The full reason goes to stderr.
		cells = make([]string, len(sh.columns))
		cells[0], cells[sh.problem] = it.Name, problem
		if sh == &objectSheet {
			cells[2], cells[3], cells[4] = string(codec.DetectFormat(it.Raw())), strconv.Itoa(len(it.Raw())), strconv.FormatInt(it.ModRevision, 10)
		}
	} else {
		cells = sh.cells(it, now)
	}
	return append(row, sh.pick(cells, o)...)
}

// pick keeps the cells of a full row that the table o asks for shows.
func (sh *sheet) pick(cells []string, o TableOptions) []string {
	table := o.table()
	out := make([]string, 0, len(cells))
	for i, c := range cells {
		if sh.shown[i]&table != 0 {
			out = append(out, c)
		}
	}
	return out
}

// ItemProblem is a short description of why an item cannot be shown or
// edited, "" when it decodes.
func ItemProblem(it etcdops.Item) string {
	switch {
	case it.DecodeErr != nil:
		return "<malformed>"
	case it.Encrypted():
		return "<encrypted: " + it.Object.Encryption.String() + ">"
	}
	return ""
}

func objectCells(it etcdops.Item, now time.Time) []string {
	obj := it.Object
	return []string{it.Name, obj.Kind, string(obj.Format), strconv.Itoa(len(it.Raw())), strconv.FormatInt(it.ModRevision, 10), Age(obj.Meta.CreationTimestamp.Time, now)}
}

func leaseCells(it etcdops.Item, now time.Time) []string {
	st, err := etcdops.LeaseStatusOf(it)
	if err != nil {
		return []string{it.Name, "<" + err.Error() + ">", Age(it.Object.Meta.CreationTimestamp.Time, now), ""}
	}
	return []string{it.Name, st.Holder, Age(it.Object.Meta.CreationTimestamp.Time, now), Ago(st.RenewTime, now)}
}

func nodeCells(it etcdops.Item, now time.Time) []string {
	node, ok := it.Object.AsTyped().(*corev1.Node)
	if !ok {
		return []string{it.Name, "<unknown>", "", Age(it.Object.Meta.CreationTimestamp.Time, now), "", "", "", "", "", "", ""}
	}
	info := node.Status.NodeInfo
	kernel := orUnknown(info.KernelVersion)
	if info.Architecture != "" {
		kernel += " (" + info.Architecture + ")"
	}
	taints := make([]string, len(node.Spec.Taints))
	for i := range node.Spec.Taints {
		taints[i] = node.Spec.Taints[i].ToString()
	}
	return []string{
		node.Name, NodeStatus(node), orNone(strings.Join(NodeRoles(node), ",")), Age(node.CreationTimestamp.Time, now), info.KubeletVersion,
		nodeAddress(node, corev1.NodeInternalIP), nodeAddress(node, corev1.NodeExternalIP), orUnknown(info.OSImage), kernel, orUnknown(info.ContainerRuntimeVersion),
		orNone(strings.Join(taints, ",")),
	}
}

// NodeStatus is kubectl's STATUS of a node: Ready, NotReady or Unknown
// from its Ready condition, then SchedulingDisabled when cordoned.
func NodeStatus(node *corev1.Node) string {
	status := "Unknown"
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			status = string(c.Type)
			if c.Status != corev1.ConditionTrue {
				status = "Not" + status
			}
		}
	}
	if node.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// NodeRoles are the roles kubectl reads from a node's labels, sorted:
// node-role.kubernetes.io/<role> and kubernetes.io/role=<role>.
func NodeRoles(node *corev1.Node) []string {
	seen := map[string]bool{}
	for k, v := range node.Labels {
		switch role, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); {
		case ok && role != "":
			seen[role] = true
		case k == "kubernetes.io/role" && v != "":
			seen[v] = true
		}
	}
	roles := make([]string, 0, len(seen))
	for r := range seen {
		roles = append(roles, r)
	}
	slices.Sort(roles)
	return roles
}

func nodeAddress(node *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range node.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}

// Age is kubectl's AGE: how long ago t was, in kubectl's short form
// (duration.HumanDuration); "<unknown>" when t is not set.
func Age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

// Ago is Age with " ago", for lifeboat's own time columns; "" when t is
// not set.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return duration.HumanDuration(now.Sub(t)) + " ago"
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

// ObjectName is kubectl's -o name of an item: "<kind>[.<group>]/<name>",
// the kind in lower case (pod/cart-0, deployment.apps/web,
// crontab.stable.example.com/nightly-backup).
func ObjectName(it etcdops.Item) string {
	kind := it.Resource.Kind
	if kind == "" && it.Object != nil && !it.Encrypted() {
		kind = it.Object.Kind
	}
	if kind == "" {
		kind = it.Resource.Singular
	}
	if kind == "" {
		kind = it.Resource.Name
	}
	kind = strings.ToLower(kind)
	if it.Resource.Group != "" {
		kind += "." + it.Resource.Group
	}
	return kind + "/" + it.Name
}
