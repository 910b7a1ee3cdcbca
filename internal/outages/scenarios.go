package outages

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

// Scenario is a cluster in one kind of trouble, and what doctor must say
// of it.
type Scenario struct {
	Name string
	// Problems are the ids of the findings above Info that doctor must
	// report: those and no others.
	Problems []string
	// Info are ids of Info findings doctor must report among others.
	Info []string
	// Fixed are the Problems that doctor's fixes, run with --yes, make go
	// away (an outage or a silent node is not a thing lifeboat fixes).
	Fixed []string
	build func(c *cluster)
}

// Seed writes the scenario under prefix ("" is /registry), its times
// relative to now.
func (s Scenario) Seed(ctx context.Context, cli *clientv3.Client, prefix string, now time.Time) error {
	if prefix == "" {
		prefix = "/registry"
	}
	c := newCluster(now)
	s.build(c)
	return c.write(ctx, cli, prefix)
}

// All are the scenarios, healthy first.
func All() []Scenario {
	return []Scenario{
		{Name: "healthy", Info: []string{"apiserver-single", "controller-manager-running"}, build: func(*cluster) {}},
		{
			Name:     "apiserver stopped",
			Problems: []string{"apiserver-outage"},
			Info:     []string{"nodes-lost-with-apiserver", "controller-manager-stopped"},
			build:    func(c *cluster) { c.stopAPIServer(70 * time.Second) },
		},
		{
			// worker-2 died half an hour before the apiserver stopped: its
			// pods are the ones at risk; the other nodes only lost the
			// apiserver.
			Name:     "node dead before the outage",
			Problems: []string{"apiserver-outage", "nodes-silent-before-outage"},
			Info:     []string{"nodes-lost-with-apiserver"},
			build: func(c *cluster) {
				c.silence("worker-2", 30*time.Minute)
				c.stopAPIServer(70 * time.Second)
			},
		},
		{
			// A switch cut worker-2 off 20 minutes ago; the apiserver
			// serves, the controller-manager was stopped for the rescue.
			Name:     "partition",
			Problems: []string{"nodes-silent"},
			Info:     []string{"controller-manager-stopped"},
			build: func(c *cluster) {
				c.silence("worker-2", 20*time.Minute)
				c.lease("kube-system", "kube-controller-manager").Spec.RenewTime = micro(c.ago(3 * time.Minute))
			},
		},
		{
			// A network cut with every DNS replica on the control-plane
			// node: the workers are silent, and no worker resolves names.
			Name:     "network cut, DNS on the control plane",
			Problems: []string{"nodes-silent", "dns-control-plane-only", "controller-manager-running"},
			build: func(c *cluster) {
				for i := range workers {
					p := c.pod("kube-system", dnsPod(i))
					p.Spec.NodeName = controlPlane
					p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule})
				}
				for _, w := range workers {
					c.silence(w, 2*time.Minute)
				}
			},
		},
		{
			// Both DNS replicas landed on one worker: nothing is down yet.
			Name:     "DNS on one node",
			Problems: []string{"dns-one-node"},
			build: func(c *cluster) {
				c.pod("kube-system", dnsPod(1)).Spec.NodeName = workers[0]
			},
		},
		{
			// Spot capacity reclaimed: both workers' Node objects deleted
			// (and their leases, by the garbage collector); their pods,
			// cluster DNS among them, still bound to them; a new replica
			// Pending.
			Name:     "spot capacity lost",
			Problems: []string{"pods-on-vanished-node", "dns-down", "capacity-lost"},
			Fixed:    []string{"pods-on-vanished-node"},
			build: func(c *cluster) {
				for _, w := range workers {
					c.remove("nodes", "", w)
					c.remove("leases", corev1.NamespaceNodeLease, w)
				}
				p := c.pod("shop", "web-5d8f7c6b9-0")
				p.DeletionTimestamp = ptr(metav1.NewTime(c.ago(time.Minute)))
				p.DeletionGracePeriodSeconds = ptr[int64](30)
				c.addPod("shop", "web-5d8f7c6b9-2", "", "ReplicaSet/web-5d8f7c6b9", map[string]string{"app": "web"})
			},
		},
		{
			// The web pods mount config.yaml of web-config by subPath; a
			// release renamed the key: the kubelet cannot start them.
			Name:     "configmap key missing under a subPath",
			Problems: []string{"configmap-key-missing"},
			Fixed:    []string{"configmap-key-missing"},
			build: func(c *cluster) {
				meta := c.meta("ConfigMap", "shop", "web-config", c.ago(30*24*time.Hour), nil)
				c.put("configmaps", "shop", "web-config", &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"config.yaml": "listen: :8080\n"}})
				c.updateLater("configmaps", "shop", "web-config", &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"app.yaml": "listen: :8080\n"}})
				for i := range workers {
					mountConfig(c.pod("shop", webPod(i)), "config.yaml", "CreateContainerConfigError")
				}
			},
		},
		{
			// Someone deleted the web pods' ConfigMap: its history is
			// still in etcd.
			Name:     "configmap deleted",
			Problems: []string{"configmap-missing"},
			Fixed:    []string{"configmap-missing"},
			build: func(c *cluster) {
				c.put("configmaps", "shop", "web-config", &corev1.ConfigMap{ObjectMeta: c.meta("ConfigMap", "shop", "web-config", c.ago(30*24*time.Hour), nil),
					Data: map[string]string{"config.yaml": "listen: :8080\n"}})
				c.deleteLater("configmaps", "shop", "web-config")
				for i := range workers {
					mountConfig(c.pod("shop", webPod(i)), "", "")
				}
			},
		},
		{
			// A policy engine's webhook, failurePolicy Fail on every
			// resource, uninstalled without its configuration. One that
			// ignores failures, and one whose Service answers, are fine.
			Name:     "webhook fails closed",
			Problems: []string{"webhook-fails-closed"},
			Fixed:    []string{"webhook-fails-closed"},
			build: func(c *cluster) {
				c.put("validatingwebhookconfigurations", "", "policy-guard", webhookConfig(c, "policy-guard", "policy-system", "policy-webhook", admissionregistrationv1.Fail))
				c.put("validatingwebhookconfigurations", "", "best-effort", webhookConfig(c, "best-effort", "audit", "audit-webhook", admissionregistrationv1.Ignore))
				c.put("validatingwebhookconfigurations", "", "cert-guard", webhookConfig(c, "cert-guard", "kube-system", "cert-webhook", admissionregistrationv1.Fail))
				c.put("services", "kube-system", "cert-webhook", &corev1.Service{ObjectMeta: c.meta("Service", "kube-system", "cert-webhook", c.ago(clusterAge), nil),
					Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "cert-webhook"}, Ports: []corev1.ServicePort{{Port: 443}}}})
				c.put("endpointslices", "kube-system", "cert-webhook-x7k2p", &discoveryv1.EndpointSlice{
					ObjectMeta:  c.meta("EndpointSlice", "kube-system", "cert-webhook-x7k2p", c.ago(clusterAge), map[string]string{discoveryv1.LabelServiceName: "cert-webhook"}),
					AddressType: discoveryv1.AddressTypeIPv4,
					Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.244.1.7"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)}}}})
			},
		},
		{
			// A namespace deleted two hours ago: an object in it still
			// held by its operator's finalizer, and an aggregated API whose
			// Service is gone keeps the namespace controller from listing.
			Name:     "namespace stuck terminating",
			Problems: []string{"namespace-stuck-terminating", "apiservice-unavailable"},
			Fixed:    []string{"namespace-stuck-terminating", "apiservice-unavailable"},
			build: func(c *cluster) {
				c.put("namespaces", "", "legacy", &corev1.Namespace{ObjectMeta: c.meta("Namespace", "", "legacy", c.ago(90*24*time.Hour), map[string]string{"kubernetes.io/metadata.name": "legacy"}),
					Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
					Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating, Conditions: []corev1.NamespaceCondition{
						{Type: corev1.NamespaceDeletionDiscoveryFailure, Status: corev1.ConditionTrue, Reason: "DiscoveryFailed", Message: "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1"},
						{Type: corev1.NamespaceFinalizersRemaining, Status: corev1.ConditionTrue, Reason: "SomeFinalizersRemain", Message: "Some content in the namespace has finalizers remaining: legacy.example.com/cleanup in 1 resource instances"},
					}}})
				ns := c.objects[id("namespaces", "", "legacy")].obj.(*corev1.Namespace)
				ns.DeletionTimestamp = ptr(metav1.NewTime(c.ago(2 * time.Hour)))
				cm := &corev1.ConfigMap{ObjectMeta: c.meta("ConfigMap", "legacy", "state", c.ago(90*24*time.Hour), nil), Data: map[string]string{"state": "done"}}
				cm.DeletionTimestamp, cm.Finalizers = ptr(metav1.NewTime(c.ago(2*time.Hour))), []string{"legacy.example.com/cleanup"}
				c.put("configmaps", "legacy", "state", cm)
				c.put("apiservices", "", "v1beta1.metrics.k8s.io", &apiregistrationv1.APIService{ObjectMeta: c.meta("APIService", "", "v1beta1.metrics.k8s.io", c.ago(clusterAge), nil),
					Spec: apiregistrationv1.APIServiceSpec{Group: "metrics.k8s.io", Version: "v1beta1", Service: &apiregistrationv1.ServiceReference{Namespace: "kube-system", Name: "metrics-server", Port: ptr[int32](443)},
						GroupPriorityMinimum: 100, VersionPriority: 100, InsecureSkipTLSVerify: true},
					Status: apiregistrationv1.APIServiceStatus{Conditions: []apiregistrationv1.APIServiceCondition{{Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionFalse, Reason: "ServiceNotFound"}}}})
			},
		},
		{
			// An admission policy whose binding's parameter ConfigMap is
			// gone: every request the policy matches is denied.
			Name:     "admission policy parameter missing",
			Problems: []string{"admission-policy-fails-closed"},
			Fixed:    []string{"admission-policy-fails-closed"},
			build: func(c *cluster) {
				c.put("validatingadmissionpolicies", "", "replica-limit", &admissionregistrationv1.ValidatingAdmissionPolicy{
					ObjectMeta: c.meta("ValidatingAdmissionPolicy", "", "replica-limit", c.ago(clusterAge), nil),
					Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{FailurePolicy: ptr(admissionregistrationv1.Fail),
						ParamKind:        &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"},
						MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: rule("apps", "deployments")}}},
						Validations:      []admissionregistrationv1.Validation{{Expression: "object.spec.replicas <= int(params.data.maxReplicas)"}}}})
				c.put("validatingadmissionpolicybindings", "", "replica-limit-shop", &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
					ObjectMeta: c.meta("ValidatingAdmissionPolicyBinding", "", "replica-limit-shop", c.ago(clusterAge), nil),
					Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "replica-limit",
						ParamRef:          &admissionregistrationv1.ParamRef{Name: "replica-limits", Namespace: "shop", ParameterNotFoundAction: ptr(admissionregistrationv1.DenyAction)},
						ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}})
			},
		},
		{
			// A value that is no object under pods: kube-apiserver cannot
			// list pods.
			Name:     "poison value",
			Problems: []string{"undecodable-values"},
			Fixed:    []string{"undecodable-values"},
			build:    func(c *cluster) { c.putRaw("pods", "shop", "poison", []byte("not an object")) },
		},
		{
			// A bad image and a crashing container, on healthy nodes.
			Name:     "pods failing",
			Problems: []string{"pods-failing"},
			build: func(c *cluster) {
				for i, reason := range []string{"ImagePullBackOff", "CrashLoopBackOff"} {
					p := c.pod("shop", webPod(i))
					p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
					p.Status.Conditions[0].Status = corev1.ConditionFalse
				}
			},
		},
		{
			// The holders' clocks run two minutes ahead of the operator's
			// machine: no age is negative, and the disagreement is said.
			Name:  "clock ahead",
			Info:  []string{"apiserver-single", "controller-manager-running"},
			build: func(c *cluster) { c.shiftLeases(2 * time.Minute) },
		},
	}
}

