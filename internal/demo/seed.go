package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// Options shape the capsized cluster.
type Options struct {
	// Prefix is the apiserver's --etcd-prefix; "" means "/registry".
	Prefix string
	// Now is when the operator looks at the cluster; every timestamp is
	// relative to it. The zero value means time.Now().
	Now time.Time
	// ControllerManagerAlive keeps kube-controller-manager running: its
	// leader Lease is renewed at Now, and it would re-taint and re-evict
	// anything lifeboat repairs. Otherwise the operator stopped it before
	// the rescue (moved its static pod manifest away): the Lease was last
	// renewed 3 minutes before Now and its mirror pod is gone.
	ControllerManagerAlive bool
	// Malformed adds two values a reader must survive: an undecodable pod
	// (default/poison) and a Secret encrypted at rest with a key lifeboat
	// does not have (payments/card-processor-token).
	Malformed bool
}

// Summary counts what Capsized wrote.
type Summary struct {
	Nodes int
	// TaintedNodes are the nodes the node lifecycle controller tainted
	// node.kubernetes.io/unreachable.
	TaintedNodes int
	// Pods are all decodable Pod objects, TerminatingPods those among them
	// with a deletionTimestamp.
	Pods, TerminatingPods int
	// Keys is every key written, malformed values included.
	Keys int
}

// The story, relative to Now:
//
//	-41d      cluster created (control-plane-1, worker-1..5)
//	-12d      worker-6 and worker-7 added
//	-2h       worker-3 cordoned for a kernel upgrade
//	-20m      a switch fails: worker-1..5 stop renewing their kubelet Leases
//	-19m10s   node-monitor-grace-period (50 s) passes: the node lifecycle
//	          controller sets Ready=Unknown, taints unreachable:NoSchedule and
//	          marks their pods not Ready
//	-9m30s    more than 55 % of the zone is unhealthy, so NoExecute tainting is
//	          rate limited (--secondary-node-eviction-rate); the unreachable
//	          NoExecute taint lands now
//	-4m30s    the pods' 300 s toleration ends: the taint eviction controller
//	          deletes them with their 30 s grace period
//	-4m       deletionTimestamp (deletion + grace): the pods are Terminating,
//	          and stay so, because only their kubelet can confirm the kill
const (
	clusterAge        = 41 * 24 * time.Hour
	newNodesAge       = 12 * 24 * time.Hour
	cordonedAgo       = 2 * time.Hour
	partitionAgo      = 20 * time.Minute
	unknownAgo        = partitionAgo - 50*time.Second
	noExecuteAgo      = evictionAgo + 300*time.Second
	evictionAgo       = deletionAgo + 30*time.Second
	deletionAgo       = 4 * time.Minute
	stoppedKCMAgo     = 3 * time.Minute
	eventTTL          = 3600 // seconds, kube-apiserver's default --event-ttl=1h
	kubeletLeaseSecs  = 40   // kubelet's nodeLeaseDurationSeconds
	leaderLeaseSecs   = 15   // --leader-elect-lease-duration
	kubernetesVersion = "v1.36.3"
)

var (
	controlPlane = []string{"control-plane-1"}
	partitioned  = []string{"worker-1", "worker-2", "worker-3", "worker-4", "worker-5"}
	healthy      = []string{"worker-6", "worker-7"}
	namespaces   = []string{"default", "kube-system", "kube-public", "kube-node-lease", "shop", "payments", "monitoring"}
)

// CapsizedAt seeds the etcd at endpoint (`lifeboat demo` seeds its own
// embedded etcd with it).
func CapsizedAt(ctx context.Context, endpoint string, opts Options) (Summary, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: etcdops.DefaultDialTimeout})
	if err != nil {
		return Summary{}, fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	defer cli.Close()
	return Capsized(ctx, cli, opts)
}

