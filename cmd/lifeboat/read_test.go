package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	cborserializer "k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestGetJSON: get -o json|yaml prints what kubectl would, resourceVersion
// being each key's mod_revision.
func TestGetJSON(t *testing.T) {
	c := capsized(t)
	snap, _ := c.snapshot()
	rev := c.revision()

	t.Run("a List with resourceVersion = mod_revision", func(t *testing.T) {
		r := c.run("get", "pods", "-n", "shop", "-o", "json")
		wantCode(t, r, exitOK)
		items := parseList(t, r.out)
		var want []string
		for k := range snap {
			if strings.HasPrefix(k, "/registry/pods/shop/") {
				want = append(want, k)
			}
		}
		if len(items) != len(want) || len(items) == 0 {
			t.Fatalf("%d items, want %d", len(items), len(want))
		}
		for _, it := range items {
			md := it["metadata"].(map[string]any)
			key := fmt.Sprintf("/registry/pods/%s/%s", md["namespace"], md["name"])
			rv, ok := md["resourceVersion"].(string)
			if !ok || rv != strconv.FormatInt(snap[key].ModRevision, 10) {
				t.Errorf("%s: resourceVersion %#v, want %q (its mod_revision)", key, md["resourceVersion"], strconv.FormatInt(snap[key].ModRevision, 10))
			}
			if it["kind"] != "Pod" || it["apiVersion"] != "v1" {
				t.Errorf("%s: %v %v", key, it["apiVersion"], it["kind"])
			}
		}
	})

	t.Run("one named object prints the object itself", func(t *testing.T) {
		r := c.run("get", "nodes", "worker-5", "-o", "json")
		wantCode(t, r, exitOK)
		var obj map[string]any
		if err := json.Unmarshal([]byte(r.out), &obj); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, r)
		}
		md := obj["metadata"].(map[string]any)
		if obj["kind"] != "Node" || md["name"] != "worker-5" || md["resourceVersion"] != strconv.FormatInt(snap["/registry/minions/worker-5"].ModRevision, 10) {
			t.Errorf("got %v %v rv %v", obj["kind"], md["name"], md["resourceVersion"])
		}
	})

	t.Run("-o yaml parses", func(t *testing.T) {
		r := c.run("get", "no", "-o", "yaml")
		wantCode(t, r, exitOK)
		var doc struct {
			Kind  string           `json:"kind"`
			Items []map[string]any `json:"items"`
		}
		if err := yaml.Unmarshal([]byte(r.out), &doc); err != nil {
			t.Fatalf("not YAML: %v", err)
		}
		if doc.Kind != "List" || len(doc.Items) != len(nodeNames) {
			t.Errorf("kind %s with %d items, want a List of %d nodes", doc.Kind, len(doc.Items), len(nodeNames))
		}
	})

	t.Run("a malformed value: exit 3, stdout still one JSON document", func(t *testing.T) {
		r := c.run("get", "pods", "-A", "-o", "json")
		wantCode(t, r, exitPartial)
		items := parseList(t, r.out)
		if len(items) == 0 {
			t.Error("no items")
		}
		if !strings.Contains(r.errOut, "default/poison") {
			t.Errorf("the malformed value is not reported:\n%s", r)
		}
	})

	t.Run("secrets redacted unless --show-secrets, encrypted shown as encrypted", func(t *testing.T) {
		secrets := func(args ...string) map[string]map[string]any {
			r := c.run(append([]string{"get", "secrets", "-n", "payments", "-o", "json"}, args...)...)
			wantCode(t, r, exitOK)
			m := map[string]map[string]any{}
			for _, it := range parseList(t, r.out) {
				m[it["metadata"].(map[string]any)["name"].(string)] = it
			}
			return m
		}
		hidden := secrets()
		data, _ := hidden["payments-api-db"]["data"].(map[string]any)
		if len(data) != 3 {
			t.Fatalf("payments-api-db data: %v", data)
		}
		for k, v := range data {
			s, _ := v.(string)
			if b, err := base64.StdEncoding.DecodeString(s); err == nil && strings.Contains(string(b), "hunter2") || !strings.Contains(s, "redacted") {
				t.Errorf("data.%s = %q, want redacted", k, s)
			}
		}
		shown := secrets("--show-secrets")
		pw, _ := shown["payments-api-db"]["data"].(map[string]any)["password"].(string)
		if b, err := base64.StdEncoding.DecodeString(pw); err != nil || !strings.HasPrefix(string(b), "Zq7-hunter2-") {
			t.Errorf("--show-secrets data.password = %q, want base64 of the password", pw)
		}
		for name, set := range map[string]map[string]map[string]any{"redacted": hidden, "shown": shown} {
			enc := set["card-processor-token"]
			e, _ := enc["encrypted"].(map[string]any)
			if e["provider"] != "aescbc" || e["keyName"] != "key1" {
				t.Errorf("%s: encrypted secret shown as %v, want provider aescbc, key key1", name, enc)
			}
			if _, ok := enc["data"]; ok {
				t.Errorf("%s: encrypted secret has data: %v", name, enc["data"])
			}
			md := enc["metadata"].(map[string]any)
			if md["resourceVersion"] != strconv.FormatInt(snap[encryptedKey].ModRevision, 10) {
				t.Errorf("%s: encrypted secret resourceVersion %v", name, md["resourceVersion"])
			}
		}
		r := c.run("get", "secrets", "-n", "payments")
		wantCode(t, r, exitOK)
		if !strings.Contains(r.out, "aescbc") || strings.Contains(r.out, "hunter2") {
			t.Errorf("table of secrets:\n%s", r)
		}
	})

	t.Run("custom resource decodes", func(t *testing.T) {
		for _, format := range []string{"json", "yaml"} {
			r := c.run("get", "crontabs.stable.example.com", "nightly-backup", "-o", format)
			wantCode(t, r, exitOK)
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(r.out), &obj); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			spec, _ := obj["spec"].(map[string]any)
			if n, ok := spec["replicas"].(float64); !ok || n != 2 {
				t.Errorf("%s: spec.replicas = %#v, want the number 2", format, spec["replicas"])
			}
			md := obj["metadata"].(map[string]any)
			if obj["kind"] != "CronTab" || md["resourceVersion"] != strconv.FormatInt(snap[crKey].ModRevision, 10) {
				t.Errorf("%s: %v rv %v", format, obj["kind"], md["resourceVersion"])
			}
		}
		r := c.run("get", "crontabs.stable.example.com", "-A")
		wantCode(t, r, exitOK)
		if !strings.Contains(r.out, "nightly-backup") {
			t.Errorf("table lacks nightly-backup:\n%s", r)
		}
		// The names its CRD declares, as kubectl resolves them.
		for _, name := range []string{"crontabs", "ct", "CronTab"} {
			if got := c.run("get", name, "-A"); got.code != exitOK || got.out != r.out {
				t.Errorf("get %s -A differs from get crontabs.stable.example.com -A:\n%s", name, got)
			}
		}
	})

	t.Run("selector and --node", func(t *testing.T) {
		r := c.run("get", "pods", "-A", "-l", "app=cart", "-o", "json")
		wantCode(t, r, exitPartial) // the poison pod cannot be matched, so it is reported
		for _, it := range parseList(t, r.out) {
			labels, _ := it["metadata"].(map[string]any)["labels"].(map[string]any)
			if labels["app"] != "cart" {
				t.Errorf("selector app=cart returned %v", it["metadata"])
			}
		}
		r = c.run("get", "pods", "-n", "shop", "--node", "worker-6", "-o", "json")
		wantCode(t, r, exitOK)
		items := parseList(t, r.out)
		if len(items) == 0 {
			t.Error("no shop pods on worker-6")
		}
		for _, it := range items {
			if node := it["spec"].(map[string]any)["nodeName"]; node != "worker-6" {
				t.Errorf("--node worker-6 returned a pod on %v", node)
			}
		}
	})

	t.Run("not found", func(t *testing.T) {
		r := c.run("get", "pods", "no-such-pod", "-n", "shop")
		if r.code == exitOK || !strings.Contains(r.errOut, "not found") {
			t.Errorf("want an error saying not found, got %s", r)
		}
	})

	c.assertUnchanged(rev, result{})
}

