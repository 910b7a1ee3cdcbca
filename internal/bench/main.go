// Command bench is lifeboat's end-to-end benchmark: the figures `make bench`
// prints after the Go micro benchmarks, and the ones the README quotes.
//
// It measures what a user runs: the lifeboat binary, built from this tree,
// against a separate etcd server process with fsync on (etcd's default; the
// embedded etcd with UnsafeNoFsync is for the demo and the tests only), next
// to etcdctl on the same etcd in the same run, and reports each figure as a
// ratio to etcdctl. The one figure that is not end to end is labelled
// "engine only".
//
// Steps:
//
//  1. Build lifeboat (./cmd/lifeboat) and the two helpers below into a
//     temporary directory.
//  2. Find etcd and etcdctl: $LIFEBOAT_BENCH_ETCD and $LIFEBOAT_BENCH_ETCDCTL,
//     else etcd and etcdctl on PATH (Debian's etcd-server and etcd-client,
//     3.4), else build both once from Go modules (the version of the
//     embedded etcd in go.mod) into the user cache directory: Go is all it needs.
//     -build-etcd forces the last.
//  3. Start etcd on 127.0.0.1 (ports picked at run time), data in a
//     temporary directory, fsync on, --quota-backend-bytes 8 GiB, every other
//     setting etcd's default. It is stopped at the end and on Ctrl-C (and
//     killed by the kernel if the harness dies).
//  4. Seed -pods realistic ~5 KiB protobuf pods as kube-apiserver stores them
//     (/registry/pods/<ns>/<name>), -terminating of them Terminating
//     (internal/demo.Pods), and compact etcd's history, as the apiserver does
//     every 5 minutes.
//  5. Measure, -runs times each (median and min):
//     - the TUI: the binary in a pseudo-terminal (internal/bench/tuiprobe):
//     its first screen of pods, a text and a label filter, the full load
//     of pods, nodes and leases, and its peak RSS, on -nodes seeded nodes;
//     - reads: `etcdctl get /registry/pods/ --prefix` (the floor: one
//     unpaged range, no decoding; etcdctl cannot page), `lifeboat get pods
//     -A` and `lifeboat get pods -A -o json`; `lifeboat doctor -o json`
//     (one scan of the whole prefix) next to `etcdctl get /registry/
//     --prefix`;
//     - writes: `lifeboat pods undelete -A --yes -o json` on freshly
//     re-seeded Terminating pods, next to `etcdctl put KEY < value` run once
//     per key as a shell loop would, timed on a sample of keys and scaled.
//     After each undelete a range read checks that every formerly
//     Terminating pod was written and decodes (with apimachinery's
//     serializer, not lifeboat's) without deletionTimestamp, that no other
//     pod was written, and counts the distinct mod_revisions of the writes;
//     - the undelete's overlap limit: a raw read of every pod in this
//     process (pages as lifeboat reads them, values discarded) and etcd's
//     own single-key CAS of the Terminating pods (kube-apiserver's Txn) at
//     64, 128 and 256 in flight, each alone, then the read and the CAS side
//     by side: what this machine does when both share its cores, with no
//     lifeboat work at all;
//     - kubectl through a live kube-apiserver, last: kube-apiserver and
//     kubectl built from the e2e module's k8s.io/kubernetes (the release
//     e2e proves lifeboat against; with copies of its go.mod and go.sum, so
//     the tree is left as it was), the apiserver a separate process on the
//     same etcd with its defaults (watch cache on) and a client certificate
//     for kubectl, the Terminating pods re-seeded so that it reads what the
//     reads above read; `kubectl get pods -A` (its rows counted) and `-o
//     json`, after one untimed read that warms the apiserver and kubectl's
//     discovery cache, with the apiserver's CPU time meanwhile. It runs last because the apiserver
//     writes objects of its own. If Kubernetes does not build or the
//     apiserver does not start, the report says why (-skip-kubectl skips
//     it);
//     - engine only: the etcdops calls the CLI makes with --yes
//     (Store.NewBatch, Batch.Run) with no CLI and no output around them
//     (internal/bench/engine, a program of its own), timed inside it. It is
//     not the product's figure, and the table says so.
//     Each process is started through internal/bench/rusage, which reports
//     its wall time, CPU time and peak RSS (ru_maxrss): started straight from
//     the harness, a process's ru_maxrss would include the harness's own
//     RSS. The CPU time etcd spent meanwhile is read from /proc.
//  6. Print a Markdown table and the setup (stdout); progress goes to stderr.
//     The table compares wall times, so other work on the machine skews it:
//     the setup lists the load average, and the per-run list the CPU times.
//
// Run it with
//
//	make bench                          # micro benchmarks, then this at the default size
//	go run ./internal/bench             # 20,000 pods, 5,000 Terminating, 3 runs: ~2-3 min on 2 cores
//	go run ./internal/bench -pods 150000 -terminating 15000       # a large cluster: ~10 min, 6 GiB of etcd RSS
//	make bench BENCHARGS="-pods 150000 -terminating 15000"
//	go run ./internal/bench -skip-write -runs 5                   # reads only
//	go run ./internal/bench -build-etcd                           # against the embedded etcd's version, built from Go modules
//	go run ./internal/bench -skip-kubectl                         # without building Kubernetes (the first build takes minutes)
//
// The undelete writes with the compare-and-swap a real repair uses, on
// seeded data only: the harness starts its own etcd and has no flag to use
// another.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

