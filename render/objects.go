package render

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	"github.com/lifeboat-k8s/lifeboat/render/printers"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
)

// TableOptions choose the columns of a table of objects.
type TableOptions struct {
	// AllNamespaces puts a NAMESPACE column first, for namespaced resources.
	AllNamespaces bool
	// Wide adds the columns kubectl adds for -o wide, and lifeboat's own
	// after them: how each object is stored (FORMAT, SIZE, REVISION), and
	// a pod's finalizers, a node's taints, a lease's last renewal.
	Wide bool
	// Compact is the TUI's table: kubectl's columns and the outage's own
	// (when a pod's deletion was asked for, a node's taints, a lease's
	// last renewal), without finalizers and the storage facts.
	Compact bool
	// WithKind writes the NAME cell as kubectl does when a get shows
	// several resources: KIND/NAME (pod/web-1, deployment.apps/web).
	WithKind bool
	// LabelColumns add a column per label key, after every other but
	// LABELS: kubectl's -L, headed by the key's last path segment in
	// upper case (app.kubernetes.io/name: NAME).
	LabelColumns []string
	// ShowLabels adds LABELS, every label as key=value, last: kubectl's
	// --show-labels.
	ShowLabels bool
}

// shown says in which tables one of lifeboat's own columns is.
type shown uint8

