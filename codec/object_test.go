package codec

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor/direct"
	"k8s.io/apimachinery/pkg/types"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func testNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:              "worker-3",
			UID:               types.UID("c3a4b5d6-e7f8-4091-a2b3-c4d5e6f70819"),
			CreationTimestamp: testTime,
			Labels:            map[string]string{"kubernetes.io/hostname": "worker-3", "node-role.kubernetes.io/worker": ""},
		},
		Spec: corev1.NodeSpec{
			PodCIDR:       "10.244.3.0/24",
			PodCIDRs:      []string{"10.244.3.0/24"},
			ProviderID:    "kind://docker/kind/worker-3",
			Unschedulable: true,
			Taints: []corev1.Taint{
				{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoSchedule, TimeAdded: &testTime},
				{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule},
				{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute, TimeAdded: &testTime},
			},
		},
		Status: corev1.NodeStatus{
			Phase: corev1.NodeRunning,
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown",
				Message: "Kubelet stopped posting node status.", LastHeartbeatTime: testTime, LastTransitionTime: testTime,
			}},
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.36.0", Architecture: "amd64", OperatingSystem: "linux"},
		},
	}
}

func testSmallPod() *corev1.Pod {
	grace := int64(30)
	deleted := metav1.NewTime(testTime.Add(60e9))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-0", Namespace: "default", UID: types.UID("0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a2b"),
			CreationTimestamp: testTime, DeletionTimestamp: &deleted, DeletionGracePeriodSeconds: &grace,
			Labels: map[string]string{"app": "web"}, Finalizers: []string{"example.com/hold"},
		},
		Spec: corev1.PodSpec{
			NodeName:   "worker-3",
			Containers: []corev1.Container{{Name: "web", Image: "nginx:1.29", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.3.9"},
	}
}

func testSecret() *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop", CreationTimestamp: testTime},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"password": []byte("hunter2"), "user": []byte("admin")},
	}
}

func testConfigMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "shop", CreationTimestamp: testTime},
		Data:       map[string]string{"mode": "production"},
	}
}

func testLease() *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-3", Namespace: "kube-node-lease", CreationTimestamp: testTime},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: ptr("worker-3"), LeaseDurationSeconds: ptr(int32(40)),
			RenewTime: &metav1.MicroTime{Time: testTime.Time},
		},
	}
}

// widgetMeta is the metadata of the unknown-kind test object.
func widgetMeta() metav1.ObjectMeta {
	deleted := metav1.NewTime(testTime.Add(60e9))
	return metav1.ObjectMeta{
		Name: "w1", Namespace: "default", UID: types.UID("9d8c7b6a-5f4e-4d3c-8b2a-19f0e8d7c6b5"),
		CreationTimestamp: testTime, DeletionTimestamp: &deleted, DeletionGracePeriodSeconds: ptr(int64(0)),
		Finalizers: []string{"example.com/cleanup"},
	}
}

// widgetValue hand-builds the protobuf value of a kind that is in no scheme
// lifeboat knows: apiVersion example.com/v1, kind Widget, an object with
// ObjectMeta at field 1 and opaque fields 2 and 7.
func widgetValue(t testing.TB, md metav1.ObjectMeta) []byte {
	t.Helper()
	mdBytes, err := md.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	raw = protowire.AppendTag(raw, 1, protowire.BytesType)
	raw = protowire.AppendBytes(raw, mdBytes)
	raw = protowire.AppendTag(raw, 2, protowire.BytesType)
	raw = protowire.AppendBytes(raw, []byte("opaque spec bytes"))
	raw = protowire.AppendTag(raw, 7, protowire.BytesType)
	raw = protowire.AppendBytes(raw, bytes.Repeat([]byte{0xab}, 40))
	unk := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: "example.com/v1", Kind: "Widget"}, Raw: raw}
	body, err := unk.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(protobufMagic), body...)
}