// Capsized writes a cluster in trouble into etcd under opts.Prefix: five of
// eight nodes cut off by a network partition and tainted, 40 of their pods
// stuck Terminating, the control plane and two workers healthy. See the
// package documentation. It overwrites whatever is at its keys.
func Capsized(ctx context.Context, cli *clientv3.Client, opts Options) (Summary, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second) // metav1.Time keeps seconds only
	w := &writer{ctx: ctx, cli: cli, layout: etcdops.Layout{Prefix: opts.Prefix}}
	ago := func(d time.Duration) time.Time { return now.Add(-d) }

	for _, ns := range namespaces {
		w.put("namespaces", "", ns, namespace(ns, ago(clusterAge)), clientv3.NoLease)
	}

	// Nodes and their kubelet Leases.
	for _, name := range controlPlane {
		n := newNode(name, ago(clusterAge), true)
		n.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
		setReady(n, ago(90*time.Second), ago(clusterAge))
		w.node(n, ago(5*time.Second))
	}
	for _, name := range partitioned {
		n := newNode(name, ago(clusterAge-5*time.Minute), false)
		setUnknown(n, ago(partitionAgo), ago(unknownAgo))
		n.Spec.Taints = []corev1.Taint{
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: ptrTo(metav1.NewTime(ago(unknownAgo)))},
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: ptrTo(metav1.NewTime(ago(noExecuteAgo)))},
		}
		switch name {
		case "worker-3":
			// Cordoned before the outage; the node lifecycle controller
			// mirrors spec.unschedulable as a taint (TaintNodesByCondition).
			n.Spec.Unschedulable = true
			n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{
				Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: ptrTo(metav1.NewTime(ago(cordonedAgo))),
			})
		case "worker-5":
			// An operator's taint: a repair must leave it alone.
			n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule})
			n.Labels["nvidia.com/gpu.present"] = "true"
			n.Status.Capacity["nvidia.com/gpu"] = mustQuantity("1")
			n.Status.Allocatable["nvidia.com/gpu"] = mustQuantity("1")
		}
		w.sum.TaintedNodes++
		w.node(n, ago(partitionAgo))
	}
	for _, name := range healthy {
		n := newNode(name, ago(newNodesAge), false)
		setReady(n, ago(2*time.Minute), ago(newNodesAge))
		w.node(n, ago(5*time.Second))
	}

	// Leader election: kube-scheduler runs; kube-controller-manager as asked.
	kcmRenew := now
	if !opts.ControllerManagerAlive {
		kcmRenew = ago(stoppedKCMAgo)
	}
	w.put("leases", "kube-system", "kube-controller-manager", leaderLease("kube-controller-manager", ago(6*time.Hour), kcmRenew, 3), clientv3.NoLease)
	w.put("leases", "kube-system", "kube-scheduler", leaderLease("kube-scheduler", ago(6*time.Hour), ago(time.Second), 2), clientv3.NoLease)
	// kube-apiserver serves: it renewed its identity lease 4 s ago.
	for _, host := range controlPlane {
		w.put("leases", "kube-system", apiserverID(host), apiserverIdentityLease(host, ago(6*time.Hour), ago(4*time.Second)), clientv3.NoLease)
	}

	// The control plane's own pods.
	components := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}
	for _, c := range components {
		if c == "kube-controller-manager" && !opts.ControllerManagerAlive {
			// Its manifest was moved out of /etc/kubernetes/manifests, so
			// the kubelet stopped it and deleted its mirror pod.
			continue
		}
		w.pod(staticPod(c, "control-plane-1", ago(6*time.Hour)))
	}
	corednsHash := podTemplateHash("kube-system/coredns")
	for i, node := range []string{"control-plane-1", "worker-6"} {
		w.pod(corednsPod("coredns-"+corednsHash+"-"+randomSuffix(fmt.Sprint("coredns", i)), node, ago(clusterAge-3*time.Minute)))
	}
	for _, node := range append(append(append([]string{}, controlPlane...), partitioned...), healthy...) {
		p := kubeProxyPod(node, ago(clusterAge-2*time.Minute))
		if slices.Contains(partitioned, node) {
			// DaemonSet pods tolerate unreachable forever: not evicted, only
			// marked not Ready.
			markNotReady(p, ago(unknownAgo))
		}
		w.pod(p)
	}

	// Workloads: healthy replicas on worker-6 and worker-7 ...
	var frontendHealthy []*corev1.Pod
	for i, r := range []struct{ ns, app, node string }{
		{"shop", "frontend", "worker-6"}, {"shop", "cart", "worker-6"}, {"shop", "checkout", "worker-6"},
		{"payments", "payments-api", "worker-6"}, {"monitoring", "grafana", "worker-6"},
		{"shop", "frontend", "worker-7"}, {"shop", "catalog", "worker-7"}, {"payments", "payments-api", "worker-7"},
		{"payments", "ledger", "worker-7"}, {"monitoring", "kube-state-metrics", "worker-7"},
	} {
		p := workloadPod(r.ns, r.app, r.node, 100+i, ago(3*24*time.Hour-time.Duration(i)*7*time.Minute))
		if r.app == "frontend" {
			frontendHealthy = append(frontendHealthy, p)
		}
		w.pod(p)
	}
	// ... and the evicted ones on the partitioned workers.
	var flat []struct{ ns, app string }
	for _, ns := range []string{"shop", "payments", "monitoring"} {
		for _, a := range apps[ns] {
			flat = append(flat, struct{ ns, app string }{ns, a.name})
		}
	}
	var firstEvicted *corev1.Pod
	for i := range 40 {
		r := flat[i%len(flat)]
		// Spread each app's replicas over different nodes, as the
		// scheduler's topology spreading does.
		node := partitioned[(i+i/len(flat))%len(partitioned)]
		p := workloadPod(r.ns, r.app, node, i, ago(3*24*time.Hour-time.Duration(i)*5*time.Minute))
		markNotReady(p, ago(unknownAgo))
		evict(p, ago(evictionAgo), ago(deletionAgo), finalizersFor(r.ns, i))
		if firstEvicted == nil && r.ns == "shop" {
			firstEvicted = p
		}
		w.pod(p)
	}

	// Configuration.
	for _, ns := range namespaces {
		w.put("configmaps", ns, "kube-root-ca.crt", rootCAConfigMap(ns, ago(clusterAge)), clientv3.NoLease)
	}
	w.put("configmaps", "shop", "frontend-config", &corev1.ConfigMap{
		ObjectMeta: meta("ConfigMap", "shop", "frontend-config", ago(30*24*time.Hour), map[string]string{"app": "frontend"}),
		Data: map[string]string{
			"UPSTREAM_CART_URL": "http://cart.shop.svc.cluster.local:8080",
			"config.yaml":       "server:\n  listen: :8080\n  readTimeout: 5s\n  writeTimeout: 10s\nsession:\n  store: redis\n  ttl: 30m\nfeatures:\n  newCheckout: true\n  recommendations: false\n",
		},
	}, clientv3.NoLease)
	w.put("configmaps", "payments", "payments-api-config", &corev1.ConfigMap{
		ObjectMeta: meta("ConfigMap", "payments", "payments-api-config", ago(30*24*time.Hour), map[string]string{"app": "payments-api"}),
		Data: map[string]string{
			"LEDGER_URL":  "https://ledger.payments.svc.cluster.local:8443",
			"config.yaml": "listen: :8443\ntls:\n  certFile: /etc/tls/tls.crt\n  keyFile: /etc/tls/tls.key\nretries: 3\ncurrency: EUR\n",
		},
	}, clientv3.NoLease)
	// What the other workloads mount: each app's <app>-config (with the
	// key its container reads) and <app>-tls. Someone deleted
	// shop/cart-config 25 minutes ago: its history is still in etcd.
	for _, ns := range []string{"shop", "payments", "monitoring"} {
		for _, a := range apps[ns] {
			if a.name != "frontend" && a.name != "payments-api" {
				w.put("configmaps", ns, a.name+"-config", appConfigMap(ns, a, ago(30*24*time.Hour)), clientv3.NoLease)
			}
			w.put("secrets", ns, a.name+"-tls", appTLSSecret(ns, a, ago(30*24*time.Hour)), clientv3.NoLease)
			if a.name != "payments-api" { // its own, below, was applied with kubectl
				w.put("secrets", ns, a.name+"-db", appDBSecret(ns, a, ago(30*24*time.Hour)), clientv3.NoLease)
			}
		}
	}
	w.delete("configmaps", "shop", "cart-config")
	dbSecret := &corev1.Secret{
		ObjectMeta: meta("Secret", "payments", "payments-api-db", ago(30*24*time.Hour), map[string]string{"app": "payments-api"}),
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			"host":     []byte("payments-db.payments.svc.cluster.local"),
			"username": []byte("payments_api"),
			"password": []byte("Zq7-hunter2-" + hexOf("payments-api-db", 12)),
		},
	}
	// Created with `kubectl apply`: the annotation holds the data again,
	// which every view must redact.
	applied, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": dbSecret.Data,
		"metadata": map[string]any{"name": "payments-api-db", "namespace": "payments", "labels": dbSecret.Labels}})
	if err != nil {
		return w.sum, err
	}
	dbSecret.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": string(applied) + "\n"}
	w.put("secrets", "payments", "payments-api-db", dbSecret, clientv3.NoLease)

	// The frontend Service, and its Endpoints: only the healthy replicas
	// remain; the endpoints controller dropped the Terminating ones.
	w.put("deployments", "shop", "frontend", deployment(frontendHealthy[0], 3, ago(30*24*time.Hour)), clientv3.NoLease)
	w.put("services", "shop", "frontend", frontendService(ago(30*24*time.Hour)), clientv3.NoLease)
	w.put("endpoints", "shop", "frontend", frontendEndpoints(frontendHealthy, ago(30*24*time.Hour), ago(evictionAgo)), clientv3.NoLease)

	// Events expire by an etcd lease (--event-ttl); the apiserver shares one
	// lease among the events it writes within a minute or so.
	if w.err == nil && firstEvicted != nil {
		lease, err := cli.Grant(ctx, eventTTL)
		if err != nil {
			return w.sum, fmt.Errorf("grant event lease (TTL %d s): %w", eventTTL, err)
		}
		for _, e := range podEvents(firstEvicted, ago(unknownAgo), ago(evictionAgo)) {
			w.put("events", e.Namespace, e.Name, e, lease.ID)
		}
	}

	// A custom resource and its definition, stored as JSON.
	if crd, err := codec.EncodeStorageJSON(cronTabCRD(ago(90 * 24 * time.Hour))); err != nil {
		w.err = err
	} else {
		w.putRaw("customresourcedefinitions", "", "crontabs.stable.example.com", crd)
	}
	w.putJSON("crontabs.stable.example.com", "default", "nightly-backup", nightlyBackup(ago(60*24*time.Hour)))

	if opts.Malformed {
		// A value that is no object at all: one of these under pods is
		// enough to keep an apiserver from listing pods.
		w.putRaw("pods", "default", "poison", []byte("not an object"))
		// A Secret encrypted at rest with aescbc key1 (EncryptionConfig):
		// noise without the key.
		if key, ok := w.key("secrets", "payments", "card-processor-token"); ok {
			if value, err := encryptedSecret(key, ago(30*24*time.Hour)); err != nil {
				w.err = err
			} else {
				w.putRaw("secrets", "payments", "card-processor-token", value)
			}
		}
	}
	return w.sum, w.err
}

