package printerstest

import (
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func controlCases(now time.Time) []Case {
	meta := func(name string, annotations map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Annotations: annotations, CreationTimestamp: metav1.NewTime(now.Add(-7 * time.Minute))}
	}

	approved := &certificatesv1.CertificateSigningRequest{
		ObjectMeta: meta("csr-node-1", nil),
		Spec: certificatesv1.CertificateSigningRequestSpec{
			SignerName:        certificatesv1.KubeAPIServerClientKubeletSignerName,
			Username:          "system:node:node-1",
			ExpirationSeconds: new(int32(3600)),
		},
		Status: certificatesv1.CertificateSigningRequestStatus{
			Conditions:  []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue}},
			Certificate: []byte("-----BEGIN CERTIFICATE-----"),
		},
	}
	denied := &certificatesv1.CertificateSigningRequest{
		ObjectMeta: meta("csr-rogue", nil),
		Spec:       certificatesv1.CertificateSigningRequestSpec{Username: "mallory"},
		Status: certificatesv1.CertificateSigningRequestStatus{Conditions: []certificatesv1.CertificateSigningRequestCondition{
			{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue},
			{Type: certificatesv1.CertificateDenied, Status: corev1.ConditionTrue},
			{Type: certificatesv1.CertificateFailed, Status: corev1.ConditionTrue},
		}},
	}

	healthy := &corev1.ComponentStatus{
		ObjectMeta: metav1.ObjectMeta{Name: "etcd-0"},
		Conditions: []corev1.ComponentCondition{{Type: corev1.ComponentHealthy, Status: corev1.ConditionTrue, Message: "ok"}},
	}
	unhealthy := &corev1.ComponentStatus{
		ObjectMeta: metav1.ObjectMeta{Name: "scheduler"},
		Conditions: []corev1.ComponentCondition{{Type: corev1.ComponentHealthy, Status: corev1.ConditionFalse, Error: "connection refused"}},
	}

	dangling := &flowcontrolv1.FlowSchema{
		ObjectMeta: meta("workload-low", nil),
		Spec: flowcontrolv1.FlowSchemaSpec{
			PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "workload-low"},
			MatchingPrecedence:         9000,
			DistinguisherMethod:        &flowcontrolv1.FlowDistinguisherMethod{Type: flowcontrolv1.FlowDistinguisherMethodByUserType},
		},
		Status: flowcontrolv1.FlowSchemaStatus{Conditions: []flowcontrolv1.FlowSchemaCondition{
			{Type: flowcontrolv1.FlowSchemaConditionDangling, Status: flowcontrolv1.ConditionFalse},
		}},
	}
	exempt := &flowcontrolv1.PriorityLevelConfiguration{
		ObjectMeta: meta("exempt", nil),
		Spec:       flowcontrolv1.PriorityLevelConfigurationSpec{Type: flowcontrolv1.PriorityLevelEnablementExempt},
	}
	limited := &flowcontrolv1.PriorityLevelConfiguration{
		ObjectMeta: meta("workload-low", nil),
		Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
			Type: flowcontrolv1.PriorityLevelEnablementLimited,
			Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{LimitResponse: flowcontrolv1.LimitResponse{
				Type:    flowcontrolv1.LimitResponseTypeQueue,
				Queuing: &flowcontrolv1.QueuingConfiguration{Queues: 128, HandSize: 6, QueueLengthLimit: 50},
			}},
		},
	}

	quota := &corev1.ResourceQuota{
		ObjectMeta: meta("compute", nil),
		Status: corev1.ResourceQuotaStatus{
			Hard: corev1.ResourceList{
				"requests.cpu": resource.MustParse("4"), "pods": resource.MustParse("20"),
				"limits.memory": resource.MustParse("8Gi"), "limits.cpu": resource.MustParse("8"),
			},
			Used: corev1.ResourceList{"requests.cpu": resource.MustParse("1500m"), "limits.cpu": resource.MustParse("3")},
		},
	}

	defaultClass := &networkingv1.IngressClass{
		ObjectMeta: meta("nginx", map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}),
		Spec: networkingv1.IngressClassSpec{
			Controller: "k8s.io/ingress-nginx",
			Parameters: &networkingv1.IngressClassParametersReference{APIGroup: new("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb"},
		},
	}

	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  meta("shop-x7k2", nil),
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new("http")}, {Port: new(int32(8443))}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.0.0.1"}}, {Addresses: []string{"10.0.0.2", "10.0.0.3"}}, {Addresses: []string{"10.0.0.4"}},
		},
	}

	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: meta("replicas-limit", nil),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName: "replicas-limit",
			ParamRef:   &admissionregistrationv1.ParamRef{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "prod"}}},
		},
	}

	return []Case{
		{"certificatesigningrequest approved and issued", approved, []any{"csr-node-1", "7m", "kubernetes.io/kube-apiserver-client-kubelet", "system:node:node-1", "60m", "Approved,Issued"}},
		{"certificatesigningrequest denied, which wins over approved", denied, []any{"csr-rogue", "7m", "<none>", "mallory", "<none>", "Denied,Failed"}},
		{"componentstatus healthy", healthy, []any{"etcd-0", "Healthy", "ok", ""}},
		{"componentstatus unhealthy", unhealthy, []any{"scheduler", "Unhealthy", "", "connection refused"}},
		{"flowschema with its Dangling condition", dangling, []any{"workload-low", "workload-low", int64(9000), "ByUser", "7m", "False"}},
		{"prioritylevelconfiguration exempt", exempt, []any{"exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "7m"}},
		{"prioritylevelconfiguration limited, shares unset", limited, []any{"workload-low", "Limited", int32(0), int32(128), int32(6), int32(50), "7m"}},
		{"resourcequota, requests and limits apart", quota, []any{"compute", "pods: 0/20, requests.cpu: 1500m/4", "limits.cpu: 3/8, limits.memory: 0/8Gi", "7m"}},
		{"ingressclass default, with parameters", defaultClass, []any{"nginx (default)", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "7m"}},
		{"endpointslice, a port by name only, more than three addresses", slice, []any{"shop-x7k2", "IPv4", "http,8443", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "7m"}},
		{"validatingadmissionpolicybinding with a param selector", binding, []any{"replicas-limit", "replicas-limit",
			`&LabelSelector{MatchLabels:map[string]string{tier: prod,},MatchExpressions:[]LabelSelectorRequirement{},}`, "7m"}},
	}
}
