package render

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/kubefixtures"
)

// TestTablesAsKubeAPIServerServesThem: for an object of every resource a
// real kube-apiserver stores, the row lifeboat prints from the stored bytes
// is the Table the apiserver served kubectl for it: the same columns, the
// same cells (ages as of when it served them, within the second it took).
func TestTablesAsKubeAPIServerServesThem(t *testing.T) {
	gt, err := kubefixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	layout := etcdops.Layout{Prefix: "/registry"}
	compared := 0
	for _, o := range gt.Objects {
		if o.Custom {
			continue // their CRDs' columns: e2e compares them with kubectl live
		}
		t.Run(o.Resource+"."+o.Group+"/"+o.Version, func(t *testing.T) {
			res, err := etcdops.ResolveResource(o.Resource + "." + o.Group)
			if o.Group == "" {
				res, err = etcdops.ResolveResource(o.Resource)
			}
			if err != nil {
				t.Fatal(err)
			}
			info, _ := layout.Parse(o.Key)
			obj, err := etcdops.DecodeStored(info.Resource, o.Value)
			if err != nil {
				t.Fatal(err)
			}
			it := etcdops.Item{Record: etcdops.Record{Key: o.Key, Value: o.Value}, KeyInfo: etcdops.KeyInfo{Resource: res, Namespace: info.Namespace, Name: info.Name}, Object: obj}
			sheet := NewSheet(res, TableOptions{Wide: true})
			var want []string
			for _, c := range o.Table.ColumnDefinitions {
				want = append(want, strings.ToUpper(c.Name))
			}
			got := sheet.Columns()[:min(len(want), len(sheet.Columns()))]
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("columns\n got %q\nwant %q", got, want)
			}
			row := sheet.Row(it, o.ServedAt)
			for i, cell := range o.Table.Rows[0].Cells[:len(want)] {
				w, g := servedCell(cell), row[i]
				if w != g && !withinASecond(w, g) {
					t.Errorf("%s: %q, kube-apiserver served %q", want[i], g, w)
				}
			}
		})
		compared++
	}
	if compared < 60 {
		t.Errorf("compared %d objects, want every built-in resource's", compared)
	}
}

// servedCell is a cell of a Table decoded from JSON (numbers as float64)
// as kubectl prints it.
func servedCell(v any) string {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return Cell(v)
}

// withinASecond: two ages kubectl's HumanDuration printed a second apart
// (the apiserver printed just before ServedAt).
func withinASecond(a, b string) bool {
	da, errA := time.ParseDuration(a)
	db, errB := time.ParseDuration(b)
	if errA != nil || errB != nil {
		return false
	}
	d := da - db
	return d <= time.Second && d >= -time.Second
}