// widgetMap is a custom resource as stored in JSON or CBOR. Its replicas is
// beyond float64's exact integers: it survives only if decoding keeps int64.
func widgetMap() map[string]any {
	return map[string]any{
		"apiVersion": "example.com/v1",
		"kind":       "Widget",
		"metadata": map[string]any{
			"name": "w1", "namespace": "default", "uid": "9d8c7b6a-5f4e-4d3c-8b2a-19f0e8d7c6b5",
			"generation":                 int64(3),
			"creationTimestamp":          "2026-03-14T15:09:26Z",
			"deletionTimestamp":          "2026-03-14T15:10:26Z",
			"deletionGracePeriodSeconds": int64(0),
			"finalizers":                 []any{"example.com/cleanup", "example.com/keep"},
		},
		"spec": map[string]any{
			"replicas": int64(9007199254740993),
			"ratio":    0.25,
			"tags":     []any{"a", "b"},
			"future":   map[string]any{"field": "lifeboat has never heard of"},
		},
	}
}

func widgetJSON(t testing.TB) []byte {
	t.Helper()
	b, err := EncodeJSON(widgetMap())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func widgetCBOR(t testing.TB) []byte {
	t.Helper()
	b, err := direct.Marshal(widgetMap())
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(cborSelfDescribed), b...)
}

