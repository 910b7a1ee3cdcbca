package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// spotCapacityLoss: the cloud reclaims two spot instances. Their node
// termination handler drains them (every pod evicted: Terminating, with
// no kubelet left to finish it), the cloud provider deletes their Nodes
// and the garbage collector their kubelet Leases; cluster DNS ran on
// them. The control plane goes down before kube-controller-manager's pod
// garbage collector (40 s quarantine) deletes the orphans.
func spotCapacityLoss() scenario {
	spot := []string{"spot-a", "spot-b"}
	cart := appWorkload("shop", "cart", "5d8f7b9c6d", 3, nil, nil)
	survivor := cart.podName("q7w2e")
	var lost []string // namespace/name of the pods bound to the vanished nodes
	return scenario{
		name:    "spot-capacity-loss",
		runbook: "spot-capacity-loss.md",
		build: func(t *testing.T, g *galleryCluster) {
			ctx := context.Background()
			g.kubeletNode(t, "ondemand-1", map[string]string{"karpenter.sh/capacity-type": "on-demand"})
			for _, n := range spot {
				g.kubeletNode(t, n, map[string]string{"karpenter.sh/capacity-type": "spot"})
			}
			_, dnsSvc, dnsPods := g.clusterDNS(t, spot...)
			g.namespace(t, "shop")
			g.deploy(t, cart)
			drained := append([]*v1.Pod{g.runPod(t, cart, "x2x9z", "spot-a", podState{}), g.runPod(t, cart, "k8s7q", "spot-b", podState{})}, dnsPods...)
			g.runPod(t, cart, "q7w2e", "ondemand-1", podState{})

			t.Log("the interruption notice: both spot nodes are drained")
			g.evict(t, drained...)
			g.endpoints(t, dnsSvc, dnsPods...)
			t.Log("the instances are gone: their Nodes are deleted, and their kubelet Leases with them")
			g.forget(spot...)
			for _, n := range spot {
				if err := g.cs.CoordinationV1().Leases(v1.NamespaceNodeLease).Delete(ctx, n, metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
				if err := g.cs.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range drained {
				lost = append(lost, p.Namespace+"/"+p.Name)
			}
			rows := g.podRows(t)
			for _, name := range lost {
				if row := rows[name]; row.status != "Terminating" || !contains(spot, row.node) {
					t.Errorf("pod %s: %s on %q, want Terminating on a vanished spot node", name, row.status, row.node)
				}
			}
			g.kubectlOK(t, "get", "nodes")
		},
		expect: []want{
			{id: "pods-on-vanished-node", severity: critical, names: spot, notNames: []string{"ondemand-1"}},
			{id: "dns-down", severity: problem},
		},
		healthy:  []string{"ondemand-1", survivor},
		fixes:    []string{"pods-on-vanished-node"},
		fixPaths: []string{"delete"},
		served: func(t *testing.T, g *galleryCluster) {
			rows := g.podRows(t)
			for _, name := range lost {
				if row, ok := rows[name]; ok {
					t.Errorf("kubectl get pods -A still lists %s (%s on %s)", name, row.status, row.node)
				}
			}
			if row := rows["shop/"+survivor]; row.status != "Running" {
				t.Errorf("shop/%s on the on-demand node: %q, want Running", survivor, row.status)
			}
		},
	}
}

// networkCut: the workers lose the network. kube-controller-manager's node
// lifecycle controller taints them unreachable and the taint eviction
// controller evicts their pods (the drill of docs/runbooks/node-partition.md);
// then the control plane goes down too, and with it cluster DNS, which
// ran only on the control-plane node.
func networkCut() scenario {
	workers := []string{"worker-1", "worker-2"}
	web := appWorkload("storefront", "web", "7c9d8b6f5d", 2, nil, nil)
	var evicted []string
	return scenario{
		name:    "network-cut",
		runbook: "network-cut.md",
		// DefaultTolerationSeconds gives pods 2 s, not 300 s, for the
		// unreachable taint: the evictions come within the test (TestDrill's
		// setting).
		apiFlags: []string{"--default-unreachable-toleration-seconds=2", "--default-not-ready-toleration-seconds=2"},
		build: func(t *testing.T, g *galleryCluster) {
			ctx := context.Background()
			g.controlPlaneNode(t, "cp-1")
			for _, w := range workers {
				g.kubeletNode(t, w, nil)
			}
			_, _, dns := g.clusterDNS(t, "cp-1", "cp-1")
			g.namespace(t, "storefront")
			g.deploy(t, web)
			pods := []*v1.Pod{g.runPod(t, web, "x2x9z", "worker-1", podState{}), g.runPod(t, web, "k8s7q", "worker-2", podState{})}
			t.Log("the cut: the workers' kubelets stop reaching the apiserver")
			g.silence(t, workers...)
			g.startControllers(t, "node-lifecycle-controller", "taint-eviction-controller")
			for _, w := range workers {
				g.waitTainted(t, w)
			}
			for _, p := range pods {
				g.waitTerminating(t, p)
				evicted = append(evicted, p.Name)
			}
			// kube-controller-manager goes down first (the runbook's first
			// step, and two cannot run in this process at once).
			g.stopControllers(t)
			if n, err := g.cs.CoreV1().Nodes().Get(ctx, "cp-1", metav1.GetOptions{}); err != nil || hasUnreachable(n) {
				t.Fatalf("cp-1: %v%s", err, nodeSummary(n))
			}
			rows := g.podRows(t)
			for _, p := range dns {
				if row := rows["kube-system/"+p.Name]; row.status != "Running" || row.node != "cp-1" {
					t.Errorf("DNS pod %s: %s on %s, want Running on cp-1", p.Name, row.status, row.node)
				}
			}
			g.kubectlOK(t, "get", "nodes")
		},
		expect: []want{
			{id: "nodes-silent-before-outage", severity: problem, names: workers, notNames: []string{"cp-1"}},
			{id: "dns-control-plane-only", severity: problem, names: []string{"cp-1"}},
		},
		// Silent nodes while the apiserver runs are nodes-silent: here it
		// does not.
		absent:   []string{"nodes-silent"},
		fixes:    []string{"nodes-silent-before-outage"},
		fixPaths: []string{"nodes untaint", "pods undelete"},
		served: func(t *testing.T, g *galleryCluster) {
			ctx := context.Background()
			for _, w := range workers {
				n, err := g.cs.CoreV1().Nodes().Get(ctx, w, metav1.GetOptions{})
				if err != nil || hasUnreachable(n) {
					t.Errorf("node %s: %v%s", w, err, nodeSummary(n))
				}
			}
			rows := g.podRows(t)
			for _, name := range evicted {
				if row := rows["storefront/"+name]; row.status != "Running" {
					t.Errorf("pod storefront/%s: %q, want Running (not Terminating)", name, row.status)
				}
			}
		},
	}
}

// nodeDeadBeforeOutage: one node died well before the control plane went
// down (the node lifecycle controller had tainted it); the others renewed
// their kubelet Leases until the apiserver stopped, so theirs went stale
// with it. Cluster DNS runs on two of those, one pod each.
func nodeDeadBeforeOutage() scenario {
	alive := []string{"alive-1", "alive-2"}
	healthy := append([]string{corednsPod(0), corednsPod(1)}, alive...)
	return scenario{
		name:    "node-dead-before-outage",
		runbook: "node-dead-before-outage.md",
		build: func(t *testing.T, g *galleryCluster) {
			for _, n := range append([]string{"dead-1"}, alive...) {
				g.kubeletNode(t, n, nil)
			}
			g.clusterDNS(t, alive...)
			g.namespace(t, "inventory")
			inv := appWorkload("inventory", "inventory", "84c6b9d7f4", 3, nil, nil)
			g.deploy(t, inv)
			for i, n := range []string{"dead-1", "alive-1", "alive-2"} {
				g.runPod(t, inv, []string{"h5j2k", "p9d3x", "w4t6n"}[i], n, podState{})
			}
			t.Log("dead-1's kubelet dies")
			g.silence(t, "dead-1")
			g.startControllers(t, "node-lifecycle-controller")
			g.waitTainted(t, "dead-1")
			g.stopControllers(t)
			g.kubectlOK(t, "get", "nodes")
		},
		expect: []want{
			{id: "nodes-silent-before-outage", severity: problem, names: []string{"dead-1"}, notNames: alive},
			{id: "nodes-lost-with-apiserver", severity: info, names: alive, notNames: []string{"dead-1"}},
		},
		absent:  []string{"nodes-silent", "dns-down", "dns-one-node", "dns-control-plane-only"},
		healthy: healthy,
		served: func(t *testing.T, g *galleryCluster) {
			// The kubelets that lost only the apiserver renew again on
			// their own; the dead node is all that is left, and with the
			// apiserver up doctor calls it nodes-silent.
			since := time.Now()
			ctx := context.Background()
			for _, n := range alive {
				eventually(t, "kubelet Lease of "+n+" renewed", 30*time.Second, func() (bool, string) {
					l, err := g.clientset().CoordinationV1().Leases(v1.NamespaceNodeLease).Get(ctx, n, metav1.GetOptions{})
					if err != nil {
						return false, err.Error()
					}
					return l.Spec.RenewTime.After(since), "renewed " + l.Spec.RenewTime.UTC().Format(time.RFC3339)
				})
			}
			eventually(t, "kube-apiserver's identity Lease renewed", 30*time.Second, func() (bool, string) {
				l, err := g.cs.CoordinationV1().Leases("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "apiserver.kubernetes.io/identity=kube-apiserver"})
				if err != nil {
					return false, err.Error()
				}
				for _, lease := range l.Items {
					if lease.Spec.RenewTime.After(g.stoppedAt) {
						return true, lease.Name + " renewed " + lease.Spec.RenewTime.UTC().Format(time.RFC3339)
					}
				}
				return false, fmt.Sprintf("%d identity lease(s), none renewed since the outage", len(l.Items))
			})
			d, ok := parseDiagnosis(t, g.run(t, "doctor", "-o", "json"))
			if !ok {
				return
			}
			checkWant(t, d, want{id: "nodes-silent", severity: problem, names: []string{"dead-1"}, notNames: alive})
			for _, f := range d.Findings {
				if contains([]string{"apiserver-outage", "nodes-lost-with-apiserver", "nodes-silent-before-outage"}, f.ID) {
					t.Errorf("with kube-apiserver back: %s", f)
				}
				for _, name := range healthy {
					if f.Severity != "info" && f.names(name) {
						t.Errorf("%s is healthy, and finding %s names it", name, f)
					}
				}
			}
		},
	}
}

// configMapKeyMissing: the post-mortem shape. Someone tidies the
// ConfigMap web-config and removes the key app.yaml, which the web pods
// mount with subPath. Running containers keep their copy; the next
// rollout's pods cannot start: the kubelet cannot prepare the subPath
// (CreateContainerConfigError), and once it makes it a directory the
// program reading its config crashes (CrashLoopBackOff).
func configMapKeyMissing() scenario {
	const ns = "storefront"
	const appYAML = "listen: :8080\nupstream: http://api.storefront.svc:8080\n"
	web := appWorkload(ns, "web", "7c9d8b6f5d", 2, []v1.Volume{configMapVolume("config", "web-config")},
		[]v1.VolumeMount{{Name: "config", MountPath: "/etc/web/app.yaml", SubPath: "app.yaml"}})
	api := appWorkload(ns, "api", "5f7d9c6b8d", 1, []v1.Volume{configMapVolume("config", "api-config")},
		[]v1.VolumeMount{{Name: "config", MountPath: "/etc/api/api.yaml", SubPath: "api.yaml"}})
	// withKey and edited are web-config's revisions: created with the key,
	// edited without it.
	var withKey, edited int64
	return scenario{
		name:    "configmap-key-missing",
		runbook: "configmap-key-missing.md",
		build: func(t *testing.T, g *galleryCluster) {
			ctx := context.Background()
			g.kubeletNode(t, "node-1", nil)
			g.namespace(t, ns)
			cm := g.configMap(t, ns, "web-config", map[string]string{"app.yaml": appYAML, "log.yaml": "level: info\n"})
			withKey = rv(cm)
			g.configMap(t, ns, "api-config", map[string]string{"api.yaml": "port: 8080\n"})
			g.deploy(t, api)
			g.runPod(t, api, "r4n8t", "node-1", podState{})

			t.Log("the edit: app.yaml is removed from web-config")
			delete(cm.Data, "app.yaml")
			cm, err := g.cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			edited = rv(cm)
			t.Log("the rollout after it")
			g.deploy(t, web)
			subPath := podState{waiting: "CreateContainerConfigError", message: `failed to prepare subPath for volumeMount "config" of container "web"`}
			g.runPod(t, web, "x2x9z", "node-1", subPath)
			p := g.runPod(t, web, "k8s7q", "node-1", subPath)
			g.report(t, p, podState{waiting: "CrashLoopBackOff", restarts: 5,
				message: "back-off 2m40s restarting failed container=web pod=" + p.Name + "_" + ns + "(" + string(p.UID) + ")"})
			rows := g.podRows(t)
			for name, status := range map[string]string{web.podName("x2x9z"): "CreateContainerConfigError", web.podName("k8s7q"): "CrashLoopBackOff", api.podName("r4n8t"): "Running"} {
				if got := rows[ns+"/"+name].status; got != status {
					t.Errorf("pod %s: kubectl shows %q, want %s", name, got, status)
				}
			}
		},
		expect: []want{
			{id: "configmap-key-missing", severity: problem, names: []string{"web-config", "app.yaml", "web|web-7c9d8b6f5d"}},
		},
		healthy:  []string{"api-config", "api.yaml", "api-5f7d9c6b8d", api.podName("r4n8t")},
		fixes:    []string{"configmap-key-missing"},
		fixPaths: []string{"restore|history"},
		fix: func(t *testing.T, g *galleryCluster, lines []fixLine) {
			// The revision to restore, as the runbook finds it: the newest
			// version in the ConfigMap's history that has the key.
			r := g.run(t, "history", "configmaps", "web-config", "-n", ns, "-o", "json")
			var h struct {
				Versions []struct {
					ModRevision int64          `json:"modRevision"`
					Object      map[string]any `json:"object"`
				} `json:"versions"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &h); err != nil {
				t.Fatalf("history -o json: %v", err)
			}
			var rev int64
			for _, v := range h.Versions {
				if data, _ := v.Object["data"].(map[string]any); data["app.yaml"] != nil {
					rev = v.ModRevision
				}
			}
			if rev < withKey || rev >= edited {
				t.Fatalf("history's newest version with app.yaml is at revision %d; web-config had it from revision %d to %d", rev, withKey, edited)
			}
			restore := fixLine{line: "restore", args: []string{"restore", "configmaps", "web-config", "-n", ns, "--revision", fmt.Sprint(rev), "--dry-run"}}
			if l, ok := withPath(lines, "restore"); ok {
				if _, flags := commandWords(l.args); len(flags["--revision"]) != 1 || flags["--revision"][0] != fmt.Sprint(rev) {
					t.Errorf("%q: history's newest version with app.yaml is at revision %d", l.line, rev)
				}
				restore = l
			}
			g.applyWrites(t, []fixLine{restore})
		},
		served: func(t *testing.T, g *galleryCluster) {
			got := g.kubectlOK(t, "get", "configmap", "web-config", "-n", ns, "-o", `jsonpath={.data.app\.yaml}`)
			if got != appYAML {
				t.Errorf("web-config's app.yaml: %q, want %q", got, appYAML)
			}
		},
	}
}

// webhookFailsClosed: a policy engine was uninstalled. Its Service went
// with its chart; its ValidatingWebhookConfiguration, which it registered
// itself, stayed, with failurePolicy Fail: every ConfigMap create and
// update outside kube-system is refused. Another webhook (cert-guard)
// works: its Service has a ready endpoint.
func webhookFailsClosed() scenario {
	const refused = `failed calling webhook "validate.policy-guard.example.com"`
	probe := []string{"create", "configmap", "probe", "-n", "shop", "--from-literal=greeting=hello"}
	return scenario{
		name:    "webhook-fails-closed",
		runbook: "webhook-fails-closed.md",
		build: func(t *testing.T, g *galleryCluster) {
			ctx := context.Background()
			g.kubeletNode(t, "node-1", nil)
			for _, ns := range []string{"shop", "cert-system", "policy-system"} {
				g.namespace(t, ns)
			}
			certGuard := appWorkload("cert-system", "cert-guard", "6b9f8d7c5b", 1, nil, nil)
			g.deploy(t, certGuard)
			pod := g.runPod(t, certGuard, "z8m4q", "node-1", podState{})
			https := []v1.ServicePort{{Name: "https", Port: 443, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromInt32(10250)}}
			g.service(t, "cert-system", "cert-guard", nil, map[string]string{"app": "cert-guard"}, https, pod)
			g.webhook(t, "cert-guard", "cert-system", admissionregistrationv1.RuleWithOperations{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"cert.example.com"}, APIVersions: []string{"v1"}, Resources: []string{"certificates"}},
			})
			policy := g.service(t, "policy-system", "policy-guard", nil, map[string]string{"app": "policy-guard"}, https)
			g.webhook(t, "policy-guard", "policy-system", admissionregistrationv1.RuleWithOperations{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
			})
			t.Log("the policy engine is uninstalled: its Service goes, its webhook stays")
			if err := g.cs.CoreV1().Services("policy-system").Delete(ctx, policy.Name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := g.cs.DiscoveryV1().EndpointSlices("policy-system").Delete(ctx, policy.Name+"-x7k2p", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			eventually(t, "kube-apiserver refuses a ConfigMap create", 30*time.Second, func() (bool, string) {
				r := g.kubectl(t, probe...)
				return r.code != 0 && strings.Contains(r.stderr, refused), fmt.Sprintf("exit %d: %s", r.code, strings.TrimSpace(r.stderr))
			})
		},
		expect: []want{
			{id: "webhook-fails-closed", severity: critical, names: []string{"policy-guard"}, notNames: []string{"cert-guard"}},
		},
		healthy:  []string{"cert-guard"},
		fixes:    []string{"webhook-fails-closed"},
		fixPaths: []string{"webhooks disable"},
		served: func(t *testing.T, g *galleryCluster) {
			eventually(t, "kube-apiserver takes the ConfigMap create it refused", 30*time.Second, func() (bool, string) {
				r := g.kubectl(t, probe...)
				return r.code == 0, fmt.Sprintf("exit %d: %s%s", r.code, strings.TrimSpace(r.stdout), strings.TrimSpace(r.stderr))
			})
			if got := g.kubectlOK(t, "get", "validatingwebhookconfiguration", "cert-guard", "-o", "jsonpath={.webhooks[0].failurePolicy}"); got != "Fail" {
				t.Errorf("the working webhook cert-guard: failurePolicy %q, want Fail, untouched", got)
			}
		},
	}
}

// webhook registers a validating webhook served by a Service, failing
// closed, as most charts ship them: kube-system and its own namespace are
// left out.
func (g *galleryCluster) webhook(t *testing.T, name, ns string, rule admissionregistrationv1.RuleWithOperations) {
	t.Helper()
	_, err := g.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "validate." + name + ".example.com",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: ns, Name: name, Path: ptr.To("/validate"), Port: ptr.To[int32](443)}},
			Rules:                   []admissionregistrationv1.RuleWithOperations{rule},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          ptr.To[int32](5),
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", ns}}}},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("webhook %s: %v", name, err)
	}
}

// namespaceStuckTerminating: the namespace orders is deleted while
// kube-controller-manager's namespace controller runs. It deletes what it
// can; a ConfigMap whose finalizer belongs to an operator that is gone,
// and a PersistentVolumeClaim whose pvc-protection finalizer waits for a
// controller that does not run, stay, and so does the namespace. Its
// conditions say what is left. archive, deleted beside it, goes; payments
// holds a finalizer and is not being deleted.
func namespaceStuckTerminating() scenario {
	return scenario{
		name:    "namespace-stuck-terminating",
		runbook: "namespace-stuck-terminating.md",
		build: func(t *testing.T, g *galleryCluster) {
			ctx := context.Background()
			for _, ns := range []string{"orders", "archive", "payments"} {
				g.namespace(t, ns)
			}
			g.configMap(t, "orders", "orders-lock", map[string]string{"owner": "orders-operator"}, "orders.example.com/drain")
			g.configMap(t, "orders", "orders-settings", map[string]string{"currency": "EUR"})
			pvc, err := g.cs.CoreV1().PersistentVolumeClaims("orders").Create(ctx, &v1.PersistentVolumeClaim{
				ObjectMeta: metav1.ObjectMeta{Name: "orders-data"},
				Spec: v1.PersistentVolumeClaimSpec{AccessModes: []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce},
					Resources: v1.VolumeResourceRequirements{Requests: v1.ResourceList{v1.ResourceStorage: resource.MustParse("1Gi")}}},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !contains(pvc.Finalizers, "kubernetes.io/pvc-protection") {
				t.Fatalf("orders-data: finalizers %v: the StorageObjectInUseProtection admission plugin adds kubernetes.io/pvc-protection", pvc.Finalizers)
			}
			g.configMap(t, "archive", "archive-index", map[string]string{"2024": "s3://archive/2024"})
			g.configMap(t, "payments", "payments-lock", map[string]string{"owner": "payments-operator"}, "payments.example.com/hold")
			g.startControllers(t, "namespace-controller")

			for _, ns := range []string{"orders", "archive"} {
				if err := g.cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, "namespace archive deleted", 60*time.Second, func() (bool, string) {
				_, err := g.cs.CoreV1().Namespaces().Get(ctx, "archive", metav1.GetOptions{})
				return apierrors.IsNotFound(err), fmt.Sprint(err)
			})
			eventually(t, "namespace orders says what is left", 60*time.Second, func() (bool, string) {
				ns, err := g.cs.CoreV1().Namespaces().Get(ctx, "orders", metav1.GetOptions{})
				if err != nil {
					return false, err.Error()
				}
				var content, finalizers string
				for _, c := range ns.Status.Conditions {
					if c.Status != v1.ConditionTrue {
						continue
					}
					switch c.Type {
					case v1.NamespaceContentRemaining:
						content = c.Message
					case v1.NamespaceFinalizersRemaining:
						finalizers = c.Message
					}
				}
				ok := strings.Contains(content, "configmaps") && strings.Contains(content, "persistentvolumeclaims") &&
					strings.Contains(finalizers, "orders.example.com/drain") && strings.Contains(finalizers, "kubernetes.io/pvc-protection")
				return ok, fmt.Sprintf("%s; %s; %s", ns.Status.Phase, content, finalizers)
			})
			g.stopControllers(t)
			if _, err := g.cs.CoreV1().ConfigMaps("orders").Get(ctx, "orders-settings", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("orders-settings, which holds no finalizer, is still there: %v", err)
			}
			g.kubectlOK(t, "get", "namespaces")
			g.kubectlOK(t, "get", "configmaps,persistentvolumeclaims", "-n", "orders")
		},
		expect: []want{
			{id: "namespace-stuck-terminating", severity: problem, names: []string{"orders", "configmaps", "orders-lock", "persistentvolumeclaims", "orders-data"},
				notNames: []string{"payments", "orders-settings"}},
		},
		healthy:  []string{"payments", "payments-lock"},
		fixes:    []string{"namespace-stuck-terminating"},
		fixPaths: []string{"finalizers remove"},
		served: func(t *testing.T, g *galleryCluster) {
			// lifeboat deleted each object with its last finalizer, then
			// the namespace with its last one, as kube-apiserver's update
			// and /finalize do: nothing is left for kubectl to finish.
			eventually(t, "namespace orders gone", 30*time.Second, func() (bool, string) {
				r := g.kubectl(t, "get", "namespace", "orders")
				return r.code != 0 && strings.Contains(r.stderr, "NotFound"), strings.TrimSpace(r.stdout + r.stderr)
			})
			if out := g.kubectlOK(t, "get", "configmaps,persistentvolumeclaims", "-n", "orders", "-o", "name"); out != "" {
				t.Errorf("objects of the deleted namespace orders are left in etcd:\n%s", out)
			}
			if got := g.kubectlOK(t, "get", "configmap", "payments-lock", "-n", "payments", "-o", "jsonpath={.metadata.finalizers}"); !strings.Contains(got, "payments.example.com/hold") {
				t.Errorf("payments-lock lost its finalizer: %s", got)
			}
		},
	}
}

// poisonValue: somebody wrote bytes that are no object under
// /registry/pods (a script, a bad restore). kube-apiserver cannot LIST
// pods while it is there. Without the watch cache every LIST reads etcd,
// as the first LIST of a restarting apiserver does (as in
// TestQuarantineAndRestore).
func poisonValue() scenario {
	const key = "/registry/pods/triage/poison"
	web := appWorkload("triage", "web", "6d4cf56db6", 2, nil, nil)
	return scenario{
		name:     "poison-value",
		runbook:  "poison-value.md",
		apiFlags: []string{"--watch-cache=false"},
		build: func(t *testing.T, g *galleryCluster) {
			g.kubeletNode(t, "node-1", nil)
			g.namespace(t, "triage")
			g.deploy(t, web)
			g.runPod(t, web, "b7x2m", "node-1", podState{})
			g.runPod(t, web, "n4q8z", "node-1", podState{})
			t.Log("somebody writes garbage into etcd")
			if _, err := g.cli.Put(context.Background(), key, "not an object"); err != nil {
				t.Fatal(err)
			}
			eventually(t, "kubectl get pods -A fails", 30*time.Second, func() (bool, string) {
				r := g.kubectl(t, "get", "pods", "-A")
				return r.code != 0, fmt.Sprintf("exit %d: %s", r.code, strings.TrimSpace(r.stderr))
			})
		},
		expect: []want{
			{id: "undecodable-values", severity: critical, names: []string{"pods/triage/poison"}},
		},
		healthy:  []string{web.podName("b7x2m"), web.podName("n4q8z")},
		fixes:    []string{"undecodable-values"},
		fixPaths: []string{"quarantine"},
		served: func(t *testing.T, g *galleryCluster) {
			rows := g.podRows(t)
			for _, name := range []string{web.podName("b7x2m"), web.podName("n4q8z")} {
				if rows["triage/"+name].status != "Running" {
					t.Errorf("kubectl get pods -A: triage/%s %q, want Running", name, rows["triage/"+name].status)
				}
			}
			if _, ok := rows["triage/poison"]; ok {
				t.Errorf("kubectl get pods -A lists the poison value")
			}
		},
	}
}

// configMapDeleted: somebody deletes the ConfigMap cart-config, which the
// cart pods mount. The running pod keeps its copy; the next one cannot
// mount it and stays ContainerCreating.
func configMapDeleted() scenario {
	const ns = "shop"
	data := map[string]string{"REDIS_ADDR": "redis.shop.svc:6379", "CART_TTL": "30m"}
	cart := appWorkload(ns, "cart", "5d8f7b9c6d", 2, []v1.Volume{configMapVolume("config", "cart-config")}, []v1.VolumeMount{{Name: "config", MountPath: "/etc/cart"}})
	web := appWorkload(ns, "web", "7c9d8b6f5d", 1, []v1.Volume{configMapVolume("config", "web-config")}, []v1.VolumeMount{{Name: "config", MountPath: "/etc/web"}})
	return scenario{
		name:    "configmap-deleted",
		runbook: "configmap-deleted.md",
		build: func(t *testing.T, g *galleryCluster) {
			g.kubeletNode(t, "node-1", nil)
			g.namespace(t, ns)
			g.configMap(t, ns, "cart-config", data)
			g.configMap(t, ns, "web-config", map[string]string{"LOG_LEVEL": "info"})
			g.deploy(t, cart)
			g.deploy(t, web)
			g.runPod(t, cart, "x2x9z", "node-1", podState{})
			g.runPod(t, web, "r4n8t", "node-1", podState{})
			t.Log("somebody deletes cart-config")
			g.kubectlOK(t, "delete", "configmap", "cart-config", "-n", ns)
			g.runPod(t, cart, "k8s7q", "node-1", podState{waiting: "ContainerCreating"})
			g.kubectlOK(t, "get", "pods", "-n", ns)
		},
		expect: []want{
			{id: "configmap-missing", severity: problem, names: []string{"cart-config"}, notNames: []string{"web-config"}},
		},
		healthy:  []string{"web-config", web.podName("r4n8t")},
		fixes:    []string{"configmap-missing"},
		fixPaths: []string{"history"},
		fix: func(t *testing.T, g *galleryCluster, lines []fixLine) {
			// The runbook: history --deleted says when it was deleted and
			// its last revision, which restore puts back.
			h, ok := withPath(lines, "history")
			if !ok {
				t.Fatalf("doctor's fix does not find the deleted version (lifeboat history ... --deleted)")
			}
			r := g.run(t, append(append([]string(nil), h.args...), "-o", "json")...)
			var rev int64
			for _, line := range strings.Split(r.stdout, "\n") {
				var d struct {
					Name         string `json:"name"`
					LastRevision int64  `json:"lastRevision"`
				}
				if json.Unmarshal([]byte(line), &d) == nil && d.Name == "cart-config" {
					rev = d.LastRevision
				}
			}
			if rev == 0 {
				t.Fatalf("%q -o json does not list the deleted cart-config", h.line)
			}
			restore := fixLine{line: "restore", args: []string{"restore", "configmaps", "cart-config", "-n", ns, "--revision", fmt.Sprint(rev), "--dry-run"}}
			if l, ok := withPath(lines, "restore"); ok {
				if _, flags := commandWords(l.args); len(flags["--revision"]) != 1 || flags["--revision"][0] != fmt.Sprint(rev) {
					t.Errorf("%q: history --deleted says the last revision of cart-config is %d", l.line, rev)
				}
				restore = l
			}
			g.applyWrites(t, []fixLine{restore})
		},
		served: func(t *testing.T, g *galleryCluster) {
			for k, v := range data {
				if got := g.kubectlOK(t, "get", "configmap", "cart-config", "-n", ns, "-o", "jsonpath={.data."+k+"}"); got != v {
					t.Errorf("cart-config %s: %q, want %q", k, got, v)
				}
			}
		},
	}
}

// nodePartitionDrill is TestDrill: nodes partitioned while the control
// plane runs, kube-controller-manager tainting and evicting, lifeboat's
// repair undone while it runs and holding once it is stopped.
func nodePartitionDrill() scenario {
	return scenario{
		name:     "node-partition",
		runbook:  "node-partition.md",
		provenBy: "TestDrill",
		expect:   []want{{id: "nodes-silent"}, {id: "controller-manager-running"}},
	}
}

// podRow is a pod as `kubectl get pods -A -o wide` shows it.
type podRow struct{ status, node string }

// podRows is `kubectl get pods -A -o wide` by namespace/name.
func (g *galleryCluster) podRows(t *testing.T) map[string]podRow {
	t.Helper()
	tab := parseTable(g.kubectlOK(t, "get", "pods", "-A", "-o", "wide"))
	col := map[string]int{}
	for i, h := range tab.header {
		col[h] = i
	}
	out := map[string]podRow{}
	for _, r := range tab.rows {
		out[r[col["NAMESPACE"]]+"/"+r[col["NAME"]]] = podRow{status: r[col["STATUS"]], node: r[col["NODE"]]}
	}
	return out
}

// waitTainted waits until the node lifecycle controller has tainted a
// silent node unreachable, for eviction.
func (g *galleryCluster) waitTainted(t *testing.T, name string) {
	t.Helper()
	eventually(t, "node "+name+" tainted unreachable", 60*time.Second, func() (bool, string) {
		n, err := g.cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, tn := range n.Spec.Taints {
			if tn.Key == v1.TaintNodeUnreachable && tn.Effect == v1.TaintEffectNoExecute {
				return true, "Ready=" + readyStatus(n) + nodeSummary(n)
			}
		}
		return false, "Ready=" + readyStatus(n) + nodeSummary(n)
	})
}

// waitTerminating waits until a pod has been evicted.
func (g *galleryCluster) waitTerminating(t *testing.T, p *v1.Pod) {
	t.Helper()
	eventually(t, "pod "+p.Namespace+"/"+p.Name+" evicted", 60*time.Second, func() (bool, string) {
		cur, err := g.cs.CoreV1().Pods(p.Namespace).Get(context.Background(), p.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return cur.DeletionTimestamp != nil, "deletionTimestamp " + fmt.Sprint(cur.DeletionTimestamp)
	})
}
