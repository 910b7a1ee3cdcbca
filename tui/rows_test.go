package tui

import (
	"context"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unique"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/render"
	"k8s.io/apimachinery/pkg/labels"
)

// scalePods is the size of the scale tests: enough rows for costs to show,
// few enough to seed in a second.
const scalePods, scaleTerminating = 3000, 300

// scaleStore is an embedded etcd with scalePods realistic pods, the same
// objects as the 150,000 of the benchmark.
func scaleStore(t *testing.T) *etcdops.Store {
	t.Helper()
	_, cli := etcdtest.Start(t)
	if err := demo.Pods(context.Background(), cli, "/registry", scalePods, scaleTerminating, testNow); err != nil {
		t.Fatal(err)
	}
	return etcdops.NewStore(cli, "", false)
}

func podRows(t *testing.T, store *etcdops.Store) *etcdops.Informer[*row] {
	t.Helper()
	pods := etcdops.MustResolveResource("pods")
	inf := etcdops.NewInformer(store, pods, "", render.RowNeeds(pods), rowSummarizer(pods, func() time.Time { return testNow }))
	if _, err := inf.Resync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return inf
}

// A row holds no stored value and no decoded object, nothing that points
// at one: no byte slice, no codec or etcdops type but LeaseStatus, no
// interface but the error of a lease that does not read.
func TestRowKeepsNoObject(t *testing.T) {
	allowed := map[reflect.Type]bool{
		reflect.TypeFor[time.Time]():           true,
		reflect.TypeFor[etcdops.LeaseStatus](): true,
		reflect.TypeFor[error]():               true,
		// interned text (labelSet): a string, shared
		reflect.TypeFor[unique.Handle[string]](): true,
	}
	var check func(path string, typ reflect.Type)
	check = func(path string, typ reflect.Type) {
		if allowed[typ] {
			return
		}
		switch typ.Kind() {
		case reflect.Pointer:
			check(path, typ.Elem())
		case reflect.Struct:
			if pkg := typ.PkgPath(); pkg != "github.com/lifeboat-k8s/lifeboat/tui" {
				t.Errorf("%s is a %s: a row keeps only its own facts", path, typ)
				return
			}
			for i := range typ.NumField() {
				f := typ.Field(i)
				check(path+"."+f.Name, f.Type)
			}
		case reflect.Slice:
			if typ.Elem().Kind() == reflect.Uint8 {
				t.Errorf("%s is %s: a row keeps no value bytes", path, typ)
			}
			check(path+"[]", typ.Elem())
		case reflect.Interface, reflect.Map, reflect.Func, reflect.Chan:
			t.Errorf("%s is a %s: it could hold anything", path, typ)
		}
	}
	check("row", reflect.TypeFor[row]())
}