const (
	inCompact shown = 1 << iota
	inDefault
	inWide
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

// extraColumn is one of lifeboat's columns, after kubectl's.
type extraColumn struct {
	name  string
	shown shown
	cell  func(it etcdops.Item, now time.Time) string
	// record: the cell reads only what etcd holds, not the object, so a
	// value that cannot be read has it too.
	record bool
}

// Outage columns next to kubectl's: since when a pod is terminating and
// what holds it, a node's taints, when a lease was last renewed.
var (
	podExtras = []extraColumn{
		{"TERMINATING-SINCE", inCompact | inDefault | inWide, terminatingSince, false},
		{"FINALIZERS", inWide, func(it etcdops.Item, _ time.Time) string {
			return orNone(strings.Join(it.Object.Meta.Finalizers, ","))
		}, false},
	}
	nodeExtras  = []extraColumn{{"TAINTS", inCompact | inWide, nodeTaints, false}}
	leaseExtras = []extraColumn{{"RENEWED", inCompact | inWide, leaseRenewed, false}}
	// storageExtras say how every object is stored: -o wide only.
	storageExtras = []extraColumn{
		{"FORMAT", inWide, func(it etcdops.Item, _ time.Time) string { return string(codec.DetectFormat(it.Raw())) }, true},
		{"SIZE", inWide, func(it etcdops.Item, _ time.Time) string { return strconv.Itoa(len(it.Raw())) }, true},
		{"REVISION", inWide, func(it etcdops.Item, _ time.Time) string { return strconv.FormatInt(it.ModRevision, 10) }, true},
	}
)

// Sheet is the table of one resource; its methods may be called from
// several goroutines at once: kube-apiserver's columns for its
// kind, the ones kubectl get prints (render/printers for built-in kinds;
// the CRD's additionalPrinterColumns, through apiextensions' own table
// convertor, for custom resources), then lifeboat's.
type Sheet struct {
	res  etcdops.Resource
	opts TableOptions
	// kube are kube-apiserver's columns, wide ones included; show the
	// indexes of those this table prints.
	kube []metav1.TableColumnDefinition
	show []int
	// custom converts a custom resource to its row; nil for built-ins. Its
	// JSONPaths keep state while they evaluate: one row at a time.
	custom   rest.TableConvertor
	customMu sync.Mutex
	// defaultTable: kube-apiserver serves the default table for the
	// resource (Name, Created At), whatever printer its kind has.
	defaultTable bool
	extra        []extraColumn
}

// NewSheet is the table of r that o asks for.
func NewSheet(r etcdops.Resource, o TableOptions) *Sheet {
	sh := &Sheet{res: r, opts: o}
	switch {
	case r.Custom:
		if conv, err := tableconvertor.New(r.PrinterColumns); err == nil {
			sh.custom = conv
			sh.kube = customColumns(r.PrinterColumns)
		} else {
			sh.kube = printers.DefaultColumns()
		}
	default:
		cols, ok := printers.Columns(schema.GroupKind{Group: r.Group, Kind: r.Kind})
		if !ok || printers.ServesDefaultTable(schema.GroupResource{Group: r.Group, Resource: r.Name}) {
			cols, sh.defaultTable = printers.DefaultColumns(), true
		}
		sh.kube = cols
	}
	for i, c := range sh.kube {
		if c.Priority == 0 || o.Wide {
			sh.show = append(sh.show, i)
		}
	}
	var extra []extraColumn
	switch {
	case r.Custom:
	case r.Name == "pods" && r.Group == "":
		extra = podExtras
	case r.Name == "nodes" && r.Group == "":
		extra = nodeExtras
	case r.Name == "leases" && r.Group == "coordination.k8s.io":
		extra = leaseExtras
	}
	for _, e := range append(extra, storageExtras...) {
		if e.shown&o.table() != 0 {
			sh.extra = append(sh.extra, e)
		}
	}
	return sh
}

// customColumns are the columns of a custom resource without an object:
// Name, then the CRD's.
func customColumns(crd []apiextensionsv1.CustomResourceColumnDefinition) []metav1.TableColumnDefinition {
	cols := []metav1.TableColumnDefinition{{Name: "Name", Type: "string", Format: "name"}}
	for _, c := range crd {
		cols = append(cols, metav1.TableColumnDefinition{Name: c.Name, Type: c.Type, Format: c.Format, Priority: c.Priority})
	}
	return cols
}

// Columns are the headings, kubectl's in upper case as kubectl prints them,
// NAMESPACE first when rows span namespaces.
func (sh *Sheet) Columns() []string {
	var cols []string
	if sh.res.Namespaced && sh.opts.AllNamespaces {
		cols = append(cols, "NAMESPACE")
	}
	for _, i := range sh.show {
		cols = append(cols, strings.ToUpper(sh.kube[i].Name))
	}
	for _, e := range sh.extra {
		cols = append(cols, e.name)
	}
	for _, key := range sh.opts.LabelColumns {
		cols = append(cols, labelHeading(key))
	}
	if sh.opts.ShowLabels {
		cols = append(cols, "LABELS")
	}
	return cols
}

// labelHeading is kubectl's heading of a -L column: the key's last path
// segment in upper case.
func labelHeading(key string) string {
	return strings.ToUpper(key[strings.LastIndexByte(key, '/')+1:])
}

// Row is one item under Columns, its ages as seen at now. A value that
// cannot be read still gets a row, which says why where kubectl's second
// column is: exactly what the operator needs to see.
func (sh *Sheet) Row(it etcdops.Item, now time.Time) []string {
	row := sh.row(it, now)
	if sh.opts.WithKind {
		at := sh.nameColumn()
		row[at] = ObjectKind(it) + "/" + row[at]
	}
	return append(row, sh.labelCells(it)...)
}

// nameColumn is where a row's NAME cell is: kube-apiserver's column of
// format "name" (the first one, as kubectl finds it), after NAMESPACE.
func (sh *Sheet) nameColumn() int {
	at := 0
	for n, i := range sh.show {
		if sh.kube[i].Format == "name" {
			at = n
			break
		}
	}
	if sh.res.Namespaced && sh.opts.AllNamespaces {
		at++
	}
	return at
}

// labelCells are the cells of -L and --show-labels: a label's value (""
// when the object has no such label), every label for LABELS ("<none>"
// when it has none). What cannot be read has no labels to show.
func (sh *Sheet) labelCells(it etcdops.Item) []string {
	if len(sh.opts.LabelColumns) == 0 && !sh.opts.ShowLabels {
		return nil
	}
	var set map[string]string
	known := ItemProblem(it) == ""
	if known {
		set = it.Object.Meta.Labels
	}
	var cells []string
	for _, key := range sh.opts.LabelColumns {
		cells = append(cells, set[key])
	}
	if sh.opts.ShowLabels {
		all := ""
		if known {
			all = labels.FormatLabels(set)
		}
		cells = append(cells, all)
	}
	return cells
}

func (sh *Sheet) row(it etcdops.Item, now time.Time) []string {
	row := make([]string, 0, len(sh.show)+len(sh.extra)+len(sh.opts.LabelColumns)+2)
	if sh.res.Namespaced && sh.opts.AllNamespaces {
		row = append(row, it.Namespace)
	}
	if problem := ItemProblem(it); problem != "" {
		at := sh.problemColumn()
		for n := range sh.show {
			switch n {
			case 0:
				row = append(row, it.Name)
			case at:
				row = append(row, problem)
			default:
				row = append(row, "")
			}
		}
		if len(sh.show) == 1 {
			row = append(row[:len(row)-1], it.Name+" "+problem)
		}
		for _, e := range sh.extra {
			if e.record {
				row = append(row, e.cell(it, now))
			} else {
				row = append(row, "")
			}
		}
		return row
	}
	cells, err := sh.cells(it, now)
	for n, i := range sh.show {
		switch {
		case err != nil && n == 0:
			row = append(row, it.Name)
		case err != nil && n == 1:
			row = append(row, "<"+textutil.OneLine(err.Error())+">")
		case i < len(cells):
			row = append(row, Cell(cells[i]))
		default:
			row = append(row, "")
		}
	}
	for _, e := range sh.extra {
		row = append(row, e.cell(it, now))
	}
	return row
}

// Less orders two items as kube-apiserver's list printer orders the rows
// of the resource; nil when it keeps the list's order (every resource but
// FlowSchemas).
func (sh *Sheet) Less() func(a, b etcdops.Item) bool {
	if sh.custom != nil || sh.defaultTable {
		return nil
	}
	less := printers.Less(schema.GroupKind{Group: sh.res.Group, Kind: sh.res.Kind})
	if less == nil {
		return nil
	}
	return func(a, b etcdops.Item) bool {
		ta, tb := typedOf(a), typedOf(b)
		if ta == nil || tb == nil {
			return ta != nil // what cannot be read goes last
		}
		return less(ta, tb)
	}
}

func typedOf(it etcdops.Item) runtime.Object {
	if it.Object == nil || ItemProblem(it) != "" {
		return nil
	}
	return it.Object.AsTyped()
}

// problemColumn is where a row says why its value cannot be read: the
// STATUS column, where kubectl's readers look first, else the second.
func (sh *Sheet) problemColumn() int {
	for n, i := range sh.show {
		if strings.EqualFold(sh.kube[i].Name, "Status") {
			return n
		}
	}
	return 1
}

// cells are kube-apiserver's cells of the item's object, every column.
func (sh *Sheet) cells(it etcdops.Item, now time.Time) ([]any, error) {
	if sh.custom != nil {
		content, err := it.Object.Content()
		if err != nil {
			return nil, err
		}
		sh.customMu.Lock()
		table, err := sh.custom.ConvertToTable(context.Background(), &unstructured.Unstructured{Object: content}, nil)
		sh.customMu.Unlock()
		if err != nil {
			return nil, err
		}
		if len(table.Rows) != 1 {
			return nil, fmt.Errorf("%d rows for one object", len(table.Rows))
		}
		return table.Rows[0].Cells, nil
	}
	typed := it.Object.AsTyped()
	if typed == nil {
		return nil, fmt.Errorf("%s %s: no Go type in lifeboat's Kubernetes %s", it.Object.APIVersion, it.Object.Kind, etcdops.KubernetesVersion())
	}
	if sh.defaultTable {
		return printers.DefaultCells(typed)
	}
	if cells, ok, err := printers.Cells(codec.ReadDefaults(typed), now); ok || err != nil {
		return cells, err
	}
	if _, ok := printers.Columns(schema.GroupKind{Group: sh.res.Group, Kind: sh.res.Kind}); ok {
		// A version kube-apiserver reads but no longer serves
		// (extensions/v1beta1): it converts before printing; lifeboat
		// cannot.
		return nil, fmt.Errorf("stored as %s, which kubectl's columns are not worked out for", it.Object.APIVersion)
	}
	return printers.DefaultCells(typed)
}

// Cell is a table cell as kubectl prints it (k8s.io/cli-runtime
// printers.printTable): nothing for nil, a string cut at its first line
// break with "...", anything else as fmt prints it; then escaped for a
// terminal (Safe).
func Cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if i := strings.IndexAny(v, "\f\n\r"); i >= 0 {
			return Safe(v[:i]) + "..."
		}
		return Safe(v)
	default:
		return Safe(fmt.Sprint(v))
	}
}

