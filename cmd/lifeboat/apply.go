package main

import (
	"context"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

func applyCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "apply",
		Usage: "run a plan file of several repairs, all validated before anything is written",
		Description: "lifeboat apply -f plan.yaml --dry-run\n   lifeboat apply -f plan.yaml --yes\n" +
			"A plan: operations: [{action: undelete-pods, allNamespaces: true, node: worker-1}, {action: untaint-nodes, all: true}]\n" +
			"With --snapshot FILE --dry-run it previews the plan on a backup.",
		Flags: append([]cli.Flag{&cli.StringFlag{Name: "filename", Aliases: []string{"f"}, Usage: "plan file (YAML), - for stdin", Required: true, TakesFile: true}, snapshotFlag()}, writeFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			if cmd.String("snapshot") != "" && !cmd.Bool("dry-run") {
				return usagef("--snapshot %s previews a plan on a backup, which lifeboat never writes: add --dry-run", cmd.String("snapshot"))
			}
			name, data, err := readFilename(std, cmd, "plan")
			if err != nil {
				return err
			}
			ops, err := etcdops.ParsePlanFile(name, data)
			if err != nil {
				return err
			}
			return runOperations(ctx, std, cmd, ops...)
		},
	}
}