func dnsPod(i int) string { return "coredns-7db6d8ff4d-" + string(rune('0'+i)) }
func webPod(i int) string { return "web-5d8f7c6b9-" + string(rune('0'+i)) }

// mountConfig mounts shop/web-config into a web pod: by subPath key when
// one is given, else whole; reason, when given, is its container's
// waiting reason.
func mountConfig(p *corev1.Pod, key, reason string) {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}})
	p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: "/etc/web/" + key, SubPath: key})
	if reason != "" {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions[0].Status = corev1.ConditionFalse
		p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason,
			Message: "failed to prepare subPath for volumeMount \"config\" of container \"app\""}}}
	}
}

func rule(group, resource string) admissionregistrationv1.RuleWithOperations {
	return admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"*"}, Resources: []string{resource}}}
}

func webhookConfig(c *cluster, name, svcNamespace, svcName string, policy admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.ValidatingWebhookConfiguration {
	none := admissionregistrationv1.SideEffectClassNone
	return &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: c.meta("ValidatingWebhookConfiguration", "", name, c.ago(clusterAge), nil),
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "validate." + name + ".example.com",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: svcNamespace, Name: svcName, Path: ptr("/validate"), Port: ptr[int32](443)}},
			Rules:                   []admissionregistrationv1.RuleWithOperations{rule("*", "*")},
			FailurePolicy:           &policy,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
			TimeoutSeconds:          ptr[int32](10),
		}}}
}