// TestDecode: a stored value on stdin or in a file decodes to YAML.
func TestDecode(t *testing.T) {
	c := capsized(t)
	key := c.terminatingPods("/registry/pods/shop/")[0]
	value := c.get(key).Value
	name := filepath.Base(key)

	check := func(t *testing.T, r result) {
		t.Helper()
		wantCode(t, r, exitOK)
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(r.out), &obj); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, r)
		}
		md, _ := obj["metadata"].(map[string]any)
		if obj["kind"] != "Pod" || obj["apiVersion"] != "v1" || md["name"] != name || md["deletionTimestamp"] == nil {
			t.Errorf("decoded %v %v %v", obj["apiVersion"], obj["kind"], md)
		}
	}
	t.Run("stdin", func(t *testing.T) { check(t, lifeboat(t, []byte(value), "decode")) })
	t.Run("stdin with etcdctl's trailing newline", func(t *testing.T) { check(t, lifeboat(t, []byte(value+"\n"), "decode")) })
	t.Run("--file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "value.bin")
		if err := os.WriteFile(f, []byte(value), 0o600); err != nil {
			t.Fatal(err)
		}
		check(t, lifeboat(t, nil, "decode", "--file", f))
		check(t, lifeboat(t, nil, "decode", "-f", f, "-o", "json"))
	})
	t.Run("JSON custom resource", func(t *testing.T) {
		r := lifeboat(t, []byte(c.get(crKey).Value), "decode", "-o", "json")
		wantCode(t, r, exitOK)
		if !strings.Contains(r.out, `"CronTab"`) {
			t.Errorf("%s", r)
		}
	})
	t.Run("secret redacted", func(t *testing.T) {
		v := c.get("/registry/secrets/payments/payments-api-db").Value
		r := lifeboat(t, []byte(v), "decode")
		wantCode(t, r, exitOK)
		if !strings.Contains(r.out, "redacted") {
			t.Errorf("secret not redacted:\n%s", r)
		}
		r = lifeboat(t, []byte(v), "decode", "--show-secrets")
		wantCode(t, r, exitOK)
		if strings.Contains(r.out, "redacted") {
			t.Errorf("--show-secrets still redacted:\n%s", r)
		}
	})
	t.Run("encrypted", func(t *testing.T) {
		r := lifeboat(t, []byte(c.get(encryptedKey).Value), "decode")
		wantCode(t, r, exitOK)
		if !strings.Contains(r.out, "aescbc") || !strings.Contains(r.out, "key1") {
			t.Errorf("encrypted value not described:\n%s", r)
		}
	})
	for _, bad := range []struct{ name, in string }{
		{"garbage", "not an object"},
		{"empty", ""},
		{"truncated protobuf", value[:len(value)/2]},
	} {
		t.Run(bad.name, func(t *testing.T) {
			r := lifeboat(t, []byte(bad.in), "decode")
			wantCode(t, r, exitPartial)
			if !strings.Contains(r.errOut, "malformed") || len(lines(r.errOut)) != 1 {
				t.Errorf("want one line saying malformed: %s", r)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		r := lifeboat(t, nil, "decode", "--file", filepath.Join(t.TempDir(), "nope"))
		if r.code == exitOK || !strings.Contains(r.errOut, "nope") {
			t.Errorf("%s", r)
		}
	})
}

// TestLs: keys with resource, kind, format, size, revision and lease.
func TestLs(t *testing.T) {
	c := capsized(t)
	snap, _ := c.snapshot()

	r := c.run("ls", "-o", "json")
	wantCode(t, r, exitPartial) // the poison pod
	if !strings.Contains(r.errOut, "warning: "+poisonKey+": malformed value") {
		t.Errorf("ls -o json does not warn about the poison pod:\n%s", r)
	}
	type row struct {
		Key         string `json:"key"`
		Resource    string `json:"resource"`
		Kind        string `json:"kind"`
		Format      string `json:"format"`
		Size        int    `json:"size"`
		ModRevision int64  `json:"modRevision"`
		Lease       int64  `json:"lease"`
	}
	var keys []string
	leased := 0
	for _, l := range lines(r.out) {
		var f row
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		keys = append(keys, f.Key)
		s, ok := snap[f.Key]
		if !ok {
			t.Errorf("%s: no such key", f.Key)
			continue
		}
		if f.Size != len(s.Value) || f.ModRevision != s.ModRevision || f.Lease != s.Lease {
			t.Errorf("%s: size %d rev %d lease %d, etcd has %d, %d, %d", f.Key, f.Size, f.ModRevision, f.Lease, len(s.Value), s.ModRevision, s.Lease)
		}
		if s.Lease != 0 {
			leased++
		}
		wantFormat := map[string]string{poisonKey: "malformed", encryptedKey: "encrypted", crKey: "json"}[f.Key]
		switch {
		case strings.HasPrefix(f.Key, "/registry/apiextensions.k8s.io/"):
			wantFormat = "json" // as kube-apiserver stores CRDs (e2e/storage_test.go)
		case wantFormat == "":
			wantFormat = "protobuf"
		}
		if f.Format != wantFormat {
			t.Errorf("%s: format %q, want %q", f.Key, f.Format, wantFormat)
		}
		if strings.HasPrefix(f.Key, "/registry/minions/") && (f.Resource != "nodes" || f.Kind != "Node") {
			t.Errorf("%s: resource %q kind %q", f.Key, f.Resource, f.Kind)
		}
		if strings.HasPrefix(f.Key, "/registry/apiextensions.k8s.io/") && (f.Resource != "customresourcedefinitions" || f.Kind != "CustomResourceDefinition") {
			t.Errorf("%s: resource %q kind %q", f.Key, f.Resource, f.Kind)
		}
	}
	if !sort.StringsAreSorted(keys) || len(keys) != len(snap) {
		t.Errorf("%d keys listed (sorted: %v), etcd has %d", len(keys), sort.StringsAreSorted(keys), len(snap))
	}
	if leased == 0 {
		t.Error("no key with a lease: the seeded events should have one")
	}

	t.Run("table", func(t *testing.T) {
		r := c.run("ls", "/registry/events/")
		wantCode(t, r, exitOK)
		ls := lines(r.out)
		if h := strings.Join(strings.Fields(ls[0]), " "); h != "KEY RESOURCE KIND FORMAT SIZE REVISION LEASE" {
			t.Errorf("header %q", h)
		}
		if len(ls) < 2 {
			t.Fatalf("no events:\n%s", r)
		}
		for _, l := range ls[1:] {
			f := strings.Fields(l)
			s := snap[f[0]]
			if len(f) != 7 || f[1] != "events" || f[2] != "Event" || f[3] != "protobuf" ||
				f[4] != strconv.Itoa(len(s.Value)) || f[5] != strconv.FormatInt(s.ModRevision, 10) || f[6] != strconv.FormatInt(s.Lease, 16) || s.Lease == 0 {
				t.Errorf("row %q, etcd: size %d rev %d lease %x", l, len(s.Value), s.ModRevision, s.Lease)
			}
		}
	})
	t.Run("no keys", func(t *testing.T) {
		r := c.run("ls", "/registry/nothing-here/")
		wantCode(t, r, exitOK)
		if !strings.Contains(r.errOut, "No keys") {
			t.Errorf("%s", r)
		}
	})
}

// TestStreamedListIsKubectlsBytes: the List that get streams a page at a
// time (rendered on every core, the JSON by the fast road) is byte for byte
// the document kubectl's printers make of the whole List.
func TestStreamedListIsKubectlsBytes(t *testing.T) {
	c := capsized(t)
	store, err := etcdops.Open(context.Background(), etcdops.Config{Endpoints: []string{c.endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, resource := range []string{"pods", "nodes", "secrets", "crontabs.stable.example.com", "leases", "events"} {
		res, err := etcdops.ResolveResource(resource)
		if err != nil {
			t.Fatal(err)
		}
		var items []any
		if _, err := store.List(context.Background(), etcdops.Query{Resource: res, AllNamespaces: true}, func(it etcdops.Item) error {
			if it.DecodeErr == nil {
				m, err := renderItem(it, showing{})
				if err != nil {
					return err
				}
				items = append(items, m)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if items == nil {
			items = []any{}
		}
		list := map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": items}
		for _, output := range []string{"json", "yaml"} {
			var want bytes.Buffer
			if err := printDoc(&want, output, list); err != nil {
				t.Fatal(err)
			}
			r := c.run("get", resource, "-A", "-o", output)
			if r.out != want.String() {
				t.Errorf("get %s -A -o %s differs from kubectl's rendering of the whole List\n got %s\nwant %s", resource, output, clip(r.out), clip(want.String()))
			}
		}
	}
}

// TestNewerFieldsAreReported: a pod that carries a field a newer Kubernetes
// wrote shows as before on stdout, and stderr says which field and where,
// for get and for decode.
func TestNewerFieldsAreReported(t *testing.T) {
	c := capsized(t)
	pod := demo.RealisticPod("shop", "newer-7f9c4-abcde", "worker-6", 1)
	value, err := codec.EncodeProtobuf(pod)
	if err != nil {
		t.Fatal(err)
	}
	value = withObjectField(t, value, protowire.AppendBytes(protowire.AppendTag(nil, 99, protowire.BytesType), []byte("from 1.37")))
	key := "/registry/pods/shop/newer-7f9c4-abcde"
	if _, err := c.cli.Put(context.Background(), key, string(value)); err != nil {
		t.Fatal(err)
	}
	want := "pods/shop/newer-7f9c4-abcde carries 1 field(s) this lifeboat's Kubernetes types do not know"
	r := c.run("get", "pods", "newer-7f9c4-abcde", "-n", "shop", "-o", "json")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.errOut, want) || !strings.Contains(r.errOut, "the object: field 99 (bytes, 9 bytes)") {
		t.Errorf("get does not warn about the newer field:\n%s", r)
	}
	if !json.Valid([]byte(r.out)) {
		t.Errorf("stdout is not the object's JSON:\n%s", r.out)
	}
	r = lifeboat(t, value, "decode")
	if r.code != exitOK || !strings.Contains(r.errOut, "field 99") {
		t.Errorf("decode does not warn about the newer field:\n%s", r)
	}
}

// withObjectField appends a whole field to the object inside a protobuf
// envelope (runtime.Unknown field 2, raw).
func withObjectField(t *testing.T, value, field []byte) []byte {
	t.Helper()
	body, ok := bytes.CutPrefix(value, []byte("k8s\x00"))
	if !ok {
		t.Fatal("not a protobuf envelope")
	}
	out := []byte("k8s\x00")
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		m := protowire.ConsumeFieldValue(num, typ, body[n:])
		if n < 0 || m < 0 {
			t.Fatal("bad envelope")
		}
		if num == 2 {
			raw, _ := protowire.ConsumeBytes(body[n : n+m])
			out = protowire.AppendBytes(protowire.AppendTag(out, 2, protowire.BytesType), append(append([]byte(nil), raw...), field...))
		} else {
			out = append(out, body[:n+m]...)
		}
		body = body[n+m:]
	}
	return out
}

// TestUndecodableValuesExit3: every read command keeps one rule. When what
// it was asked for holds a value it cannot decode, it shows what it can,
// names the value on stderr and exits 3; when not, it exits 0.
func TestUndecodableValuesExit3(t *testing.T) {
	c := capsized(t) // default/poison holds "not an object"
	poison := []byte(c.get(poisonKey).Value)
	healthy := []byte(c.get("/registry/pods/kube-system/" + corednsPod(t, c)).Value)
	for _, tt := range []struct {
		args  []string
		stdin []byte
		code  int
		note  string // on stderr
	}{
		{args: []string{"get", "pods", "-A"}, code: exitPartial, note: "pods/default/poison: malformed value"},
		{args: []string{"get", "pods", "-A", "-o", "json"}, code: exitPartial, note: "pods/default/poison: malformed value"},
		{args: []string{"get", "pods", "poison", "-o", "yaml"}, code: exitPartial, note: "pods/default/poison: malformed value"},
		{args: []string{"get", "pods", "-n", "shop"}, code: exitOK},
		{args: []string{"ls"}, code: exitPartial, note: "1 value(s) could not be decoded"},
		{args: []string{"ls", "/registry/pods/default/", "-o", "json"}, code: exitPartial, note: "warning: " + poisonKey + ": malformed value"},
		{args: []string{"ls", "/registry/pods/shop/"}, code: exitOK},
		{args: []string{"decode"}, stdin: poison, code: exitPartial, note: "lifeboat: stdin: malformed value: not protobuf, JSON or CBOR"},
		{args: []string{"decode"}, stdin: healthy, code: exitOK},
		{args: []string{"history", "pods", "poison"}, code: exitPartial, note: "1 version(s) of pods/default/poison could not be decoded"},
		{args: []string{"history", "pods", "poison", "-o", "json"}, code: exitPartial, note: "1 version(s) of pods/default/poison could not be decoded"},
		{args: []string{"history", "nodes", "worker-1"}, code: exitOK},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := c.runIn(tt.stdin, tt.args...)
			wantCode(t, r, tt.code)
			if tt.note != "" && !strings.Contains(r.errOut, tt.note) {
				t.Errorf("stderr does not say %q:\n%s", tt.note, r)
			}
			if tt.code == exitOK && r.errOut != "" {
				t.Errorf("exit 0 with something on stderr:\n%s", r)
			}
		})
	}
}

// TestNodesStoredAsJSONOrCBOR: a Node that a kube-apiserver stored as JSON
// or CBOR (another --storage-media-type) shows its STATUS and TAINTS as a
// protobuf one does, in get's table and in doctor.
func TestNodesStoredAsJSONOrCBOR(t *testing.T) {
	c := newCluster(t, demo.Options{})
	node := func(name string) *corev1.Node {
		return &corev1.Node{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.NodeSpec{Unschedulable: true, Taints: []corev1.Taint{
				{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute},
				{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule},
			}},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}}},
		}
	}
	jsonValue, err := codec.EncodeStorageJSON(node("json-node"))
	if err != nil {
		t.Fatal(err)
	}
	var cborValue bytes.Buffer
	if err := cborserializer.NewSerializer(scheme.Scheme, scheme.Scheme).Encode(node("cbor-node"), &cborValue); err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string][]byte{"json-node": jsonValue, "cbor-node": cborValue.Bytes()} {
		if _, err := c.cli.Put(context.Background(), "/registry/minions/"+name, string(value)); err != nil {
			t.Fatal(err)
		}
	}

	r := c.run("get", "nodes")
	wantCode(t, r, exitOK)
	for _, name := range []string{"json-node", "cbor-node"} {
		var row []string
		for _, l := range lines(r.out) {
			if f := strings.Fields(l); f[0] == name {
				row = f
			}
		}
		// NAME STATUS ROLES AGE VERSION (none: no cell)
		want := []string{name, "NotReady,SchedulingDisabled", "<none>", "<unknown>"}
		if !slices.Equal(row, want) {
			t.Errorf("%s: row %q, want %q\n%s", name, row, want, r)
		}
	}
	r = c.run("doctor")
	for _, name := range []string{"json-node", "cbor-node"} {
		if !strings.Contains(r.out, name+": no kubelet lease, Ready=False, tainted node.kubernetes.io/unreachable:NoExecute") {
			t.Errorf("doctor does not see %s:\n%s", name, r)
		}
	}
}
