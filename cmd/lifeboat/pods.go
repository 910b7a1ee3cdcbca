package main

import (
	"context"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

func podsCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "pods",
		Usage: "repair pods",
		Commands: []*cli.Command{{
			Name:      "undelete",
			Usage:     "clear deletionTimestamp and deletionGracePeriodSeconds of Terminating pods",
			ArgsUsage: "[NAME...]",
			Description: "lifeboat pods undelete -A --dry-run\n   lifeboat pods undelete -A --node worker-1 --yes\n" +
				"   lifeboat pods undelete cart-7d9f-x2x9z -n shop\n" +
				"Finalizers are left alone. Stop kube-controller-manager first, or it evicts the pods again.",
			Flags: append([]cli.Flag{namespaceFlag(), allNamespacesFlag(), selectorFlag(),
				&cli.StringFlag{Name: "node", Usage: "only pods bound to this node"}}, writeFlags()...),
			ShellComplete: completeNamesOf("pods"),
			Action: func(ctx context.Context, cmd *cli.Command) error {
				q, err := query(cmd, etcdops.MustResolveResource("pods"), cmd.Args().Slice())
				if err != nil {
					return err
				}
				return runOperations(ctx, std, cmd, etcdops.Operation{Action: etcdops.UndeletePods, Query: q})
			},
		}},
	}
}
