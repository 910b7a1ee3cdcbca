package doctor

import (
	"slices"
	"strings"
	"unique"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
)

// podNeeds is all podFactsOf reads of a pod: scanning 150,000 pods,
// doctor decodes these fields, not the rest (TestPodNeeds).
var podNeeds = codec.NewMask(
	"metadata.name", "metadata.namespace", "metadata.labels", "metadata.ownerReferences",
	"metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds", "metadata.finalizers",
	"spec.nodeName", "spec.tolerations",
	"spec.volumes.name", "spec.volumes.configMap", "spec.volumes.secret", "spec.volumes.projected",
	"spec.containers.name", "spec.containers.volumeMounts.name", "spec.containers.volumeMounts.subPath",
	"spec.containers.env.name", "spec.containers.env.valueFrom", "spec.containers.envFrom",
	"spec.initContainers.name", "spec.initContainers.volumeMounts.name", "spec.initContainers.volumeMounts.subPath",
	"spec.initContainers.env.name", "spec.initContainers.env.valueFrom", "spec.initContainers.envFrom",
	"status.phase", "status.conditions", "status.containerStatuses.state", "status.initContainerStatuses.state",
)

// censusNeeds is what the census reads of the objects of res: for pods,
// podNeeds; everything of the few others.
func censusNeeds(res etcdops.Resource) *codec.Mask {
	if res.Name == "pods" && res.Group == "" && !res.Custom {
		return podNeeds
	}
	return nil
}

// podFactsOf is what the census keeps of a pod: its place, phase, owner,
// why it fails, its NoExecute tolerations and the ConfigMaps and Secrets
// it needs (census.add then drops those already seen).
func podFactsOf(key string, p *corev1.Pod) podFacts {
	f := podFacts{namespace: p.Namespace, name: p.Name, node: p.Spec.NodeName, key: key, phase: p.Status.Phase, owner: ownerOf(p)}
	if p.Namespace == "kube-system" {
		f.labels = p.Labels
	}
	if p.DeletionTimestamp != nil {
		f.deleting = etcdops.DeletionRequested(p.DeletionTimestamp.Time, p.DeletionGracePeriodSeconds)
	}
	for _, statuses := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for i := range statuses {
			if w := statuses[i].State.Waiting; w != nil && failingReason(w.Reason) {
				f.failing = w.Reason
			}
		}
	}
	if f.failing == "" && p.Status.Phase == corev1.PodRunning {
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionFalse {
				f.failing = "running, failing readiness"
			}
		}
	}
	for _, t := range p.Spec.Tolerations {
		if t.Effect == corev1.TaintEffectNoExecute || t.Effect == "" {
			f.tolerations = append(f.tolerations, t)
		}
	}
	f.refs = configRefs(&p.Spec)
	return f
}

// sharedRefs is refs, or the equal list the pod before kept: the pods of
// one ReplicaSet, one after the other in key order, name the same Secrets
// (which follow pods in key order, so every pod keeps its references to
// them until the scan ends).
func (c *census) sharedRefs(refs []configRef) []configRef {
	if len(refs) > 0 && slices.Equal(refs, c.lastRefs) {
		return c.lastRefs
	}
	c.lastRefs = refs
	return refs
}

// shared is ts, or the equal list the pod before had: the pods of a
// cluster mostly carry the same two (not-ready and unreachable, 300 s), and
// a copy each took 35 MB at 150,000 pods.
func (c *census) shared(ts []corev1.Toleration) []corev1.Toleration {
	if slices.EqualFunc(ts, c.lastTolerations, sameToleration) {
		return c.lastTolerations
	}
	c.lastTolerations = ts
	return ts
}

func sameToleration(a, b corev1.Toleration) bool {
	return a.Key == b.Key && a.Operator == b.Operator && a.Value == b.Value && a.Effect == b.Effect &&
		(a.TolerationSeconds == nil) == (b.TolerationSeconds == nil) && (a.TolerationSeconds == nil || *a.TolerationSeconds == *b.TolerationSeconds)
}

