package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	clientv3 "go.etcd.io/etcd/client/v3"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"

	upstream "k8s.io/kubernetes/test/integration/etcd"
)

// groundTruthNamespace holds the namespaced objects the ground truth writes.
const groundTruthNamespace = "groundtruth"

// groundTruth is a kube-apiserver with every API group and version on
// (--runtime-config=api/all=true), holding an object of every resource it
// stores, each written through its API. The objects are upstream's own:
// k8s.io/kubernetes test/integration/etcd holds, for every resource the
// apiserver persists, a stub and the objects it needs first (its
// TestEtcdStoragePath writes them the same way). What lifeboat knows of
// Kubernetes is read from here, never written from memory: where each
// object landed in etcd, in which version and media type, and the table
// the apiserver serves for it.
type groundTruth struct {
	c   *cluster
	cli *clientv3.Client
	// served is every resource discovery lists, one entry per group,
	// version and resource, subresources left out.
	served []servedResource
	// objects are the objects written, one per served resource that the
	// apiserver persists.
	objects []*observed
	// nameRules say which names kube-apiserver accepts for each resource
	// (nameRule).
	nameRules map[schema.GroupResource]string
	// custom are the resources of the CRDs created.
	custom map[schema.GroupResource]bool
	// otherKeys are the keys under the prefix that hold no object written
	// here: what the apiserver writes for itself (ranges, master leases,
	// its own objects), with their values.
	otherKeys map[string][]byte
}

// servedResource is one resource of discovery, as kubectl reads it.
type servedResource struct {
	GVR        schema.GroupVersionResource
	Kind       string
	Namespaced bool
	Singular   string
	ShortNames []string
	Categories []string
	Verbs      []string
	// Preferred: GVR's version is its group's preferred version.
	Preferred bool
	// Stored: upstream's storage test data says kube-apiserver persists it.
	Stored bool
	// Introduced and Removed are the Kubernetes minors in which the
	// version of the resource was first and no longer served (upstream's
	// storage test data; Removed "" when no removal is planned).
	Introduced, Removed string
}

func (r servedResource) listable() bool { return hasVerb(r.Verbs, "list") }

func hasVerb(verbs []string, v string) bool {
	for _, x := range verbs {
		if x == v {
			return true
		}
	}
	return false
}

// observed is one object written through the API and read back from etcd.
type observed struct {
	Served    servedResource
	Namespace string
	Name      string
	// Key is where the object landed; StoragePath is the key less the
	// prefix, namespace and name.
	Key         string
	StoragePath string
	Value       []byte // the bytes etcd holds
	Format      codec.Format
	// StoredAPIVersion and StoredKind are what the stored value says it is.
	StoredAPIVersion, StoredKind string
	// Table is what the apiserver serves for the object as a Table
	// (kubectl get's request), and ServedAt the Date it was served at.
	Table    *metav1.Table
	ServedAt time.Time
}

