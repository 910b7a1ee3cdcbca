package etcdops

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilversion "k8s.io/apimachinery/pkg/util/version"
)

// errStopScan ends a scan that found what it looked for.
var errStopScan = errors.New("stop scan")

// OldestRelease is the oldest Kubernetes minor lifeboat writes for without
// evidence of the cluster's own: a version every release since serves is
// safe to write to any cluster it supports.
const OldestRelease = "1.30"

// storageTarget is the version and media type lifeboat writes a resource
// in on this cluster, and why.
type storageTarget struct {
	codec.Storage
	why string
}

// storageFor works out how this cluster's kube-apiserver stores res, for an
// object given in version have. Clusters run older Kubernetes releases than
// lifeboat's table, and an older kube-apiserver cannot read a version it
// does not know (one value it cannot read stops it listing the resource),
// so lifeboat writes what the cluster shows it reads:
//
//   - the apiVersion and media type of the resource's objects already in
//     etcd: the cluster wrote them;
//   - a custom resource: its CRD's storage version;
//   - no object yet: have, or else the storage version of lifeboat's
//     table, if the cluster's release serves it: the release is read from
//     the kube-apiserver mirror pods' image, else bounded below by the
//     newest kubelet (kubelets are never newer than their apiserver), else
//     OldestRelease. Otherwise it is refused, saying why.
func (s *Store) storageFor(ctx context.Context, res Resource, have schema.GroupVersion) (storageTarget, error) {
	if st, ok, err := s.storedAs(ctx, res); err != nil || ok {
		return st, err
	}
	if res.Custom {
		if res.Storage.Version == "" {
			return storageTarget{Storage: codec.Storage{Version: have, Format: codec.FormatJSON}, why: "no CRD declares it"}, nil
		}
		return storageTarget{Storage: codec.Storage{Version: res.Storage, Format: codec.FormatJSON}, why: "its CRD's storage version"}, nil
	}
	format, err := s.builtinFormat(ctx, res)
	if err != nil {
		return storageTarget{}, err
	}
	rel, err := s.clusterRelease(ctx)
	if err != nil {
		return storageTarget{}, err
	}
	candidates := []schema.GroupVersion{have}
	if res.Storage != have {
		candidates = append(candidates, res.Storage)
	}
	for _, gv := range candidates {
		if ok, since := res.servedAt(gv, rel.minor); ok {
			return storageTarget{Storage: codec.Storage{Version: gv, Format: format},
				why: fmt.Sprintf("no %s in etcd yet; %s is served since Kubernetes %s and %s", res, gv, orAlways(since), rel.evidence)}, nil
		}
	}
	var known []string
	for _, v := range res.Versions {
		if v.Introduced != "" {
			known = append(known, fmt.Sprintf("%s since %s", res.groupVersion(v.Name), v.Introduced))
		}
	}
	return storageTarget{}, usageErrorf("%s: no %s in etcd show which version this cluster's kube-apiserver stores, and it may not read %s (%s; %s): give the object in a version its release serves",
		res, res, have, strings.Join(known, ", "), rel.evidence)
}

func orAlways(since string) string {
	if since == "" {
		return "ever"
	}
	return since
}

// groupVersion is version in r's group.
func (r Resource) groupVersion(version string) schema.GroupVersion {
	return schema.GroupVersion{Group: r.Group, Version: version}
}

// servedAt reports whether a kube-apiserver of release minor ("1.31")
// serves gv for r, and since when, by lifeboat's table.
func (r Resource) servedAt(gv schema.GroupVersion, minor string) (bool, string) {
	if gv.Group != r.Group && gv.Group != r.Storage.Group {
		return false, ""
	}
	if gv == r.Storage && !r.Serves(gv.Version) {
		// kube-apiserver stores it in a version it no longer serves so that
		// the releases before it read it (CRDs as v1beta1).
		return true, ""
	}
	for _, v := range r.Versions {
		if v.Name != gv.Version {
			continue
		}
		if v.Introduced == "" {
			return true, ""
		}
		introduced, err := utilversion.ParseGeneric(v.Introduced)
		cluster, err2 := utilversion.ParseGeneric(minor)
		if err != nil || err2 != nil {
			return false, v.Introduced
		}
		return cluster.AtLeast(introduced), v.Introduced
	}
	return false, ""
}

// storedAs reads how the resource's objects already in etcd are stored:
// the first one that decodes says it.
func (s *Store) storedAs(ctx context.Context, res Resource) (storageTarget, bool, error) {
	var st storageTarget
	found := false
	_, err := s.scanPages(ctx, s.layout.ResourcePrefix(res), func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			rec := s.record(ctx, kv)
			obj, err := DecodeStored(res, rec.Value)
			if err != nil || obj.Format == codec.FormatEncrypted {
				continue
			}
			gv, err := schema.ParseGroupVersion(obj.APIVersion)
			if err != nil {
				continue
			}
			st = storageTarget{Storage: codec.Storage{Version: gv, Format: obj.Format}, why: "its objects in etcd are " + obj.APIVersion + " (" + rec.Key + ")"}
			found = true
			return errStopScan
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		err = nil
	}
	return st, found, err
}

