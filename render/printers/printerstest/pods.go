package printerstest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pod is a pod of the given containers on node-1, created ten minutes
// before now; its cells begin with name and end with age, IP, node,
// nominated node and readiness gates.
func pod(now time.Time, name string, phase corev1.PodPhase, containers ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: metav1.NewTime(now.Add(-10 * time.Minute))},
		Spec:       corev1.PodSpec{NodeName: "node-1"},
		Status:     corev1.PodStatus{Phase: phase, PodIP: "10.0.0.7", PodIPs: []corev1.PodIP{{IP: "10.0.0.7"}}},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: c + ":1"})
	}
	return p
}

func running(name string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:         name,
		Ready:        true,
		Started:      new(true),
		RestartCount: restarts,
		State:        corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
	}
}

func waiting(name, reason string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:         name,
		RestartCount: restarts,
		State:        corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}},
	}
}

func terminated(name, reason string, exitCode, signal int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:  name,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: exitCode, Signal: signal}},
	}
}

// lastTerminated is c that last terminated at finished.
func lastTerminated(c corev1.ContainerStatus, finished time.Time) corev1.ContainerStatus {
	c.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1, FinishedAt: metav1.NewTime(finished)}
	return c
}

func podCases(now time.Time) []Case {
	deleted := metav1.NewTime(now.Add(-time.Minute))

	runningPod := pod(now, "web-1", corev1.PodRunning, "web", "proxy")
	runningPod.Status.ContainerStatuses = []corev1.ContainerStatus{running("web", 0), running("proxy", 0)}

	creating := pod(now, "web-2", corev1.PodPending, "web")
	creating.Status.PodIP, creating.Status.PodIPs = "", nil
	creating.Status.ContainerStatuses = []corev1.ContainerStatus{waiting("web", "ContainerCreating", 0)}

	crashLoop := pod(now, "web-3", corev1.PodRunning, "web")
	crashLoop.Status.ContainerStatuses = []corev1.ContainerStatus{
		lastTerminated(waiting("web", "CrashLoopBackOff", 5), now.Add(-5*time.Minute-30*time.Second)),
	}

	completed := pod(now, "migrate-1", corev1.PodSucceeded, "migrate")
	completed.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("migrate", "Completed", 0, 0)}

	failed := pod(now, "migrate-2", corev1.PodFailed, "migrate")
	failed.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("migrate", "Error", 1, 0)}

	terminating := pod(now, "web-4", corev1.PodRunning, "web")
	terminating.DeletionTimestamp = &deleted
	terminating.Status.ContainerStatuses = []corev1.ContainerStatus{running("web", 0)}

	nodeLost := pod(now, "web-5", corev1.PodRunning, "web")
	nodeLost.DeletionTimestamp = &deleted
	nodeLost.Status.Reason = "NodeLost"
	nodeLost.Status.ContainerStatuses = []corev1.ContainerStatus{running("web", 0)}

	deletedDone := pod(now, "migrate-3", corev1.PodSucceeded, "migrate")
	deletedDone.DeletionTimestamp = &deleted
	deletedDone.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("migrate", "Completed", 0, 0)}

	withInit := func(name string, init ...corev1.ContainerStatus) *corev1.Pod {
		p := pod(now, name, corev1.PodPending, "web")
		p.Spec.InitContainers = []corev1.Container{{Name: "schema"}, {Name: "seed"}}
		p.Status.InitContainerStatuses = init
		p.Status.ContainerStatuses = []corev1.ContainerStatus{waiting("web", "PodInitializing", 0)}
		return p
	}
	initRunning := withInit("db-1", terminated("schema", "Completed", 0, 0), running("seed", 0))
	initCrashLoop := withInit("db-2", lastTerminated(waiting("schema", "CrashLoopBackOff", 3), now.Add(-2*time.Minute)))
	initError := withInit("db-3", terminated("schema", "Error", 1, 0))
	initExitCode := withInit("db-4", terminated("schema", "", 2, 0))
	initSignal := withInit("db-5", terminated("schema", "", 137, 9))

	gated := pod(now, "batch-1", corev1.PodPending, "work")
	gated.Spec.NodeName = ""
	gated.Status.PodIP, gated.Status.PodIPs = "", nil
	gated.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}

	sidecar := pod(now, "web-6", corev1.PodRunning, "web")
	sidecar.Spec.InitContainers = []corev1.Container{{Name: "mesh", RestartPolicy: new(corev1.ContainerRestartPolicyAlways)}}
	sidecar.Status.InitContainerStatuses = []corev1.ContainerStatus{lastTerminated(running("mesh", 1), now.Add(-3*time.Minute))}
	sidecar.Status.ContainerStatuses = []corev1.ContainerStatus{running("web", 0)}
	sidecar.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}}

	halfDone := pod(now, "web-7", corev1.PodRunning, "web", "job")
	halfDone.Status.ContainerStatuses = []corev1.ContainerStatus{running("web", 0), terminated("job", "Completed", 0, 0)}

	dualStack := pod(now, "web-8", corev1.PodRunning, "web")
	dualStack.Status.PodIP = "10.0.0.9"
	dualStack.Status.PodIPs = []corev1.PodIP{{IP: "fd00::9"}, {IP: "10.0.0.9"}}
	dualStack.Status.NominatedNodeName = "node-2"
	dualStack.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "lb.example.com/ready"}, {ConditionType: "mesh.example.com/ready"}}
	dualStack.Status.Conditions = []corev1.PodCondition{{Type: "lb.example.com/ready", Status: corev1.ConditionTrue}}
	dualStack.Status.ContainerStatuses = []corev1.ContainerStatus{running("web", 0)}

	return []Case{
		{"pod running", runningPod, []any{"web-1", "2/2", "Running", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod ContainerCreating", creating, []any{"web-2", "0/1", "ContainerCreating", "0", "10m", "<none>", "node-1", "<none>", "<none>"}},
		{"pod CrashLoopBackOff, restarted 5m30s ago", crashLoop, []any{"web-3", "0/1", "CrashLoopBackOff", "5 (5m30s ago)", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod Completed", completed, []any{"migrate-1", "0/1", "Completed", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod Error", failed, []any{"migrate-2", "0/1", "Error", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod Terminating", terminating, []any{"web-4", "1/1", "Terminating", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod of a lost node, being deleted: Unknown", nodeLost, []any{"web-5", "1/1", "Unknown", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod succeeded, being deleted: not Terminating", deletedDone, []any{"migrate-3", "0/1", "Completed", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod running its second init container", initRunning, []any{"db-1", "0/1", "Init:1/2", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod init container CrashLoopBackOff", initCrashLoop, []any{"db-2", "0/1", "Init:CrashLoopBackOff", "3 (2m ago)", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod init container Error", initError, []any{"db-3", "0/1", "Init:Error", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod init container exit code, no reason", initExitCode, []any{"db-4", "0/1", "Init:ExitCode:2", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod init container killed, no reason", initSignal, []any{"db-5", "0/1", "Init:Signal:9", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod SchedulingGated", gated, []any{"batch-1", "0/1", "SchedulingGated", "0", "10m", "<none>", "<none>", "<none>", "<none>"}},
		{"pod with a sidecar restarted 3m ago", sidecar, []any{"web-6", "2/2", "Running", "1 (3m ago)", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod with a completed container, not ready: NotReady", halfDone, []any{"web-7", "1/2", "NotReady", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"}},
		{"pod whose podIP differs from podIPs[0], readiness gates", dualStack, []any{"web-8", "1/1", "Running", "0", "10m", "10.0.0.9", "node-1", "node-2", "1/2"}},
	}
}
