package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/render/printers"
	"github.com/lifeboat-k8s/lifeboat/render/printers/printerstest"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	apitesting "k8s.io/kubernetes/pkg/api/testing"
	upstreamprinters "k8s.io/kubernetes/pkg/printers"
	printersinternal "k8s.io/kubernetes/pkg/printers/internalversion"
	"k8s.io/kubernetes/test/integration/etcd"

	_ "k8s.io/kubernetes/pkg/apis/admissionregistration/install"
	_ "k8s.io/kubernetes/pkg/apis/apiserverinternal/install"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/certificates/install"
	_ "k8s.io/kubernetes/pkg/apis/coordination/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/discovery/install"
	_ "k8s.io/kubernetes/pkg/apis/events/install"
	_ "k8s.io/kubernetes/pkg/apis/flowcontrol/install"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	_ "k8s.io/kubernetes/pkg/apis/node/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	_ "k8s.io/kubernetes/pkg/apis/rbac/install"
	_ "k8s.io/kubernetes/pkg/apis/resource/install"
	_ "k8s.io/kubernetes/pkg/apis/scheduling/install"
	_ "k8s.io/kubernetes/pkg/apis/storage/install"
	_ "k8s.io/kubernetes/pkg/apis/storagemigration/install"
)

// The differential test of render/printers, lifeboat's port of
// kube-apiserver's table printers (k8s.io/kubernetes
// pkg/printers/internalversion) to k8s.io/api's versioned types. It starts
// no server: upstream's side is the printers themselves, fed what
// kube-apiserver feeds them, the object converted to its internal type by
// legacyscheme.

// fuzzedPerMode is how many fuzzed objects each kind and version gets from
// each of the two fuzzers (internalFuzz, versionedFuzz).
const fuzzedPerMode = 50

// reportedPerKind is how many differing inputs of one kind and version
// are shown in full; the others are counted.
const reportedPerKind = 3

// TestPrintersMatchUpstream prints every version of every kind upstream
// has a printer for, as kube-apiserver 1.36 serves it, with both upstream's
// printers and lifeboat's, and requires the same columns and the same cells
// (value and Go type). Inputs: k8s.io/api's serialization fixture of the
// version, objects fuzzed two ways, and printerstest's hand-made ones,
// whose expected cells are checked against upstream's too.
func TestPrintersMatchUpstream(t *testing.T) {
	generator := upstreamprinters.NewTableGenerator().With(printersinternal.AddHandlers)
	upstream := recordUpstreamHandlers(t)
	fixtures := apiFixturesDir(t)
	handmade := handmadeByKind(t)

	var total int
	for _, gvk := range servedKinds(t) {
		if _, printed := upstream[internalType(t, gvk)]; !printed {
			continue
		}
		t.Run(gvk.GroupVersion().String()+"/"+gvk.Kind, func(t *testing.T) {
			c := comparison{t: t, generator: generator, gvk: gvk}
			c.fixture(fixtures)
			c.fuzzed("internal", internalFuzz)
			c.fuzzed("versioned", versionedFuzz)
			for _, name := range handmade[gvk] {
				c.handmade(name)
			}
			delete(handmade, gvk)
			if c.failures > reportedPerKind {
				t.Errorf("and %d more inputs differ", c.failures-reportedPerKind)
			}
			total += c.inputs
			t.Logf("%d inputs compared, %d fuzzed objects kube-apiserver could not convert skipped", c.inputs, c.skipped)
		})
	}
	for gvk, names := range handmade {
		t.Errorf("hand-made cases %q are %v, not a printed kind kube-apiserver serves", names, gvk)
	}
	t.Logf("%d inputs compared", total)
}

