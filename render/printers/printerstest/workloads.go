package printerstest

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func workloadMeta(now time.Time, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: metav1.NewTime(now.Add(-20 * time.Minute))}
}

func template(containers ...string) corev1.PodTemplateSpec {
	var spec corev1.PodSpec
	for _, c := range containers {
		spec.Containers = append(spec.Containers, corev1.Container{Name: c, Image: "shop/" + c + ":1"})
	}
	return corev1.PodTemplateSpec{Spec: spec}
}

func workloadCases(now time.Time) []Case {
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}

	statefulSet := &appsv1.StatefulSet{
		ObjectMeta: workloadMeta(now, "db"),
		Spec:       appsv1.StatefulSetSpec{Replicas: new(int32(3)), Selector: selector, Template: template("db")},
		Status:     appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2},
	}
	daemonSet := &appsv1.DaemonSet{
		ObjectMeta: workloadMeta(now, "node-exporter"),
		Spec: appsv1.DaemonSetSpec{Selector: selector, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
			Containers:   []corev1.Container{{Name: "exporter", Image: "prom/node-exporter:v1.9"}},
		}}},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 5, CurrentNumberScheduled: 5, NumberReady: 4, UpdatedNumberScheduled: 5, NumberAvailable: 4},
	}
	replicaSet := &appsv1.ReplicaSet{
		ObjectMeta: workloadMeta(now, "web-7d4b"),
		Spec:       appsv1.ReplicaSetSpec{Replicas: new(int32(3)), Selector: selector, Template: template("web", "proxy")},
		Status:     appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 3},
	}
	revision := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "db-6b9f", Namespace: "shop", CreationTimestamp: metav1.NewTime(now.Add(-20 * time.Minute)),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", Controller: new(true)}}},
		Revision: 4,
	}

	job := func(name string, conditions ...batchv1.JobConditionType) *batchv1.Job {
		j := &batchv1.Job{
			ObjectMeta: workloadMeta(now, name),
			Spec:       batchv1.JobSpec{Completions: new(int32(1)), Selector: selector, Template: template("migrate")},
			Status:     batchv1.JobStatus{StartTime: new(metav1.NewTime(now.Add(-5 * time.Minute)))},
		}
		for _, c := range conditions {
			j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: c, Status: corev1.ConditionTrue})
		}
		return j
	}
	complete := job("migrate-1", batchv1.JobSuccessCriteriaMet, batchv1.JobComplete)
	complete.Status.Succeeded = 1
	complete.Status.CompletionTime = new(metav1.NewTime(now.Add(-2*time.Minute - 30*time.Second)))
	failed := job("migrate-2", batchv1.JobFailureTarget, batchv1.JobFailed)
	parallel := job("index-1")
	parallel.Spec.Completions, parallel.Spec.Parallelism = nil, new(int32(4))
	parallel.Status.Succeeded = 2
	suspended := job("index-2", batchv1.JobSuspended)
	suspended.Status.StartTime = nil

	cronJob := &batchv1.CronJob{
		ObjectMeta: workloadMeta(now, "backup"),
		Spec: batchv1.CronJobSpec{
			Schedule: "*/15 * * * *",
			TimeZone: new("Europe/Paris"),
			Suspend:  new(true),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Selector: selector,
				Template: template("backup"),
			}},
		},
		Status: batchv1.CronJobStatus{
			Active:           []corev1.ObjectReference{{Name: "backup-1"}},
			LastScheduleTime: new(metav1.NewTime(now.Add(-90 * time.Second))),
		},
	}

	budget := &policyv1.PodDisruptionBudget{
		ObjectMeta: workloadMeta(now, "web"),
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: new(intstr.FromString("50%")), Selector: selector},
		Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1},
	}

	return []Case{
		{"statefulset 2 of 3 ready", statefulSet, []any{"db", "2/3", "20m", "db", "shop/db:1"}},
		{"daemonset with a node selector", daemonSet, []any{"node-exporter", int64(5), int64(5), int64(4), int64(5), int64(4), "kubernetes.io/os=linux", "20m",
			"exporter", "prom/node-exporter:v1.9", "app=web"}},
		{"replicaset", replicaSet, []any{"web-7d4b", int64(3), int64(3), int64(3), "20m", "web,proxy", "shop/web:1,shop/proxy:1", "app=web"}},
		{"controllerrevision of a statefulset", revision, []any{"db-6b9f", "statefulset.apps/db", int64(4), "20m"}},
		{"job Complete, which wins over SuccessCriteriaMet", complete, []any{"migrate-1", "Complete", "1/1", "2m30s", "20m", "migrate", "shop/migrate:1", "app=web"}},
		{"job Failed, which wins over FailureTarget", failed, []any{"migrate-2", "Failed", "0/1", "5m", "20m", "migrate", "shop/migrate:1", "app=web"}},
		{"job without completions, parallel", parallel, []any{"index-1", "Running", "2/1 of 4", "5m", "20m", "migrate", "shop/migrate:1", "app=web"}},
		{"job Suspended, never started", suspended, []any{"index-2", "Suspended", "0/1", "", "20m", "migrate", "shop/migrate:1", "app=web"}},
		{"cronjob suspended", cronJob, []any{"backup", "*/15 * * * *", "Europe/Paris", "True", int64(1), "90s", "20m", "backup", "shop/backup:1", "app=web"}},
		{"poddisruptionbudget", budget, []any{"web", "50%", "N/A", int64(1), "20m"}},
	}
}
