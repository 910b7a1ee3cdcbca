package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is everything the harness prints.
type report struct {
	started, now time.Time
	seedTime     time.Duration
	podBytes     int64

	etcdctlGet, getTable, getJSON series
	// doctor is `lifeboat doctor -o json`, which reads the whole prefix,
	// next to etcdctlAll: `etcdctl get /registry/ --prefix`.
	doctor, etcdctlAll           series
	doctorKeys                   int
	etcdctlPaged                 series // keys-only listing, then etcdctl get FROM TO per 2,000 keys
	tuiRuns                      []tuiRun
	tuiPod, tuiLabel             string
	undelete, etcdctlPut, engine series
	undeleteVs                   series // -vs: another build's undelete
	putKeys                      int
	undeleteChecks, engineChecks []verified
	limits                       limits
	kubectl                      kubectlFigures

	fsyncCount int64
	fsyncTotal time.Duration
	haveFsync  bool
	etcdRSSKiB int64
	dbSize     int64
	elapsed    time.Duration
	// loadStart and loadEnd are /proc/loadavg: other work on the machine
	// skews every figure.
	loadStart, loadEnd string
}

func (r *report) print(w io.Writer, b *bench) {
	cfg := b.cfg
	n, t := thousands(int64(cfg.pods)), thousands(int64(cfg.terminating))
	fmt.Fprintf(w, "\n## lifeboat end to end: %s pods, %s Terminating\n\n", n, t)
	fmt.Fprintf(w, "Each figure: median of %s (min in brackets). Ratio: lifeboat's time ÷ etcdctl's for the same work (below 1: lifeboat is faster). "+
		"CPU: user+system time of the measured process, and of etcd while it ran. "+
		"Peak RSS: the largest ru_maxrss over the runs.\n\n", plural(cfg.runs, "run"))
	fmt.Fprintln(w, "| what | lifeboat | etcdctl | ratio | peak RSS lifeboat · etcdctl |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	etcdctlGet := r.etcdctlGet.failed
	if r.etcdctlGet.ok() {
		etcdctlGet = timing(&r.etcdctlGet)
	}
	if !cfg.skipRead {
		for _, row := range []struct {
			what string
			s    *series
		}{
			{fmt.Sprintf("read all %s pods: `lifeboat get pods -A` (table) vs `etcdctl get %s --prefix`", n, podsPrefix), &r.getTable},
			{fmt.Sprintf("read all %s pods: `lifeboat get pods -A -o json` vs the same etcdctl get", n), &r.getJSON},
		} {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s · %s |\n", row.what, timing(row.s), etcdctlGet,
				readRatio(row.s, &r.etcdctlGet), mib(row.s.peakRSSKiB()), mib(r.etcdctlGet.peakRSSKiB()))
		}
		if r.doctor.ok() {
			etcdctlAll := r.etcdctlAll.failed
			if r.etcdctlAll.ok() {
				etcdctlAll = timing(&r.etcdctlAll)
			}
			fmt.Fprintf(w, "| diagnose all %s keys: `lifeboat doctor -o json` vs `etcdctl get %s/ --prefix` | %s | %s | %s | %s · %s |\n",
				thousands(int64(r.doctorKeys)), prefix, timing(&r.doctor), etcdctlAll, readRatio(&r.doctor, &r.etcdctlAll),
				mib(r.doctor.peakRSSKiB()), mib(r.etcdctlAll.peakRSSKiB()))
		}
		fmt.Fprintf(w, "| read all %s pods: `lifeboat get pods -A` (table) vs etcdctl paged: `etcdctl get %s --prefix --keys-only`, then one `etcdctl get FROM TO` per %s keys | %s | %s | %s | %s · %s |\n",
			n, podsPrefix, thousands(pagedRange), timing(&r.getTable), timing(&r.etcdctlPaged),
			readRatio(&r.getTable, &r.etcdctlPaged), mib(r.getTable.peakRSSKiB()), mib(r.etcdctlPaged.peakRSSKiB()))
	}
	if !cfg.skipWrite {
		// etcdctl's time for the same objects: its per-key time, scaled.
		var etcdctlAll time.Duration
		put := "not measured"
		if r.etcdctlPut.ok() && r.putKeys > 0 {
			perKey := r.etcdctlPut.medianWall() / time.Duration(r.putKeys)
			etcdctlAll = perKey * time.Duration(cfg.terminating)
			put = fmt.Sprintf("%s · %s per key (%d-key sample) · %s for %s", rate(1, perKey), fmt.Sprintf("%.1f ms", perKey.Seconds()*1000), r.putKeys, secs(etcdctlAll), t)
		}
		fmt.Fprintf(w, "| undelete %s Terminating pods: `lifeboat pods undelete -A --yes -o json` vs `etcdctl put KEY < value` once per pod | %s · %s | %s | %s | %s · %s |\n",
			t, rate(cfg.terminating, r.undelete.medianWall()), timing(&r.undelete), put, ratio(r.undelete.medianWall(), etcdctlAll),
			mib(r.undelete.peakRSSKiB()), mib(r.etcdctlPut.peakRSSKiB()))
		if limit, inFlight := r.limits.best(); limit > 0 && r.undelete.ok() {
			fmt.Fprintf(w, "| overlap limit of that undelete: the longer of reading all %s pods (%s) and etcd's own single-key CAS of the %s (kube-apiserver's Txn, fastest at %d in flight: %s) | at %s of the limit (limit %s ÷ lifeboat %s) | – | – | – |\n",
				n, secs(r.limits.read.medianWall()), t, inFlight, secs(r.limits.casWall(inFlight)),
				fmt.Sprintf("%.0f%%", 100*limit.Seconds()/r.undelete.medianWall().Seconds()), secs(limit), secs(r.undelete.medianWall()))
		}
		if sb := &r.limits.sideBySide; sb.ok() && r.undelete.ok() {
			fmt.Fprintf(w, "| both at once on this machine: the same raw read and CAS (%d in flight) side by side in one process, no lifeboat work: %s · CPU %s, etcd's %s | at %s of it | – | – | – |\n",
				sideBySideInFlight, secs(sb.medianWall()), secs(sb.medianCPU()), secs(sb.medianEtcdCPU()),
				fmt.Sprintf("%.0f%%", 100*sb.medianWall().Seconds()/r.undelete.medianWall().Seconds()))
		}
		if r.undeleteVs.ok() && r.undelete.ok() {
			fmt.Fprintf(w, "| the same undelete by another build (-vs %s), run after this tree's in every run | %s · %s | this tree's ÷ it, run by run: %s | – | %s · – |\n",
				cfg.vs, rate(cfg.terminating, r.undeleteVs.medianWall()), timing(&r.undeleteVs),
				pairRatios(&r.undelete, &r.undeleteVs), mib(r.undeleteVs.peakRSSKiB()))
		}
		if !cfg.skipEngine {
			fmt.Fprintf(w, "| **engine only** (not the product's figure): the CLI's etcdops calls with --yes, Batch.Run, without the CLI and its output, %s pods | %s · %s | the same etcdctl put | %s | %s · %s |\n",
				t, rate(cfg.terminating, r.engine.medianWall()), timing(&r.engine),
				ratio(r.engine.medianWall(), etcdctlAll), mib(r.engine.peakRSSKiB()), mib(r.etcdctlPut.peakRSSKiB()))
		}
	}

	if len(r.tuiRuns) > 0 {
		med := func(f func(tuiRun) int64) int64 { return tuiMedian(r.tuiRuns, f) }
		fmt.Fprintf(w, "| TUI, %s pods and %s nodes (the binary in a 200x50 pseudo-terminal): first screen of pods · filter `/%s` · label filter `/l %s` · fully loaded | %s (%s pods loaded) · %s · %s · %s | – | – | %s · – |\n",
			n, thousands(int64(cfg.nodes)), r.tuiPod, r.tuiLabel,
			ms(med(func(x tuiRun) int64 { return x.FirstScreenMS })), thousands(med(func(x tuiRun) int64 { return int64(x.LoadedAtFirstScreen) })),
			ms(med(func(x tuiRun) int64 { return x.TextFilterMS })), ms(med(func(x tuiRun) int64 { return x.LabelFilterMS })),
			ms(med(func(x tuiRun) int64 { return x.FullyLoadedMS })), mib(slices.Max(func() []int64 {
				var v []int64
				for _, x := range r.tuiRuns {
					v = append(v, x.PeakRSSKiB)
				}
				return v
			}())))
	}

	r.printKubectl(w, b)

	fmt.Fprintf(w, "\nSetup:\n\n")
	fmt.Fprintf(w, "- data: %s realistic pods stored as kube-apiserver stores them (protobuf, /registry/pods/<ns>/<name>, %s bytes each on average, %.1f MB), %s Terminating; %s nodes with kubelet leases, every tenth partitioned (demo.Nodes); seeded in %s, history compacted before measuring\n",
		n, thousands(r.podBytes/int64(max(cfg.pods, 1))), float64(r.podBytes)/1e6, t, thousands(int64(cfg.nodes)), secs(r.seedTime))
	fsync := ""
	if r.haveFsync && r.fsyncCount > 0 {
		fsync = fmt.Sprintf("; %s WAL fsyncs in the whole run, %.2f ms each on average", thousands(r.fsyncCount), r.fsyncTotal.Seconds()*1000/float64(r.fsyncCount))
	}
	fmt.Fprintf(w, "- etcd %s (%s) as a separate process on 127.0.0.1, fsync on (etcd's defaults, no --unsafe-no-fsync), --quota-backend-bytes %d GiB, data on %s%s; db %s at the end, etcd peak RSS %s (before kubectl's stage)\n",
		b.bins.etcdVersion, b.bins.etcd, cfg.quota>>30, dataFS(b.srv.dataDir), fsync, mib(r.dbSize/1024), mib(r.etcdRSSKiB))
	fmt.Fprintf(w, "- etcdctl %s (%s), --command-timeout %s\n", b.bins.etcdctlVersion, b.bins.etcdctl, cfg.commandTimeout)
	fmt.Fprintf(w, "- machine: %s, %d cores, %s/%s; %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	if !cfg.skipWrite {
		fmt.Fprintf(w, "- writes: before each run the %s Terminating pods were re-seeded; after it, a range read found every one of them written, decoding (apimachinery's serializer) without deletionTimestamp and deletionGracePeriodSeconds and with its finalizer, and no other pod written\n", t)
		fmt.Fprintf(w, "- revisions: %s\n", revisionsLine(r.undeleteChecks, "lifeboat pods undelete"))
		if !cfg.skipEngine {
			fmt.Fprintf(w, "- revisions: %s\n", revisionsLine(r.engineChecks, "engine only"))
		}
	}
	fmt.Fprintf(w, "- whole harness run: %s; load average (1, 5, 15 min) %s at the start, %s at the end\n", secs(r.elapsed), r.loadStart, r.loadEnd)

	fmt.Fprintf(w, "\nEvery run, wall seconds (CPU seconds of the process; of etcd meanwhile):\n\n")
	for _, row := range []struct {
		what string
		s    *series
	}{
		{"etcdctl get --prefix", &r.etcdctlGet},
		{"etcdctl paged (sum over its processes)", &r.etcdctlPaged},
		{"lifeboat get pods -A", &r.getTable},
		{"lifeboat get pods -A -o json", &r.getJSON},
		{"etcdctl get /registry/ --prefix", &r.etcdctlAll},
		{"lifeboat doctor -o json", &r.doctor},
		{"lifeboat pods undelete -A --yes -o json", &r.undelete},
		{"-vs " + cfg.vs + " pods undelete -A --yes -o json", &r.undeleteVs},
		{fmt.Sprintf("etcdctl put, %d keys", r.putKeys), &r.etcdctlPut},
		{"engine only: Batch.Run", &r.engine},
		{"limit: raw paged read of every pod, in process", &r.limits.read},
		{fmt.Sprintf("limit: the raw read and the CAS at %d in flight side by side", sideBySideInFlight), &r.limits.sideBySide},
		{"kubectl get pods -A through kube-apiserver (CPU of kubectl; of etcd; of kube-apiserver)", &r.kubectl.table},
		{"kubectl get pods -A -o json through kube-apiserver (the same)", &r.kubectl.json},
	} {
		if len(row.s.samples) == 0 && row.s.failed == "" {
			continue
		}
		var runs []string
		for _, x := range row.s.samples {
			run := fmt.Sprintf("%.2f (%.2f; %.2f", x.wall.Seconds(), x.cpu.Seconds(), x.etcdCPU.Seconds())
			if x.serverCPU > 0 {
				run += fmt.Sprintf("; %.2f", x.serverCPU.Seconds())
			}
			runs = append(runs, run+")")
		}
		if row.s.failed != "" {
			runs = append(runs, row.s.failed)
		}
		fmt.Fprintf(w, "- %s: %s\n", row.what, strings.Join(runs, ", "))
	}
	for _, n := range casInFlight {
		if s, ok := r.limits.cas[n]; ok {
			var runs []string
			for _, x := range s.samples {
				runs = append(runs, fmt.Sprintf("%.2f (%.2f; %.2f) = %s", x.wall.Seconds(), x.cpu.Seconds(), x.etcdCPU.Seconds(), rate(cfg.terminating, x.wall)))
			}
			fmt.Fprintf(w, "- limit: etcd's single-key CAS of %s keys, %d in flight: %s\n", t, n, strings.Join(runs, ", "))
		}
	}
}

