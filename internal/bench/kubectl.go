package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/bench/procfs"
	clientcmd "k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeModule is the Kubernetes the e2e module requires: kube-apiserver and
// kubectl are built from it, as e2e builds them.
const kubeModule = "k8s.io/kubernetes"

// What kube-apiserver's memory came to in this harness (v1.36.3, etcd 3.4):
// 1.9 GiB at 20,000 pods, 13.4 GiB at 150,000.
const (
	apiserverBaseKiB   = 512 << 10
	apiserverPerPodKiB = 96
)

// kubeTools are kube-apiserver and kubectl built from the e2e module.
type kubeTools struct {
	apiserver, kubectl string
	version            string // of k8s.io/kubernetes in e2e/go.mod
}

// buildKube builds kube-apiserver and kubectl from the e2e module (its own
// go.mod pins the release e2e proves lifeboat against) into binDir. It
// builds with a copy of the module's go.mod and go.sum (-modfile): kubectl
// needs go.sum lines e2e's tests do not, and the tree stays as it was. The
// first build compiles Kubernetes (minutes); after `make e2e` it is cached.
func buildKube(ctx context.Context, root, binDir string) (kubeTools, error) {
	e2e := filepath.Join(root, "e2e")
	modDir := filepath.Join(binDir, "e2e-mod")
	if err := os.MkdirAll(modDir, 0o755); err != nil {
		return kubeTools{}, err
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(e2e, name))
		if err != nil {
			return kubeTools{}, fmt.Errorf("the e2e module: %w", err)
		}
		if err := os.WriteFile(filepath.Join(modDir, name), data, 0o644); err != nil {
			return kubeTools{}, err
		}
	}
	modfile := "-modfile=" + filepath.Join(modDir, "go.mod")
	out, err := exec.CommandContext(ctx, goBinary(), "list", "-mod=mod", modfile, "-m", "-f", "{{.Version}}", kubeModule).Output()
	if err != nil {
		return kubeTools{}, fmt.Errorf("go list -m %s in %s: %w", kubeModule, e2e, err)
	}
	t := kubeTools{
		apiserver: filepath.Join(binDir, "kube-apiserver"),
		kubectl:   filepath.Join(binDir, "kubectl"),
		version:   strings.TrimSpace(string(out)),
	}
	// /version says the release, as a released binary's does.
	ldflags := "-ldflags=-X k8s.io/component-base/version.gitVersion=" + t.version
	for bin, pkg := range map[string]string{t.apiserver: kubeModule + "/cmd/kube-apiserver", t.kubectl: kubeModule + "/cmd/kubectl"} {
		if err := goQuiet(ctx, e2e, nil, "build", "-mod=mod", modfile, ldflags, "-o", bin, pkg); err != nil {
			return kubeTools{}, err
		}
	}
	return t, nil
}

// kubeAPIServer is a kube-apiserver process on the benchmark's etcd, and
// the kubeconfig kubectl reads it with.
type kubeAPIServer struct {
	*server
	kubeconfig string
}