// writer puts objects and counts them. The first error stops it; later
// calls do nothing, so Capsized reads as the story it tells.
type writer struct {
	ctx    context.Context
	cli    *clientv3.Client
	layout etcdops.Layout
	sum    Summary
	err    error
}

func (w *writer) key(resource, namespace, name string) (string, bool) {
	if w.err != nil {
		return "", false
	}
	res, err := etcdops.ResolveResource(resource)
	if err != nil {
		w.err = err
		return "", false
	}
	return w.layout.Key(res, namespace, name), true
}

func (w *writer) put(resource, namespace, name string, obj runtime.Object, lease clientv3.LeaseID) {
	key, ok := w.key(resource, namespace, name)
	if !ok {
		return
	}
	if w.err = PutObject(w.ctx, w.cli, key, obj, lease); w.err == nil {
		w.sum.Keys++
	}
}

// delete removes an object as kube-apiserver does (a Txn comparing its
// mod_revision, k8s.io/apiserver pkg/storage/etcd3 store.go
// conditionalDelete): kine serves no other delete.
func (w *writer) delete(resource, namespace, name string) {
	key, ok := w.key(resource, namespace, name)
	if !ok {
		return
	}
	resp, err := w.cli.Get(w.ctx, key)
	if err == nil && len(resp.Kvs) == 1 {
		var txn *clientv3.TxnResponse
		txn, err = w.cli.Txn(w.ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", resp.Kvs[0].ModRevision)).
			Then(clientv3.OpDelete(key)).Else(clientv3.OpGet(key)).Commit()
		if err == nil && !txn.Succeeded {
			err = fmt.Errorf("changed while deleting")
		}
	}
	if err != nil {
		w.err = fmt.Errorf("delete %s: %w", key, err)
		return
	}
	w.sum.Keys--
}

func (w *writer) putRaw(resource, namespace, name string, value []byte) {
	key, ok := w.key(resource, namespace, name)
	if !ok {
		return
	}
	if w.err = PutValue(w.ctx, w.cli, key, value, clientv3.NoLease); w.err == nil {
		w.sum.Keys++
	}
}

func (w *writer) putJSON(resource, namespace, name string, obj map[string]any) {
	value, err := codec.EncodeJSON(obj)
	if err != nil {
		w.err = fmt.Errorf("encode %s %s/%s: %w", resource, namespace, name, err)
		return
	}
	w.putRaw(resource, namespace, name, value)
}

func (w *writer) pod(p *corev1.Pod) {
	w.put("pods", p.Namespace, p.Name, p, clientv3.NoLease)
	if w.err == nil {
		w.sum.Pods++
		if p.DeletionTimestamp != nil {
			w.sum.TerminatingPods++
		}
	}
}

// node writes a Node and the kubelet's Lease for it, renewed at renew.
func (w *writer) node(n *corev1.Node, renew time.Time) {
	w.put("nodes", "", n.Name, n, clientv3.NoLease)
	if w.err == nil {
		w.sum.Nodes++
	}
	w.put("leases", corev1.NamespaceNodeLease, n.Name, kubeletLease(n, renew), clientv3.NoLease)
}

// PutObject stores a built-in object at key exactly as kube-apiserver does
// (codec.EncodeProtobuf: protobuf, resourceVersion cleared), attached to
// lease unless it is clientv3.NoLease, with PutValue's Txns. For seeding.
func PutObject(ctx context.Context, cli *clientv3.Client, key string, obj runtime.Object, lease clientv3.LeaseID) error {
	value, err := codec.EncodeProtobuf(obj)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return PutValue(ctx, cli, key, value, lease)
}

// PutValue stores value at key with the Txns kube-apiserver writes: a
// create where the key does not exist, an update on the mod_revision read
// where it does. Not a plain Put: kine takes one only as a create, and of an
// existing key drops it without an error (kine v0.14.12 compares the key's
// mod_revision with the store's revision), so a seed that writes a key twice
// would leave the first object on kine and the second on etcd.
func PutValue(ctx context.Context, cli *clientv3.Client, key string, value []byte, lease clientv3.LeaseID) error {
	var opts []clientv3.OpOption
	if lease != clientv3.NoLease {
		opts = append(opts, clientv3.WithLease(lease))
	}
	get, err := cli.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	put := clientv3.OpPut(key, string(value), opts...)
	var txn *clientv3.TxnResponse
	if len(get.Kvs) == 0 {
		txn, err = cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).Then(put).Commit()
	} else {
		txn, err = cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", get.Kvs[0].ModRevision)).
			Then(put).Else(clientv3.OpGet(key)).Commit()
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if !txn.Succeeded {
		return fmt.Errorf("put %s: changed by another writer while seeding", key)
	}
	return nil
}

// CreateObject stores obj under key, encoded as kube-apiserver encodes it,
// only where the key does not exist (kube-apiserver's create Txn); an
// existing key is left as it is.
func CreateObject(ctx context.Context, cli *clientv3.Client, key string, obj runtime.Object) error {
	value, err := codec.EncodeProtobuf(obj)
	if err != nil {
		return fmt.Errorf("create %s: %w", key, err)
	}
	if _, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).Commit(); err != nil {
		return fmt.Errorf("create %s: %w", key, err)
	}
	return nil
}