func mustEncode(t testing.TB, obj runtime.Object) []byte {
	t.Helper()
	b, err := EncodeProtobuf(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecode(t testing.TB, value []byte) *Object {
	t.Helper()
	o, err := Decode(value)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestDecodeProtobufRoundTrip(t *testing.T) {
	tests := []struct {
		obj        runtime.Object
		apiVersion string
		kind       string
		name       string
		check      func(t *testing.T, o *Object)
	}{
		{realisticPod(), "v1", "Pod", "checkout-7d9f8b6c5d-x2k4p", func(t *testing.T, o *Object) {
			if got := o.NestedString("spec", "nodeName"); got != "worker-3" {
				t.Errorf("spec.nodeName = %q", got)
			}
			if got := o.NestedString("status", "phase"); got != "Running" {
				t.Errorf("status.phase = %q", got)
			}
			if o.Meta.DeletionTimestamp == nil {
				t.Error("Meta.DeletionTimestamp lost")
			}
		}},
		{testNode(), "v1", "Node", "worker-3", func(t *testing.T, o *Object) {
			if n := len(o.Typed.(*corev1.Node).Spec.Taints); n != 3 {
				t.Errorf("%d taints, want 3", n)
			}
		}},
		{testSecret(), "v1", "Secret", "db", nil},
		{testConfigMap(), "v1", "ConfigMap", "settings", func(t *testing.T, o *Object) {
			if got := o.NestedString("data", "mode"); got != "production" {
				t.Errorf("data.mode = %q", got)
			}
		}},
		{testLease(), "coordination.k8s.io/v1", "Lease", "worker-3", func(t *testing.T, o *Object) {
			if got := o.NestedString("spec", "holderIdentity"); got != "worker-3" {
				t.Errorf("spec.holderIdentity = %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			value := mustEncode(t, tt.obj)
			o := mustDecode(t, value)
			if o.Format != FormatProtobuf || o.APIVersion != tt.apiVersion || o.Kind != tt.kind {
				t.Fatalf("decoded %s %s %s, want protobuf %s %s", o.Format, o.APIVersion, o.Kind, tt.apiVersion, tt.kind)
			}
			if o.Meta.Name != tt.name || o.Size != len(value) || o.Typed == nil || o.UnknownFields != nil {
				t.Errorf("Meta.Name %q Size %d Typed %T UnknownFields %v", o.Meta.Name, o.Size, o.Typed, o.UnknownFields)
			}
			// Re-encoding the typed object reproduces the stored bytes.
			if again := mustEncode(t, o.Typed); !bytes.Equal(again, value) {
				t.Errorf("re-encoded value differs from the stored one")
			}
			c, err := o.Content()
			if err != nil {
				t.Fatal(err)
			}
			if c["apiVersion"] != tt.apiVersion || c["kind"] != tt.kind {
				t.Errorf("Content apiVersion %v kind %v", c["apiVersion"], c["kind"])
			}
			if o.NestedString("metadata", "name") != tt.name {
				t.Errorf("NestedString(metadata, name) = %q", o.NestedString("metadata", "name"))
			}
			if o.NestedString("no", "such", "field") != "" {
				t.Error("absent field is not empty")
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
}

func TestDecodeUnknownProtobufKind(t *testing.T) {
	o := mustDecode(t, widgetValue(t, widgetMeta()))
	if o.Format != FormatProtobuf || o.APIVersion != "example.com/v1" || o.Kind != "Widget" || o.Typed != nil {
		t.Fatalf("decoded %s %s %s typed %T", o.Format, o.APIVersion, o.Kind, o.Typed)
	}
	if o.Meta.Name != "w1" || o.Meta.DeletionTimestamp == nil || len(o.Meta.Finalizers) != 1 {
		t.Errorf("Meta = %+v", o.Meta)
	}
	wantFields := []FieldInfo{{Number: 2, WireType: "bytes", Bytes: 17}, {Number: 7, WireType: "bytes", Bytes: 40}}
	if !reflect.DeepEqual(o.UnknownFields, wantFields) {
		t.Errorf("UnknownFields = %+v, want %+v", o.UnknownFields, wantFields)
	}
	c, err := o.Content()
	if err != nil {
		t.Fatal(err)
	}
	wantList := []any{
		map[string]any{"field": int64(2), "wireType": "bytes", "bytes": int64(17)},
		map[string]any{"field": int64(7), "wireType": "bytes", "bytes": int64(40)},
	}
	if !reflect.DeepEqual(c["protobufFields"], wantList) {
		t.Errorf("protobufFields = %#v", c["protobufFields"])
	}
	if o.NestedString("metadata", "namespace") != "default" {
		t.Errorf("metadata.namespace = %q", o.NestedString("metadata", "namespace"))
	}
}

func TestDecodeGeneric(t *testing.T) {
	for _, tt := range []struct {
		format Format
		value  []byte
	}{
		{FormatJSON, widgetJSON(t)},
		{FormatCBOR, widgetCBOR(t)},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			o := mustDecode(t, tt.value)
			if o.Format != tt.format || o.APIVersion != "example.com/v1" || o.Kind != "Widget" || o.Typed != nil {
				t.Fatalf("decoded %s %s %s", o.Format, o.APIVersion, o.Kind)
			}
			if o.Meta.Name != "w1" || o.Meta.Generation != 3 || o.Meta.DeletionTimestamp == nil {
				t.Errorf("Meta = %+v", o.Meta)
			}
			c, err := o.Content()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, widgetMap()) {
				t.Errorf("Content = %#v\nwant %#v", c, widgetMap())
			}
		})
	}
}

func TestDecodeEncrypted(t *testing.T) {
	o, err := Decode([]byte("k8s:enc:aesgcm:v1:key2:\x00\x01\x02"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Format != FormatEncrypted || o.Encryption == nil || *o.Encryption != (Encryption{"aesgcm", "v1", "key2"}) {
		t.Fatalf("decoded %+v", o)
	}
	c, err := o.Content()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"apiVersion": "", "kind": "", "encrypted": map[string]any{"provider": "aesgcm", "version": "v1", "keyName": "key2"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Content = %v", c)
	}
}

func TestDecodeMalformed(t *testing.T) {
	pod := mustEncode(t, testSmallPod())
	noKind, _ := (&runtime.Unknown{Raw: []byte{0x0a, 0x00}}).Marshal()
	tests := []struct {
		name  string
		value []byte
		want  string
	}{
		{"garbage", []byte("JUNK\x00\x01"), "not protobuf, JSON or CBOR: starts with 0x4a 0x55 0x4e 0x4b 0x00 0x01"},
		{"empty", nil, "not protobuf, JSON or CBOR: empty value"},
		{"truncated protobuf", pod[:len(pod)-10], "protobuf envelope: truncated field 2"},
		{"magic only", protobufMagic, "empty body"},
		{"no kind", append(bytes.Clone(protobufMagic), noKind...), "no kind"},
		{"truncated object", truncatedObject(t, pod), "protobuf v1 Pod"},
		{"bad json", []byte(`{"kind":`), "json:"},
		{"json without kind", []byte(`{"apiVersion":"v1"}`), "json: no kind"},
		{"bad cbor", []byte("\xd9\xd9\xf7\xa1"), "cbor:"},
		{"truncated encryption header", []byte("k8s:enc:aescbc"), "encryption header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Decode(tt.value)
			if o != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode = %v, %v; want nil and ErrMalformed", o, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestDecodeErrorMessages pins whole messages: each says "malformed value"
// once and names the format once, however the parser words its own error.
func TestDecodeErrorMessages(t *testing.T) {
	cborString, err := direct.Marshal("not a map")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		value []byte
		want  string
	}{
		{"truncated encryption header", []byte("k8s:enc:aescbc"), `malformed value: encryption header "k8s:enc:aescbc" ends before the ':' after its provider`},
		{"truncated cbor", []byte("\xd9\xd9\xf7\xa1"), "malformed value: cbor: unexpected EOF"},
		{"cbor that is no map", append(bytes.Clone(cborSelfDescribed), cborString...), "malformed value: cbor: cannot unmarshal byte string into Go value of type map[string]interface {}"},
		{"truncated json", []byte(`{"kind":`), "malformed value: json: unexpected end of JSON input"},
		{"json without kind", []byte(`{"apiVersion":"v1"}`), "malformed value: json: no kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.value)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Decode error\n got %v\nwant %s", err, tt.want)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%v does not wrap ErrMalformed", err)
			}
		})
	}
}

// truncatedObject rewrites a value so that its envelope is well formed but
// the object inside it ends in the middle of a field.
func truncatedObject(t *testing.T, value []byte) []byte {
	t.Helper()
	return append(bytes.Clone(protobufMagic), rewriteAt(t, value[len(protobufMagic):], []step{}, func(msg []byte) []byte {
		return rewriteAt(t, msg, pathObject, func(obj []byte) []byte { return obj[:len(obj)-3] })
	})...)
}

func TestGoldenYAML(t *testing.T) {
	tests := []struct {
		name  string
		value []byte
		opts  RenderOptions
	}{
		{"pod", mustEncode(t, testSmallPod()), RenderOptions{ResourceVersion: 4242}},
		{"node", mustEncode(t, testNode()), RenderOptions{}},
		{"secret-redacted", mustEncode(t, testSecret()), RenderOptions{}},
		{"widget-unknown-kind", widgetValue(t, widgetMeta()), RenderOptions{ResourceVersion: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustDecode(t, tt.value).YAML(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("YAML differs from %s (go test -update rewrites it):\n%s", path, UnifiedDiff(path, want, got))
			}
		})
	}
}

func TestRenderSecret(t *testing.T) {
	o := mustDecode(t, mustEncode(t, testSecret()))
	redacted, err := o.Render(RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := redacted["data"].(map[string]any)
	if data["password"] != "<redacted: 7 bytes>" || data["user"] != "<redacted: 5 bytes>" {
		t.Errorf("redacted data = %v", data)
	}
	shown, err := o.Render(RenderOptions{ShowSecrets: true, ResourceVersion: 12})
	if err != nil {
		t.Fatal(err)
	}
	if got := shown["data"].(map[string]any)["password"]; got != "aHVudGVyMg==" {
		t.Errorf("shown password = %v, want base64 of hunter2", got)
	}
	if got := shown["metadata"].(map[string]any)["resourceVersion"]; got != "12" {
		t.Errorf("resourceVersion = %v", got)
	}
	// Neither render touched the cache.
	c, _ := o.Content()
	if c["data"].(map[string]any)["password"] != "aHVudGVyMg==" {
		t.Error("Render modified the cached content")
	}
	if _, ok := c["metadata"].(map[string]any)["resourceVersion"]; ok {
		t.Error("Render set resourceVersion in the cached content")
	}
	// Redaction applies to Secrets only.
	cm, err := mustDecode(t, mustEncode(t, testConfigMap())).Render(RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm["data"].(map[string]any)["mode"] != "production" {
		t.Error("ConfigMap data redacted")
	}
}

// TestRenderSecretRedactsCopiesInAnnotations: kubectl apply keeps the
// whole manifest, data included, in an annotation; another tool may copy
// a value into one. Both are redacted in YAML and in JSON (the fast path
// too) unless ShowSecrets; annotations without a copy stay.
func TestRenderSecretRedactsCopiesInAnnotations(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string
		redacted    []string // annotations that must be redacted
	}{
		{"kubectl apply", map[string]string{
			"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"v1","data":{"password":"aHVudGVyMg==","user":"YWRtaW4="},"kind":"Secret"}`,
			"team": "payments",
		}, []string{"kubectl.kubernetes.io/last-applied-configuration"}},
		{"a decoded value copied", map[string]string{"backup/note": "rotated, new one is hunter2", "team": "payments"}, []string{"backup/note"}},
		{"a base64 value copied", map[string]string{"backup/raw": "aHVudGVyMg=="}, []string{"backup/raw"}},
		{"no copy", map[string]string{"team": "payments"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := testSecret()
			secret.Annotations = tt.annotations
			o := mustDecode(t, mustEncode(t, secret))
			for _, opts := range []RenderOptions{{}, {ShowSecrets: true}} {
				y, err := o.YAML(opts)
				if err != nil {
					t.Fatal(err)
				}
				j, err := o.AppendJSON(nil, opts, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				for _, out := range []string{string(y), string(j)} {
					leaked := strings.Contains(out, "hunter2") || strings.Contains(out, "aHVudGVyMg==")
					if leaked != opts.ShowSecrets {
						t.Errorf("ShowSecrets %v: the password shows %v:\n%s", opts.ShowSecrets, leaked, out)
					}
					if !strings.Contains(out, "payments") && tt.annotations["team"] != "" {
						t.Errorf("an annotation with no copy was redacted:\n%s", out)
					}
				}
			}
			m, err := o.Render(RenderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			annotations := m["metadata"].(map[string]any)["annotations"].(map[string]any)
			for _, k := range tt.redacted {
				if v, _ := annotations[k].(string); !strings.HasPrefix(v, "<redacted: ") {
					t.Errorf("%s = %q, want it redacted", k, v)
				}
			}
		})
	}
}

func TestEncodeJSON(t *testing.T) {
	obj := widgetMap()
	obj["metadata"].(map[string]any)["resourceVersion"] = "99"
	got, err := EncodeJSON(obj)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := obj["metadata"].(map[string]any)["resourceVersion"]; !ok {
		t.Error("EncodeJSON modified its argument")
	}
	if bytes.Contains(got, []byte("resourceVersion")) || !bytes.HasSuffix(got, []byte("}\n")) {
		t.Errorf("EncodeJSON = %s", got)
	}
	if !bytes.Contains(got, []byte(`"replicas":9007199254740993`)) {
		t.Errorf("int64 lost: %s", got)
	}
}

func BenchmarkDecodePod(b *testing.B) {
	value := mustEncode(b, realisticPod())
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(value); err != nil {
			b.Fatal(err)
		}
	}
}

func TestContentConcurrent(t *testing.T) {
	o := mustDecode(t, mustEncode(t, testSmallPod()))
	done := make(chan map[string]any)
	for range 4 {
		go func() {
			c, err := o.Content()
			if err != nil {
				t.Error(err)
			}
			done <- c
		}()
	}
	first := <-done
	for range 3 {
		if c := <-done; reflect.ValueOf(c).UnsafePointer() != reflect.ValueOf(first).UnsafePointer() {
			t.Error("Content built more than once")
		}
	}
}

// TestAsTyped: a built-in kind reads as its Go type whatever the format it
// is stored in; Typed stays the protobuf serializer's alone.
func TestAsTyped(t *testing.T) {
	want := testNode()
	jsonNode, err := EncodeStorageJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	cborNode, err := encodeForStorage(want, cborSerializer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		format Format
		value  []byte
	}{
		{FormatProtobuf, mustEncode(t, want)},
		{FormatJSON, jsonNode},
		{FormatCBOR, cborNode},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			o := mustDecode(t, tt.value)
			if o.Format != tt.format {
				t.Fatalf("decoded as %s", o.Format)
			}
			if (o.Typed != nil) != (tt.format == FormatProtobuf) {
				t.Errorf("Typed %T for a %s value", o.Typed, tt.format)
			}
			n, ok := o.AsTyped().(*corev1.Node)
			if !ok {
				t.Fatalf("AsTyped = %T, want a Node", o.AsTyped())
			}
			if !apiequality.Semantic.DeepEqual(n.Spec, want.Spec) || !apiequality.Semantic.DeepEqual(n.Status.Conditions, want.Status.Conditions) {
				t.Errorf("AsTyped spec %+v conditions %+v\nwant %+v %+v", n.Spec, n.Status.Conditions, want.Spec, want.Status.Conditions)
			}
			if o.AsTyped() != n {
				t.Error("AsTyped converted the map twice")
			}
		})
	}
	for name, value := range map[string][]byte{
		"custom resource":         widgetJSON(t),
		"node of another version": []byte(`{"apiVersion":"v2","kind":"Node","metadata":{"name":"n"}}`),
		"node that does not fit":  []byte(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{"taints":"none"}}`),
	} {
		if typed := mustDecode(t, value).AsTyped(); typed != nil {
			t.Errorf("%s: AsTyped = %T, want nil", name, typed)
		}
	}
}
