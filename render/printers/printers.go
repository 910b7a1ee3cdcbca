package printers

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Columns are the column definitions kube-apiserver's table convertor gives
// for objects of gk (metav1.TableColumnDefinition, Priority 1 = -o wide only),
// and false when upstream has no printer for that kind (the apiserver then uses
// its default table convertor: see DefaultColumns).
func Columns(gk schema.GroupKind) ([]metav1.TableColumnDefinition, bool) {
	columns, ok := registry().columns[gk]
	return slices.Clone(columns), ok
}

// Cells is the row upstream's printer gives for obj (a pointer to a k8s.io/api
// versioned type), every column included (wide ones too), cells of the same Go
// types upstream puts in TableRow.Cells (string, int64, int32, ...), ages
// computed against now instead of time.Now(). ok is false when no printer exists
// for obj's type.
//
// A printer that fails, or panics on an object upstream's would panic on
// too (a metric of type External without its external source, say), gives
// an error: kube-apiserver fails that request, and one bad object read from
// etcd must not stop lifeboat.
func Cells(obj runtime.Object, now time.Time) (cells []any, ok bool, err error) {
	printer, ok := registry().printers[reflect.TypeOf(obj)]
	if !ok {
		return nil, false, nil
	}
	defer func() {
		if r := recover(); r != nil {
			cells, err = nil, fmt.Errorf("print %T: panic: %v", obj, r)
		}
	}()
	cells, err = printer(obj, now)
	if err != nil {
		return nil, true, fmt.Errorf("print %T: %w", obj, err)
	}
	return cells, true, nil
}

// DefaultColumns are the columns of k8s.io/apiserver's default table
// convertor (rest.NewDefaultTableConvertor), which kube-apiserver uses for the
// kinds Columns has none for.
func DefaultColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// DefaultCells is the row of k8s.io/apiserver's default table convertor for
// obj: its name and its creationTimestamp in RFC 3339, in UTC.
func DefaultCells(obj runtime.Object) ([]any, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("default table row of %T: %w", obj, err)
	}
	return []any{m.GetName(), m.GetCreationTimestamp().Time.UTC().Format(time.RFC3339)}, nil
}

// printFunc prints one object of the type it was registered for.
type printFunc func(obj runtime.Object, now time.Time) ([]any, error)

// handlers is what AddHandlers registers: the columns of each kind and the
// printer of each versioned type. Built once, then only read.
type handlers struct {
	columns  map[schema.GroupKind][]metav1.TableColumnDefinition
	printers map[reflect.Type]printFunc
}

var registry = sync.OnceValue(func() *handlers {
	h := &handlers{
		columns:  map[schema.GroupKind][]metav1.TableColumnDefinition{},
		printers: map[reflect.Type]printFunc{},
	}
	addHandlers(h)
	addAggregatorHandlers(h)
	return h
})

// handle registers printer for the objects of type T, a k8s.io/api type of
// group, and columns for its kind. The kind is T's name, as k8s.io/api's
// schemes register it (runtime.Scheme.AddKnownTypes). Registering a type
// twice, or a kind with other columns, is a mistake in addHandlers.
func handle[T runtime.Object](h *handlers, group string, columns []metav1.TableColumnDefinition, printer func(T, time.Time) ([]any, error)) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Pointer {
		panic(fmt.Sprintf("printers: %v is not a pointer to an API type", t))
	}
	gk := schema.GroupKind{Group: group, Kind: t.Elem().Name()}
	if _, ok := h.printers[t]; ok {
		panic(fmt.Sprintf("printers: %v registered twice", t))
	}
	if registered, ok := h.columns[gk]; ok && !reflect.DeepEqual(registered, columns) {
		panic(fmt.Sprintf("printers: %v registered with two sets of columns", gk))
	}
	h.columns[gk] = columns
	h.printers[t] = func(obj runtime.Object, now time.Time) ([]any, error) {
		return printer(obj.(T), now)
	}
}

// ServesDefaultTable reports whether kube-apiserver serves the default
// table (DefaultColumns) for gr: its REST storage's choice, whatever
// printer exists for the kind (CSIStorageCapacities have one and are
// served the default table).
func ServesDefaultTable(gr schema.GroupResource) bool { return defaultTables[gr] }
