package main

// get with more of kubectl's habits (issue #19): -o jsonpath, go-template
// and custom-columns; --no-headers, --show-labels, -L; several resources
// in one get (po,svc; pod/NAME node/NAME; all); managedFields hidden from
// -o yaml and -o json unless --show-managed-fields.

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/render"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// shopPods are the names of the demo's pods in shop, sorted.
func (c *cluster) shopPods() ([]string, map[string]*corev1.Pod) {
	c.t.Helper()
	byName := map[string]*corev1.Pod{}
	var names []string
	for k, p := range c.pods("/registry/pods/shop/") {
		byName[path.Base(k)] = p
		names = append(names, path.Base(k))
	}
	sort.Strings(names)
	return names, byName
}

var demoNodes = []string{"control-plane-1", "worker-1", "worker-2", "worker-3", "worker-4", "worker-5", "worker-6", "worker-7"}

// TestGetTemplates: -o jsonpath, jsonpath-file, jsonpath-as-json,
// go-template, go-template-file, custom-columns and custom-columns-file
// run on what -o json prints: a v1 List of the objects, or the one object
// named, as kubectl's printers are given them.
func TestGetTemplates(t *testing.T) {
	c := capsized(t)
	shop, pods := c.shopPods()
	first := shop[0]
	firstKey := "/registry/pods/shop/" + first
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	eachLine := func(want []string) func(t *testing.T, out string) {
		return func(t *testing.T, out string) {
			if got := lines(out); !slices.Equal(got, want) {
				t.Errorf("lines\n got %q\nwant %q", got, want)
			}
		}
	}
	exactly := func(want string) func(t *testing.T, out string) {
		return func(t *testing.T, out string) {
			if out != want {
				t.Errorf("output %q, want %q", out, want)
			}
		}
	}
	nodeOfEach := func(headers bool) func(t *testing.T, out string) {
		return func(t *testing.T, out string) {
			ls := lines(out)
			if headers {
				if h := strings.Fields(ls[0]); !slices.Equal(h, []string{"NAME", "NODE", "GONE"}) {
					t.Fatalf("heading %q", ls[0])
				}
				ls = ls[1:]
			}
			var got []string
			for _, l := range ls {
				got = append(got, strings.Join(strings.Fields(l), " "))
			}
			var want []string
			for _, n := range shop {
				want = append(want, n+" "+pods[n].Spec.NodeName+" <none>")
			}
			if !slices.Equal(got, want) {
				t.Errorf("rows\n got %q\nwant %q", got, want)
			}
		}
	}
	names := `{range .items[*]}{.metadata.name}{"\n"}{end}`
	goNames := `{{range .items}}{{.metadata.name}}{{"\n"}}{{end}}`
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, out string)
	}{
		{"jsonpath over the List", []string{"get", "nodes", "-o", "jsonpath=" + names}, eachLine(demoNodes)},
		{"jsonpath with = in -o", []string{"get", "nodes", "-o=jsonpath=" + names}, eachLine(demoNodes)},
		{"jsonpath on one named object", []string{"get", "node", "worker-3", "-o", "jsonpath={.metadata.name} {.spec.unschedulable}"}, exactly("worker-3 true")},
		{"jsonpath on one TYPE/NAME", []string{"get", "nodes/worker-3", "-o", "jsonpath={.kind}"}, exactly("Node")},
		{"jsonpath-file", []string{"get", "nodes", "-o", "jsonpath-file=" + file("names.jsonpath", names)}, eachLine(demoNodes)},
		{"--template with -o jsonpath", []string{"get", "nodes", "-o", "jsonpath", "--template", names}, eachLine(demoNodes)},
		{"jsonpath-as-json", []string{"get", "node", "worker-3", "-o", "jsonpath-as-json={.metadata.name}"}, exactly("[\n    \"worker-3\"\n]\n")},
		{"jsonpath sees -o json's resourceVersion and numbers", []string{"get", "pod", first, "-n", "shop", "-o",
			"jsonpath={.metadata.resourceVersion} {.status.containerStatuses[0].restartCount}"},
			exactly(strconv.FormatInt(c.get(firstKey).ModRevision, 10) + " " + strconv.Itoa(int(pods[first].Status.ContainerStatuses[0].RestartCount)))},
		{"jsonpath over several resources: one List", []string{"get", "svc,deploy", "-n", "shop", "-o", "jsonpath={.kind}:{.items[*].kind}"}, exactly("List:Service Deployment")},
		{"a missing field prints nothing", []string{"get", "node", "worker-1", "-o", "jsonpath={.spec.nosuch}"}, exactly("")},
		{"go-template over the List", []string{"get", "nodes", "-o", "go-template=" + goNames}, eachLine(demoNodes)},
		{"template, kubectl's other name", []string{"get", "nodes", "-o", "template=" + goNames}, eachLine(demoNodes)},
		{"--template alone is a Go template", []string{"get", "nodes", "--template", goNames}, eachLine(demoNodes)},
		{"go-template on one named object", []string{"get", "pod", first, "-n", "shop", "-o", "go-template={{.spec.nodeName}}"}, exactly(pods[first].Spec.NodeName)},
		{"go-template-file", []string{"get", "nodes", "-o", "go-template-file=" + file("names.tmpl", goNames)}, eachLine(demoNodes)},
		{"go-template's exists and base64decode", []string{"get", "secret", "payments-api-db", "-n", "payments", "--show-secrets", "-o",
			`go-template={{if exists . "data"}}{{range $k, $v := .data}}{{$k}}={{base64decode $v | len}} {{end}}{{end}}`}, nil},
		{"a Secret's data stays redacted without --show-secrets", []string{"get", "secret", "payments-api-db", "-n", "payments", "-o", "jsonpath={.data}"},
			func(t *testing.T, out string) {
				if !strings.Contains(out, "redacted") {
					t.Errorf("data not redacted: %s", out)
				}
			}},
		{"custom-columns", []string{"get", "pods", "-n", "shop", "-o", "custom-columns=NAME:.metadata.name,NODE:{.spec.nodeName},GONE:.spec.nosuch"}, nodeOfEach(true)},
		{"custom-columns --no-headers", []string{"get", "pods", "-n", "shop", "--no-headers", "-o", "custom-columns=NAME:metadata.name,NODE:.spec.nodeName,GONE:.spec.nosuch"}, nodeOfEach(false)},
		{"custom-columns-file", []string{"get", "pods", "-n", "shop", "-o", "custom-columns-file=" + file("cols.txt", "NAME   NODE  GONE\n.metadata.name  .spec.nodeName .spec.nosuch\n")}, nodeOfEach(true)},
		{"custom-columns joins several values", []string{"get", "pod", first, "-n", "shop", "--no-headers", "-o", "custom-columns=C:.spec.containers[*].name"},
			func(t *testing.T, out string) {
				var want []string
				for _, ct := range pods[first].Spec.Containers {
					want = append(want, ct.Name)
				}
				if got := strings.TrimSpace(out); got != strings.Join(want, ",") {
					t.Errorf("got %q, want %q", got, strings.Join(want, ","))
				}
			}},
		{"custom-columns over several resources: one heading", []string{"get", "svc,deploy", "-n", "shop", "-o", "custom-columns=KIND:.kind,NAME:.metadata.name"},
			eachLine([]string{"KIND         NAME", "Service      frontend", "Deployment   frontend"})},
		{"custom-columns heading with no objects", []string{"get", "pods", "-n", "kube-public", "-o", "custom-columns=NAME:.metadata.name"}, exactly("NAME\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.args...)
			wantCode(t, r, exitOK)
			if tt.check != nil {
				tt.check(t, r.out)
			} else if strings.TrimSpace(r.out) == "" {
				t.Errorf("printed nothing: %s", r)
			}
		})
	}
}

