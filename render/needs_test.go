package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/kubefixtures"
	"github.com/lifeboat-k8s/lifeboat/render/printers/printerstest"
)

// rowNeedsCases are stored pods and nodes of every sort: the printers'
// hand-made branches, what a real kube-apiserver stored, every field of
// k8s.io/api's fixtures in each release's encoding, and the demo's.
func rowNeedsCases(tb testing.TB) map[string][]byte {
	tb.Helper()
	values := map[string][]byte{}
	for _, c := range printerstest.Cases(now) {
		if kind := c.Object.GetObjectKind().GroupVersionKind().Kind; kind != "" && kind != "Pod" && kind != "Node" {
			continue
		}
		if v, err := codec.EncodeProtobuf(c.Object); err == nil {
			values["case "+c.Name] = v
		}
	}
	gt, err := kubefixtures.Load()
	if err != nil {
		tb.Fatal(err)
	}
	for _, o := range gt.Objects {
		if o.Group == "" && (o.Resource == "pods" || o.Resource == "nodes") {
			values["apiserver "+o.Key] = o.Value
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/api").Output()
	if err != nil {
		tb.Fatal(err)
	}
	for _, kind := range []string{"Pod", "Node"} {
		files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "testdata", "*", "core.v1."+kind+"*.pb"))
		files2, _ := filepath.Glob(filepath.Join("..", "codec", "testdata", "demo", "*"))
		for _, f := range append(files, files2...) {
			if b, err := os.ReadFile(f); err == nil {
				values[f] = b
			}
		}
	}
	return values
}

// TestRowNeeds: every row, in every table lifeboat prints, made from a pod
// or a node decoded with RowNeeds' mask is the row made from the whole
// object; and the mask is used (the objects decode Partial).
func TestRowNeeds(t *testing.T) {
	partial := 0
	for name, value := range rowNeedsCases(t) {
		for _, res := range []etcdops.Resource{etcdops.MustResolveResource("pods"), etcdops.MustResolveResource("nodes")} {
			full, masked, ok := rowsOf(res, value)
			if !ok {
				continue
			}
			partial++
			for i := range full {
				if !slices.Equal(full[i], masked[i]) {
					t.Errorf("%s as %s, table %d: masked row %q, whole %q", name, res, i, masked[i], full[i])
				}
			}
		}
	}
	if partial < 40 {
		t.Errorf("only %d pods and nodes decoded masked", partial)
	}
}

// rowsOf is value's row in each table of res, from the whole object and
// from the masked one; false when value is not an object of res that
// decodes masked.
func rowsOf(res etcdops.Resource, value []byte) (full, masked [][]string, ok bool) {
	whole, err := codec.Decode(value)
	if err != nil || !strings.EqualFold(whole.Kind, res.Kind) {
		return nil, nil, false
	}
	key := etcdops.Layout{}.Key(res, "ns", "obj")
	item := func(o *codec.Object) etcdops.Item {
		return etcdops.Item{Record: etcdops.Record{Key: key, Value: value, ModRevision: 42},
			KeyInfo: etcdops.KeyInfo{Resource: res, Namespace: "ns", Name: "obj"}, Object: o}
	}
	// Each table decodes with its own sheet's mask: one that shows no
	// labels does not decode them.
	for _, opts := range []TableOptions{{}, {Wide: true}, {Wide: true, ShowLabels: true}, {AllNamespaces: true, Compact: true}, {LabelColumns: []string{"app", "kubernetes.io/hostname"}}} {
		sheet := NewSheet(res, opts)
		part, err := codec.DecodeMasked(value, sheet.Needs())
		if err != nil || !part.Partial {
			return nil, nil, false
		}
		at := now.Add(time.Duration(len(full)) * time.Hour)
		full = append(full, sheet.Row(item(whole), at))
		masked = append(masked, sheet.Row(item(part), at))
	}
	return full, masked, true
}

// FuzzRowNeeds: on any bytes, a masked pod or node decodes where the whole
// one does, and its rows are the whole one's.
func FuzzRowNeeds(f *testing.F) {
	for _, v := range rowNeedsCases(f) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		for _, res := range []etcdops.Resource{etcdops.MustResolveResource("pods"), etcdops.MustResolveResource("nodes")} {
			_, ferr := etcdops.DecodeStored(res, value)
			_, merr := codec.DecodeMasked(value, RowNeeds(res))
			if _, derr := codec.Decode(value); (derr == nil) != (merr == nil) {
				t.Fatalf("Decode says %v, masked %v (stored: %v)", derr, merr, ferr)
			}
			full, masked, ok := rowsOf(res, value)
			if !ok {
				continue
			}
			for i := range full {
				if !slices.Equal(full[i], masked[i]) {
					t.Fatalf("%s, table %d: masked row %q, whole %q", res, i, masked[i], full[i])
				}
			}
		}
	})
}
