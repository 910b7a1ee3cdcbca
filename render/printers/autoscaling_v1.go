package printers

import (
	"encoding/json"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// An autoscaling/v1 HorizontalPodAutoscaler has one metric of its own, the
// CPU utilization, and keeps any other in annotations. kube-apiserver
// converts it to the internal (autoscaling/v2-shaped) one with
// k8s.io/kubernetes pkg/apis/autoscaling/v1 conversion.go before printing
// it; this is that conversion, for the fields printHorizontalPodAutoscaler
// reads. kube-apiserver 1.36 stores HPAs as autoscaling/v2, but one that
// an older kube-apiserver stored as autoscaling/v1, and that nothing wrote
// since, is still that in etcd.

const (
	// metricSpecsAnnotation holds the metrics other than the CPU
	// utilization, []autoscalingv1.MetricSpec in JSON.
	metricSpecsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
	// metricStatusesAnnotation holds the current values of every metric,
	// []autoscalingv1.MetricStatus in JSON.
	metricStatusesAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	// defaultCPUUtilization is the target of an HPA that names no metric.
	defaultCPUUtilization = 80
)

func horizontalPodAutoscalerV1ToV2(in *autoscalingv1.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	out := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: in.ObjectMeta,
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{
				Kind:       in.Spec.ScaleTargetRef.Kind,
				Name:       in.Spec.ScaleTargetRef.Name,
				APIVersion: in.Spec.ScaleTargetRef.APIVersion,
			},
			MinReplicas: in.Spec.MinReplicas,
			MaxReplicas: in.Spec.MaxReplicas,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: in.Status.ObservedGeneration,
			LastScaleTime:      in.Status.LastScaleTime,
			CurrentReplicas:    in.Status.CurrentReplicas,
			DesiredReplicas:    in.Status.DesiredReplicas,
		},
	}

	if in.Spec.TargetCPUUtilizationPercentage != nil {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilizationTarget(*in.Spec.TargetCPUUtilizationPercentage)}
	}
	if in.Status.CurrentCPUUtilizationPercentage != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{
				Name:    corev1.ResourceCPU,
				Current: autoscalingv2.MetricValueStatus{AverageUtilization: new(*in.Status.CurrentCPUUtilizationPercentage)},
			},
		}}
	}

	// An annotation that does not decode is ignored, as upstream ignores it.
	if otherMetricsEnc, hasOtherMetrics := in.Annotations[metricSpecsAnnotation]; hasOtherMetrics {
		var otherMetrics []autoscalingv1.MetricSpec
		if err := json.Unmarshal([]byte(otherMetricsEnc), &otherMetrics); err == nil {
			// the CPU utilization, if any, comes after the others
			outMetrics := make([]autoscalingv2.MetricSpec, len(otherMetrics)+len(out.Spec.Metrics))
			for i := range otherMetrics {
				outMetrics[i] = metricSpecV1ToV2(&otherMetrics[i])
			}
			if out.Spec.Metrics != nil {
				outMetrics[len(otherMetrics)] = out.Spec.Metrics[0]
			}
			out.Spec.Metrics = outMetrics
		}
	}

	if currentMetricsEnc, hasCurrentMetrics := in.Annotations[metricStatusesAnnotation]; hasCurrentMetrics {
		// ignore any existing status values -- the ones here have more information
		var currentMetrics []autoscalingv1.MetricStatus
		if err := json.Unmarshal([]byte(currentMetricsEnc), &currentMetrics); err == nil {
			out.Status.CurrentMetrics = make([]autoscalingv2.MetricStatus, len(currentMetrics))
			for i := range currentMetrics {
				out.Status.CurrentMetrics[i] = metricStatusV1ToV2(&currentMetrics[i])
			}
		}
	}

	// autoscaling/v1 formerly had an implicit default applied in the
	// controller; the conversion makes it explicit.
	if len(out.Spec.Metrics) == 0 {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilizationTarget(defaultCPUUtilization)}
	}
	return out
}

func cpuUtilizationTarget(percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{
				Type:               autoscalingv2.UtilizationMetricType,
				AverageUtilization: new(percent),
			},
		},
	}
}

