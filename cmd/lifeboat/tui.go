package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/tui"
	"github.com/urfave/cli/v3"
)

func tuiCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "tui",
		Usage: "browse, triage and repair in a full-screen terminal UI (what `lifeboat` alone opens on a terminal)",
		Description: "k9s habits: ':' switches resource (:pods :nodes :leases :keys), '/' filters, '?' lists every key.\n" +
			"Every repair shows its diff first; 'y' writes, any other key cancels. 'j' shows the journal and undoes.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "resource", Value: "pods", Usage: "first view (any resource get accepts)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			if !std.inTTY || !std.outTTY {
				return usagef("the TUI needs a terminal on stdin and stdout (use 'lifeboat get ...' in scripts)")
			}
			return openTUI(ctx, std, cmd, cmd.String("resource"))
		},
	}
}

// openTUI connects with the root's flags and runs the TUI until the operator
// quits. The `lifeboat` root (no command, on a terminal) comes here too.
func openTUI(ctx context.Context, std streams, cmd *cli.Command, resource string) error {
	// The TUI shows an unreachable etcd as a banner and retries, so it
	// opens even when etcd is down at 3 a.m.
	src := storeFrom(cmd)
	src.etcd.Lazy = true
	store, err := src.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	softMemoryLimit()
	return runTUI(ctx, std, cmd, store, resource)
}

// runTUI runs the TUI on an open store (demo uses it on its own etcd).
func runTUI(ctx context.Context, std streams, cmd *cli.Command, store *etcdops.Store, resource string) error {
	// A name only a CRD in etcd declares (ct) is the TUI's to resolve, in
	// the background; what no CRD can make right is refused here.
	if _, err := etcdops.ResolveResource(resource); err != nil && resource != "keys" && strings.Contains(resource, ".") {
		return err
	}
	path, err := tui.Run(ctx, store, tui.Options{
		JournalPath: cmd.Root().String("journal"),
		JournalDir:  journalDir(cmd),
		Resource:    resource,
		Now:         std.now,
	}, std.in, std.out)
	var failed *tui.PanicError
	if errors.As(err, &failed) {
		// The terminal is restored. The stack first, for a bug report;
		// then run prints the failure and the journal to undo from, last
		// on the operator's screen.
		if len(failed.Stack) > 0 {
			fmt.Fprintf(std.err, "lifeboat: the TUI's stack when it failed (for a bug report):\n%s\n", failed.Stack)
		}
		return err
	}
	if path != "" {
		fmt.Fprintf(std.err, "Journal: %s\nUndo with: lifeboat undo %s\n", path, path)
	}
	return err
}

// interactive reports whether the TUI can run: a terminal on both ends.
func interactive(std streams) bool { return std.inTTY && std.outTTY }
