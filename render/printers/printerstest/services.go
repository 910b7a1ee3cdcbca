package printerstest

import (
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func autoscalerCases(now time.Time) []Case {
	meta := func(name string, annotations map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: "shop", Annotations: annotations, CreationTimestamp: metav1.NewTime(now.Add(-26 * time.Hour))}
	}
	target := autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}

	// autoscaling/v1 keeps the metrics other than the CPU in annotations,
	// and current values there override the CPU utilization's.
	withAnnotations := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: meta("web", map[string]string{
			"autoscaling.alpha.kubernetes.io/metrics": `[{"type":"Pods","pods":{"metricName":"requests_per_second","targetAverageValue":"100"}}]`,
			"autoscaling.alpha.kubernetes.io/current-metrics": `[{"type":"Pods","pods":{"metricName":"requests_per_second","currentAverageValue":"80"}},` +
				`{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":35,"currentAverageValue":"200m"}}]`,
		}),
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 target,
			MinReplicas:                    new(int32(2)),
			MaxReplicas:                    10,
			TargetCPUUtilizationPercentage: new(int32(50)),
		},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 4, CurrentCPUUtilizationPercentage: new(int32(90))},
	}

	// without a target, autoscaling/v1 means 80% of the CPU
	defaulted := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: meta("api", nil),
		Spec:       autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: target, MaxReplicas: 3},
		Status:     autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 1, CurrentCPUUtilizationPercentage: new(int32(12))},
	}

	v2 := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: meta("cart", nil),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "cart"},
			MinReplicas:    new(int32(1)),
			MaxReplicas:    5,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceMemory,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: new(resource.MustParse("512Mi"))},
				}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: new(resource.MustParse("30"))},
				}},
				{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
					Name:      corev1.ResourceCPU,
					Container: "web",
					Target:    autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: new(int32(60))},
				}},
			},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: 2,
			CurrentMetrics: []autoscalingv2.MetricStatus{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
					Name:    corev1.ResourceMemory,
					Current: autoscalingv2.MetricValueStatus{AverageValue: new(resource.MustParse("300Mi"))},
				}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricStatus{
					Metric:  autoscalingv2.MetricIdentifier{Name: "queue_depth"},
					Current: autoscalingv2.MetricValueStatus{Value: new(resource.MustParse("12"))},
				}},
			},
		},
	}

	return []Case{
		{"autoscaling/v1 HPA with metrics in annotations", withAnnotations,
			[]any{"web", "Deployment/web", "80/100, cpu: 35%/50%", "2", int64(10), int64(4), "26h"}},
		{"autoscaling/v1 HPA without a target", defaulted,
			[]any{"api", "Deployment/web", "cpu: 12%/80%", "<unset>", int64(3), int64(1), "26h"}},
		{"autoscaling/v2 HPA with three metrics", v2,
			[]any{"cart", "StatefulSet/cart", "memory: 300Mi/512Mi, 12/30 + 1 more...", "1", int64(5), int64(2), "26h"}},
	}
}

func serviceCases(now time.Time) []Case {
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: metav1.NewTime(now.Add(-5 * time.Minute))}
	}
	loadBalancer := &corev1.Service{
		ObjectMeta: meta("shop"),
		Spec: corev1.ServiceSpec{
			Type:        corev1.ServiceTypeLoadBalancer,
			ClusterIP:   "10.96.0.20",
			ClusterIPs:  []string{"10.96.0.20"},
			ExternalIPs: []string{"203.0.113.5"},
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP},
				{Name: "https", Port: 443, NodePort: 30443, Protocol: corev1.ProtocolTCP},
			},
			Selector: map[string]string{"app": "shop"},
		},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
			{Hostname: "a1b2c3d4e5f6.elb.eu-west-1.amazonaws.com"},
			{IP: "198.51.100.7"},
		}}},
	}
	pending := &corev1.Service{
		ObjectMeta: meta("checkout"),
		Spec: corev1.ServiceSpec{
			Type:       corev1.ServiceTypeLoadBalancer,
			ClusterIPs: []string{"10.96.0.21"},
			Ports:      []corev1.ServicePort{{Port: 443, NodePort: 31443, Protocol: corev1.ProtocolTCP}},
			Selector:   map[string]string{"app": "checkout"},
		},
	}
	headless := &corev1.Service{
		ObjectMeta: meta("db"),
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "None", ClusterIPs: []string{"None"}},
	}
	external := &corev1.Service{
		ObjectMeta: meta("payments"),
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "payments.example.com"},
	}

	endpoints := &corev1.Endpoints{
		ObjectMeta: meta("shop"),
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}, {IP: "10.0.0.3"}, {IP: "10.0.0.4"}, {IP: "10.0.0.5"}},
			Ports:     []corev1.EndpointPort{{Name: "http", Port: 8080}},
		}},
	}

	return []Case{
		{"service LoadBalancer with a long hostname, not clipped", loadBalancer, []any{"shop", "LoadBalancer", "10.96.0.20",
			"198.51.100.7,a1b2c3d4e5f6.elb.eu-west-1.amazonaws.com,203.0.113.5", "80:30080/TCP,443:30443/TCP", "5m", "app=shop"}},
		{"service LoadBalancer pending", pending, []any{"checkout", "LoadBalancer", "10.96.0.21", "<pending>", "443:31443/TCP", "5m", "app=checkout"}},
		{"service headless", headless, []any{"db", "ClusterIP", "None", "<none>", "<none>", "5m", "<none>"}},
		{"service ExternalName", external, []any{"payments", "ExternalName", "<none>", "payments.example.com", "<none>", "5m", "<none>"}},
		{"endpoints, more than three", endpoints, []any{"shop", "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...", "5m"}},
	}
}