// txnSize is how many Puts Pods sends per transaction: well under etcd's
// default --max-txn-ops (128), and about 550 KB of pods, well under its
// default --max-request-bytes (1.5 MiB).
const txnSize = 100

// seedWorkers is how many transactions Pods keeps in flight: etcd batches
// concurrent ones into one WAL fsync, and building the pods keeps a core busy.
const seedWorkers = 4

// TerminatingPods writes n RealisticPod pods under prefix, all deleted at
// now with a 30 s grace period and a finalizer, spread over 10 namespaces
// (bench-0..bench-9) and 50 nodes (worker-1..worker-50). It is the load for
// benchmarks: 10,000 pods take about 55 MB. It is Pods(ctx, cli, prefix, n,
// n, now): the same keys as the first n pods of Pods.
func TerminatingPods(ctx context.Context, cli *clientv3.Client, prefix string, n int, now time.Time) error {
	return Pods(ctx, cli, prefix, n, n, now)
}

// Pods writes n RealisticPod pods under prefix, spread over 10 namespaces
// (bench-0..bench-9) and 50 nodes (worker-1..worker-50). The first
// terminating of them (pod numbers 0 to terminating-1, spread over every
// namespace and node) are Terminating: deleted at now with a 30 s grace
// period and a finalizer; the others run. Pod number i has the same key
// whatever n and terminating are, so TerminatingPods(ctx, cli, prefix, t,
// now) puts exactly the Terminating pods of Pods(ctx, cli, prefix, n, t, now)
// back as they were, and the values are the same on every call.
//
// It is test data for benchmarks: plain Puts in multi-key transactions,
// several in flight, not the way lifeboat or kube-apiserver write.
func Pods(ctx context.Context, cli *clientv3.Client, prefix string, n, terminating int, now time.Time) error {
	if n < 0 || terminating < 0 || terminating > n {
		return fmt.Errorf("seed %d pods with %d Terminating: want 0 <= terminating <= pods", n, terminating)
	}
	res, err := etcdops.ResolveResource("pods")
	if err != nil {
		return err
	}
	layout := etcdops.Layout{Prefix: prefix}
	now = now.UTC().Truncate(time.Second)
	var names []string
	for _, as := range apps {
		for _, a := range as {
			names = append(names, a.name)
		}
	}
	slices.Sort(names) // map order is random; pods must not be
	put := func(i int) (clientv3.Op, error) {
		ns := fmt.Sprintf("bench-%d", i%10)
		node := fmt.Sprintf("worker-%d", (i/10)%50+1)
		app := names[i%len(names)]
		name := app + "-" + podTemplateHash(ns+"/"+app) + "-" + indexSuffix(i)
		p := realisticPod(ns, name, node, i, now.Add(-24*time.Hour+time.Duration(i%3600)*time.Second))
		if i < terminating {
			evict(p, now.Add(-30*time.Second), now, []string{"bench.example.com/hold"})
		}
		key := layout.Key(res, ns, name)
		value, err := codec.EncodeProtobuf(p)
		if err != nil {
			return clientv3.Op{}, fmt.Errorf("put %s: %w", key, err)
		}
		return clientv3.OpPut(key, string(value)), nil
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan int) // first pod number of each transaction
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Go(func() {
			ops := make([]clientv3.Op, 0, txnSize)
			for first := range batches {
				ops = ops[:0]
				for i := first; i < min(first+txnSize, n); i++ {
					op, err := put(i)
					if err != nil {
						cancel(err)
						return
					}
					ops = append(ops, op)
				}
				if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
					cancel(fmt.Errorf("put %d pods from %s: %w", len(ops), string(ops[0].KeyBytes()), err))
					return
				}
			}
		})
	}
