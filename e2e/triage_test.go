package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestQuarantineAndRestore is issue #9's proof against a real
// kube-apiserver: one undecodable value under /registry/pods stops it from
// listing pods; doctor names the key, quarantine moves it, and the
// apiserver lists pods again. A ConfigMap deleted through the API comes
// back with history --deleted and restore, and the apiserver serves it.
func TestQuarantineAndRestore(t *testing.T) {
	ctx := context.Background()
	// Without the watch cache every LIST reads etcd, as the first LIST
	// of a restarting apiserver does. (With it, a running apiserver keeps
	// serving the pods it cached and logs the value it cannot decode; one
	// that starts with the value never reports healthy.)
	c := newCluster(t, "/registry", "--watch-cache=false")
	c.namespace(t, "triage")
	c.pod(t, podSpec{ns: "triage", name: "web-0"})

	// The poison value, written straight to etcd.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.etcd.Endpoint()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	const poison = "/registry/pods/triage/poison"
	// The demo's poison value. (Text with a colon would not do: the
	// apiserver's storage decoder reads YAML too, and decodes a map
	// without a kind into a Pod.)
	if _, err := cli.Put(ctx, poison, "not an object"); err != nil {
		t.Fatal(err)
	}
	listPods := func() error {
		_, err := c.cs.CoreV1().Pods("triage").List(ctx, metav1.ListOptions{})
		return err
	}
	eventually(t, "kube-apiserver fails to list pods", 30*time.Second, func() (bool, string) {
		err := listPods()
		return err != nil, fmt.Sprintf("list: %v", err)
	})

	r := c.lifeboat(t, "doctor")
	if r.code != 3 || !strings.Contains(r.stdout, "fix: lifeboat quarantine "+poison) {
		t.Fatalf("doctor does not name the poison value (exit %d)", r.code)
	}
	r = c.lifeboat(t, "quarantine", poison, "--yes")
	if r.code != 0 {
		t.Fatalf("quarantine: exit %d", r.code)
	}
	eventually(t, "kube-apiserver lists pods again", 60*time.Second, func() (bool, string) {
		err := listPods()
		return err == nil, fmt.Sprintf("list: %v", err)
	})

	// Someone deletes a ConfigMap through the API.
	cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: "triage"}, Data: map[string]string{"LOG_LEVEL": "debug"}}
	if _, err := c.cs.CoreV1().ConfigMaps("triage").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.cs.CoreV1().ConfigMaps("triage").Delete(ctx, "app-config", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r = c.lifeboat(t, "history", "configmaps", "-n", "triage", "--deleted", "-o", "json")
	type deletion struct {
		Name         string `json:"name"`
		LastRevision int64  `json:"lastRevision"`
	}
	var deleted []deletion
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var d deletion
		if json.Unmarshal([]byte(line), &d) == nil && d.Name != "" {
			deleted = append(deleted, d)
		}
	}
	if r.code != 0 || len(deleted) != 1 || deleted[0].Name != "app-config" || deleted[0].LastRevision == 0 {
		t.Fatalf("history --deleted: exit %d, %+v", r.code, deleted)
	}
	r = c.lifeboat(t, "restore", "configmaps", "app-config", "-n", "triage", "--revision", fmt.Sprint(deleted[0].LastRevision), "--yes")
	if r.code != 0 {
		t.Fatalf("restore: exit %d", r.code)
	}
	eventually(t, "kube-apiserver serves the restored ConfigMap", 30*time.Second, func() (bool, string) {
		got, err := c.cs.CoreV1().ConfigMaps("triage").Get(ctx, "app-config", metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return false, "not found"
		case err != nil:
			return false, err.Error()
		}
		return got.Data["LOG_LEVEL"] == "debug", fmt.Sprintf("data %v, resourceVersion %s", got.Data, got.ResourceVersion)
	})
}
