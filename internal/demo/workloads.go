package demo

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The objects around the workloads: their configuration, Service and
// Endpoints, events, the Deployment, and the custom resource and its
// definition.

// rootCAConfigMap is what the root CA cert publisher puts in every namespace.
func rootCAConfigMap(ns string, created time.Time) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		ObjectMeta: meta("ConfigMap", ns, "kube-root-ca.crt", created, nil),
		Data:       map[string]string{"ca.crt": fakePEM("kubernetes-ca")},
	}
	cm.Annotations = map[string]string{
		"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
	}
	return cm
}

// appConfigMap is a workload's configuration: the key its container reads
// into the environment, and its config file.
func appConfigMap(ns string, a app, created time.Time) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: meta("ConfigMap", ns, a.name+"-config", created, map[string]string{"app": a.name}),
		Data: map[string]string{
			a.configKey:   "from-" + a.name + "-config",
			"config.yaml": fmt.Sprintf("listen: :%d\nmetrics: :9090\nlogLevel: info\n", a.port),
		},
	}
}

// appTLSSecret is a workload's serving certificate (cert-manager's shape).
func appTLSSecret(ns string, a app, created time.Time) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: meta("Secret", ns, a.name+"-tls", created, map[string]string{"app": a.name}),
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			corev1.TLSCertKey:       []byte(fakePEM(ns + "/" + a.name + "-tls")),
			corev1.TLSPrivateKeyKey: []byte(fakePEM(ns + "/" + a.name + "-tls-key")),
		},
	}
}

// appDBSecret holds the database password an app's container reads
// (env DB_PASSWORD).
func appDBSecret(ns string, a app, created time.Time) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: meta("Secret", ns, a.name+"-db", created, map[string]string{"app": a.name}),
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			"username": []byte(strings.ReplaceAll(a.name, "-", "_")),
			"password": []byte(hexOf(ns+"/"+a.name+"-db", 24)),
		},
	}
}

// fakePEM looks like a certificate; it is not one (nothing in lifeboat
// parses it).
func fakePEM(seed string) string {
	body := base64.StdEncoding.EncodeToString(digest("pem/"+seed, 789))
	var sb strings.Builder
	sb.WriteString("-----BEGIN CERTIFICATE-----\n")
	for len(body) > 64 {
		sb.WriteString(body[:64] + "\n")
		body = body[64:]
	}
	sb.WriteString(body + "\n-----END CERTIFICATE-----\n")
	return sb.String()
}

func frontendService(created time.Time) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: meta("Service", "shop", "frontend", created, map[string]string{"app": "frontend"}),
		Spec: corev1.ServiceSpec{
			Ports:                 []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http")}},
			Selector:              map[string]string{"app": "frontend"},
			ClusterIP:             "10.104.87.213",
			ClusterIPs:            []string{"10.104.87.213"},
			Type:                  corev1.ServiceTypeClusterIP,
			SessionAffinity:       corev1.ServiceAffinityNone,
			IPFamilies:            []corev1.IPFamily{corev1.IPv4Protocol},
			IPFamilyPolicy:        ptrTo(corev1.IPFamilyPolicySingleStack),
			InternalTrafficPolicy: ptrTo(corev1.ServiceInternalTrafficPolicyCluster),
		},
	}
}

func frontendEndpoints(ready []*corev1.Pod, created, changed time.Time) *corev1.Endpoints {
	ep := &corev1.Endpoints{ObjectMeta: meta("Endpoints", "shop", "frontend", created, map[string]string{"app": "frontend"})}
	ep.Annotations = map[string]string{"endpoints.kubernetes.io/last-change-trigger-time": changed.Format(time.RFC3339)}
	subset := corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}}}
	for _, p := range ready {
		subset.Addresses = append(subset.Addresses, corev1.EndpointAddress{
			IP:        p.Status.PodIP,
			NodeName:  ptrTo(p.Spec.NodeName),
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
		})
	}
	ep.Subsets = []corev1.EndpointSubset{subset}
	return ep
}

