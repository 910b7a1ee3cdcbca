package main

import (
	"context"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

func undoCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "undo",
		Usage:     "restore what a journal's writes replaced, if nobody changed the keys since",
		ArgsUsage: "JOURNAL",
		Description: "lifeboat undo 20261122T031500.000Z-pods-undelete.jsonl --dry-run\n" +
			"   lifeboat journal ls    (the journals, newest last)\n" +
			"JOURNAL is a path, or a file name in --journal-dir. Undo writes a journal of its own, so an undo can be undone.\n" +
			"A journal written in another etcd cluster (its cluster ID, in 'lifeboat journal ls') is refused, nothing written;\n" +
			"--force-cluster undoes it all the same, e.g. in etcd restored from a snapshot into a new cluster.",
		Flags: append(writeFlags(), &cli.BoolFlag{Name: "force-cluster",
			Usage: "undo a journal written in another etcd cluster (another cluster ID), e.g. after etcd was restored from a snapshot into a new cluster; each key is still restored only while it holds what the journal wrote"}),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 1 {
				return usagef("undo needs exactly one journal file, e.g. 'lifeboat undo <file>' (list them with 'lifeboat journal ls')")
			}
			jf, err := readJournal(std, cmd, cmd.Args().First())
			if err != nil {
				return err
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			plan, err := store.PlanUndo(ctx, jf, etcdops.UndoOptions{ForceCluster: cmd.Bool("force-cluster")})
			if err != nil {
				return err
			}
			for _, warning := range plan.Warnings {
				warn(std.err, "%s", warning)
			}
			return newWriteRun(std, cmd, store).batch(ctx, store.PlannedBatch(plan))
		},
	}
}
