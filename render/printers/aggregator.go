package printers

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregistrationv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
)

// APIServices are served by kube-apiserver's aggregator, whose table
// convertor is not in printers.go: a port of k8s.io/kube-aggregator
// pkg/registry/apiservice/etcd/etcd.go (REST.ConvertToTable, v0.36.3).

func addAggregatorHandlers(h *handlers) {
	apiServiceColumnDefinitions := []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Service", Type: "string", Description: "The reference to the service that hosts this API endpoint."},
		{Name: "Available", Type: "string", Description: "Whether this service is available."},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
	handle(h, apiregistrationv1.GroupName, apiServiceColumnDefinitions, printAPIService)
	handle(h, apiregistrationv1.GroupName, apiServiceColumnDefinitions, printAPIServiceV1beta1)
}

func printAPIService(svc *apiregistrationv1.APIService, now time.Time) ([]any, error) {
	service := "Local"
	if svc.Spec.Service != nil {
		service = fmt.Sprintf("%s/%s", svc.Spec.Service.Namespace, svc.Spec.Service.Name)
	}
	status := string(apiregistrationv1.ConditionUnknown)
	for _, condition := range svc.Status.Conditions {
		if condition.Type != apiregistrationv1.Available {
			continue
		}
		switch {
		case condition.Status == apiregistrationv1.ConditionTrue:
			status = string(condition.Status)
		case len(condition.Reason) > 0:
			status = fmt.Sprintf("%s (%s)", condition.Status, condition.Reason)
		default:
			status = string(condition.Status)
		}
		break
	}
	// metatable.MetaToTableRow's age: the creation timestamp, since now.
	return []any{svc.Name, service, status, translateTimestampSince(svc.CreationTimestamp, now)}, nil
}

// printAPIServiceV1beta1 prints a v1beta1 APIService as the aggregator
// does: converted to its internal type, which v1 matches field for field.
func printAPIServiceV1beta1(svc *apiregistrationv1beta1.APIService, now time.Time) ([]any, error) {
	v1 := &apiregistrationv1.APIService{ObjectMeta: svc.ObjectMeta}
	v1.Spec.Service = (*apiregistrationv1.ServiceReference)(svc.Spec.Service)
	for _, c := range svc.Status.Conditions {
		v1.Status.Conditions = append(v1.Status.Conditions, apiregistrationv1.APIServiceCondition{
			Type: apiregistrationv1.APIServiceConditionType(c.Type), Status: apiregistrationv1.ConditionStatus(c.Status), Reason: c.Reason})
	}
	return printAPIService(v1, now)
}
