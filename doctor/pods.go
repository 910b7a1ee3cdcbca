package doctor

import (
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
)

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
	for _, st := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := st.State.Waiting; w != nil && failingReason(w.Reason) {
			f.failing = w.Reason
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
		refs = append(refs, configRef{kind: kind, name: name, via: "volume " + vol})
		for _, it := range items {
			refs = append(refs, configRef{kind: kind, name: name, key: it.Key, via: "volume " + vol + " items"})
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
	containers := append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...)
	for _, ctr := range containers {
		for _, m := range ctr.VolumeMounts {
			if vr, ok := volumes[m.Name]; ok && m.SubPath != "" {
				key, _, _ := strings.Cut(m.SubPath, "/")
				refs = append(refs, configRef{kind: vr.kind, name: vr.name, key: key, via: "subPath " + m.SubPath + " of container " + ctr.Name})
			}
		}
		for _, e := range ctr.Env {
			switch src := e.ValueFrom; {
			case src == nil:
			case src.ConfigMapKeyRef != nil && !optional(src.ConfigMapKeyRef.Optional):
				refs = append(refs, configRef{kind: "configmap", name: src.ConfigMapKeyRef.Name, key: src.ConfigMapKeyRef.Key, via: "env " + e.Name + " of container " + ctr.Name})
			case src.SecretKeyRef != nil && !optional(src.SecretKeyRef.Optional):
				refs = append(refs, configRef{kind: "secret", name: src.SecretKeyRef.Name, key: src.SecretKeyRef.Key, via: "env " + e.Name + " of container " + ctr.Name})
			}
		}
		for _, e := range ctr.EnvFrom {
			switch {
			case e.ConfigMapRef != nil && !optional(e.ConfigMapRef.Optional):
				refs = append(refs, configRef{kind: "configmap", name: e.ConfigMapRef.Name, via: "envFrom of container " + ctr.Name})
			case e.SecretRef != nil && !optional(e.SecretRef.Optional):
				refs = append(refs, configRef{kind: "secret", name: e.SecretRef.Name, via: "envFrom of container " + ctr.Name})
			}
		}
	}
	return refs
}

func optional(b *bool) bool { return b != nil && *b }

func ownerOf(p *corev1.Pod) string {
	for _, ref := range p.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return ref.Kind + "/" + ref.Name
		}
	}
	if len(p.OwnerReferences) > 0 {
		return p.OwnerReferences[0].Kind + "/" + p.OwnerReferences[0].Name
	}
	return ""
}
