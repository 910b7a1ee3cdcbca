package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
)

const (
	prefix     = "/registry"
	podsPrefix = "/registry/pods/"
	// seedFinalizer is the finalizer demo.Pods gives Terminating pods: an
	// undelete must leave it alone.
	seedFinalizer = "bench.example.com/hold"
)

// decoder is apimachinery's own storage serializer, independent of
// lifeboat's codec: the checks must not trust the code they check.
var decoder = protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)

// seedAll writes the cluster every measurement runs on.
func (b *bench) seedAll(ctx context.Context) error {
	b.rep.now = time.Now().UTC().Truncate(time.Second)
	logf("seeding %s pods, %s of them Terminating", thousands(int64(b.cfg.pods)), thousands(int64(b.cfg.terminating)))
	start := time.Now()
	if err := demo.Pods(ctx, b.cli, prefix, b.cfg.pods, b.cfg.terminating, b.rep.now); err != nil {
		return err
	}
	// and what the pods mount and read: their ConfigMaps and Secrets.
	if err := demo.PodConfig(ctx, b.cli, prefix, b.rep.now); err != nil {
		return err
	}
	// Every run has the pods' nodes: an undelete of a selection leaves
	// alone the pods of nodes that do not exist, as a cluster's would.
	logf("seeding %s nodes and their kubelet leases", thousands(int64(b.cfg.nodes)))
	if err := demo.Nodes(ctx, b.cli, prefix, b.cfg.nodes, b.rep.now); err != nil {
		return err
	}
	b.rep.seedTime = time.Since(start)
	keys := 0
	rev, err := b.scan(ctx, podsPrefix, false, func(kv *mvccpb.KeyValue) error {
		keys++
		b.rep.podBytes += int64(len(kv.Value))
		return nil
	})
	if err != nil {
		return err
	}
	if keys != b.cfg.pods {
		return fmt.Errorf("%w: %d keys under %s after seeding %d pods", errCheck, keys, podsPrefix, b.cfg.pods)
	}
	logf("seeded %s MB in %s", fmt.Sprintf("%.1f", float64(b.rep.podBytes)/1e6), secs(b.rep.seedTime))
	return b.compact(ctx, rev)
}

// compact drops etcd's history up to rev and waits until it is gone, as
// kube-apiserver compacts every 5 minutes: the measurements then run on a
// store that looks like a live cluster's, with no compaction in between.
func (b *bench) compact(ctx context.Context, rev int64) error {
	if _, err := b.cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		return fmt.Errorf("compact etcd at revision %d: %w", rev, err)
	}
	return nil
}

// scanPageKeys is how many keys each range of scan asks for: lifeboat's
// own page (etcdops.rangeLimit).
const scanPageKeys = 2000

// scan reads every key under keyPrefix at one revision, in pages of
// scanPageKeys, the next asked for as soon as the last key of the one
// before it is known: the harness's own untimed reads (the raw read of the
// overlap limit reads as lifeboat does, rawRead).
func (b *bench) scan(ctx context.Context, keyPrefix string, keysOnly bool, fn func(*mvccpb.KeyValue) error) (int64, error) {
	end := clientv3.GetPrefixRangeEnd(keyPrefix)
	type page struct {
		resp *clientv3.GetResponse
		err  error
	}
	fetch := func(key string, rev int64) <-chan page {
		ch := make(chan page, 1)
		go func() {
			opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(scanPageKeys)}
			if rev != 0 {
				opts = append(opts, clientv3.WithRev(rev))
			}
			if keysOnly {
				opts = append(opts, clientv3.WithKeysOnly())
			}
			resp, err := b.cli.Get(ctx, key, opts...)
			ch <- page{resp, err}
		}()
		return ch
	}
	var rev int64
	next := fetch(keyPrefix, 0)
	for {
		p := <-next
		if p.err != nil {
			return rev, fmt.Errorf("range read %s: %w", keyPrefix, p.err)
		}
		if rev == 0 {
			rev = p.resp.Header.Revision
		}
		more := p.resp.More && len(p.resp.Kvs) > 0
		if more {
			next = fetch(string(p.resp.Kvs[len(p.resp.Kvs)-1].Key)+"\x00", rev)
		}
		for _, kv := range p.resp.Kvs {
			if err := fn(kv); err != nil {
				return rev, err // a page in flight lands in its buffered channel
			}
		}
		if !more {
			return rev, nil
		}
	}
}