// TestPrintersRegisterEveryUpstreamKind walks upstream's registration
// (AddHandlers with a recording PrintHandler) and requires, for every kind
// and version kube-apiserver serves, the port to give the same column
// definitions and to print its objects when upstream has a printer for it,
// and neither when upstream has none (kube-apiserver then uses its default
// table convertor, which DefaultColumns and DefaultCells must match).
func TestPrintersRegisterEveryUpstreamKind(t *testing.T) {
	upstream := recordUpstreamHandlers(t)
	reached := map[reflect.Type]bool{}
	var printed, unprinted int
	for _, gvk := range servedKinds(t) {
		versioned, err := legacyscheme.Scheme.New(gvk)
		if err != nil {
			t.Fatalf("new %v: %v", gvk, err)
		}
		columns, hasColumns := printers.Columns(gvk.GroupKind())
		_, hasPrinter, err := printers.Cells(versioned, time.Now())
		internal := internalType(t, gvk)
		want, upstreamPrints := upstream[internal]
		switch {
		case upstreamPrints:
			printed++
			reached[internal] = true
			if !hasColumns || !hasPrinter {
				t.Errorf("%v: upstream prints %v; the port has columns %t, a printer for %T %t", gvk, internal, hasColumns, versioned, hasPrinter)
				continue
			}
			if !reflect.DeepEqual(columns, want) {
				t.Errorf("%v columns:\nupstream %s\nport     %s", gvk, columnsString(want), columnsString(columns))
			}
		default:
			unprinted++
			if hasColumns || hasPrinter {
				t.Errorf("%v: upstream has no printer for %v; the port has columns %t, a printer for %T %t", gvk, internal, hasColumns, versioned, hasPrinter)
			}
			compareDefault(t, gvk, versioned)
		}
		if err != nil {
			t.Errorf("%v: printing the empty %T: %v", gvk, versioned, err)
		}
	}
	for typ := range upstream {
		if !reached[typ] {
			t.Errorf("upstream prints %v, which no kind kube-apiserver serves converts to", typ)
		}
	}
	t.Logf("%d served kinds and versions printed by upstream's printers, %d by the default table convertor", printed, unprinted)
}

// compareDefault requires DefaultColumns and DefaultCells to be what
// k8s.io/apiserver's default table convertor gives for obj's kind.
func compareDefault(t *testing.T, gvk schema.GroupVersionKind, obj runtime.Object) {
	t.Helper()
	accessor, err := meta.Accessor(obj)
	if err != nil {
		t.Errorf("%v has no object metadata: %v", gvk, err)
		return
	}
	accessor.SetName("default-" + strings.ToLower(gvk.Kind))
	accessor.SetCreationTimestamp(metav1.NewTime(time.Date(2024, 2, 29, 23, 59, 58, 0, time.FixedZone("CET", 3600))))
	table, err := rest.NewDefaultTableConvertor(schema.GroupResource{Group: gvk.Group}).ConvertToTable(context.Background(), obj, nil)
	if err != nil {
		t.Errorf("%v: default table convertor: %v", gvk, err)
		return
	}
	if got := printers.DefaultColumns(); !reflect.DeepEqual(got, table.ColumnDefinitions) {
		t.Errorf("%v default columns:\nupstream %s\nport     %s", gvk, columnsString(table.ColumnDefinitions), columnsString(got))
	}
	got, err := printers.DefaultCells(obj)
	if err != nil || len(table.Rows) != 1 || !reflect.DeepEqual(got, table.Rows[0].Cells) {
		t.Errorf("%v default cells:\nupstream %#v\nport     %#v (%v)", gvk, table.Rows, got, err)
	}
}

// comparison prints the inputs of one served kind and version both ways.
type comparison struct {
	t         *testing.T
	generator *upstreamprinters.HumanReadableGenerator
	gvk       schema.GroupVersionKind
	inputs    int
	skipped   int
	failures  int
	columns   bool // checked once, with the first input upstream prints
}

// report reports a difference, in full for the first reportedPerKind.
func (c *comparison) report(format string, args ...any) {
	c.t.Helper()
	c.failures++
	if c.failures <= reportedPerKind {
		c.t.Errorf(format, args...)
	}
}

// fixture compares k8s.io/api's serialization fixture of the version.
// Every served version has one; a missing one fails the test.
func (c *comparison) fixture(dir string) {
	group := c.gvk.Group
	if group == "" {
		group = "core"
	}
	name := fmt.Sprintf("%s.%s.%s.json", group, c.gvk.Version, c.gvk.Kind)
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		c.t.Errorf("fixture: %v", err)
		return
	}
	obj, gvk, err := legacyscheme.Codecs.UniversalDeserializer().Decode(data, nil, nil)
	if err != nil || *gvk != c.gvk {
		c.t.Errorf("fixture %s: decoded %v: %v", name, gvk, err)
		return
	}
	if !c.compare("fixture "+name, obj) {
		c.t.Errorf("fixture %s: kube-apiserver could not convert it", name)
	}
}

