package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sample is one timed run of a process.
type sample struct {
	wall, cpu time.Duration
	etcdCPU   time.Duration // CPU time etcd spent meanwhile, serving it
	serverCPU time.Duration // kube-apiserver's meanwhile, for kubectl through it
	rssKiB    int64         // peak resident set size (getrusage ru_maxrss)
	exitCode  int
	// killedOverRSSKiB is the memory cap the process was killed for
	// passing (rusage -max-rss-kib), 0 if it was not.
	killedOverRSSKiB int64
}

// rusageBin is the rusage program (internal/bench/rusage) that starts every
// measured process, so that its peak RSS is its own.
var rusageBin string

// procOptions are how runProcess runs a process beyond its files.
type procOptions struct {
	stdin *os.File // nil: /dev/null
	// maxRSSKiB, when not 0, is the resident memory past which rusage
	// kills the process (errOverRSS).
	maxRSSKiB int64
	env       []string // added to cleanEnv's
}

// runProcess runs bin in dir through rusage with stdout to the file stdout
// (os.DevNull to discard), stderr to the file stderr and stdin from stdin
// (nil: /dev/null, so nothing can prompt), and measures it: wall time from
// start to exit, user+system CPU time and peak RSS. Output goes straight to
// the files: the harness copies nothing while the process runs. A non-zero
// exit is an error; its code is in the sample.
func runProcess(ctx context.Context, dir, stdout, stderr string, o procOptions, bin string, args ...string) (sample, error) {
	out, err := os.Create(stdout)
	if err != nil {
		return sample{}, err
	}
	defer out.Close()
	errFile, err := os.Create(stderr)
	if err != nil {
		return sample{}, err
	}
	defer errFile.Close()
	reportPath := stderr + ".rusage"
	report, err := os.Create(reportPath)
	if err != nil {
		return sample{}, err
	}
	defer report.Close()
	wrapped := []string{bin}
	if o.maxRSSKiB > 0 {
		wrapped = []string{"-max-rss-kib", strconv.FormatInt(o.maxRSSKiB, 10), bin}
	}
	cmd := exec.CommandContext(ctx, rusageBin, append(wrapped, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(cleanEnv(), profileEnv(bin, args)...), o.env...)
	cmd.Stdout, cmd.Stderr = out, errFile
	if o.stdin != nil {
		cmd.Stdin = o.stdin
	}
	cmd.ExtraFiles = []*os.File{report} // fd 3
	killWithParent(cmd)                 // and rusage kills the command
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return sample{}, ctx.Err()
		}
		return sample{}, fmt.Errorf("%s: %w; stderr ends:\n%s", commandLine(bin, args), err, tail(stderr, 1500))
	}
	data, err := os.ReadFile(reportPath)
	if err != nil {
		return sample{}, err
	}
	var r struct {
		WallNanos, UserNanos, SystemNanos, MaxRSSKiB int64
		ExitCode                                     int
		KilledOverRSSKiB                             int64
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return sample{}, fmt.Errorf("rusage printed %q: %v", data, err)
	}
	s := sample{
		wall:     time.Duration(r.WallNanos),
		cpu:      time.Duration(r.UserNanos + r.SystemNanos),
		rssKiB:   r.MaxRSSKiB,
		exitCode: r.ExitCode,

		killedOverRSSKiB: r.KilledOverRSSKiB,
	}
	if s.killedOverRSSKiB > 0 {
		return s, fmt.Errorf("%s: %w (%s) after %s", commandLine(bin, args), errOverRSS, mib(s.killedOverRSSKiB), secs(s.wall))
	}
	if r.ExitCode != 0 {
		return s, fmt.Errorf("%s: exit code %d; stderr ends:\n%s", commandLine(bin, args), r.ExitCode, tail(stderr, 1500))
	}
	return s, nil
}

// errOverRSS is a process killed for passing its memory cap.
var errOverRSS = errors.New("killed for passing its memory cap")

func commandLine(bin string, args []string) string {
	return strings.Join(append([]string{bin}, args...), " ")
}

// series is the samples of one measurement, or why it failed.
type series struct {
	samples []sample
	failed  string // set when a run failed: reported in the table, not fatal
}

func (s *series) add(x sample) { s.samples = append(s.samples, x) }

func (s *series) ok() bool { return s.failed == "" && len(s.samples) > 0 }

func (s *series) walls() []time.Duration {
	var d []time.Duration
	for _, x := range s.samples {
		d = append(d, x.wall)
	}
	return d
}

func (s *series) cpus() []time.Duration {
	var d []time.Duration
	for _, x := range s.samples {
		d = append(d, x.cpu)
	}
	return d
}

func (s *series) medianWall() time.Duration { return median(s.walls()) }
func (s *series) minWall() time.Duration    { return slices.Min(s.walls()) }
func (s *series) medianCPU() time.Duration  { return median(s.cpus()) }

func (s *series) medianEtcdCPU() time.Duration {
	var d []time.Duration
	for _, x := range s.samples {
		d = append(d, x.etcdCPU)
	}
	return median(d)
}

func (s *series) medianServerCPU() time.Duration {
	var d []time.Duration
	for _, x := range s.samples {
		d = append(d, x.serverCPU)
	}
	return median(d)
}

// peakRSSKiB is the largest peak RSS over the runs.
func (s *series) peakRSSKiB() int64 {
	var m int64
	for _, x := range s.samples {
		m = max(m, x.rssKiB)
	}
	return m
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

func secs(d time.Duration) string {
	switch {
	case d >= 100*time.Second:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func mib(kib int64) string {
	if kib <= 0 {
		return "?"
	}
	return fmt.Sprintf("%d MiB", (kib+512)/1024)
}

// thousands formats n as 150,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func rate(objects int, d time.Duration) string {
	if d <= 0 {
		return "?"
	}
	return thousands(int64(float64(objects)/d.Seconds()+0.5)) + " objects/s"
}

func ratio(a, b time.Duration) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	r := a.Seconds() / b.Seconds()
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

// profileDir, set by -profile, gets a CPU and a heap profile of every
// lifeboat process the harness runs (cmd/lifeboat/profile.go), named by
// its order and command: go tool pprof DIR/03-doctor.heap.
var (
	profileDir string
	profileSeq int
)

// profileEnv is the environment that asks bin, when it is lifeboat, for
// its profiles; nothing when -profile is not given.
func profileEnv(bin string, args []string) []string {
	if profileDir == "" || filepath.Base(bin) != "lifeboat" && !strings.HasSuffix(bin, "/lifeboat") {
		return nil
	}
	profileSeq++
	var words []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--endpoints" || a == "--journal" || a == "-endpoint":
			i++ // and its value
		case strings.HasPrefix(a, "-") || strings.ContainsAny(a, "/:"):
		default:
			words = append(words, a)
		}
	}
	name := filepath.Join(profileDir, fmt.Sprintf("%02d-%s", profileSeq, strings.Join(words, "-")))
	return []string{"LIFEBOAT_CPUPROFILE=" + name + ".cpu", "LIFEBOAT_MEMPROFILE=" + name + ".heap"}
}
