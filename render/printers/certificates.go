package printers

import (
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	certificatesv1alpha1 "k8s.io/api/certificates/v1alpha1"
	certificatesv1beta1 "k8s.io/api/certificates/v1beta1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
)

func printCertificateSigningRequest(obj *certificatesv1.CertificateSigningRequest, now time.Time) ([]any, error) {
	status := extractCSRStatus(obj)
	signerName := "<none>"
	if obj.Spec.SignerName != "" {
		signerName = obj.Spec.SignerName
	}
	requestedDuration := "<none>"
	if obj.Spec.ExpirationSeconds != nil {
		requestedDuration = duration.HumanDuration(time.Duration(*obj.Spec.ExpirationSeconds) * time.Second)
	}
	return []any{obj.Name, translateTimestampSince(obj.CreationTimestamp, now), signerName, obj.Spec.Username, requestedDuration, status}, nil
}

func extractCSRStatus(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	var status string
	// must be in order of presidence
	if denied {
		status += "Denied"
	} else if approved {
		status += "Approved"
	} else {
		status += "Pending"
	}
	if failed {
		status += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}

func printClusterTrustBundle(obj *certificatesv1beta1.ClusterTrustBundle, now time.Time) ([]any, error) {
	signerName := "<none>"
	if obj.Spec.SignerName != "" {
		signerName = obj.Spec.SignerName
	}
	return []any{obj.Name, signerName}, nil
}

func printClusterTrustBundleV1alpha1(obj *certificatesv1alpha1.ClusterTrustBundle, now time.Time) ([]any, error) {
	signerName := "<none>"
	if obj.Spec.SignerName != "" {
		signerName = obj.Spec.SignerName
	}
	return []any{obj.Name, signerName}, nil
}

func printPodCertificateRequest(obj *certificatesv1beta1.PodCertificateRequest, now time.Time) ([]any, error) {
	// "Issued", "Denied", and "Failed" are all mutually-exclusive states, and
	// they must have Status "True".
	state := "Pending"
	for _, cond := range obj.Status.Conditions {
		switch cond.Type {
		case certificatesv1beta1.PodCertificateRequestConditionTypeIssued:
			state = "Issued"
		case certificatesv1beta1.PodCertificateRequestConditionTypeDenied:
			state = "Denied"
		case certificatesv1beta1.PodCertificateRequestConditionTypeFailed:
			state = "Failed"
		}
	}

	return []any{obj.Name, obj.Spec.PodName, obj.Spec.ServiceAccountName, string(obj.Spec.NodeName), obj.Spec.SignerName, state,
		labels.FormatLabels(obj.Spec.UnverifiedUserAnnotations)}, nil
}