// reads measures etcdctl's unpaged get and lifeboat's reads, interleaved so
// that any drift of the machine touches all three alike.
func (b *bench) reads(ctx context.Context) error {
	dir := filepath.Join(b.work, "reads")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	errFile := filepath.Join(dir, "stderr")
	table := filepath.Join(dir, "pods.txt")
	for r := range b.cfg.runs {
		logf("read run %d/%d", r+1, b.cfg.runs)
		if b.rep.etcdctlGet.failed == "" {
			s, err := b.measure(ctx, dir, os.DevNull, errFile, nil, b.bins.etcdctl,
				"--endpoints", b.endpoint(), "--command-timeout", b.cfg.commandTimeout.String(), "get", podsPrefix, "--prefix")
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				// Reported in the table: at scale the unpaged get is what fails.
				b.rep.etcdctlGet.failed = fmt.Sprintf("failed after %s: %s", secs(s.wall), quotedLine(tail(errFile, 300)))
				logf("etcdctl get failed: %v", err)
			} else {
				b.rep.etcdctlGet.add(s)
			}
		}

		if s, err := b.etcdctlPaged(ctx, dir, errFile); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		} else {
			b.rep.etcdctlPaged.add(s)
		}

		// The table goes to a file (as `> pods.txt` would) to count its rows.
		s, err := b.measure(ctx, dir, table, errFile, nil, b.lifeboat, "--endpoints", b.endpoint(), "get", "pods", "-A")
		if err != nil {
			return err
		}
		if lines, err := countLines(table); err != nil {
			return err
		} else if lines != b.cfg.pods+1 {
			return fmt.Errorf("%w: lifeboat get pods -A printed %d lines, want a header and %d pods", errCheck, lines, b.cfg.pods)
		}
		os.Remove(table)
		b.rep.getTable.add(s)

		s, err = b.measure(ctx, dir, os.DevNull, errFile, nil, b.lifeboat, "--endpoints", b.endpoint(), "get", "pods", "-A", "-o", "json")
		if err != nil {
			return err
		}
		b.rep.getJSON.add(s)

		if err := b.doctorRun(ctx, dir, errFile); err != nil {
			return err
		}
	}
	return nil
}

// doctorRun measures `lifeboat doctor -o json`, which scans the whole
// prefix, next to etcdctl's unpaged get of the same prefix; doctor's
// output must parse and count every key.
func (b *bench) doctorRun(ctx context.Context, dir, errFile string) error {
	if b.rep.etcdctlAll.failed == "" {
		s, err := b.measure(ctx, dir, os.DevNull, errFile, nil, b.bins.etcdctl,
			"--endpoints", b.endpoint(), "--command-timeout", b.cfg.commandTimeout.String(), "get", prefix+"/", "--prefix")
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			b.rep.etcdctlAll.failed = fmt.Sprintf("failed after %s: %s", secs(s.wall), quotedLine(tail(errFile, 300)))
		default:
			b.rep.etcdctlAll.add(s)
		}
	}
	out := filepath.Join(dir, "doctor.json")
	defer os.Remove(out)
	s, err := b.measure(ctx, dir, out, errFile, nil, b.lifeboat, "--endpoints", b.endpoint(), "doctor", "-o", "json")
	if err != nil && s.exitCode != 3 { // 3: problems found, as the seed has
		return err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	var d struct {
		Keys     int               `json:"keys"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("%w: lifeboat doctor -o json: %v", errCheck, err)
	}
	if d.Keys < b.cfg.pods || len(d.Findings) == 0 {
		return fmt.Errorf("%w: lifeboat doctor -o json read %d keys with %d findings, want at least the %d pods and a finding", errCheck, d.Keys, len(d.Findings), b.cfg.pods)
	}
	b.rep.doctorKeys = d.Keys
	b.rep.doctor.add(s)
	return nil
}

// pagedRange is how many keys each etcdctl process of a paged read gets,
// the page lifeboat's own scans read.
const pagedRange = 2000

// etcdctlPaged reads every pod with etcdctl a page at a time, as a script
// does when the unpaged get is too large for etcdctl's memory or its
// timeout: one keys-only listing of the prefix, then one `etcdctl get FROM
// TO` process per 2,000 keys (TO: the first key of the next page, or the
// prefix's end), its output in etcdctl's default format to /dev/null. The
// sample is the sum over the processes (wall, CPU, etcd's CPU) and the
// largest peak RSS; the key listing is parsed between them, untimed.
func (b *bench) etcdctlPaged(ctx context.Context, dir, errFile string) (sample, error) {
	keysFile := filepath.Join(dir, "keys.txt")
	defer os.Remove(keysFile)
	base := []string{"--endpoints", b.endpoint(), "--command-timeout", b.cfg.commandTimeout.String()}
	total, err := b.measure(ctx, dir, keysFile, errFile, nil, b.bins.etcdctl, append(base, "get", podsPrefix, "--prefix", "--keys-only")...)
	if err != nil {
		return sample{}, fmt.Errorf("etcdctl get --keys-only: %w: %s", err, tail(errFile, 300))
	}
	data, err := os.ReadFile(keysFile)
	if err != nil {
		return sample{}, err
	}
	var keys []string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" {
			keys = append(keys, line)
		}
	}
	if len(keys) != b.cfg.pods {
		return sample{}, fmt.Errorf("%w: etcdctl --keys-only listed %d keys, want %d", errCheck, len(keys), b.cfg.pods)
	}
	end := clientv3.GetPrefixRangeEnd(podsPrefix)
	for start := 0; start < len(keys); start += pagedRange {
		to := end
		if next := start + pagedRange; next < len(keys) {
			to = keys[next]
		}
		s, err := b.measure(ctx, dir, os.DevNull, errFile, nil, b.bins.etcdctl, append(base, "get", keys[start], to)...)
		if err != nil {
			return sample{}, fmt.Errorf("etcdctl get %s %s: %w: %s", keys[start], to, err, tail(errFile, 300))
		}
		total.wall += s.wall
		total.cpu += s.cpu
		total.etcdCPU += s.etcdCPU
		total.rssKiB = max(total.rssKiB, s.rssKiB)
	}
	return total, nil
}

