package codec

import (
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	before := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  deletionGracePeriodSeconds: 30\n  deletionTimestamp: \"2026-03-14T15:10:26Z\"\n  name: web-0\n  namespace: default\nspec:\n  nodeName: worker-3\n")
	after := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\n  namespace: default\nspec:\n  nodeName: worker-3\n")
	tests := []struct {
		name          string
		before, after []byte
		want          string
	}{
		{"equal", before, before, ""},
		{"both empty", nil, nil, ""},
		{"clear deletion", before, after, `--- a/pods/default/web-0
+++ b/pods/default/web-0
@@ -1,8 +1,6 @@
 apiVersion: v1
 kind: Pod
 metadata:
-  deletionGracePeriodSeconds: 30
-  deletionTimestamp: "2026-03-14T15:10:26Z"
   name: web-0
   namespace: default
 spec:
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UnifiedDiff("pods/default/web-0", tt.before, tt.after); got != tt.want {
				t.Errorf("UnifiedDiff =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestUnifiedDiffFromObjects(t *testing.T) {
	value := mustEncode(t, testSmallPod())
	before, err := mustDecode(t, value).YAML(RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := mustDecode(t, mustApply(t, value, ClearDeletion())).YAML(RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := UnifiedDiff("pod", before, after)
	for _, want := range []string{"--- a/pod\n", "+++ b/pod\n", "\n-  deletionTimestamp:", "\n-  deletionGracePeriodSeconds: 30\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	_, body, _ := strings.Cut(d, "@@")
	if strings.Contains(body, "\n+") {
		t.Errorf("diff adds lines:\n%s", d)
	}
}