// timing is "2.31 s (min 2.25) · CPU 3.10 s".
func timing(s *series) string {
	if !s.ok() {
		if s.failed != "" {
			return s.failed
		}
		return "not measured"
	}
	return fmt.Sprintf("%s (min %s) · CPU %s, etcd's %s", secs(s.medianWall()), secs(s.minWall()), secs(s.medianCPU()), secs(s.medianEtcdCPU()))
}

func readRatio(lifeboat, etcdctl *series) string {
	if !lifeboat.ok() || !etcdctl.ok() {
		return "n/a"
	}
	return ratio(lifeboat.medianWall(), etcdctl.medianWall())
}

func revisionsLine(checks []verified, what string) string {
	if len(checks) == 0 {
		return what + ": not measured"
	}
	var parts []string
	distinct := true
	for _, v := range checks {
		parts = append(parts, fmt.Sprintf("%s of %s", thousands(int64(v.revisions)), thousands(int64(v.written))))
		distinct = distinct && v.revisions == v.written
	}
	note := "every object has a revision of its own (one Txn per key, as kube-apiserver writes)"
	if !distinct {
		note = "objects share revisions: several keys were written per Txn"
	}
	return fmt.Sprintf("%s wrote its objects at %s distinct mod_revisions (per run): %s", what, strings.Join(parts, ", "), note)
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// loadAvg is the first three fields of /proc/loadavg, "?" if unknown.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return thousands(int64(n)) + " " + what + "s"
}