// startKubeAPIServer starts kube-apiserver on etcdURL with the default etcd
// prefix and storage (protobuf), a client CA for kubectl's certificate
// (system:masters) and authorization's default, AlwaysAllow, and waits
// until /readyz answers ok.
func startKubeAPIServer(ctx context.Context, bin, dir, etcdURL string) (*kubeAPIServer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	creds, err := writeKubeCredentials(dir)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	certDir := filepath.Join(dir, "serving")
	proc, err := startServer(bin, filepath.Join(dir, "kube-apiserver.log"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(port),
		"--cert-dir="+certDir,
		"--client-ca-file="+creds.ca,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+creds.serviceAccountKey,
		"--service-account-signing-key-file="+creds.serviceAccountKey,
		"--service-cluster-ip-range=10.0.0.0/24",
	)
	if err != nil {
		return nil, err
	}
	s := &kubeAPIServer{server: proc}
	logf("kube-apiserver started (pid %d) on https://127.0.0.1:%d", s.pid(), port)

	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	servingCA := filepath.Join(certDir, "apiserver.crt") // self-signed, with its CA
	deadline := time.Now().Add(10 * time.Minute)         // at scale its watch caches fill first
	var last error
	for {
		if last = readyz(ctx, server, servingCA, creds); last == nil {
			break
		}
		select {
		case <-s.exited:
			return nil, s.exitError()
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("kube-apiserver not ready after 10 minutes: %v; its log ends:\n%s", last, tail(s.logPath, 2000))
		}
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["bench"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: servingCA}
	cfg.AuthInfos["bench"] = &clientcmdapi.AuthInfo{ClientCertificate: creds.clientCert, ClientKey: creds.clientKey}
	cfg.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench"}
	cfg.CurrentContext = "bench"
	s.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, s.kubeconfig); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// readyz asks the apiserver's /readyz as kubectl would connect: nil once
// it answers 200.
func readyz(ctx context.Context, server, servingCA string, creds kubeCredentials) error {
	caPEM, err := os.ReadFile(servingCA)
	if err != nil {
		return err // not written yet
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%s: no certificate", servingCA)
	}
	cert, err := tls.LoadX509KeyPair(creds.clientCert, creds.clientKey)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %s", resp.Status)
	}
	return nil
}

// stop ends kube-apiserver: SIGTERM, then SIGKILL after 30 s.
func (s *kubeAPIServer) stop() { s.server.stop(30 * time.Second) }

// kubeCredentials are the files of a client CA, kubectl's certificate
// from it, and the service-account signing key.
type kubeCredentials struct {
	ca, clientCert, clientKey, serviceAccountKey string
}

// writeKubeCredentials makes a CA, a client certificate from it in
// system:masters (kubectl's identity) and a service-account key, all
// ECDSA P-256, for one benchmark run.
func writeKubeCredentials(dir string) (kubeCredentials, error) {
	c := kubeCredentials{
		ca:                filepath.Join(dir, "ca.crt"),
		clientCert:        filepath.Join(dir, "client.crt"),
		clientKey:         filepath.Join(dir, "client.key"),
		serviceAccountKey: filepath.Join(dir, "service-account.key"),
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "lifeboat-bench-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return c, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return c, err
	}
	clientKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	clientDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "lifeboat-bench", Organization: []string{"system:masters"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, caCert, &clientKey.PublicKey, caKey)
	if err != nil {
		return c, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	clientKeyDER, err := x509.MarshalECPrivateKey(clientKey)
	if err != nil {
		return c, err
	}
	saKeyDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return c, err
	}
	for path, block := range map[string]*pem.Block{
		c.ca:                {Type: "CERTIFICATE", Bytes: caDER},
		c.clientCert:        {Type: "CERTIFICATE", Bytes: clientDER},
		c.clientKey:         {Type: "EC PRIVATE KEY", Bytes: clientKeyDER},
		c.serviceAccountKey: {Type: "EC PRIVATE KEY", Bytes: saKeyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			return c, err
		}
	}
	return c, nil
}

// kubectlReads measures kubectl through a live kube-apiserver on the same
// etcd: the tool users have while the control plane is up, next to
// lifeboat's reads. It runs last, on the pods as the reads saw them (the
// Terminating ones re-seeded), because the apiserver writes objects of its
// own (namespaces, RBAC, leases) that no other measurement expects. One
// untimed read warms the apiserver (its watch cache, which serves
// consistent lists from etcd 3.4.31 and 3.5.13 on) and kubectl's discovery
// cache: a live cluster's are warm. Anything that keeps it from running
// (building Kubernetes, starting the apiserver) is reported, not fatal.
func (b *bench) kubectlReads(ctx context.Context, root string) error {
	r := &b.rep.kubectl
	dir := filepath.Join(b.work, "kube")
	// notMeasured reports why the stage did not run; a cancelled run
	// stops instead.
	notMeasured := func(why string) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.skipped = "not measured: " + why
		logf("%s", r.skipped)
		return nil
	}
	logf("building kube-apiserver and kubectl from e2e/ (minutes the first time, cached after make e2e)")
	tools, err := buildKube(ctx, root, filepath.Join(b.work, "bin"))
	if err != nil {
		return notMeasured("building kube-apiserver from the e2e module failed: " + quotedLine(err.Error()))
	}
	r.version = tools.version
	if !b.cfg.skipWrite {
		if _, _, err := b.reseed(ctx); err != nil {
			return err
		}
	}
	// The apiserver keeps every pod it lists in its watch cache and more:
	// ~95 KiB a pod here (1.9 GiB at 20,000 pods, 13.4 GiB at 150,000).
	// Without room for that beside etcd, the kernel's out-of-memory killer
	// would end the run, or etcd.
	need := apiserverBaseKiB + int64(b.cfg.pods)*apiserverPerPodKiB
	if avail := procfs.MemInfoKiB("MemAvailable"); avail > 0 && avail < need {
		return notMeasured(fmt.Sprintf("kube-apiserver would need about %s for %s pods, and %s is available",
			mib(need), thousands(int64(b.cfg.pods)), mib(avail)))
	}
	api, err := startKubeAPIServer(ctx, tools.apiserver, dir, b.endpoint())
	if err != nil {
		return notMeasured(quotedLine(err.Error()))
	}
	defer api.stop()
	// kubectl holds what it prints (-o json: the whole List, about 250 KB a
	// pod): it may use more memory than the machine has left beside etcd
	// and the apiserver, whose out-of-memory killer would then pick one of
	// them. It is killed past half the memory available, and the report
	// says so.
	// kubectl's discovery cache goes in the run's directory, not the
	// user's ~/.kube, and no kuberc of the user's changes what it prints.
	opts := procOptions{env: []string{"HOME=" + filepath.Join(dir, "home"), "KUBECTL_KUBERC=false"}}
	kubectl := func(stdout string, args ...string) (sample, error) {
		before := processCPU(api.pid())
		s, err := b.measureWith(ctx, opts, dir, stdout, filepath.Join(dir, "kubectl.stderr"), tools.kubectl,
			append([]string{"--kubeconfig", api.kubeconfig}, args...)...)
		s.serverCPU = processCPU(api.pid()) - before
		return s, err
	}
	// run measures one kubectl read into into. A failure (a kill for
	// memory; an apiserver that could not serve it) is reported there, not
	// fatal: the figures before it stand.
	run := func(into *series, stdout string, args ...string) (bool, error) {
		if into.failed != "" {
			return false, nil
		}
		s, err := kubectl(stdout, args...)
		switch {
		case ctx.Err() != nil:
			return false, ctx.Err()
		case errors.Is(err, errOverRSS):
			into.failed = fmt.Sprintf("killed at %s of RSS after %s (the cap: half the memory available beside etcd and kube-apiserver)",
				mib(s.killedOverRSSKiB), secs(s.wall))
		case err != nil:
			into.failed = fmt.Sprintf("failed after %s: %s", secs(s.wall), quotedLine(err.Error()))
		default:
			into.add(s)
			return true, nil
		}
		logf("kubectl %s: %s", strings.Join(args, " "), into.failed)
		return false, nil
	}
	table := filepath.Join(dir, "pods.txt")
	checkTable := func() error {
		lines, err := countLines(table)
		if err == nil && lines != b.cfg.pods+1 {
			err = fmt.Errorf("%w: kubectl get pods -A printed %d lines, want a header and %d pods", errCheck, lines, b.cfg.pods)
		}
		return err
	}
	logf("kubectl: warming the watch cache")
	opts.maxRSSKiB = procfs.MemInfoKiB("MemAvailable") / 2
	var warm series
	if ok, err := run(&warm, table, "get", "pods", "-A"); err != nil {
		return err
	} else if !ok {
		r.table.failed, r.json.failed = warm.failed, "not run: "+warm.failed
		return nil
	}
	if err := checkTable(); err != nil {
		return err
	}
	for i := range b.cfg.runs {
		logf("kubectl run %d/%d", i+1, b.cfg.runs)
		if ok, err := run(&r.table, table, "get", "pods", "-A"); err != nil {
			return err
		} else if ok {
			if err := checkTable(); err != nil {
				return err
			}
		}
		if _, err := run(&r.json, os.DevNull, "get", "pods", "-A", "-o", "json"); err != nil {
			return err
		}
	}
	os.Remove(table)
	r.apiserverRSSKiB = procfs.StatusKiB(api.pid(), "VmHWM")
	r.etcdRSSKiB = b.srv.peakRSSKiB()
	return nil
}

// kubectlFigures are kubectl's reads through kube-apiserver.
type kubectlFigures struct {
	version         string
	table, json     series
	apiserverRSSKiB int64
	etcdRSSKiB      int64 // etcd's peak by the end of them
	// skipped says why there are no figures.
	skipped string
}