// TestGetBadTemplates: a template that does not parse, or fails on the
// objects, is one line naming it and how to write it, exit 2, with
// nothing on stdout; so is a -o kubectl does not have.
func TestGetBadTemplates(t *testing.T) {
	c := capsized(t)
	rev := c.revision()
	uneven := filepath.Join(t.TempDir(), "uneven.txt")
	if err := os.WriteFile(uneven, []byte("NAME NODE\n.metadata.name\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // in the one line on stderr
	}{
		{"jsonpath that does not parse", []string{"-o", "jsonpath={.items[*}"}, []string{`"{.items[*}"`, "unterminated array", "-o jsonpath='{.items[*].metadata.name}'"}},
		{"jsonpath without a template", []string{"-o", "jsonpath"}, []string{"-o jsonpath needs a template", "--template"}},
		{"jsonpath-file that is not there", []string{"-o", "jsonpath-file=/no/such/file"}, []string{"/no/such/file"}},
		{"jsonpath that fails on the List", []string{"-o", "jsonpath={.items[99].metadata.name}"}, []string{`"{.items[99].metadata.name}"`, "out of", "v1 List"}},
		{"go-template that does not parse", []string{"-o", "go-template={{.items"}, []string{`"{{.items"`, "unclosed action", "{{range .items}}"}},
		{"go-template that fails on the List", []string{"-o", "go-template={{.items.foo.bar}}"}, []string{`"{{.items.foo.bar}}"`, "can't evaluate field foo", "v1 List"}},
		{"custom-columns without a field", []string{"-o", "custom-columns=NAME"}, []string{`"NAME"`, "HEADER:FIELD", "custom-columns=NAME:.metadata.name"}},
		{"custom-columns with a bad field", []string{"-o", "custom-columns=NAME:{.metadata.name"}, []string{"NAME:{.metadata.name", "JSONPath"}},
		{"custom-columns-file uneven", []string{"-o", "custom-columns-file=" + uneven}, []string{uneven, "2 headings and 1 fields", "a line of headings"}},
		{"a format kubectl does not have", []string{"-o", "xml"}, []string{`"xml"`, "jsonpath"}},
		{"a value for a plain format", []string{"-o", "json=x"}, []string{"-o json takes no value"}},
		{"--show-labels with -o json", []string{"-o", "json", "--show-labels"}, []string{"--show-labels", "-o json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(append([]string{"get", "pods", "-n", "shop"}, tt.args...)...)
			wantCode(t, r, exitUsage)
			l := lines(r.errOut)
			if len(l) != 1 || !strings.HasPrefix(l[0], "lifeboat: ") {
				t.Fatalf("stderr is not one 'lifeboat: ' line:\n%s", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(l[0], w) {
					t.Errorf("stderr does not say %q:\n%s", w, l[0])
				}
			}
			if r.out != "" {
				t.Errorf("stdout not empty:\n%s", r)
			}
		})
	}
	c.assertUnchanged(rev, result{})
}

// TestGetLabelColumns: --show-labels, -L (repeated and comma separated)
// and --no-headers, as kubectl's table printer.
func TestGetLabelColumns(t *testing.T) {
	c := capsized(t)
	shop, pods := c.shopPods()
	const kubectlColumns = "NAME READY STATUS RESTARTS AGE TERMINATING-SINCE"
	tests := []struct {
		name   string
		flags  []string
		header string            // "" for none
		cells  map[string]string // heading: the label it shows ("*": every label)
	}{
		{"--show-labels", []string{"--show-labels"}, kubectlColumns + " LABELS", map[string]string{"LABELS": "*"}},
		{"-L", []string{"-L", "app"}, kubectlColumns + " APP", map[string]string{"APP": "app"}},
		{"-L comma separated", []string{"-L", "app,tier"}, kubectlColumns + " APP TIER", map[string]string{"APP": "app", "TIER": "tier"}},
		{"-L repeated, the last path segment", []string{"-L", "tier", "--label-columns", "app.kubernetes.io/part-of"}, kubectlColumns + " TIER PART-OF",
			map[string]string{"TIER": "tier", "PART-OF": "app.kubernetes.io/part-of"}},
		{"-L of a label no pod has", []string{"-L", "nosuch"}, kubectlColumns + " NOSUCH", map[string]string{"NOSUCH": "nosuch"}},
		{"-L then LABELS last", []string{"--show-labels", "-L", "app"}, kubectlColumns + " APP LABELS", map[string]string{"APP": "app", "LABELS": "*"}},
		{"--no-headers", []string{"--no-headers"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(append([]string{"get", "pods", "-n", "shop"}, tt.flags...)...)
			wantCode(t, r, exitOK)
			ls := lines(r.out)
			if tt.header == "" {
				if len(ls) != len(shop) || strings.Fields(ls[0])[0] != shop[0] {
					t.Errorf("want %d rows and no heading, got\n%s", len(shop), r.out)
				}
				return
			}
			if h := strings.Join(strings.Fields(ls[0]), " "); h != tt.header {
				t.Fatalf("heading\n got %s\nwant %s", h, tt.header)
			}
			for heading, key := range tt.cells {
				cells := column(t, r.out, heading)
				for _, n := range shop {
					want := pods[n].Labels[key]
					if key == "*" {
						want = labels.FormatLabels(pods[n].Labels)
					}
					if cells[n] != want {
						t.Errorf("%s: %s %q, want %q", n, heading, cells[n], want)
					}
				}
			}
		})
	}
}

// TestGetSeveralResources: several resources in one get, as kubectl: a
// table each, a blank line apart, NAME as KIND/NAME; one List for -o json
// and yaml; TYPE/NAME arguments; the "all" category.
func TestGetSeveralResources(t *testing.T) {
	c := capsized(t)
	shop, _ := c.shopPods()
	var shopPods []string
	for _, n := range shop {
		shopPods = append(shopPods, "pod/"+n)
	}
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, r result)
	}{
		{"pods,services", []string{"get", "pods,services", "-n", "shop"}, func(t *testing.T, r result) {
			wantTables(t, r.out, map[string][]string{"NAME READY STATUS RESTARTS AGE TERMINATING-SINCE": shopPods, "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE": {"service/frontend"}})
		}},
		{"short names, cluster-scoped too", []string{"get", "po,no", "-n", "shop"}, func(t *testing.T, r result) {
			var nodes []string
			for _, n := range demoNodes {
				nodes = append(nodes, "node/"+n)
			}
			wantTables(t, r.out, map[string][]string{"NAME READY STATUS RESTARTS AGE TERMINATING-SINCE": shopPods, "NAME STATUS ROLES AGE VERSION": nodes})
		}},
		{"all", []string{"get", "all", "-n", "shop"}, func(t *testing.T, r result) {
			wantTables(t, r.out, map[string][]string{
				"NAME READY STATUS RESTARTS AGE TERMINATING-SINCE": shopPods,
				"NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE":     {"service/frontend"},
				"NAME READY UP-TO-DATE AVAILABLE AGE":              {"deployment.apps/frontend"},
			})
			// kubectl's order: the core group, then apps.
			pod, svc, deploy := strings.Index(r.out, "pod/"), strings.Index(r.out, "service/"), strings.Index(r.out, "deployment.apps/")
			if pod >= svc || svc >= deploy {
				t.Errorf("tables not in discovery order (pods, services, deployments):\n%s", r.out)
			}
		}},
		{"all -o name", []string{"get", "all", "-n", "shop", "-o", "name"}, func(t *testing.T, r result) {
			if want := append(slices.Clone(shopPods), "service/frontend", "deployment.apps/frontend"); !slices.Equal(lines(r.out), want) {
				t.Errorf("got %q, want %q", lines(r.out), want)
			}
		}},
		{"--no-headers: no blank line either", []string{"get", "svc,deploy", "-n", "shop", "--no-headers"}, func(t *testing.T, r result) {
			if got := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n"); len(got) != 2 || !strings.HasPrefix(got[0], "service/frontend ") || !strings.HasPrefix(got[1], "deployment.apps/frontend ") {
				t.Errorf("got %q", got)
			}
		}},
		{"TYPE/NAME of two resources", []string{"get", "pod/" + shop[0], "node/worker-1", "-n", "shop"}, func(t *testing.T, r result) {
			wantTables(t, r.out, map[string][]string{"NAME READY STATUS RESTARTS AGE TERMINATING-SINCE": {"pod/" + shop[0]}, "NAME STATUS ROLES AGE VERSION": {"node/worker-1"}})
		}},
		{"TYPE/NAME of one resource: one table, plain names", []string{"get", "pods/" + shop[0], "po/" + shop[1], "-n", "shop"}, func(t *testing.T, r result) {
			wantTables(t, r.out, map[string][]string{"NAME READY STATUS RESTARTS AGE TERMINATING-SINCE": {shop[0], shop[1]}})
		}},
		{"--show-kind with one resource", []string{"get", "svc", "-n", "shop", "--show-kind"}, func(t *testing.T, r result) {
			wantTables(t, r.out, map[string][]string{"NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE": {"service/frontend"}})
		}},
		{"-o json: one List", []string{"get", "svc,deploy", "-n", "shop", "-o", "json"}, func(t *testing.T, r result) {
			var kinds []string
			for _, it := range parseList(t, r.out) {
				kinds = append(kinds, it["kind"].(string))
			}
			if !slices.Equal(kinds, []string{"Service", "Deployment"}) {
				t.Errorf("items %q", kinds)
			}
		}},
		{"-o yaml of TYPE/NAMEs: one List", []string{"get", "pod/" + shop[0], "node/worker-1", "-n", "shop", "-o", "yaml"}, func(t *testing.T, r result) {
			var doc struct {
				Kind  string           `json:"kind"`
				Items []map[string]any `json:"items"`
			}
			if err := yaml.Unmarshal([]byte(r.out), &doc); err != nil || doc.Kind != "List" || len(doc.Items) != 2 {
				t.Errorf("not a List of 2 (%v):\n%s", err, r.out)
			}
		}},
		{"-o json of one TYPE/NAME: the object", []string{"get", "pods/" + shop[0], "-n", "shop", "-o", "json"}, func(t *testing.T, r result) {
			var obj map[string]any
			if err := json.Unmarshal([]byte(r.out), &obj); err != nil || obj["kind"] != "Pod" {
				t.Errorf("not one Pod (%v):\n%s", err, r.out)
			}
		}},
		{"nothing in any of them", []string{"get", "all", "-n", "kube-public"}, func(t *testing.T, r result) {
			if r.out != "" || strings.TrimSpace(r.errOut) != "No resources found in kube-public namespace." {
				t.Errorf("%s", r)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.args...)
			wantCode(t, r, exitOK)
			tt.check(t, r)
		})
	}

	t.Run("a missing object is said after what was found", func(t *testing.T) {
		r := c.run("get", "pod/no-such-pod", "svc/frontend", "-n", "shop")
		wantCode(t, r, exitError)
		if !strings.HasPrefix(r.out, "NAME ") || !strings.Contains(r.out, "service/frontend") || !strings.Contains(r.errOut, "no-such-pod not found") {
			t.Errorf("%s", r)
		}
	})
	for _, bad := range []struct {
		name string
		args []string
		want string
	}{
		{"names in both forms", []string{"get", "pods", "pod/" + shop[0]}, "TYPE/NAME"},
		{"TYPE/ without a name", []string{"get", "pods/"}, "TYPE/NAME"},
		{"an empty resource in the list", []string{"get", "po,,svc"}, "one comma"},
		{"an unknown one in the list", []string{"get", "po,podz"}, "did you mean pods?"},
		{"--watch of several", []string{"get", "po,svc", "-w"}, "--watch follows one resource"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			r := c.run(bad.args...)
			wantCode(t, r, exitUsage)
			if !strings.Contains(r.errOut, bad.want) || r.out != "" {
				t.Errorf("want one error saying %q, got %s", bad.want, r)
			}
		})
	}
}