// newGroundTruth starts the apiserver and writes the objects. It takes
// about a minute.
func newGroundTruth(t *testing.T) *groundTruth {
	t.Helper()
	ctx := context.Background()
	c := newCluster(t, "/registry", "--runtime-config=api/all=true")
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.etcd.Endpoint()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	gt := &groundTruth{c: c, cli: cli}

	// The custom resources of upstream's data need their CRDs, and one of
	// lifeboat's own shows additionalPrinterColumns in tables.
	crds := append(upstream.GetCustomResourceDefinitionData(), printerColumnsCRD())
	upstream.CreateTestCRDs(t, c.ext, false, crds...)
	gt.custom = map[schema.GroupResource]bool{}
	for _, crd := range crds {
		gt.custom[schema.GroupResource{Group: crd.Spec.Group, Resource: crd.Spec.Names.Plural}] = true
	}
	c.namespace(t, groundTruthNamespace)

	dc := discovery.NewDiscoveryClientForConfigOrDie(c.cfg)
	groups, lists, err := dc.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	preferred := map[string]string{}
	for _, g := range groups {
		preferred[g.Name] = g.PreferredVersion.Version
	}
	data := upstream.GetEtcdStorageDataForNamespace(groundTruthNamespace)
	for gvr, d := range printerColumnsData() {
		data[gvr] = d
	}
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			s := servedResource{
				GVR: gv.WithResource(r.Name), Kind: r.Kind, Namespaced: r.Namespaced, Singular: r.SingularName,
				ShortNames: r.ShortNames, Categories: r.Categories, Verbs: r.Verbs, Preferred: preferred[gv.Group] == gv.Version,
			}
			if d, ok := data[s.GVR]; ok {
				s.Stored, s.Introduced, s.Removed = d.ExpectedEtcdPath != "", d.IntroducedVersion, d.RemovedVersion
			}
			gt.served = append(gt.served, s)
		}
	}
	sort.Slice(gt.served, func(i, j int) bool { return gt.served[i].GVR.String() < gt.served[j].GVR.String() })

	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cachedDiscovery{dc})
	for _, s := range gt.served {
		d, ok := data[s.GVR]
		if !ok || d.Stub == "" || !hasVerb(s.Verbs, "create") {
			continue
		}
		for _, pre := range d.Prerequisites {
			if _, err := gt.create(ctx, mapper, pre.GvrData, pre.Stub); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatalf("%s: prerequisite %s: %v", s.GVR, pre.GvrData, err)
			}
		}
		before, err := cli.Get(ctx, "/registry/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			t.Fatal(err)
		}
		created, err := gt.create(ctx, mapper, s.GVR, d.Stub)
		if err != nil {
			t.Fatalf("%s: create the stub of upstream's storage test data: %v", s.GVR, err)
		}
		o, err := gt.find(ctx, s, created, before.Header.Revision)
		if err != nil {
			t.Fatalf("%s: %v", s.GVR, err)
		}
		gt.objects = append(gt.objects, o)
	}
	gt.nameRules = map[schema.GroupResource]string{}
	for _, s := range gt.served {
		d, ok := data[s.GVR]
		gr := s.GVR.GroupResource()
		if _, done := gt.nameRules[gr]; done || !ok || d.Stub == "" || !s.Preferred || !hasVerb(s.Verbs, "create") {
			continue
		}
		gt.nameRules[gr] = gt.nameRule(ctx, mapper, s, d.Stub)
	}
	for _, o := range gt.objects {
		if err := gt.table(ctx, o); err != nil {
			t.Fatalf("%s %s: table: %v", o.Served.GVR, o.Name, err)
		}
	}
	if err := gt.readOtherKeys(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("ground truth: %d resources served, %d objects written, %d other keys", len(gt.served), len(gt.objects), len(gt.otherKeys))
	return gt
}

// Name rules, as nameRule finds them: the name validation each resource's
// strategy runs (k8s.io/apimachinery pkg/api/validation).
const (
	nameDNSLabel     = "dns-label"     // NameIsDNSLabel: lower case, no dot
	nameDNSSubdomain = "dns-subdomain" // NameIsDNSSubdomain: lower case, dots
	namePathSegment  = "path-segment"  // path.ValidatePathSegmentName: no "/", "%", "." or ".."
	nameOwn          = "own"           // a rule of its own (an IP address, plural.group)
)

// nameRule finds which names kube-apiserver accepts for a resource by
// asking it: the stub is created with dryRun=All under probe names that
// tell the rules apart.
func (gt *groundTruth) nameRule(ctx context.Context, mapper meta.RESTMapper, s servedResource, stub string) string {
	accepts := func(name string) bool {
		var m map[string]any
		if err := json.Unmarshal([]byte(stub), &m); err != nil {
			return false
		}
		md, _ := m["metadata"].(map[string]any)
		md["name"] = name
		b, _ := json.Marshal(m)
		gvk, err := mapper.KindFor(s.GVR)
		if err != nil {
			return false
		}
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return false
		}
		client, obj, err := upstream.JSONToUnstructured(string(b), groundTruthNamespace, mapping, gt.c.dyn)
		if err != nil {
			return false
		}
		_, err = client.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err == nil
	}
	switch {
	case !accepts("lifeboat-name-probe"):
		return nameOwn
	case accepts("Lifeboat:Name-Probe"):
		return namePathSegment
	case accepts("lifeboat.name-probe"):
		return nameDNSSubdomain
	}
	return nameDNSLabel
}

