package doctor

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/kubefixtures"
	corev1 "k8s.io/api/core/v1"
)

// TestPodNeeds: the facts doctor keeps of a pod decoded with podNeeds are
// those of the whole pod, for pods of every sort: what a real
// kube-apiserver stored, every field of k8s.io/api's fixtures in each
// release's encoding, the demo's.
func TestPodNeeds(t *testing.T) {
	values := map[string][]byte{}
	gt, err := kubefixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range gt.Objects {
		if o.Group == "" && o.Resource == "pods" {
			values[o.Key] = o.Value
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/api").Output()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "testdata", "*", "core.v1.Pod.*pb"))
	demo, _ := filepath.Glob(filepath.Join("..", "codec", "testdata", "demo", "*pods*"))
	for _, f := range append(files, demo...) {
		if b, err := os.ReadFile(f); err == nil {
			values[f] = b
		}
	}
	compared := 0
	for name, value := range values {
		whole, err := codec.Decode(value)
		if err != nil {
			continue
		}
		part, err := codec.DecodeMasked(value, podNeeds)
		if err != nil || !part.Partial {
			t.Errorf("%s: not decoded with podNeeds (%v)", name, err)
			continue
		}
		full, masked := podFactsOf("k", whole.Typed.(*corev1.Pod)), podFactsOf("k", part.Typed.(*corev1.Pod))
		if !reflect.DeepEqual(full, masked) {
			t.Errorf("%s: facts of the masked pod\n%+v\nof the whole one\n%+v", name, masked, full)
		}
		compared++
	}
	if compared < 10 {
		t.Errorf("compared %d pods", compared)
	}
}
