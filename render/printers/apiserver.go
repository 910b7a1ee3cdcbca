package printers

import (
	"fmt"
	"time"

	apiserverinternalv1alpha1 "k8s.io/api/apiserverinternal/v1alpha1"
	storagemigrationv1beta1 "k8s.io/api/storagemigration/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The kinds of kube-apiserver's own workings.

func printStatus(obj *metav1.Status, now time.Time) ([]any, error) {
	return []any{obj.Status, string(obj.Reason), obj.Message}, nil
}

func printStorageVersion(obj *apiserverinternalv1alpha1.StorageVersion, now time.Time) ([]any, error) {
	commonEncodingVersion := "<unset>"
	if obj.Status.CommonEncodingVersion != nil {
		commonEncodingVersion = *obj.Status.CommonEncodingVersion
	}
	return []any{obj.Name, commonEncodingVersion, formatStorageVersions(obj.Status.StorageVersions), translateTimestampSince(obj.CreationTimestamp, now)}, nil
}

func formatStorageVersions(storageVersions []apiserverinternalv1alpha1.ServerStorageVersion) string {
	list := []string{}
	max := 3
	more := false
	count := 0
	for _, sv := range storageVersions {
		if len(list) < max {
			list = append(list, fmt.Sprintf("%s=%s", sv.APIServerID, sv.EncodingVersion))
		} else if len(list) == max {
			more = true
		}
		count++
	}
	return listWithMoreString(list, more, count, max)
}

func printStorageVersionMigration(obj *storagemigrationv1beta1.StorageVersionMigration, now time.Time) ([]any, error) {
	migrationGR := obj.Spec.Resource.String()

	condStatus := "Unknown"
	for _, cond := range obj.Status.Conditions {
		if cond.Status != metav1.ConditionTrue {
			continue
		}
		switch cond.Type {
		case string(storagemigrationv1beta1.MigrationRunning), string(storagemigrationv1beta1.MigrationFailed), string(storagemigrationv1beta1.MigrationSucceeded):
			condStatus = cond.Type
		}
	}
	return []any{obj.Name, migrationGR, condStatus}, nil
}