// cachedDiscovery adapts a discovery client for the deferred REST mapper,
// which asks it to invalidate caches it does not have.
type cachedDiscovery struct{ *discovery.DiscoveryClient }

func (cachedDiscovery) Fresh() bool { return true }
func (cachedDiscovery) Invalidate() {}

// create writes stub through the API as an object of gvr, in the ground
// truth's namespace when the resource is namespaced.
func (gt *groundTruth) create(ctx context.Context, mapper meta.RESTMapper, gvr schema.GroupVersionResource, stub string) (*unstructured.Unstructured, error) {
	gvk, err := mapper.KindFor(gvr)
	if err != nil {
		return nil, err
	}
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	client, obj, err := upstream.JSONToUnstructured(stub, groundTruthNamespace, mapping, gt.c.dyn)
	if err != nil {
		return nil, err
	}
	return client.Create(ctx, obj, metav1.CreateOptions{})
}

// find reads back from etcd the object created: the key written since
// revision since whose value carries the object's uid.
func (gt *groundTruth) find(ctx context.Context, s servedResource, created *unstructured.Unstructured, since int64) (*observed, error) {
	resp, err := gt.cli.Get(ctx, "/registry/", clientv3.WithPrefix(), clientv3.WithMinModRev(since+1))
	if err != nil {
		return nil, err
	}
	for _, kv := range resp.Kvs {
		obj, err := codec.Decode(kv.Value)
		if err != nil || obj.Meta.UID != created.GetUID() {
			continue
		}
		key := string(kv.Key)
		suffix := "/" + created.GetName()
		if created.GetNamespace() != "" {
			suffix = "/" + created.GetNamespace() + suffix
		}
		path, ok := strings.CutSuffix(strings.TrimPrefix(key, "/registry/"), suffix)
		if !ok {
			return nil, fmt.Errorf("%s holds the object, but does not end in its namespace and name %s", key, suffix)
		}
		return &observed{
			Served: s, Namespace: created.GetNamespace(), Name: created.GetName(),
			Key: key, StoragePath: path, Value: kv.Value, Format: codec.DetectFormat(kv.Value),
			StoredAPIVersion: obj.APIVersion, StoredKind: obj.Kind,
		}, nil
	}
	return nil, fmt.Errorf("no key written since revision %d holds uid %s (%s/%s)", since, created.GetUID(), created.GetNamespace(), created.GetName())
}

// tableAccept is what kubectl get asks for: a Table, else the object.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

// table asks the apiserver for the object as kubectl get does.
func (gt *groundTruth) table(ctx context.Context, o *observed) error {
	cfg := rest.CopyConfig(gt.c.cfg)
	cfg.GroupVersion = &schema.GroupVersion{Group: o.Served.GVR.Group, Version: o.Served.GVR.Version}
	cfg.APIPath = "/apis"
	if o.Served.GVR.Group == "" {
		cfg.APIPath = "/api"
	}
	cfg.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	client, err := rest.RESTClientFor(cfg)
	if err != nil {
		return err
	}
	req := client.Get().Resource(o.Served.GVR.Resource).Name(o.Name).SetHeader("Accept", tableAccept).Param("includeObject", "None")
	if o.Namespace != "" {
		req = req.Namespace(o.Namespace)
	}
	res := req.Do(ctx)
	raw, err := res.Raw()
	if err != nil {
		return err
	}
	var table metav1.Table
	if err := json.Unmarshal(raw, &table); err != nil {
		return fmt.Errorf("not a Table: %w", err)
	}
	if table.Kind != "Table" {
		return fmt.Errorf("served %s, not a Table", table.Kind)
	}
	o.Table = &table
	o.ServedAt = time.Now()
	// The value the table was made from: the object's controllers may
	// have written it since it was created (a FlowSchema's status).
	rev, err := strconv.ParseInt(table.ResourceVersion, 10, 64)
	if err != nil {
		return fmt.Errorf("table resourceVersion %q: %w", table.ResourceVersion, err)
	}
	resp, err := gt.cli.Get(ctx, o.Key, clientv3.WithRev(rev))
	if err != nil {
		return err
	}
	if len(resp.Kvs) != 1 || resp.Kvs[0].ModRevision != rev {
		return fmt.Errorf("%s holds no value written at revision %d", o.Key, rev)
	}
	o.Value = resp.Kvs[0].Value
	return nil
}