// wantTables checks that out is tables a blank line apart, each with one
// of the headings in want (as words) and the objects in want's order in
// its first column.
func wantTables(t *testing.T, out string, want map[string][]string) {
	t.Helper()
	tables := strings.Split(strings.TrimSuffix(out, "\n"), "\n\n")
	if len(tables) != len(want) {
		t.Fatalf("%d tables, want %d:\n%s", len(tables), len(want), out)
	}
	for _, table := range tables {
		ls := strings.Split(table, "\n")
		heading := strings.Join(strings.Fields(ls[0]), " ")
		names, ok := want[heading]
		if !ok {
			t.Errorf("a table headed %q, want one of %q", heading, slices.Collect(maps.Keys(want)))
			continue
		}
		var got []string
		for _, l := range ls[1:] {
			got = append(got, strings.Fields(l)[0])
		}
		if !slices.Equal(got, names) {
			t.Errorf("table %q: names\n got %q\nwant %q", heading, got, names)
		}
	}
}

// TestGetManagedFields: -o yaml and -o json leave managedFields out, as
// kubectl does since 1.21, unless --show-managed-fields; the templates
// see them. So a backup made with get -o yaml and restored with create -f
// stores none.
func TestGetManagedFields(t *testing.T) {
	c := capsized(t)
	shop, pods := c.shopPods()
	// A running pod: create -f restores it as it was.
	i := slices.IndexFunc(shop, func(n string) bool { return pods[n].DeletionTimestamp == nil })
	name := shop[i]
	if len(pods[name].ManagedFields) == 0 {
		t.Fatalf("the demo's pod %s has no managedFields to hide", name)
	}
	tests := []struct {
		name string
		args []string
		want bool // managedFields in the output
	}{
		{"-o yaml", []string{"get", "pod", name, "-n", "shop", "-o", "yaml"}, false},
		{"-o json", []string{"get", "pod", name, "-n", "shop", "-o", "json"}, false},
		{"-o json List", []string{"get", "pods", "-n", "shop", "-o", "json"}, false},
		{"-o yaml List", []string{"get", "pods", "-n", "shop", "-o", "yaml"}, false},
		{"-o yaml --show-managed-fields", []string{"get", "pod", name, "-n", "shop", "-o", "yaml", "--show-managed-fields"}, true},
		{"-o json List --show-managed-fields", []string{"get", "pods", "-n", "shop", "-o", "json", "--show-managed-fields"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(tt.args...)
			wantCode(t, r, exitOK)
			if got := strings.Contains(r.out, "managedFields"); got != tt.want {
				t.Errorf("managedFields shown: %v, want %v\n%s", got, tt.want, clip(r.out))
			}
		})
	}
	t.Run("the template's managers", func(t *testing.T) {
		r := c.run("get", "pod", name, "-n", "shop", "-o", "jsonpath={.metadata.managedFields[*].manager}")
		if r.out != "kube-controller-manager kubelet" {
			t.Errorf("managers %q", r.out)
		}
	})

	t.Run("a get -o yaml backup restores without them", func(t *testing.T) {
		key := "/registry/pods/shop/" + name
		r := c.run("get", "pod", name, "-n", "shop", "-o", "yaml")
		wantCode(t, r, exitOK)
		backup := filepath.Join(t.TempDir(), "backup.yaml")
		if err := os.WriteFile(backup, []byte(r.out), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := c.cli.Delete(context.Background(), key); err != nil {
			t.Fatal(err)
		}
		wantCode(t, c.run("create", "-f", backup, "--yes"), exitOK)
		restored := c.pod(key)
		if len(restored.ManagedFields) != 0 {
			t.Errorf("the restored pod has managedFields: %v", restored.ManagedFields)
		}
		if restored.Spec.NodeName != pods[name].Spec.NodeName || !slices.Equal(restored.Finalizers, pods[name].Finalizers) {
			t.Errorf("the restored pod differs: %+v", restored.ObjectMeta)
		}
	})
}

// TestGetTemplatesAreTerminalSafe: what a template prints of a hostile
// name is escaped, as in every table, while the template's own newlines
// lay the text out.
func TestGetTemplatesAreTerminalSafe(t *testing.T) {
	c := newCluster(t, demo.Options{})
	for i, name := range hostileNames {
		value, err := codec.EncodeProtobuf(demo.RealisticPod("shop", name, "worker-6", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.cli.Put(context.Background(), "/registry/pods/shop/"+name, string(value)); err != nil {
			t.Fatal(err)
		}
	}
	escaped := render.Safe(hostileNames[0])
	for _, args := range [][]string{
		{"-o", `jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}`},
		{"-o", `go-template={{range .items}}{{.metadata.name}}{{"\n"}}{{end}}`},
		{"-o", "custom-columns=NAME:.metadata.name"},
		{"-o", "jsonpath-as-json={.items[*].metadata.name}"},
	} {
		t.Run(args[1], func(t *testing.T) {
			r := c.run(append([]string{"get", "pods", "-n", "shop"}, args...)...)
			wantCode(t, r, exitOK)
			if raw := rawControls(r.out); len(raw) > 0 {
				t.Errorf("printed raw: %q", raw)
			}
			want := escaped
			if strings.Contains(args[1], "as-json") {
				want = `title\u001b]0;pwned\u0007`
			}
			if !strings.Contains(r.out, want) {
				t.Errorf("no %s in\n%s", want, r.out)
			}
			if len(lines(r.out)) < len(hostileNames) {
				t.Errorf("fewer lines than objects:\n%s", r.out)
			}
		})
	}
}