// fuzzed compares fuzzedPerMode objects from fuzz, seeded 1, 2, ... so that
// a failure names the seed that reproduces it. Objects kube-apiserver could
// not convert to the internal type (it could not have stored them) are
// skipped, and do not count.
func (c *comparison) fuzzed(mode string, fuzz func(gvk schema.GroupVersionKind, seed int64) (runtime.Object, error)) {
	compared := 0
	for seed := int64(1); compared < fuzzedPerMode; seed++ {
		if seed > 10*fuzzedPerMode {
			c.t.Errorf("%s fuzzing: only %d of %d objects were convertible", mode, compared, seed-1)
			return
		}
		obj, err := fuzz(c.gvk, seed)
		if err == nil && c.compare(fmt.Sprintf("%s fuzz, seed %d", mode, seed), obj) {
			compared++
		} else {
			c.skipped++
		}
	}
}

// handmade compares the printerstest case of that name, and requires
// upstream to print the cells the case expects. The case is made at the
// instant upstream prints it, as printerstest.Cases requires.
func (c *comparison) handmade(name string) {
	c.t.Helper()
	input := "hand-made " + name
	hc, ok := handmadeCase(time.Now(), name)
	if !ok {
		c.t.Fatalf("%s: no such case", input)
	}
	row, err := upstreamRow(c.generator, hc.Object, c.gvk)
	switch {
	case err != nil:
		c.t.Errorf("%s: upstream: %v", input, err)
		return
	case !reflect.DeepEqual(row, hc.Cells):
		c.t.Errorf("%s: the case expects other cells than upstream prints\nupstream %s\ncase     %s", input, cellsString(row), cellsString(hc.Cells))
	}
	c.compare(input, hc.Object)
}

// compare prints obj with upstream and with the port and reports every
// difference. It is false when kube-apiserver could not convert obj.
//
// Upstream reads time.Now() for every age it prints; the port takes now.
// So that ages cannot flake, the port prints obj at an instant taken just
// before upstream prints and at one taken just after, and each of
// upstream's cells must equal the port's cell at one of them: an age only
// changes at a whole second, at most once in the microseconds between.
func (c *comparison) compare(input string, obj runtime.Object) bool {
	c.t.Helper()
	before := time.Now()
	row, upstreamErr := upstreamRow(c.generator, obj, c.gvk)
	after := time.Now()
	if errors.Is(upstreamErr, errUnconvertible) {
		return false
	}
	c.inputs++
	c.compareColumns()

	early, ok, err := printers.Cells(obj, before)
	if !ok {
		c.t.Fatalf("%s: no printer for %T", input, obj)
	}
	late, _, lateErr := printers.Cells(obj, after)
	switch {
	case upstreamErr != nil && err != nil:
		return true
	case upstreamErr != nil || err != nil || lateErr != nil:
		c.report("%s: upstream error %v, port errors %v, %v\ninput %s", input, upstreamErr, err, lateErr, objectString(obj))
		return true
	}
	same := len(row) == len(early) && len(row) == len(late)
	for i := 0; same && i < len(row); i++ {
		same = cellEqual(row[i], early[i]) || cellEqual(row[i], late[i])
	}
	if !same {
		c.report("%s: cells differ\nupstream %s\nport     %s\ninput %s", input, cellsString(row), cellsString(early), objectString(obj))
	}
	return true
}

// compareColumns compares, once, the column definitions upstream's table
// has (every one: the table is wide) with the port's.
func (c *comparison) compareColumns() {
	if c.columns {
		return
	}
	c.columns = true
	internal, err := legacyscheme.Scheme.New(c.gvk.GroupKind().WithVersion(runtime.APIVersionInternal))
	if err != nil {
		c.t.Fatalf("new internal %v: %v", c.gvk, err)
	}
	table, err := c.generator.GenerateTable(internal, upstreamprinters.GenerateOptions{Wide: true})
	if err != nil {
		c.t.Fatalf("upstream table of the empty %T: %v", internal, err)
	}
	got, ok := printers.Columns(c.gvk.GroupKind())
	if !ok || !reflect.DeepEqual(got, table.ColumnDefinitions) {
		c.t.Errorf("columns differ\nupstream %s\nport     %s", columnsString(table.ColumnDefinitions), columnsString(got))
	}
}