// readOtherKeys keeps every key that holds none of the objects written.
func (gt *groundTruth) readOtherKeys(ctx context.Context) error {
	mine := map[string]bool{}
	for _, o := range gt.objects {
		mine[o.Key] = true
	}
	resp, err := gt.cli.Get(ctx, "/registry/", clientv3.WithPrefix())
	if err != nil {
		return err
	}
	gt.otherKeys = map[string][]byte{}
	for _, kv := range resp.Kvs {
		if !mine[string(kv.Key)] {
			gt.otherKeys[string(kv.Key)] = kv.Value
		}
	}
	return nil
}

// printerColumnsCRD is a custom resource with additionalPrinterColumns of
// every type, so that tables of custom resources are compared too.
func printerColumnsCRD() *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "crontabs.stable.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "stable.example.com", Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "crontabs", Singular: "crontab", Kind: "CronTab", ShortNames: []string{"ct"}},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}},
				AdditionalPrinterColumns: []apiextensionsv1.CustomResourceColumnDefinition{
					{Name: "Schedule", Type: "string", JSONPath: ".spec.cronSpec"},
					{Name: "Replicas", Type: "integer", JSONPath: ".spec.replicas"},
					{Name: "Suspended", Type: "boolean", JSONPath: ".spec.suspend"},
					{Name: "Ratio", Type: "number", JSONPath: ".spec.ratio", Priority: 1},
					{Name: "Image", Type: "string", JSONPath: ".spec.image", Priority: 1},
					{Name: "Last Run", Type: "date", JSONPath: ".status.lastRun"},
					{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
				},
			}},
		},
	}
}

func printerColumnsData() map[schema.GroupVersionResource]upstream.StorageData {
	return map[schema.GroupVersionResource]upstream.StorageData{
		{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}: {
			Stub:             `{"metadata": {"name": "nightly"}, "spec": {"cronSpec": "0 3 * * *", "replicas": 2, "suspend": false, "ratio": 0.5, "image": "backup:1"}, "status": {"lastRun": "2026-01-02T03:04:05Z"}}`,
			ExpectedEtcdPath: "/registry/stable.example.com/crontabs/" + groundTruthNamespace + "/nightly",
		},
	}
}

// TestGroundTruth checks lifeboat against a kube-apiserver with every group
// and version on and an object of every resource it stores.
func TestGroundTruth(t *testing.T) {
	gt := newGroundTruth(t)
	t.Run("generated", func(t *testing.T) {
		checkGenerated(t, generatedTable, resourceTable(t, gt))
		checkGenerated(t, generatedDefaultTables, defaultTables(t, gt))
		checkFixture(t, gt)
	})
	if *update {
		return
	}
	t.Run("names", func(t *testing.T) { checkNames(t, gt) })
	t.Run("tables", func(t *testing.T) { checkTables(t, gt) })
	t.Run("json", func(t *testing.T) { checkJSON(t, gt) })
	t.Run("storage", func(t *testing.T) { checkStorage(t, gt) })
}