func metricSpecV1ToV2(in *autoscalingv1.MetricSpec) autoscalingv2.MetricSpec {
	out := autoscalingv2.MetricSpec{Type: autoscalingv2.MetricSourceType(in.Type)}
	if o := in.Object; o != nil {
		var metricType autoscalingv2.MetricTargetType
		var targetValue *resource.Quantity
		if o.AverageValue == nil {
			metricType = autoscalingv2.ValueMetricType
			targetValue = &o.TargetValue
		} else {
			metricType = autoscalingv2.AverageValueMetricType
			// Only preserve non-zero targetValue for averageValue metrics.
			if !o.TargetValue.IsZero() {
				targetValue = &o.TargetValue
			}
		}
		out.Object = &autoscalingv2.ObjectMetricSource{
			DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: o.Target.Kind, Name: o.Target.Name, APIVersion: o.Target.APIVersion},
			Target:          autoscalingv2.MetricTarget{Type: metricType, Value: targetValue, AverageValue: o.AverageValue},
			Metric:          autoscalingv2.MetricIdentifier{Name: o.MetricName, Selector: o.Selector},
		}
	}
	if p := in.Pods; p != nil {
		out.Pods = &autoscalingv2.PodsMetricSource{
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &p.TargetAverageValue},
			Metric: autoscalingv2.MetricIdentifier{Name: p.MetricName, Selector: p.Selector},
		}
	}
	if r := in.Resource; r != nil {
		out.Resource = &autoscalingv2.ResourceMetricSource{
			Name:   r.Name,
			Target: averageTarget(r.TargetAverageUtilization, r.TargetAverageValue),
		}
	}
	if c := in.ContainerResource; c != nil {
		out.ContainerResource = &autoscalingv2.ContainerResourceMetricSource{
			Name:      c.Name,
			Container: c.Container,
			Target:    averageTarget(c.TargetAverageUtilization, c.TargetAverageValue),
		}
	}
	if e := in.External; e != nil {
		metricType := autoscalingv2.ValueMetricType
		if e.TargetValue == nil {
			metricType = autoscalingv2.AverageValueMetricType
		}
		out.External = &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: e.MetricName, Selector: e.MetricSelector},
			Target: autoscalingv2.MetricTarget{Type: metricType, Value: e.TargetValue, AverageValue: e.TargetAverageValue},
		}
	}
	return out
}

// averageTarget is the target of a v1 resource or container resource
// metric: a utilization if it has one, else an average value.
func averageTarget(utilization *int32, averageValue *resource.Quantity) autoscalingv2.MetricTarget {
	metricType := autoscalingv2.UtilizationMetricType
	if utilization == nil {
		metricType = autoscalingv2.AverageValueMetricType
	}
	return autoscalingv2.MetricTarget{Type: metricType, AverageValue: averageValue, AverageUtilization: utilization}
}

func metricStatusV1ToV2(in *autoscalingv1.MetricStatus) autoscalingv2.MetricStatus {
	out := autoscalingv2.MetricStatus{Type: autoscalingv2.MetricSourceType(in.Type)}
	if o := in.Object; o != nil {
		out.Object = &autoscalingv2.ObjectMetricStatus{
			Current:         autoscalingv2.MetricValueStatus{Value: &o.CurrentValue, AverageValue: o.AverageValue},
			DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: o.Target.Kind, Name: o.Target.Name, APIVersion: o.Target.APIVersion},
			Metric:          autoscalingv2.MetricIdentifier{Name: o.MetricName, Selector: o.Selector},
		}
	}
	if p := in.Pods; p != nil {
		out.Pods = &autoscalingv2.PodsMetricStatus{
			Current: autoscalingv2.MetricValueStatus{AverageValue: &p.CurrentAverageValue},
			Metric:  autoscalingv2.MetricIdentifier{Name: p.MetricName, Selector: p.Selector},
		}
	}
	if r := in.Resource; r != nil {
		out.Resource = &autoscalingv2.ResourceMetricStatus{
			Name:    r.Name,
			Current: autoscalingv2.MetricValueStatus{AverageValue: &r.CurrentAverageValue, AverageUtilization: r.CurrentAverageUtilization},
		}
	}
	if c := in.ContainerResource; c != nil {
		out.ContainerResource = &autoscalingv2.ContainerResourceMetricStatus{
			Name:      c.Name,
			Container: c.Container,
			Current:   autoscalingv2.MetricValueStatus{AverageValue: &c.CurrentAverageValue, AverageUtilization: c.CurrentAverageUtilization},
		}
	}
	if e := in.External; e != nil {
		out.External = &autoscalingv2.ExternalMetricStatus{
			Metric:  autoscalingv2.MetricIdentifier{Name: e.MetricName, Selector: e.MetricSelector},
			Current: autoscalingv2.MetricValueStatus{Value: &e.CurrentValue, AverageValue: e.CurrentAverageValue},
		}
	}
	return out
}