// podEvents are the events a pod on a lost node collects, named as
// client-go's recorder names them: "<object>.<unix nanoseconds in hex>".
func podEvents(p *corev1.Pod, notReady, evicted time.Time) []*corev1.Event {
	ref := corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, APIVersion: "v1"}
	event := func(at time.Time, typ, reason, message, component string) *corev1.Event {
		name := fmt.Sprintf("%s.%x", p.Name, at.UnixNano())
		return &corev1.Event{
			ObjectMeta:          meta("Event", p.Namespace, name, at, nil),
			InvolvedObject:      ref,
			Reason:              reason,
			Message:             message,
			Source:              corev1.EventSource{Component: component},
			FirstTimestamp:      metav1.NewTime(at),
			LastTimestamp:       metav1.NewTime(at),
			Count:               1,
			Type:                typ,
			ReportingController: component,
		}
	}
	return []*corev1.Event{
		event(notReady, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready", "node-controller"),
		event(evicted, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod "+p.Namespace+"/"+p.Name, "taint-eviction-controller"),
	}
}

// cronTabCRD is the CustomResourceDefinition of the Kubernetes docs'
// example, as kube-apiserver stores it once established: JSON (the seed
// encodes it with codec.EncodeStorageJSON), apiextensions.k8s.io/v1beta1,
// whatever version it was created with (kubernetes
// pkg/controlplane/apiserver/apiextensions.go prefers v1beta1 for storage,
// issue 82292; e2e/storage_test.go checks both against a real apiserver).
func cronTabCRD(created time.Time) *apiextensionsv1beta1.CustomResourceDefinition {
	const name = "crontabs.stable.example.com"
	names := apiextensionsv1beta1.CustomResourceDefinitionNames{
		Kind: "CronTab", ListKind: "CronTabList", Plural: "crontabs", Singular: "crontab", ShortNames: []string{"ct"},
	}
	at := metav1.NewTime(created)
	return &apiextensionsv1beta1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1beta1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              name,
			UID:               uid("CustomResourceDefinition", "", name),
			Generation:        1,
			CreationTimestamp: at,
		},
		Spec: apiextensionsv1beta1.CustomResourceDefinitionSpec{
			Group:                 "stable.example.com",
			Names:                 names,
			Scope:                 apiextensionsv1beta1.NamespaceScoped,
			Conversion:            &apiextensionsv1beta1.CustomResourceConversion{Strategy: apiextensionsv1beta1.NoneConverter},
			PreserveUnknownFields: ptrTo(false),
			Versions: []apiextensionsv1beta1.CustomResourceDefinitionVersion{{
				Name:    "v1",
				Served:  true,
				Storage: true,
				Schema: &apiextensionsv1beta1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1beta1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1beta1.JSONSchemaProps{
						"spec": {
							Type: "object",
							Properties: map[string]apiextensionsv1beta1.JSONSchemaProps{
								"cronSpec": {Type: "string"},
								"image":    {Type: "string"},
								"replicas": {Type: "integer"},
							},
						},
					},
				}},
			}},
		},
		Status: apiextensionsv1beta1.CustomResourceDefinitionStatus{
			AcceptedNames: names,
			Conditions: []apiextensionsv1beta1.CustomResourceDefinitionCondition{
				{Type: apiextensionsv1beta1.NamesAccepted, Status: apiextensionsv1beta1.ConditionTrue, LastTransitionTime: at, Reason: "NoConflicts", Message: "no conflicts found"},
				{Type: apiextensionsv1beta1.Established, Status: apiextensionsv1beta1.ConditionTrue, LastTransitionTime: at, Reason: "InitialNamesAccepted", Message: "the initial names have been accepted"},
			},
			StoredVersions: []string{"v1"},
		},
	}
}

// nightlyBackup is a CronTab custom resource with a finalizer its (absent)
// operator would remove.
func nightlyBackup(created time.Time) map[string]any {
	return map[string]any{
		"apiVersion": "stable.example.com/v1",
		"kind":       "CronTab",
		"metadata": map[string]any{
			"name":              "nightly-backup",
			"namespace":         "default",
			"uid":               string(uid("CronTab", "default", "nightly-backup")),
			"generation":        3,
			"creationTimestamp": created.Format(time.RFC3339),
			"finalizers":        []any{"stable.example.com/cleanup"},
			"labels":            map[string]any{"app.kubernetes.io/managed-by": "backup-operator"},
		},
		"spec": map[string]any{
			"cronSpec": "0 3 * * *",
			"image":    "backup:1.4",
			"replicas": 2,
		},
	}
}

// deployment is the Deployment whose ReplicaSet owns pod: its template is
// the pod's, without what the scheduler and the admission plugins added.
func deployment(pod *corev1.Pod, replicas int32, created time.Time) *appsv1.Deployment {
	app := pod.Labels["app"]
	labels := map[string]string{}
	for k, v := range pod.Labels {
		if k != "pod-template-hash" {
			labels[k] = v
		}
	}
	spec := *pod.Spec.DeepCopy()
	spec.NodeName = ""
	spec.Volumes = slices.DeleteFunc(spec.Volumes, func(v corev1.Volume) bool { return strings.HasPrefix(v.Name, "kube-api-access-") })
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			cs[i].VolumeMounts = slices.DeleteFunc(cs[i].VolumeMounts, func(m corev1.VolumeMount) bool { return strings.HasPrefix(m.Name, "kube-api-access-") })
		}
	}
	quarter := intstr.FromString("25%")
	d := &appsv1.Deployment{
		ObjectMeta: meta("Deployment", pod.Namespace, app, created, map[string]string{"app": app}),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: pod.Annotations}, Spec: spec},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &quarter, MaxSurge: &quarter}},
			RevisionHistoryLimit:    ptrTo[int32](10),
			ProgressDeadlineSeconds: ptrTo[int32](600),
		},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: replicas, UpdatedReplicas: replicas},
	}
	d.Generation = 1
	d.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1"}
	return d
}
