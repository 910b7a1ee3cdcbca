package printers

import (
	"fmt"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
)

func printRoleBinding(obj *rbacv1.RoleBinding, now time.Time) ([]any, error) {
	roleRef := fmt.Sprintf("%s/%s", obj.RoleRef.Kind, obj.RoleRef.Name)
	users, groups, sas, _ := subjectsStrings(obj.Subjects)
	return []any{obj.Name, roleRef, translateTimestampSince(obj.CreationTimestamp, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}, nil
}

func printClusterRoleBinding(obj *rbacv1.ClusterRoleBinding, now time.Time) ([]any, error) {
	roleRef := fmt.Sprintf("%s/%s", obj.RoleRef.Kind, obj.RoleRef.Name)
	users, groups, sas, _ := subjectsStrings(obj.Subjects)
	return []any{obj.Name, roleRef, translateTimestampSince(obj.CreationTimestamp, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}, nil
}

// subjectsStrings is k8s.io/kubernetes pkg/apis/rbac.SubjectsStrings: the
// subjects' users, groups, service accounts (namespace/name) and others.
func subjectsStrings(subjects []rbacv1.Subject) ([]string, []string, []string, []string) {
	users := []string{}
	groups := []string{}
	sas := []string{}
	others := []string{}

	for _, subject := range subjects {
		switch subject.Kind {
		case rbacv1.ServiceAccountKind:
			sas = append(sas, fmt.Sprintf("%s/%s", subject.Namespace, subject.Name))

		case rbacv1.UserKind:
			users = append(users, subject.Name)

		case rbacv1.GroupKind:
			groups = append(groups, subject.Name)

		default:
			others = append(others, fmt.Sprintf("%s/%s/%s", subject.Kind, subject.Namespace, subject.Name))
		}
	}

	return users, groups, sas, others
}