// builtinFormat is the media type this cluster stores built-in kinds in:
// protobuf by default, JSON under --storage-media-type=json, which its
// namespaces show.
func (s *Store) builtinFormat(ctx context.Context, res Resource) (codec.Format, error) {
	if res.Format != codec.FormatProtobuf {
		return res.Format, nil
	}
	st, ok, err := s.storedAs(ctx, MustResolveResource("namespaces"))
	if err != nil || !ok || st.Format == codec.FormatEncrypted {
		return res.Format, err
	}
	return st.Format, nil
}

// release is what etcd says of the cluster's Kubernetes release.
type release struct {
	minor    string // "1.31": the release, or a lower bound of it
	evidence string
}

// clusterRelease reads the cluster's Kubernetes release from etcd: the
// image of a kube-apiserver mirror pod (kubeadm and most installers run it
// as a static pod), else the newest kubelet's version, a lower bound
// (kubelets may be older than their apiserver, never newer), else
// OldestRelease.
func (s *Store) clusterRelease(ctx context.Context) (release, error) {
	pods := MustResolveResource("pods")
	var found release
	_, err := s.scanPages(ctx, s.layout.NamespacePrefix(pods, "kube-system")+"kube-apiserver", func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			obj, err := DecodeStored(pods, s.record(ctx, kv).Value)
			if err != nil {
				continue
			}
			pod, ok := obj.AsTyped().(*corev1.Pod)
			if !ok || pod.Labels["component"] != "kube-apiserver" {
				continue
			}
			for _, c := range pod.Spec.Containers {
				if _, tag, ok := strings.Cut(c.Image[strings.LastIndexByte(c.Image, '/')+1:], ":"); ok {
					if minor := minorOf(tag); minor != "" {
						found = release{minor: minor, evidence: fmt.Sprintf("its kube-apiserver runs %s (pod kube-system/%s)", c.Image, pod.Name)}
						return errStopScan
					}
				}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return release{}, err
	}
	if found.minor != "" {
		return found, nil
	}
	nodes := MustResolveResource("nodes")
	var newest *utilversion.Version
	newestNode := ""
	_, err = s.scanPages(ctx, s.layout.ResourcePrefix(nodes), func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			obj, err := DecodeStored(nodes, s.record(ctx, kv).Value)
			if err != nil {
				continue
			}
			node, ok := obj.AsTyped().(*corev1.Node)
			if !ok {
				continue
			}
			v, err := utilversion.ParseGeneric(minorOf(node.Status.NodeInfo.KubeletVersion))
			if err == nil && (newest == nil || v.GreaterThan(newest)) {
				newest, newestNode = v, node.Name
			}
		}
		return nil
	})
	if err != nil {
		return release{}, err
	}
	if newest != nil {
		minor := fmt.Sprintf("%d.%d", newest.Major(), newest.Minor())
		return release{minor: minor, evidence: fmt.Sprintf("its newest kubelet is %s (node %s), so its kube-apiserver is %s or later", minor, newestNode, minor)}, nil
	}
	return release{minor: OldestRelease, evidence: fmt.Sprintf("etcd shows no kube-apiserver pod or kubelet version, so lifeboat assumes Kubernetes %s, the oldest it supports", OldestRelease)}, nil
}

// minorOf is "1.31" of a version such as "v1.31.2+k3s1"; "" when it is none.
func minorOf(v string) string {
	parsed, err := utilversion.ParseGeneric(strings.TrimPrefix(v, "v"))
	if err != nil {
		return ""
	}
	return strconv.FormatUint(uint64(parsed.Major()), 10) + "." + strconv.FormatUint(uint64(parsed.Minor()), 10)
}

// checkClusterReads says why this cluster's kube-apiserver may not read
// value, a stored object written as it is (a restore): its version is not
// the one the cluster's objects of res show, nor one its release serves.
func (s *Store) checkClusterReads(ctx context.Context, res Resource, value []byte) error {
	obj, err := codec.Decode(value)
	if err != nil || obj.Format == codec.FormatEncrypted {
		return nil // judged by checkStorable
	}
	gv, err := schema.ParseGroupVersion(obj.APIVersion)
	if err != nil {
		return err
	}
	st, err := s.storageFor(ctx, res, gv)
	if err != nil {
		return err
	}
	if st.Version == gv || res.Custom && res.Serves(gv.Version) {
		return nil
	}
	rel, err := s.clusterRelease(ctx)
	if err != nil {
		return err
	}
	if ok, _ := res.servedAt(gv, rel.minor); ok {
		return nil
	}
	return usageErrorf("it is stored as %s, and this cluster stores %s as %s (%s): its kube-apiserver may not read %s; create it from a manifest instead ('lifeboat create -f', which converts it)",
		gv, res, st.Version, st.why, gv)
}