// pairRatios is a's wall time over b's, run by run, and their median: runs
// in pairs keep a ratio when the machine's speed drifts.
func pairRatios(a, b *series) string {
	var ratios []string
	var d []time.Duration // ratios as durations, for median
	for i := range min(len(a.samples), len(b.samples)) {
		q := a.samples[i].wall.Seconds() / b.samples[i].wall.Seconds()
		ratios = append(ratios, fmt.Sprintf("%.3f", q))
		d = append(d, time.Duration(q*1e9))
	}
	return fmt.Sprintf("median %.3f (%s)", median(d).Seconds(), strings.Join(ratios, ", "))
}

// printKubectl is the comparison with kubectl through a live
// kube-apiserver, or why there is none.
func (r *report) printKubectl(w io.Writer, b *bench) {
	k := &r.kubectl
	switch {
	case b.cfg.skipKubectl:
		fmt.Fprintf(w, "\nkubectl through a live kube-apiserver: not measured (-skip-kubectl).\n")
		return
	case k.skipped != "":
		fmt.Fprintf(w, "\nkubectl through a live kube-apiserver: %s\n", k.skipped)
		return
	}
	fmt.Fprintf(w, "\n### kubectl through a live kube-apiserver on the same etcd\n\n")
	fmt.Fprintf(w, "kube-apiserver and kubectl %s (%s, built from the e2e module), the apiserver as a separate process with its defaults "+
		"(watch cache on, kubectl's --chunk-size 500; before etcd 3.4.31 and 3.5.13 the apiserver serves a consistent list from etcd, not its cache), "+
		"warmed by one untimed read: what users have while the control plane is up. "+
		"Median of %s; kubectl ran last, on the pods as the reads above saw them.\n\n", k.version, kubeModule, plural(b.cfg.runs, "run"))
	fmt.Fprintln(w, "| what | lifeboat (the reads above) | kubectl through kube-apiserver | lifeboat ÷ kubectl | peak RSS kubectl · kube-apiserver |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, row := range []struct {
		what           string
		lifeboat, kube *series
	}{
		{"`get pods -A` (table)", &r.getTable, &k.table},
		{"`get pods -A -o json`", &r.getJSON, &k.json},
	} {
		lifeboat := "not measured"
		if row.lifeboat.ok() {
			lifeboat = secs(row.lifeboat.medianWall())
		}
		kube := row.kube.failed
		if row.kube.ok() {
			kube = timing(row.kube) + ", kube-apiserver's " + secs(row.kube.medianServerCPU())
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s · %s |\n", row.what, lifeboat, kube,
			readRatio(row.lifeboat, row.kube), mib(row.kube.peakRSSKiB()), mib(k.apiserverRSSKiB))
	}
	if k.etcdRSSKiB > r.etcdRSSKiB {
		fmt.Fprintf(w, "\netcd's peak RSS rose from %s to %s while kube-apiserver read from it.\n", mib(r.etcdRSSKiB), mib(k.etcdRSSKiB))
	}
}