// Columns are the headings of a table of r (NewSheet(r, o).Columns()).
func Columns(r etcdops.Resource, o TableOptions) []string { return NewSheet(r, o).Columns() }

// Row is one item under Columns(r, o) (NewSheet(r, o).Row): a table of
// many rows makes its Sheet once.
func Row(r etcdops.Resource, it etcdops.Item, o TableOptions, now time.Time) []string {
	return NewSheet(r, o).Row(it, now)
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

func terminatingSince(it etcdops.Item, now time.Time) string {
	ts := it.Object.Meta.DeletionTimestamp
	if ts == nil {
		return "<none>"
	}
	return Ago(etcdops.DeletionRequested(ts.Time, it.Object.Meta.DeletionGracePeriodSeconds), now)
}

func nodeTaints(it etcdops.Item, _ time.Time) string {
	node, ok := it.Object.AsTyped().(*corev1.Node)
	if !ok {
		return ""
	}
	taints := make([]string, len(node.Spec.Taints))
	for i := range node.Spec.Taints {
		taints[i] = node.Spec.Taints[i].ToString()
	}
	return orNone(strings.Join(taints, ","))
}

func leaseRenewed(it etcdops.Item, now time.Time) string {
	st, err := etcdops.LeaseStatusOf(it)
	if err != nil {
		return ""
	}
	return Ago(st.RenewTime, now)
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
	return ObjectKind(it) + "/" + it.Name
}

// ObjectKind is the kind part of ObjectName: the kind in lower case, then
// its group (pod, deployment.apps), as kubectl prints a resource's kind.
func ObjectKind(it etcdops.Item) string {
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
	return kind
}