feed:
	for first := 0; first < n; first += txnSize {
		select {
		case batches <- first:
		case <-ctx.Done():
			break feed
		}
	}
	close(batches)
	wg.Wait()
	return context.Cause(ctx)
}

// PodConfig writes what the pods of Pods need beside them, as a cluster
// has it: each bench namespace's kube-root-ca.crt, and every app's
// ConfigMap, serving certificate and database Secret. Without them every
// pod of Pods names objects that do not exist, and a diagnosis of such a
// cluster is of one that cannot start a pod.
func PodConfig(ctx context.Context, cli *clientv3.Client, prefix string, now time.Time) error {
	layout := etcdops.Layout{Prefix: prefix}
	configMaps, secrets := etcdops.MustResolveResource("configmaps"), etcdops.MustResolveResource("secrets")
	created := now.Add(-30 * 24 * time.Hour)
	for n := range 10 {
		ns := fmt.Sprintf("bench-%d", n)
		put := func(res etcdops.Resource, name string, obj runtime.Object) error {
			return CreateObject(ctx, cli, layout.Key(res, ns, name), obj)
		}
		if err := put(configMaps, "kube-root-ca.crt", rootCAConfigMap(ns, created)); err != nil {
			return err
		}
		for _, as := range apps {
			for _, a := range as {
				a := appNamed(ns, a.name)
				err := errors.Join(put(configMaps, a.name+"-config", appConfigMap(ns, a, created)),
					put(secrets, a.name+"-tls", appTLSSecret(ns, a, created)),
					put(secrets, a.name+"-db", appDBSecret(ns, a, created)))
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}
