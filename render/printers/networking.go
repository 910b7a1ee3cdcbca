package printers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
)

func formatDiscoveryPorts(ports []discoveryv1.EndpointPort) string {
	list := []string{}
	max := 3
	more := false
	count := 0
	for _, port := range ports {
		if len(list) < max {
			portNum := "*"
			if port.Port != nil {
				portNum = strconv.Itoa(int(*port.Port))
			} else if port.Name != nil {
				portNum = *port.Name
			}
			list = append(list, portNum)
		} else if len(list) == max {
			more = true
		}
		count++
	}
	return listWithMoreString(list, more, count, max)
}

func formatDiscoveryEndpoints(endpoints []discoveryv1.Endpoint) string {
	list := []string{}
	max := 3
	more := false
	count := 0
	for _, endpoint := range endpoints {
		for _, address := range endpoint.Addresses {
			if len(list) < max {
				list = append(list, address)
			} else if len(list) == max {
				more = true
			}
			count++
		}
	}
	return listWithMoreString(list, more, count, max)
}

func formatHosts(rules []networkingv1.IngressRule) string {
	list := []string{}
	max := 3
	more := false
	for _, rule := range rules {
		if len(list) == max {
			more = true
		}
		if !more && len(rule.Host) != 0 {
			list = append(list, rule.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, len(rules)-max)
	}
	return ret
}

func formatPorts(tls []networkingv1.IngressTLS) string {
	if len(tls) != 0 {
		return "80, 443"
	}
	return "80"
}

func printIngress(obj *networkingv1.Ingress, now time.Time) ([]any, error) {
	className := "<none>"
	if obj.Spec.IngressClassName != nil {
		className = *obj.Spec.IngressClassName
	}
	hosts := formatHosts(obj.Spec.Rules)
	address := ingressLoadBalancerStatusStringer(obj.Status.LoadBalancer)
	ports := formatPorts(obj.Spec.TLS)
	createTime := translateTimestampSince(obj.CreationTimestamp, now)
	return []any{obj.Name, className, hosts, address, ports, createTime}, nil
}

// ingressLoadBalancerStatusStringer converts the given status to a string.
// Upstream clips it to 16 bytes unless wide; kube-apiserver's rows are
// always wide.
func ingressLoadBalancerStatusStringer(s networkingv1.IngressLoadBalancerStatus) string {
	ingress := s.Ingress
	result := sets.New[string]()
	for i := range ingress {
		if ingress[i].IP != "" {
			result.Insert(ingress[i].IP)
		} else if ingress[i].Hostname != "" {
			result.Insert(ingress[i].Hostname)
		}
	}

	return strings.Join(sets.List(result), ",")
}

func printIngressClass(obj *networkingv1.IngressClass, now time.Time) ([]any, error) {
	name := obj.Name
	if obj.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
		name += " (default)"
	}
	parameters := "<none>"
	if obj.Spec.Parameters != nil {
		parameters = obj.Spec.Parameters.Kind
		if obj.Spec.Parameters.APIGroup != nil {
			parameters = parameters + "." + *obj.Spec.Parameters.APIGroup
		}
		parameters = parameters + "/" + obj.Spec.Parameters.Name
	}
	createTime := translateTimestampSince(obj.CreationTimestamp, now)
	return []any{name, obj.Spec.Controller, parameters, createTime}, nil
}

func printEndpointSlice(obj *discoveryv1.EndpointSlice, now time.Time) ([]any, error) {
	return []any{obj.Name, string(obj.AddressType), formatDiscoveryPorts(obj.Ports), formatDiscoveryEndpoints(obj.Endpoints), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printNetworkPolicy(obj *networkingv1.NetworkPolicy, now time.Time) ([]any, error) {
	return []any{obj.Name, metav1.FormatLabelSelector(&obj.Spec.PodSelector), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printServiceCIDR(obj *networkingv1.ServiceCIDR, now time.Time) ([]any, error) {
	cidrs := strings.Join(obj.Spec.CIDRs, ",")
	return []any{obj.Name, cidrs, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printServiceCIDRV1beta1(obj *networkingv1beta1.ServiceCIDR, now time.Time) ([]any, error) {
	cidrs := strings.Join(obj.Spec.CIDRs, ",")
	return []any{obj.Name, cidrs, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printIPAddress(obj *networkingv1.IPAddress, now time.Time) ([]any, error) {
	age := translateTimestampSince(obj.CreationTimestamp, now)
	return []any{obj.Name, formatParentRef(obj.Spec.ParentRef), age}, nil
}

func printIPAddressV1beta1(obj *networkingv1beta1.IPAddress, now time.Time) ([]any, error) {
	age := translateTimestampSince(obj.CreationTimestamp, now)
	return []any{obj.Name, formatParentRef((*networkingv1.ParentReference)(obj.Spec.ParentRef)), age}, nil
}

// formatParentRef is how printIPAddress shows the object an address is
// allocated to: resource.group[/namespace]/name.
func formatParentRef(ref *networkingv1.ParentReference) string {
	parentRefName := "<none>"
	if ref != nil {
		gr := schema.GroupResource{
			Group:    ref.Group,
			Resource: ref.Resource,
		}
		parentRefName = strings.ToLower(gr.String())
		if ref.Namespace != "" {
			parentRefName += "/" + ref.Namespace
		}
		parentRefName += "/" + ref.Name
	}
	return parentRefName
}