// errUnconvertible is upstreamRow's error for an object kube-apiserver
// could not have stored.
var errUnconvertible = errors.New("kube-apiserver cannot convert it to its internal type")

// upstreamRow is what kube-apiserver's table convertor gives for the
// versioned obj of kind gvk: obj converted to its internal type, printed
// wide. A printer that panics gives an error, as it fails kube-apiserver's
// request.
func upstreamRow(generator *upstreamprinters.HumanReadableGenerator, obj runtime.Object, gvk schema.GroupVersionKind) (cells []any, err error) {
	// conversion may share memory with its input, and some conversions
	// write to it (a Secret's stringData): convert a copy
	internal, err := legacyscheme.Scheme.ConvertToVersion(obj.DeepCopyObject(), gvk.GroupKind().WithVersion(runtime.APIVersionInternal).GroupVersion())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnconvertible, err)
	}
	defer func() {
		if r := recover(); r != nil {
			cells, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	table, err := generator.GenerateTable(internal, upstreamprinters.GenerateOptions{Wide: true})
	if err != nil {
		return nil, err
	}
	if len(table.Rows) != 1 {
		return nil, fmt.Errorf("%d rows", len(table.Rows))
	}
	return table.Rows[0].Cells, nil
}

// internalFuzz fuzzes the internal object with k8s.io/kubernetes' fuzzer
// functions, which keep it to what kube-apiserver could hold, and converts
// it to the version, as the round-trip tests of k8s.io/kubernetes do.
func internalFuzz(gvk schema.GroupVersionKind, seed int64) (runtime.Object, error) {
	internal, err := legacyscheme.Scheme.New(gvk.GroupKind().WithVersion(runtime.APIVersionInternal))
	if err != nil {
		return nil, err
	}
	fuzzer.FuzzerFor(apitesting.FuzzerFuncs, rand.NewSource(seed), legacyscheme.Codecs).Fill(internal)
	return legacyscheme.Scheme.ConvertToVersion(internal, gvk.GroupVersion())
}

// versionedFuzz fuzzes the versioned object itself, with lists of up to
// three items: it reaches what only the version can say (an autoscaling/v1
// CPU target, a core/v1 podIP that differs from podIPs[0]) and what
// internalFuzz's one-item lists cannot (endpoints' "+ 2 more...").
func versionedFuzz(gvk schema.GroupVersionKind, seed int64) (runtime.Object, error) {
	obj, err := legacyscheme.Scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	fuzzer.FuzzerFor(apitesting.FuzzerFuncs, rand.NewSource(seed), legacyscheme.Codecs).NumElements(0, 3).Fill(obj)
	return obj, nil
}

// servedKinds are the kinds and versions kube-apiserver 1.36 serves from
// its own storage, emulating an older minor (--emulated-version) or not:
// the resources upstream's etcd storage test lists as served (it checks
// every one against a real kube-apiserver, test/integration/etcd), those
// of the groups legacyscheme has (the others are CRDs and
// kube-aggregator's), and the kinds with a printer that are served without
// being stored (ComponentStatus, the scale subresource's Scale, Status).
// Emulating 1.33 adds admissionregistration.k8s.io/v1beta1's
// ValidatingAdmissionPolicy and its binding, which 1.34 removed.
func servedKinds(t *testing.T) []schema.GroupVersionKind {
	t.Helper()
	served := etcd.GetEtcdStorageData()
	for _, version := range etcd.GetSupportedEmulatedVersions() {
		maps.Copy(served, etcd.GetEtcdStorageDataServedAt(version, true))
	}
	kinds := []schema.GroupVersionKind{
		{Version: "v1", Kind: "ComponentStatus"},
		{Group: "autoscaling", Version: "v1", Kind: "Scale"},
		metav1.Unversioned.WithKind("Status"),
	}
	for gvr := range served {
		if !legacyscheme.Scheme.IsGroupRegistered(gvr.Group) {
			continue
		}
		var found []string
		for kind := range legacyscheme.Scheme.KnownTypes(gvr.GroupVersion()) {
			gvk := gvr.GroupVersion().WithKind(kind)
			if plural, _ := meta.UnsafeGuessKindToResource(gvk); plural == gvr {
				found = append(found, kind)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%v is the resource of kinds %v in legacyscheme", gvr, found)
		}
		kinds = append(kinds, gvr.GroupVersion().WithKind(found[0]))
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].String() < kinds[j].String() })
	return kinds
}