func countLines(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return bytes.Count(data, []byte("\n")), nil
}

// reseed puts the Terminating pods back as seeded and returns their keys
// and the revision after the re-seed: every write after it is the undelete's.
func (b *bench) reseed(ctx context.Context) (map[string]bool, int64, error) {
	before, err := b.cli.Get(ctx, podsPrefix, clientv3.WithKeysOnly(), clientv3.WithLimit(1))
	if err != nil {
		return nil, 0, err
	}
	if err := demo.TerminatingPods(ctx, b.cli, prefix, b.cfg.terminating, b.rep.now); err != nil {
		return nil, 0, err
	}
	terminating := map[string]bool{}
	rev, err := b.scan(ctx, podsPrefix, true, func(kv *mvccpb.KeyValue) error {
		if kv.ModRevision > before.Header.Revision {
			terminating[string(kv.Key)] = true
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(terminating) != b.cfg.terminating {
		return nil, 0, fmt.Errorf("%w: re-seeding wrote %d pods, want %d", errCheck, len(terminating), b.cfg.terminating)
	}
	return terminating, rev, b.compact(ctx, rev)
}

// verified is what a check after an undelete found.
type verified struct {
	written   int // pods written since the re-seed
	revisions int // distinct mod_revisions among them
}

// verify checks an undelete: every formerly Terminating pod was written
// (mod_revision after since) and decodes, with apimachinery's serializer,
// without deletionTimestamp or deletionGracePeriodSeconds but with its
// finalizer; no other pod was written.
func (b *bench) verify(ctx context.Context, terminating map[string]bool, since int64) (verified, error) {
	var v verified
	revs := map[int64]bool{}
	pods := 0
	var notWritten []string
	_, err := b.scan(ctx, podsPrefix, true, func(kv *mvccpb.KeyValue) error {
		pods++
		key := string(kv.Key)
		switch {
		case kv.ModRevision > since && !terminating[key]:
			return fmt.Errorf("%w: %s was written (revision %d) but was not Terminating", errCheck, key, kv.ModRevision)
		case kv.ModRevision > since:
			v.written++
			revs[kv.ModRevision] = true
		case terminating[key]:
			notWritten = append(notWritten, key)
		}
		return nil
	})
	if err != nil {
		return v, err
	}
	v.revisions = len(revs)
	if pods != b.cfg.pods {
		return v, fmt.Errorf("%w: %d pods after the undelete, want %d", errCheck, pods, b.cfg.pods)
	}
	if len(notWritten) > 0 {
		return v, fmt.Errorf("%w: %d of %d Terminating pods were not written, e.g. %s", errCheck, len(notWritten), len(terminating), notWritten[0])
	}
	// Read the written pods back in Txns of 100 Gets and decode them.
	keys := make([]string, 0, len(terminating))
	for k := range terminating {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for chunk := range slices.Chunk(keys, 100) {
		ops := make([]clientv3.Op, len(chunk))
		for i, k := range chunk {
			ops[i] = clientv3.OpGet(k)
		}
		resp, err := b.cli.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			return v, fmt.Errorf("read back %d pods: %w", len(chunk), err)
		}
		for i, r := range resp.Responses {
			kvs := r.GetResponseRange().GetKvs()
			if len(kvs) != 1 {
				return v, fmt.Errorf("%w: %s is gone", errCheck, chunk[i])
			}
			obj, _, err := decoder.Decode(kvs[0].Value, nil, nil)
			if err != nil {
				return v, fmt.Errorf("%w: %s does not decode after the undelete: %v", errCheck, chunk[i], err)
			}
			pod, ok := obj.(*corev1.Pod)
			switch {
			case !ok:
				return v, fmt.Errorf("%w: %s decodes to %T", errCheck, chunk[i], obj)
			case pod.DeletionTimestamp != nil || pod.DeletionGracePeriodSeconds != nil:
				return v, fmt.Errorf("%w: %s still has deletionTimestamp %v, deletionGracePeriodSeconds %v", errCheck, chunk[i], pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds)
			case !slices.Equal(pod.Finalizers, []string{seedFinalizer}):
				return v, fmt.Errorf("%w: %s has finalizers %v, want %v kept", errCheck, chunk[i], pod.Finalizers, []string{seedFinalizer})
			}
		}
	}
	if b.cfg.distinctRevisions && v.revisions != v.written {
		return v, fmt.Errorf("%w: %d objects written at only %d distinct revisions (-require-distinct-revisions: every object must get its own)", errCheck, v.written, v.revisions)
	}
	return v, nil
}

// writes measures `lifeboat pods undelete -A --yes -o json`, etcdctl put
// once per key, and the engine alone, each run on freshly re-seeded
// Terminating pods. The three alternate run by run: etcd slows down a
// little with every round of re-seeding and writing (its backend grows),
// and that drift must not fall on one of them only.
func (b *bench) writes(ctx context.Context) error {
	for _, d := range []string{"undelete", "engine"} {
		if err := os.MkdirAll(filepath.Join(b.work, d), 0o755); err != nil {
			return err
		}
	}
	for r := range b.cfg.runs {
		if err := b.undeleteRun(ctx, r, b.lifeboat, &b.rep.undelete); err != nil {
			return err
		}
		if b.cfg.vs != "" {
			if err := b.undeleteRun(ctx, r, b.cfg.vs, &b.rep.undeleteVs); err != nil {
				return fmt.Errorf("-vs %s: %w", b.cfg.vs, err)
			}
		}
		if !b.cfg.skipEngine {
			if err := b.engineRun(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// undeleteRun is one run of `lifeboat pods undelete -A --yes -o json` with
// the binary bin, added to into, and (for this tree's binary) of the
// etcdctl puts.
func (b *bench) undeleteRun(ctx context.Context, r int, bin string, into *series) error {
	dir := filepath.Join(b.work, "undelete")
	errFile, outFile := filepath.Join(dir, "stderr"), filepath.Join(dir, "stdout.jsonl")
	terminating, since, err := b.reseed(ctx)
	if err != nil {
		return err
	}
	logf("undelete run %d/%d (%s)", r+1, b.cfg.runs, bin)
	journal := filepath.Join(dir, fmt.Sprintf("journal-%d.jsonl", r))
	s, err := b.measure(ctx, dir, outFile, errFile, nil, bin,
		"--endpoints", b.endpoint(), "--journal", journal, "pods", "undelete", "-A", "--yes", "-o", "json")
	if err != nil {
		if s.exitCode == 3 {
			return fmt.Errorf("%w: lifeboat pods undelete left keys undone (exit 3): %v", errCheck, err)
		}
		return err
	}
	changed, err := countChanged(outFile)
	if err != nil {
		return err
	}
	if changed != b.cfg.terminating {
		return fmt.Errorf("%w: lifeboat pods undelete reported %d pods changed, want %d", errCheck, changed, b.cfg.terminating)
	}
	v, err := b.verify(ctx, terminating, since)
	if err != nil {
		return err
	}
	into.add(s)
	b.rep.undeleteChecks = append(b.rep.undeleteChecks, v)
	os.Remove(journal)

	if b.cfg.putSample > 0 && bin == b.lifeboat {
		if err := b.etcdctlPuts(ctx, dir, terminating); err != nil {
			return err
		}
	}
	return nil
}

// countChanged counts the JSON Lines of -o json that report a write.
func countChanged(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Changed     bool   `json:"changed"`
			NewRevision int64  `json:"newRevision"`
			Error       string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return n, fmt.Errorf("%w: lifeboat -o json printed %q: %v", errCheck, sc.Text(), err)
		}
		if line.Changed && line.NewRevision > 0 && line.Error == "" {
			n++
		}
	}
	return n, sc.Err()
}

// etcdctlPuts is the write comparison: what an operator without lifeboat
// would run at the least, one `etcdctl put KEY < value` per object (a shell
// loop; decoding and editing each value would come on top). It rewrites a
// sample of the just-undeleted pods with their own current values, timed
// per process, and checks the bytes arrived intact.
func (b *bench) etcdctlPuts(ctx context.Context, dir string, terminating map[string]bool) error {
	keys := make([]string, 0, len(terminating))
	for k := range terminating {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	keys = keys[:min(b.cfg.putSample, len(keys))]
	valueFile, errFile := filepath.Join(dir, "value"), filepath.Join(dir, "put-stderr")
	var total sample
	for _, key := range keys {
		resp, err := b.cli.Get(ctx, key)
		if err != nil || len(resp.Kvs) != 1 {
			return fmt.Errorf("read %s: %v", key, err)
		}
		value := resp.Kvs[0].Value
		if err := os.WriteFile(valueFile, value, 0o600); err != nil {
			return err
		}
		in, err := os.Open(valueFile)
		if err != nil {
			return err
		}
		s, err := b.measure(ctx, dir, os.DevNull, errFile, in, b.bins.etcdctl, "--endpoints", b.endpoint(), "put", key)
		in.Close()
		if err != nil {
			return err
		}
		total.wall += s.wall
		total.cpu += s.cpu
		total.etcdCPU += s.etcdCPU
		total.rssKiB = max(total.rssKiB, s.rssKiB)
		after, err := b.cli.Get(ctx, key)
		if err != nil || len(after.Kvs) != 1 {
			return fmt.Errorf("read %s: %v", key, err)
		}
		if !bytes.Equal(after.Kvs[0].Value, value) || after.Kvs[0].ModRevision <= resp.Kvs[0].ModRevision {
			return fmt.Errorf("%w: etcdctl put %s did not write the %d bytes it was given", errCheck, key, len(value))
		}
	}
	b.rep.putKeys = len(keys)
	b.rep.etcdctlPut.add(total)
	return nil
}

// engineRun is one run of the CLI's engine calls with --yes (NewBatch,
// Batch.Run) without the CLI, in a process of its own
// (internal/bench/engine) so that its peak RSS is its own.
func (b *bench) engineRun(ctx context.Context, r int) error {
	dir := filepath.Join(b.work, "engine")
	errFile, outFile := filepath.Join(dir, "stderr"), filepath.Join(dir, "stdout.json")
	terminating, since, err := b.reseed(ctx)
	if err != nil {
		return err
	}
	logf("engine-only run %d/%d", r+1, b.cfg.runs)
	journal := filepath.Join(dir, fmt.Sprintf("journal-%d.jsonl", r))
	s, err := b.measure(ctx, dir, outFile, errFile, nil, b.engine, "-endpoint", b.endpoint(), "-journal", journal, "-prefix", prefix)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		return err
	}
	var res struct {
		RunNanos        int64
		Written, Failed int
		FirstError      string
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("engine child printed %q: %v", data, err)
	}
	if res.Written != b.cfg.terminating || res.Failed > 0 {
		return fmt.Errorf("%w: engine wrote %d pods, %d failed (first: %s); want %d written", errCheck, res.Written, res.Failed, res.FirstError, b.cfg.terminating)
	}
	v, err := b.verify(ctx, terminating, since)
	if err != nil {
		return err
	}
	// The engine figure is NewBatch + Run, timed inside the process: no
	// process start, no connection set-up.
	s.wall = time.Duration(res.RunNanos)
	b.rep.engine.add(s)
	b.rep.engineChecks = append(b.rep.engineChecks, v)
	os.Remove(journal)
	return nil
}

// finish collects the figures of etcd itself.
func (b *bench) finish(ctx context.Context) {
	b.rep.fsyncCount, b.rep.fsyncTotal, b.rep.haveFsync = b.srv.fsyncs(ctx)
	if st, err := b.cli.Status(ctx, b.endpoint()); err == nil {
		b.rep.dbSize = st.DbSize
	}
	b.rep.elapsed = time.Since(b.rep.started)
	b.rep.loadEnd = loadAvg()
}

// quotedLine is s on one line (textutil.OneLine), cut at 200 bytes, and
// quoted: a report line stays one line whatever a load's error said.
func quotedLine(s string) string {
	s = textutil.OneLine(s)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strconv.Quote(s)
}
