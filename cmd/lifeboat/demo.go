package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
	"github.com/urfave/cli/v3"
)

func demoCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "start an embedded etcd seeded with a capsized cluster, to try lifeboat safely",
		Description: "Serves on 127.0.0.1 until Ctrl-C. The seeds: 5 workers tainted unreachable with stale kubelet\n" +
			"leases, ~40 pods Terminating after eviction, healthy pods, control-plane leases, a secret,\n" +
			"an event with an etcd lease, a CRD and a custom resource stored as JSON.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data-dir", Usage: "etcd data directory (default: a new temporary directory, removed on exit)", TakesFile: true},
			&cli.BoolFlag{Name: "serve", Usage: "only serve etcd, do not open the TUI"},
			&cli.BoolFlag{Name: "decrypt", Usage: "open the TUI with the demo's encryption config, so its encrypted Secret reads"},
			&cli.BoolFlag{Name: "controller-manager-alive", Usage: "seed a freshly renewed kube-controller-manager lease (lifeboat then warns before writes)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			dir := cmd.String("data-dir")
			if dir == "" {
				tmp, err := os.MkdirTemp("", "lifeboat-demo-")
				if err != nil {
					return fmt.Errorf("demo: %w", err)
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			} else if err := os.MkdirAll(dir, 0o700); err != nil {
				return fmt.Errorf("demo: --data-dir: %w", err)
			}
			srv, err := embedetcd.Start(dir)
			if err != nil {
				return fmt.Errorf("demo: start etcd in %s: %w", dir, err)
			}
			defer srv.Close()
			prefix := cmd.Root().String("prefix")
			summary, err := demo.CapsizedAt(ctx, srv.Endpoint(), demo.Options{
				Prefix: prefix, Now: std.now(), Malformed: true,
				ControllerManagerAlive: cmd.Bool("controller-manager-alive"),
			})
			if err != nil {
				return fmt.Errorf("demo: seed %s: %w", srv.Endpoint(), err)
			}
			encryptionConfig := filepath.Join(dir, "encryption-config.yaml")
			if err := os.WriteFile(encryptionConfig, demo.EncryptionConfig(), 0o600); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			printDemoBanner(std.err, srv.Endpoint(), prefix, encryptionConfig, summary)
			if !cmd.Bool("serve") && interactive(std) {
				// On a terminal the demo is the TUI on the seeded etcd; the
				// connection flags other than --prefix and --readonly
				// describe a real etcd, not this one.
				cfg := storeConfig(cmd)
				cfg = etcdops.Config{Endpoints: []string{srv.Endpoint()}, Prefix: cfg.Prefix, ReadOnly: cfg.ReadOnly, DialTimeout: etcdops.DefaultDialTimeout}
				if cmd.Bool("decrypt") {
					cfg.EncryptionConfig = encryptionConfig
				}
				store, err := storeSource{etcd: cfg}.open(ctx)
				if err != nil {
					return fmt.Errorf("demo: %w", err)
				}
				defer store.Close()
				err = runTUI(ctx, std, cmd, store, "pods")
				fmt.Fprintln(std.err, "Stopping the demo etcd.")
				return err
			}
			<-ctx.Done()
			fmt.Fprintln(std.err, "\nStopping the demo etcd.")
			return nil
		},
	}
}

func printDemoBanner(w io.Writer, endpoint, prefix, encryptionConfig string, s demo.Summary) {
	flags := "--endpoints " + endpoint
	if prefix != "" && prefix != "/registry" {
		flags += " --prefix " + prefix
	}
	lines := []string{
		"",
		"lifeboat demo: a capsized cluster in an embedded etcd at " + endpoint,
		fmt.Sprintf("  %d keys: %d nodes (%d tainted), %d pods (%d Terminating), plus leases, a secret, an event, a CRD", s.Keys, s.Nodes, s.TaintedNodes, s.Pods, s.TerminatingPods),
		"",
		"In another terminal:",
		"  export ETCDCTL_ENDPOINTS=" + endpoint,
		"  lifeboat get nodes",
		"  lifeboat get pods -A",
		"  lifeboat pods undelete -A --dry-run",
		"  lifeboat pods undelete -A --yes",
		"  lifeboat nodes untaint --all --yes",
		"  lifeboat nodes uncordon worker-3 --yes",
		"  lifeboat journal ls",
		"  lifeboat undo <file from journal ls> --yes",
		"  lifeboat get crontabs.stable.example.com -A -o yaml",
		"  lifeboat ls",
		"  lifeboat --encryption-config " + encryptionConfig + " get secret card-processor-token -n payments -o yaml",
		"",
		"(or pass " + flags + " to each command.) Ctrl-C stops the demo and deletes its data.",
	}
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}
