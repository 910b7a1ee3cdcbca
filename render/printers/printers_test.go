package printers

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/render/printers/printerstest"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestCells prints printerstest's hand-made objects: the pod, node,
// namespace, deployment, event, lease, autoscaler and service rows an SRE
// reads in an outage. e2e/printers_test.go checks the same cases against
// upstream's printers.
func TestCells(t *testing.T) {
	now := time.Now()
	for _, c := range printerstest.Cases(now) {
		t.Run(c.Name, func(t *testing.T) {
			cells, ok, err := Cells(c.Object, now)
			if !ok || err != nil {
				t.Fatalf("Cells(%T) = ok %t, err %v", c.Object, ok, err)
			}
			if !reflect.DeepEqual(cells, c.Cells) {
				t.Errorf("cells\ngot  %#v\nwant %#v", cells, c.Cells)
			}
			columns, ok := Columns(kindOf(t, c.Object))
			if !ok || len(columns) != len(cells) {
				t.Errorf("%d columns (%t) for %d cells", len(columns), ok, len(cells))
			}
		})
	}
}

// kindOf is obj's kind, as client-go's scheme (all of k8s.io/api) has it.
func kindOf(t *testing.T, obj runtime.Object) schema.GroupKind {
	t.Helper()
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	return gvks[0].GroupKind()
}

func TestColumns(t *testing.T) {
	tests := []struct {
		kind schema.GroupKind
		want string // name:priority, those of kubectl get and of -o wide
	}{
		{schema.GroupKind{Kind: "Pod"}, "Name:0 Ready:0 Status:0 Restarts:0 Age:0 IP:1 Node:1 Nominated Node:1 Readiness Gates:1"},
		{schema.GroupKind{Kind: "Node"}, "Name:0 Status:0 Roles:0 Age:0 Version:0 Internal-IP:1 External-IP:1 OS-Image:1 Kernel-Version:1 Container-Runtime:1"},
		{schema.GroupKind{Kind: "Event"}, "Last Seen:0 Type:0 Reason:0 Object:0 Subobject:1 Source:1 Message:0 First Seen:1 Count:1 Name:1"},
		{schema.GroupKind{Group: "events.k8s.io", Kind: "Event"}, "Last Seen:0 Type:0 Reason:0 Object:0 Subobject:1 Source:1 Message:0 First Seen:1 Count:1 Name:1"},
		{schema.GroupKind{Group: "apps", Kind: "Deployment"}, "Name:0 Ready:0 Up-to-date:0 Available:0 Age:0 Containers:1 Images:1 Selector:1"},
		{schema.GroupKind{Group: "coordination.k8s.io", Kind: "Lease"}, "Name:0 Holder:0 Age:0"},
		// upstream gives PreemptionPolicy priority 0: kubectl get shows it
		{schema.GroupKind{Group: "scheduling.k8s.io", Kind: "PriorityClass"}, "Name:0 Value:0 Global-Default:0 Age:0 PreemptionPolicy:0"},
		{schema.GroupKind{Group: "resource.k8s.io", Kind: "ResourceClaim"}, "Name:0 State:0 Age:0"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			columns, ok := Columns(tt.kind)
			if !ok {
				t.Fatal("no columns")
			}
			var got []string
			for _, c := range columns {
				got = append(got, c.Name+":"+strconv.Itoa(int(c.Priority)))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("columns\ngot  %s\nwant %s", strings.Join(got, " "), tt.want)
			}
		})
	}
}

func TestKindsWithoutPrinter(t *testing.T) {
	for _, kind := range []schema.GroupKind{
		{Group: "rbac.authorization.k8s.io", Kind: "Role"},
		{Kind: "LimitRange"},
		{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"},
		{Group: "extensions", Kind: "Deployment"},
	} {
		if columns, ok := Columns(kind); ok {
			t.Errorf("Columns(%v) = %v, want none: kube-apiserver uses the default table convertor", kind, columns)
		}
	}
	for _, obj := range []runtime.Object{&rbacv1.Role{}, &corev1.LimitRange{}, &corev1.PodList{}} {
		if cells, ok, err := Cells(obj, time.Now()); ok || err != nil {
			t.Errorf("Cells(%T) = %v, %t, %v; want no printer", obj, cells, ok, err)
		}
	}
}

func TestColumnsAreCopies(t *testing.T) {
	columns, _ := Columns(schema.GroupKind{Kind: "Pod"})
	columns[0].Name = "Changed"
	if again, _ := Columns(schema.GroupKind{Kind: "Pod"}); again[0].Name != "Name" {
		t.Errorf("changing what Columns returned changed the registry: %q", again[0].Name)
	}
}

func TestDefault(t *testing.T) {
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{
		Name:              "reader",
		CreationTimestamp: metav1.NewTime(time.Date(2024, 2, 29, 23, 59, 58, 0, time.FixedZone("CET", 3600))),
	}}
	cells, err := DefaultCells(role)
	if want := []any{"reader", "2024-02-29T22:59:58Z"}; err != nil || !reflect.DeepEqual(cells, want) {
		t.Errorf("DefaultCells = %#v, %v; want %#v", cells, err, want)
	}
	if _, err := DefaultCells(&metav1.Status{}); err == nil {
		t.Error("DefaultCells of an object without metadata: no error")
	}
	var names []string
	for _, c := range DefaultColumns() {
		names = append(names, c.Name+"/"+c.Type)
	}
	if got := strings.Join(names, " "); got != "Name/string Created At/date" {
		t.Errorf("DefaultColumns = %s", got)
	}
}

// TestCellsErrors: an object upstream cannot print is an error, not a
// crash, whether upstream's printer fails or panics on it.
func TestCellsErrors(t *testing.T) {
	tests := []struct {
		name string
		obj  runtime.Object
		want string
	}{
		{
			"controller revision owned by an unparsable apiVersion",
			&appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "web-1", OwnerReferences: []metav1.OwnerReference{
				{APIVersion: "apps/v1/extra", Kind: "StatefulSet", Name: "web", Controller: new(true)},
			}}},
			"print *v1.ControllerRevision: unexpected GroupVersion string: apps/v1/extra",
		},
		{
			"autoscaler with an External metric that has no external source",
			&autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ExternalMetricSourceType}},
			}},
			"print *v2.HorizontalPodAutoscaler: panic: runtime error: invalid memory address or nil pointer dereference",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells, ok, err := Cells(tt.obj, time.Now())
			if !ok || err == nil || err.Error() != tt.want {
				t.Errorf("Cells = %v, %t, %v; want error %q", cells, ok, err, tt.want)
			}
		})
	}
}