// unsatisfied are the refs of a pod in namespace that the ConfigMaps and
// Secrets seen so far do not satisfy, in a slice of their own (nil when
// none): what configFindings must still look at. Dropping the others now
// is safe whatever the scan's order, since an object seen later can only
// satisfy more; and it keeps doctor's memory to the references that may be
// missing, not every pod's (ConfigMaps precede pods in key order, so on a
// healthy cluster only Secret references are kept).
func (c *census) unsatisfied(namespace string, refs []configRef) []configRef {
	n := 0
	for _, r := range refs {
		if !c.satisfies(namespace, r) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	kept := make([]configRef, 0, n)
	for _, r := range refs {
		if !c.satisfies(namespace, r) {
			kept = append(kept, r)
		}
	}
	return kept
}

// satisfies reports whether the ConfigMap or Secret r names, in namespace,
// exists, with the key r names.
func (c *census) satisfies(namespace string, r configRef) bool {
	set := c.configMaps
	if r.kind == "secret" {
		set = c.secrets
	}
	keys, exists := set[namespace+"/"+r.name]
	return exists && (r.key == "" || keys[r.key])
}

// failingReason reports whether a container's waiting reason means it
// cannot run (the kubelet's reasons, k8s.io/kubernetes pkg/kubelet/images
// and kuberuntime).
func failingReason(reason string) bool {
	switch reason {
	case "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError":
		return true
	}
	return false
}

// configRefs are the ConfigMaps and Secrets (and their keys) a pod needs
// to start, as the kubelet needs them: a volume that is not optional needs
// its object and every key its items name; a subPath into such a volume
// without items needs the key it names; env needs its keys, envFrom its
// objects, unless optional.
func configRefs(spec *corev1.PodSpec) []configRef {
	var refs []configRef
	volumes := map[string]configRef{} // whole-object volumes, for subPaths
	addVolume := func(vol, kind, name string, optional *bool, items []corev1.KeyToPath) {
		if optional != nil && *optional {
			return
		}
		refs = append(refs, configRef{kind: kind, name: name, via: via{form: viaVolume, name: vol}})
		for _, it := range items {
			refs = append(refs, configRef{kind: kind, name: name, key: it.Key, via: via{form: viaVolumeItems, name: vol}})
		}
		if len(items) == 0 {
			volumes[vol] = configRef{kind: kind, name: name}
		}
	}
	for _, v := range spec.Volumes {
		switch {
		case v.ConfigMap != nil:
			addVolume(v.Name, "configmap", v.ConfigMap.Name, v.ConfigMap.Optional, v.ConfigMap.Items)
		case v.Secret != nil:
			addVolume(v.Name, "secret", v.Secret.SecretName, v.Secret.Optional, v.Secret.Items)
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				switch {
				case src.ConfigMap != nil:
					addVolume(v.Name, "configmap", src.ConfigMap.Name, src.ConfigMap.Optional, src.ConfigMap.Items)
				case src.Secret != nil:
					addVolume(v.Name, "secret", src.Secret.Name, src.Secret.Optional, src.Secret.Items)
				}
			}
		}
	}
	for _, containers := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range containers {
			ctr := &containers[i]
			for _, m := range ctr.VolumeMounts {
				if vr, ok := volumes[m.Name]; ok && m.SubPath != "" {
					key, _, _ := strings.Cut(m.SubPath, "/")
					refs = append(refs, configRef{kind: vr.kind, name: vr.name, key: key, via: via{form: viaSubPath, name: m.SubPath, container: ctr.Name}})
				}
			}
			for _, e := range ctr.Env {
				switch src := e.ValueFrom; {
				case src == nil:
				case src.ConfigMapKeyRef != nil && !optional(src.ConfigMapKeyRef.Optional):
					refs = append(refs, configRef{kind: "configmap", name: src.ConfigMapKeyRef.Name, key: src.ConfigMapKeyRef.Key, via: via{form: viaEnv, name: e.Name, container: ctr.Name}})
				case src.SecretKeyRef != nil && !optional(src.SecretKeyRef.Optional):
					refs = append(refs, configRef{kind: "secret", name: src.SecretKeyRef.Name, key: src.SecretKeyRef.Key, via: via{form: viaEnv, name: e.Name, container: ctr.Name}})
				}
			}
			for _, e := range ctr.EnvFrom {
				switch {
				case e.ConfigMapRef != nil && !optional(e.ConfigMapRef.Optional):
					refs = append(refs, configRef{kind: "configmap", name: e.ConfigMapRef.Name, via: via{form: viaEnvFrom, container: ctr.Name}})
				case e.SecretRef != nil && !optional(e.SecretRef.Optional):
					refs = append(refs, configRef{kind: "secret", name: e.SecretRef.Name, via: via{form: viaEnvFrom, container: ctr.Name}})
				}
			}
		}
	}
	return refs
}

// via is where a pod names a ConfigMap or Secret, in parts: the sentence
// (String) is made only for the few references doctor reports, not for
// the millions of a large cluster's pods.
type via struct {
	form            viaForm
	name, container string
}

type viaForm uint8

const (
	viaVolume      viaForm = iota // volume NAME
	viaVolumeItems                // volume NAME items
	viaSubPath                    // subPath NAME of container C
	viaEnv                        // env NAME of container C
	viaEnvFrom                    // envFrom of container C
)

func (v via) String() string {
	switch v.form {
	case viaVolume:
		return "volume " + v.name
	case viaVolumeItems:
		return "volume " + v.name + " items"
	case viaSubPath:
		return "subPath " + v.name + " of container " + v.container
	case viaEnv:
		return "env " + v.name + " of container " + v.container
	}
	return "envFrom of container " + v.container
}

func optional(b *bool) bool { return b != nil && *b }

// ownerOf is the pod's controller (or first owner) as KIND/NAME, interned:
// the pods of one ReplicaSet share it.
func ownerOf(p *corev1.Pod) string {
	for _, ref := range p.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return unique.Make(ref.Kind + "/" + ref.Name).Value()
		}
	}
	if len(p.OwnerReferences) > 0 {
		return unique.Make(p.OwnerReferences[0].Kind + "/" + p.OwnerReferences[0].Name).Value()
	}
	return ""
}
