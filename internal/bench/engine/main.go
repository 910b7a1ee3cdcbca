// Command engine is the benchmark's engine-only figure (internal/bench
// builds and runs it): `lifeboat pods undelete -A --yes` without the CLI.
// It makes the engine calls the CLI makes with --yes, etcdops
// Store.NewBatch and Batch.Run (scan, skip what the edit cannot change,
// decode, lossless edit, verify, journal with fsync, compare-and-swap; one
// pass, a page at a time), with nothing around them: no diffs, no output
// per key. It is a program of its own, importing only the engine, so its
// peak RSS is the engine's.
//
// Usage: engine -endpoint URL -journal FILE. It prints one JSON object:
// runNanos (NewBatch and Run), written, failed, firstError.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/journal"
)

type result struct {
	RunNanos   int64  `json:"runNanos"`
	Written    int    `json:"written"`
	Failed     int    `json:"failed"`
	FirstError string `json:"firstError,omitempty"`
}

func main() {
	endpoint := flag.String("endpoint", "", "etcd endpoint")
	journalPath := flag.String("journal", "", "journal file (must not exist)")
	prefix := flag.String("prefix", etcdops.DefaultPrefix, "kube-apiserver's --etcd-prefix")
	flag.Parse()
	if *endpoint == "" || *journalPath == "" {
		fmt.Fprintln(os.Stderr, "usage: engine -endpoint URL -journal FILE")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := undelete(ctx, *endpoint, *journalPath, *prefix)
	if err != nil {
		fmt.Fprintf(os.Stderr, "engine: %v\n", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

func undelete(ctx context.Context, endpoint, journalPath, prefix string) (result, error) {
	var res result
	store, err := etcdops.Open(ctx, etcdops.Config{Endpoints: []string{endpoint}, Prefix: prefix})
	if err != nil {
		return res, err
	}
	defer store.Close()
	op := etcdops.Operation{
		Action: etcdops.UndeletePods,
		Query:  etcdops.Query{Resource: etcdops.MustResolveResource("pods"), AllNamespaces: true},
	}
	j, err := journal.Create(journalPath, journal.Info{
		Command: "bench: engine-only pods undelete -A", Endpoints: []string{endpoint}, Prefix: prefix,
	})
	if err != nil {
		return res, err
	}
	defer j.Close()

	start := time.Now()
	b, err := store.NewBatch(ctx, start, op)
	if err != nil {
		return res, err
	}
	err = b.Run(ctx, etcdops.ApplyOptions{Journal: j}, func(_ int, _ *etcdops.Change, r *etcdops.Result) error {
		switch {
		case r.Changed:
			res.Written++
		case r.Err != nil:
			res.Failed++
			if res.FirstError == "" {
				res.FirstError = r.Err.Error()
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.RunNanos = int64(time.Since(start))
	return res, nil
}
