package render

import (
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHistoryEscapesWhatEtcdHolds: a value can hold terminal escapes; the
// history shows them escaped, and colours only lifeboat's own diff marks.
func TestHistoryEscapesWhatEtcdHolds(t *testing.T) {
	version := func(rev, v int64, data string) etcdops.Version {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop"}, Data: map[string]string{"motd": data}}
		value, err := codec.EncodeProtobuf(cm)
		if err != nil {
			t.Fatal(err)
		}
		return etcdops.Version{Record: etcdops.Record{Key: "/registry/configmaps/shop/app", Value: value, ModRevision: rev, Version: v}}
	}
	h := &etcdops.History{
		KeyInfo:  etcdops.KeyInfo{Resource: etcdops.MustResolveResource("configmaps"), Namespace: "shop", Name: "app"},
		Key:      "/registry/configmaps/shop/app",
		Versions: []etcdops.Version{version(10, 1, "hello"), version(12, 2, "\x1b]0;owned\x07")},
		Revision: 12,
	}
	for _, color := range []bool{false, true} {
		out := History(h, false, color)
		if strings.Contains(out, "\x1b]0;owned") || strings.Contains(out, "\x07") {
			t.Errorf("color %v: a raw escape from etcd reached the output:\n%q", color, out)
		}
		if !strings.Contains(out, "REVISION 12  modified") || !strings.Contains(out, "REVISION 10  created") {
			t.Errorf("color %v: versions not named:\n%s", color, out)
		}
		if got := strings.Contains(out, "\x1b[32m"); got != color {
			t.Errorf("color %v: lifeboat's colours present %v", color, got)
		}
	}
}
