package kubefixtures

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

//go:embed testdata/groundtruth.json
var groundTruthJSON []byte

// GroundTruth is what one kube-apiserver wrote.
type GroundTruth struct {
	Kubernetes string   `json:"kubernetes"` // its release: "v1.36.3"
	Objects    []Object `json:"objects"`
	OtherKeys  []Key    `json:"otherKeys"`
}

// Object is one object written through the apiserver's API.
type Object struct {
	// Group, Version and Resource are what it was written through.
	Group    string `json:"group"`
	Version  string `json:"version"`
	Resource string `json:"resource"`
	Key      string `json:"key"`
	Value    []byte `json:"value"` // what etcd held
	// Table is what the apiserver served for it as kubectl get asks, at
	// ServedAt.
	Table    metav1.Table `json:"table"`
	ServedAt time.Time    `json:"servedAt"`
	// Custom is set for custom resources (their CRDs are among Objects).
	Custom bool `json:"custom,omitempty"`
}

// Key is a key the apiserver wrote for itself.
type Key struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// Load reads the ground truth.
func Load() (*GroundTruth, error) {
	var gt GroundTruth
	if err := json.Unmarshal(groundTruthJSON, &gt); err != nil {
		return nil, fmt.Errorf("kubefixtures: testdata/groundtruth.json: %w", err)
	}
	return &gt, nil
}

// APIFixture is one of k8s.io/api's serialization fixtures.
type APIFixture struct {
	GVK   schema.GroupVersionKind
	Path  string
	Value []byte // protobuf, with the "k8s\x00" envelope
}

// APIFixtures reads the protobuf fixtures k8s.io/api keeps for release
// (testdata/HEAD for the module's own, testdata/v1.35.0 for an earlier
// one), from the module in the module cache.
func APIFixtures(release string) ([]APIFixture, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/api").Output()
	if err != nil {
		return nil, fmt.Errorf("kubefixtures: locate k8s.io/api: %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "testdata", release)
	paths, err := filepath.Glob(filepath.Join(dir, "*.pb"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("kubefixtures: no fixtures in %s (%v)", dir, err)
	}
	sort.Strings(paths)
	var fixtures []APIFixture
	for _, p := range paths {
		// <group>.<version>.<Kind>.pb, the core group named "core".
		name := strings.TrimSuffix(filepath.Base(p), ".pb")
		i := strings.LastIndexByte(name, '.')
		j := strings.LastIndexByte(name[:i], '.')
		gvk := schema.GroupVersionKind{Group: name[:j], Version: name[j+1 : i], Kind: name[i+1:]}
		if gvk.Group == "core" {
			gvk.Group = ""
		}
		value, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		fixtures = append(fixtures, APIFixture{GVK: gvk, Path: p, Value: value})
	}
	return fixtures, nil
}
