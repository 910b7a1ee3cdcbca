package printers

import (
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	admissionregistrationv1alpha1 "k8s.io/api/admissionregistration/v1alpha1"
	admissionregistrationv1beta1 "k8s.io/api/admissionregistration/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The policies and bindings are served in several versions whose
// paramKind and paramRef have the same fields: each version's printer
// passes them to one formatter.

func printMutatingWebhook(obj *admissionregistrationv1.MutatingWebhookConfiguration, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Webhooks)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printValidatingWebhook(obj *admissionregistrationv1.ValidatingWebhookConfiguration, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Webhooks)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printValidatingAdmissionPolicy(obj *admissionregistrationv1.ValidatingAdmissionPolicy, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Spec.Validations)), formatParamKind(obj.Spec.ParamKind), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printValidatingAdmissionPolicyV1beta1(obj *admissionregistrationv1beta1.ValidatingAdmissionPolicy, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Spec.Validations)), formatParamKind((*admissionregistrationv1.ParamKind)(obj.Spec.ParamKind)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printValidatingAdmissionPolicyBinding(obj *admissionregistrationv1.ValidatingAdmissionPolicyBinding, now time.Time) ([]any, error) {
	paramName := "<unset>"
	if pr := obj.Spec.ParamRef; pr != nil {
		paramName = formatParamRef(pr.Name, pr.Namespace, pr.Selector)
	}
	return []any{obj.Name, obj.Spec.PolicyName, paramName, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printValidatingAdmissionPolicyBindingV1beta1(obj *admissionregistrationv1beta1.ValidatingAdmissionPolicyBinding, now time.Time) ([]any, error) {
	paramName := "<unset>"
	if pr := obj.Spec.ParamRef; pr != nil {
		paramName = formatParamRef(pr.Name, pr.Namespace, pr.Selector)
	}
	return []any{obj.Name, obj.Spec.PolicyName, paramName, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printMutatingAdmissionPolicy(obj *admissionregistrationv1.MutatingAdmissionPolicy, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Spec.Mutations)), formatParamKind(obj.Spec.ParamKind), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printMutatingAdmissionPolicyV1beta1(obj *admissionregistrationv1beta1.MutatingAdmissionPolicy, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Spec.Mutations)), formatParamKind((*admissionregistrationv1.ParamKind)(obj.Spec.ParamKind)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printMutatingAdmissionPolicyV1alpha1(obj *admissionregistrationv1alpha1.MutatingAdmissionPolicy, now time.Time) ([]any, error) {
	return []any{obj.Name, int64(len(obj.Spec.Mutations)), formatParamKind((*admissionregistrationv1.ParamKind)(obj.Spec.ParamKind)), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printMutatingAdmissionPolicyBinding(obj *admissionregistrationv1.MutatingAdmissionPolicyBinding, now time.Time) ([]any, error) {
	paramName := "<unset>"
	if pr := obj.Spec.ParamRef; pr != nil {
		paramName = formatParamRef(pr.Name, pr.Namespace, pr.Selector)
	}
	return []any{obj.Name, obj.Spec.PolicyName, paramName, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printMutatingAdmissionPolicyBindingV1beta1(obj *admissionregistrationv1beta1.MutatingAdmissionPolicyBinding, now time.Time) ([]any, error) {
	paramName := "<unset>"
	if pr := obj.Spec.ParamRef; pr != nil {
		paramName = formatParamRef(pr.Name, pr.Namespace, pr.Selector)
	}
	return []any{obj.Name, obj.Spec.PolicyName, paramName, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func printMutatingAdmissionPolicyBindingV1alpha1(obj *admissionregistrationv1alpha1.MutatingAdmissionPolicyBinding, now time.Time) ([]any, error) {
	paramName := "<unset>"
	if pr := obj.Spec.ParamRef; pr != nil {
		paramName = formatParamRef(pr.Name, pr.Namespace, pr.Selector)
	}
	return []any{obj.Name, obj.Spec.PolicyName, paramName, translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

// formatParamKind is the ParamKind column of a policy: apiVersion/kind.
func formatParamKind(paramKind *admissionregistrationv1.ParamKind) string {
	if paramKind == nil {
		return "<unset>"
	}
	return paramKind.APIVersion + "/" + paramKind.Kind
}

// formatParamRef is the ParamRef column of a binding that has a paramRef:
// namespace/name, or its selector in the Go syntax of
// metav1.LabelSelector.String, as upstream prints it.
func formatParamRef(name, namespace string, selector *metav1.LabelSelector) string {
	if len(name) > 0 {
		if namespace != "" {
			return namespace + "/" + name
		}
		// Can't tell from here if param is cluster-scoped, so all
		// params without names get * namespace
		return "*/" + name
	}
	if selector != nil {
		return selector.String()
	}
	return "<unset>"
}