type config struct {
	pods, terminating, runs int
	nodes                   int
	putSample               int
	skipRead, skipWrite     bool
	skipEngine, skipTUI     bool
	skipLimit               bool
	skipKubectl             bool
	buildEtcd               bool
	keep                    bool
	quota                   int64
	distinctRevisions       bool
	commandTimeout          time.Duration
	// vs is another lifeboat binary whose undelete runs after this
	// tree's in every round, on data seeded the same way.
	vs string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.pods, "pods", 20000, "pods to seed (~5 KiB of protobuf each)")
	flag.IntVar(&cfg.terminating, "terminating", 5000, "how many of them are Terminating: what each undelete writes")
	flag.IntVar(&cfg.runs, "runs", 3, "runs of each measurement (median and min are reported)")
	flag.IntVar(&cfg.nodes, "nodes", 0, "nodes (and kubelet leases) to seed, for the TUI (0: one per 30 pods, at least 50)")
	flag.BoolVar(&cfg.skipTUI, "skip-tui", false, "skip the TUI measurement")
	flag.IntVar(&cfg.putSample, "etcdctl-put-sample", 50, "keys written with one `etcdctl put` process each, for the write comparison (0: skip)")
	flag.BoolVar(&cfg.skipRead, "skip-read", false, "skip the read measurements")
	flag.BoolVar(&cfg.skipWrite, "skip-write", false, "skip the write measurements (lifeboat undelete and engine only)")
	flag.BoolVar(&cfg.skipEngine, "skip-engine", false, "skip the engine-only write measurement")
	flag.StringVar(&profileDir, "profile", "", "write a CPU and a heap profile of every lifeboat process run into this directory (go tool pprof)")
	flag.BoolVar(&cfg.skipLimit, "skip-limit", false, "skip the overlap limit (raw read of every pod; etcd's own single-key CAS of the Terminating ones at 64/128/256 in flight; both side by side)")
	flag.BoolVar(&cfg.skipKubectl, "skip-kubectl", false, "skip kubectl through a live kube-apiserver (built from the e2e module's Kubernetes) on the same etcd")
	flag.BoolVar(&cfg.buildEtcd, "build-etcd", false, "build etcd and etcdctl "+etcdModuleVersion+" from Go modules even if others are found")
	flag.StringVar(&cfg.vs, "vs", "", "another lifeboat binary (another build) whose undelete runs right after this tree's in every run, for an A/B of two builds on the same etcd (its median and the ratio run by run are reported)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temporary directory (etcd data, journals, outputs) and print its path")
	flag.Int64Var(&cfg.quota, "quota-backend-bytes", 8<<30, "etcd's --quota-backend-bytes")
	flag.BoolVar(&cfg.distinctRevisions, "require-distinct-revisions", true, "fail unless every written object got a revision of its own (one Txn per key, as kube-apiserver writes)")
	flag.DurationVar(&cfg.commandTimeout, "command-timeout", 30*time.Minute, "etcdctl's --command-timeout (its 5 s default is too short for a large unpaged get)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./internal/bench [flags]\n\n"+
			"lifeboat's end-to-end benchmark: the lifeboat binary against a separate etcd process\n"+
			"(fsync on), next to etcdctl, as a Markdown table. See the package documentation.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch {
	case cfg.pods <= 0 || cfg.terminating < 0 || cfg.terminating > cfg.pods:
		fmt.Fprintln(os.Stderr, "bench: want -pods > 0 and 0 <= -terminating <= -pods")
		os.Exit(2)
	case cfg.runs <= 0:
		fmt.Fprintln(os.Stderr, "bench: want -runs > 0")
		os.Exit(2)
	}
	if cfg.terminating == 0 {
		cfg.skipWrite = true
	}
	if profileDir != "" {
		abs, err := filepath.Abs(profileDir)
		if err == nil {
			err = os.MkdirAll(abs, 0o755)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: -profile %s: %v\n", profileDir, err)
			os.Exit(2)
		}
		profileDir = abs
	}
	if cfg.nodes == 0 {
		// demo.Pods binds pods to worker-1..worker-50.
		cfg.nodes = max(cfg.pods/30, 50)
	}
	if err := run(ctx, cfg); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintf(os.Stderr, "bench: FAILED: %v\n", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(ctx context.Context, cfg config) (err error) {
	started := time.Now()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "lifeboat-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if cfg.keep {
			logf("kept %s", work)
			return
		}
		os.RemoveAll(work)
	}()

	logf("building lifeboat")
	lifeboat := filepath.Join(work, "bin", "lifeboat")
	engine := filepath.Join(work, "bin", "engine")
	rusageBin = filepath.Join(work, "bin", "rusage")
	tuiprobe := filepath.Join(work, "bin", "tuiprobe")
	for bin, pkg := range map[string]string{lifeboat: "./cmd/lifeboat", engine: "./internal/bench/engine", rusageBin: "./internal/bench/rusage", tuiprobe: "./internal/bench/tuiprobe"} {
		if err := goCommand(ctx, root, nil, "build", "-o", bin, pkg); err != nil {
			return fmt.Errorf("build %s: %w", pkg, err)
		}
	}
	bins, err := findEtcd(ctx, cfg.buildEtcd)
	if err != nil {
		return err
	}
	logf("etcd %s (%s), etcdctl %s (%s)", bins.etcdVersion, bins.etcd, bins.etcdctlVersion, bins.etcdctl)

	srv, err := startEtcd(ctx, bins.etcd, filepath.Join(work, "etcd"), cfg.quota)
	if err != nil {
		return err
	}
	defer srv.stop()
	b := &bench{cfg: cfg, work: work, lifeboat: lifeboat, engine: engine, tuiprobe: tuiprobe, bins: bins, srv: srv, cli: srv.cli}
	b.rep.started, b.rep.loadStart = started, loadAvg()
	if err := b.seedAll(ctx); err != nil {
		return err
	}
	if !cfg.skipRead {
		if err := b.reads(ctx); err != nil {
			return err
		}
	}
	if !cfg.skipTUI {
		if err := b.tui(ctx); err != nil {
			return err
		}
	}
	if !cfg.skipWrite {
		if err := b.writes(ctx); err != nil {
			return err
		}
		if !cfg.skipLimit {
			if err := b.limitRuns(ctx); err != nil {
				return err
			}
		}
	}
	// etcd's peak so far: kube-apiserver's reads below raise it, and
	// the kubectl section reports that on its own.
	b.rep.etcdRSSKiB = b.srv.peakRSSKiB()
	if !cfg.skipKubectl {
		if err := b.kubectlReads(ctx, root); err != nil {
			return err
		}
	}
	b.finish(ctx)
	b.rep.print(os.Stdout, b)
	return nil
}

// bench is one run of the harness against one etcd.
type bench struct {
	cfg      config
	work     string
	lifeboat string
	engine   string
	tuiprobe string
	bins     etcdBinaries
	srv      *etcdServer
	cli      *clientv3.Client
	rep      report
}

func (b *bench) endpoint() string { return b.srv.url }

// measure runs one measured process (runProcess) and adds the CPU time etcd
// spent meanwhile.
func (b *bench) measure(ctx context.Context, dir, stdout, stderr string, stdin *os.File, bin string, args ...string) (sample, error) {
	return b.measureWith(ctx, procOptions{stdin: stdin}, dir, stdout, stderr, bin, args...)
}

// measureWith is measure with the options o (a memory cap, environment).
func (b *bench) measureWith(ctx context.Context, o procOptions, dir, stdout, stderr string, bin string, args ...string) (sample, error) {
	before := processCPU(b.srv.pid())
	s, err := runProcess(ctx, dir, stdout, stderr, o, bin, args...)
	s.etcdCPU = processCPU(b.srv.pid()) - before
	return s, err
}

// errCheck marks a failed check of lifeboat's output or of etcd's contents:
// the benchmark fails loudly rather than report figures for wrong work.
var errCheck = errors.New("check failed")
