package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// tuiRun is what internal/bench/tuiprobe reports for one run of the TUI.
type tuiRun struct {
	FirstScreenMS       int64 `json:"firstScreenMs"`
	LoadedAtFirstScreen int   `json:"loadedAtFirstScreen"`
	FullyLoadedMS       int64 `json:"fullyLoadedMs"`
	Pods                int   `json:"pods"`
	TextFilterMS        int64 `json:"textFilterMs"`
	TextFilterRows      int   `json:"textFilterRows"`
	LabelFilterMS       int64 `json:"labelFilterMs"`
	LabelFilterRows     int   `json:"labelFilterRows"`
	PeakRSSKiB          int64 `json:"peakRssKiB"`
}

// tui runs the lifeboat binary's TUI under a pseudo-terminal (tuiprobe),
// -runs times: first screen, a text filter for one pod's name, a label
// filter for its app, the full load and the peak RSS.
func (b *bench) tui(ctx context.Context) error {
	pod, label, err := b.probeTargets(ctx)
	if err != nil {
		return err
	}
	b.rep.tuiPod, b.rep.tuiLabel = pod, label
	for r := range b.cfg.runs {
		logf("TUI run %d/%d (filter %q, label %s)", r+1, b.cfg.runs, pod, label)
		cmd := exec.CommandContext(ctx, b.tuiprobe, "-lifeboat", b.lifeboat, "-endpoint", b.endpoint(), "-pod", pod, "-label", label)
		cmd.Dir = b.work
		cmd.Env = append(cleanEnv(), profileEnv(b.lifeboat, []string{"tui"})...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("tuiprobe: %w", err)
		}
		var run tuiRun
		if err := json.Unmarshal(out, &run); err != nil {
			return fmt.Errorf("tuiprobe printed %q: %w", out, err)
		}
		if run.Pods != b.cfg.pods || run.TextFilterRows < 1 || run.LabelFilterRows < 1 {
			return fmt.Errorf("%w: the TUI showed %d pods (want %d), %d rows for %q, %d for %s", errCheck, run.Pods, b.cfg.pods, run.TextFilterRows, pod, run.LabelFilterRows, label)
		}
		b.rep.tuiRuns = append(b.rep.tuiRuns, run)
	}
	return nil
}

// probeTargets picks a pod in the middle of the keyspace to filter for,
// and its app label.
func (b *bench) probeTargets(ctx context.Context) (pod, label string, err error) {
	resp, err := b.cli.Get(ctx, podsPrefix+"bench-5/", clientv3.WithPrefix(), clientv3.WithLimit(1))
	if err != nil || len(resp.Kvs) == 0 {
		return "", "", fmt.Errorf("no pod under %sbench-5/ to filter for: %v", podsPrefix, err)
	}
	obj, err := codec.Decode(resp.Kvs[0].Value)
	if err != nil {
		return "", "", err
	}
	return obj.Meta.Name, "app=" + obj.Meta.Labels["app"], nil
}

// tuiMedian is the median of one figure over the TUI runs.
func tuiMedian(runs []tuiRun, figure func(tuiRun) int64) int64 {
	v := make([]int64, len(runs))
	for i, r := range runs {
		v[i] = figure(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func ms(v int64) string { return secs(time.Duration(v) * time.Millisecond) }