// internalType is the type legacyscheme converts objects of gvk to, the
// type upstream's printers are registered for.
func internalType(t *testing.T, gvk schema.GroupVersionKind) reflect.Type {
	t.Helper()
	internal, err := legacyscheme.Scheme.New(gvk.GroupKind().WithVersion(runtime.APIVersionInternal))
	if err != nil {
		t.Fatalf("new internal %v: %v", gvk, err)
	}
	return reflect.TypeOf(internal)
}

// recordingHandler records what AddHandlers registers: the columns of
// each type it prints.
type recordingHandler map[reflect.Type][]metav1.TableColumnDefinition

func (r recordingHandler) TableHandler(columns []metav1.TableColumnDefinition, printFunc any) error {
	r[reflect.TypeOf(printFunc).In(0)] = columns
	return nil
}

// recordUpstreamHandlers are the types upstream prints one object of (not
// the lists) and their columns.
func recordUpstreamHandlers(t *testing.T) recordingHandler {
	t.Helper()
	handlers := recordingHandler{}
	printersinternal.AddHandlers(handlers)
	for typ := range handlers {
		if meta.IsListType(reflect.New(typ.Elem()).Interface().(runtime.Object)) {
			delete(handlers, typ)
		}
	}
	if len(handlers) == 0 {
		t.Fatal("AddHandlers registered nothing")
	}
	return handlers
}

// handmadeByKind are the names of printerstest's cases by kind and version.
func handmadeByKind(t *testing.T) map[schema.GroupVersionKind][]string {
	t.Helper()
	byKind := map[schema.GroupVersionKind][]string{}
	for _, c := range printerstest.Cases(time.Now()) {
		gvks, _, err := legacyscheme.Scheme.ObjectKinds(c.Object)
		if err != nil || len(gvks) != 1 {
			t.Fatalf("hand-made %s: kinds %v: %v", c.Name, gvks, err)
		}
		byKind[gvks[0]] = append(byKind[gvks[0]], c.Name)
	}
	return byKind
}

// handmadeCase is the printerstest case of that name, made at now.
func handmadeCase(now time.Time, name string) (printerstest.Case, bool) {
	for _, c := range printerstest.Cases(now) {
		if c.Name == name {
			return c, true
		}
	}
	return printerstest.Case{}, false
}

// apiFixturesDir is the directory of k8s.io/api's serialization fixtures
// of the version this module builds with.
func apiFixturesDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-mod=mod", "-m", "-f", "{{.Dir}}", "k8s.io/api").Output()
	if err != nil {
		t.Fatalf("go list -m k8s.io/api: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata", "HEAD")
}

// cellEqual is whether two cells have the same Go type and value.
func cellEqual(a, b any) bool {
	return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.DeepEqual(a, b)
}

func cellsString(cells []any) string {
	parts := make([]string, len(cells))
	for i, cell := range cells {
		parts[i] = fmt.Sprintf("%T(%q)", cell, fmt.Sprint(cell))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func columnsString(columns []metav1.TableColumnDefinition) string {
	parts := make([]string, len(columns))
	for i, c := range columns {
		parts[i] = fmt.Sprintf("{%s %s %s %d %.20q}", c.Name, c.Type, c.Format, c.Priority, c.Description)
	}
	return strings.Join(parts, " ")
}

func objectString(obj runtime.Object) string {
	data, err := json.Marshal(obj)
	if err != nil {
		return fmt.Sprintf("%#v", obj)
	}
	return string(data)
}