// The pods' rows take a fraction of the stored values: at 150,000 pods the
// values are ~750 MB and the decoded objects several GB.
func TestRowMemory(t *testing.T) {
	store := scaleStore(t)
	stored := 0
	if _, err := store.Scan(context.Background(), "/registry/pods/", func(rec etcdops.Record) error {
		stored += len(rec.Value)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The heap is the process's: memory the embedded etcd (or what an
	// earlier test left running) frees meanwhile can make it shrink. A
	// measure that shrank is taken again.
	var inf *etcdops.Informer[*row]
	grown := int64(0)
	for try := 0; try < 3 && grown <= 0; try++ {
		inf = nil // a shrunk measure's rows are not counted in the next
		before := heapInUse()
		inf = podRows(t, store)
		grown = int64(heapInUse()) - int64(before)
		runtime.KeepAlive(inf)
	}
	perRow := float64(grown) / float64(inf.Len())
	perValue := float64(stored) / float64(inf.Len())
	t.Logf("%.0f bytes a row, %.0f bytes a stored value", perRow, perValue)
	// The embedded etcd allocates in this process too: the bound leaves it
	// room, and still fails on any row that keeps its value.
	if inf.Len() != scalePods || grown <= 0 || perRow > 1536 || perRow > perValue/3 {
		t.Errorf("%d rows of %.0f bytes each for values of %.0f bytes: want at most 1.5 KiB and a third of the value", inf.Len(), perRow, perValue)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Filters at a few thousand rows select exactly the pods the decoded
// objects say, whatever was typed before (narrowing), and the table holds
// cells only for the rows around the cursor.
func TestFilterAtScale(t *testing.T) {
	store := scaleStore(t)
	inf := podRows(t, store)
	type pod struct {
		key, name   string
		labels      labels.Set
		terminating bool
	}
	var pods []pod
	if _, err := store.List(context.Background(), etcdops.Query{Resource: etcdops.MustResolveResource("pods"), AllNamespaces: true}, func(it etcdops.Item) error {
		pods = append(pods, pod{it.Key, it.Name, it.Object.Meta.Labels, it.Object.Meta.DeletionTimestamp != nil})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	l := newListState(newKeyMap())
	l.setView(listView{res: etcdops.MustResolveResource("pods")})
	l.resize(160, 30)
	l.load(inf.Items(), nil, inf.Revision())
	l.rebuild(testNow, 160)
	shown := func() []string {
		var out []string
		for _, i := range l.visible {
			out = append(out, l.items[i].key)
		}
		slices.Sort(out)
		return out
	}
	if got := len(shown()); got != scalePods {
		t.Fatalf("no filter shows %d of %d pods", got, scalePods)
	}
	for _, tc := range []struct {
		name        string
		typed       []string // filter texts in the order typed; the last one counts
		selector    string
		terminating bool
		want        func(pod) bool
	}{
		{name: "one pod by name", typed: []string{"c", "ch", "che"}, want: func(p pod) bool { return strings.Contains(p.name, "che") }},
		{name: "typed, then erased", typed: []string{"checkout-", "check"}, want: func(p pod) bool { return strings.Contains(p.name, "check") }},
		{name: "upper case", typed: []string{"CHECKOUT"}, want: func(p pod) bool { return strings.Contains(p.name, "checkout") }},
		{name: "namespace and name", typed: []string{"bench-3 checkout"}, want: func(p pod) bool {
			return strings.Contains(p.key, "/bench-3/checkout")
		}},
		{name: "regexp, typed through plain text and a bad regexp", typed: []string{"bench-", "bench-[", "bench-[12", "bench-[12]/"}, want: func(p pod) bool {
			return strings.Contains(p.key, "/bench-1/") || strings.Contains(p.key, "/bench-2/")
		}},
		{name: "inverse", typed: []string{"!", "!b", "!bench-[0-8]/"}, want: func(p pod) bool { return strings.Contains(p.key, "/bench-9/") }},
		{name: "fuzzy, typed", typed: []string{"-", "-f", "-f c", "-f ch", "-f chk"}, want: func(p pod) bool {
			return subsequence("chk", strings.ToLower(p.name))
		}},
		{name: "selector", selector: "app=checkout", want: func(p pod) bool { return p.labels["app"] == "checkout" }},
		{name: "set selector", selector: "app in (ledger,checkout),app.kubernetes.io/name", want: func(p pod) bool {
			return (p.labels["app"] == "ledger" || p.labels["app"] == "checkout") && p.labels["app.kubernetes.io/name"] != ""
		}},
		{name: "selector and terminating", selector: "app!=checkout", terminating: true, want: func(p pod) bool {
			return p.labels["app"] != "checkout" && p.terminating
		}},
		{name: "terminating, text", typed: []string{"bench-1"}, terminating: true, want: func(p pod) bool {
			return p.terminating && strings.Contains(p.key, "bench-1")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, p := range pods {
				if tc.want(p) {
					want = append(want, p.key)
				}
			}
			slices.Sort(want)
			sel, err := etcdops.ParseSelector(tc.selector)
			if err != nil {
				t.Fatal(err)
			}
			l.terminatingOnly = tc.terminating
			l.setFilter("", sel, tc.selector)
			l.rebuild(testNow, 160)
			for _, text := range tc.typed {
				l.setFilter(text, sel, tc.selector)
				l.rebuild(testNow, 160)
			}
			if got := shown(); !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("shows %d pods, want %d (first shown %v)", len(got), len(want), got[:min(3, len(got))])
			}
			if filled := filledRows(&l); filled > 2*(l.table.Height()+2) {
				t.Errorf("%d table rows hold cells, want only the window around the cursor", filled)
			}
		})
	}
	l.terminatingOnly = false
	l.setFilter("", nil, "")
	l.rebuild(testNow, 160)
	// The bottom row is rendered when the cursor gets there.
	l.table.GotoBottom()
	l.follow(testNow)
	last := l.items[l.visible[len(l.visible)-1]]
	if !strings.Contains(l.table.View(), last.name) || filledRows(&l) > 2*(l.table.Height()+2) {
		t.Errorf("at the bottom the table does not show %s, or holds %d rows", last.name, filledRows(&l))
	}
}

func filledRows(l *listState) int {
	n := 0
	for _, r := range l.tableRows {
		if r != nil {
			n++
		}
	}
	return n
}

// Aging cells are formatted when shown, from the stored times.
func TestAgingCellsFollowTheClock(t *testing.T) {
	store := scaleStore(t)
	inf := podRows(t, store)
	l := newListState(newKeyMap())
	l.setView(listView{res: etcdops.MustResolveResource("pods")})
	l.resize(160, 10)
	l.load(inf.Items(), nil, inf.Revision())
	l.terminatingOnly = true
	col := slices.Index(l.columns(), "TERMINATING-SINCE")
	for _, tc := range []struct {
		later time.Duration
		want  string
	}{
		{0, "30s ago"},
		{time.Minute, "90s ago"},
		{time.Hour, "60m ago"},
	} {
		l.rebuild(testNow.Add(tc.later), 160)
		got := l.tableRows[l.table.Cursor()][1+col]
		if got != tc.want {
			t.Errorf("%s later: TERMINATING-SINCE %q, want %q", tc.later, got, tc.want)
		}
	}
}

// TestSearchText: the text / matches is the row's cells and key, joined and
// lowercased as strings.ToLower does, non-ASCII included.
func TestSearchText(t *testing.T) {
	for _, r := range []*row{
		{key: "/registry/pods/shop/web-1", cells: []string{"shop", "Web-1", "Running", ""}},
		{key: "/registry/pods/x/ÉTÉ", cells: []string{"x", "ÉTÉ", "CrashLoopBackOff"}},
		{key: "/registry/k"},
	} {
		want := strings.ToLower(strings.Join(r.cells, " ") + " " + r.key)
		if got := string(r.searchText([]byte("junk")[:0])); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
