package main

import (
	"context"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

func nodesCommand(std streams) *cli.Command {
	nodeFlags := func(extra ...cli.Flag) []cli.Flag {
		flags := append([]cli.Flag{&cli.BoolFlag{Name: "all", Usage: "every node"}, selectorFlag()}, extra...)
		return append(flags, writeFlags()...)
	}
	nodeOp := func(cmd *cli.Command, action etcdops.Action) (etcdops.Operation, error) {
		q, err := query(cmd, etcdops.MustResolveResource("nodes"), cmd.Args().Slice())
		return etcdops.Operation{Action: action, Query: q, AllNodes: cmd.Bool("all")}, err
	}
	return &cli.Command{
		Name:  "nodes",
		Usage: "repair nodes",
		Commands: []*cli.Command{
			{
				Name:      "untaint",
				Usage:     "remove taints (default: node.kubernetes.io/unreachable and not-ready, every effect)",
				ArgsUsage: "[NAME... | --all]",
				Description: "lifeboat nodes untaint --all --dry-run\n   lifeboat nodes untaint worker-1 worker-2 --yes\n" +
					"   lifeboat nodes untaint --all --key node.kubernetes.io/unreachable --effect NoExecute\n" +
					"Here --key is the taint key: give etcd's TLS key before the command or in ETCDCTL_KEY.",
				Flags: nodeFlags(
					&cli.StringSliceFlag{Name: "key", Aliases: []string{"taint-key"}, Usage: "taint key to remove (repeatable)"},
					&cli.StringFlag{Name: "effect", Usage: "only taints with this effect: NoSchedule, PreferNoSchedule or NoExecute"},
				),
				ShellComplete: completeNamesOf("nodes"),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					op, err := nodeOp(cmd, etcdops.UntaintNodes)
					if err != nil {
						return err
					}
					op.TaintKeys, op.TaintEffect = cmd.StringSlice("key"), cmd.String("effect")
					return runOperations(ctx, std, cmd, op)
				},
			},
			{
				Name:          "uncordon",
				Usage:         "set spec.unschedulable to false",
				ArgsUsage:     "[NAME... | --all | -l SELECTOR]",
				Description:   "lifeboat nodes uncordon worker-3 --yes\n   lifeboat nodes uncordon --all --dry-run",
				Flags:         nodeFlags(),
				ShellComplete: completeNamesOf("nodes"),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					op, err := nodeOp(cmd, etcdops.UncordonNodes)
					if err != nil {
						return err
					}
					return runOperations(ctx, std, cmd, op)
				},
			},
			{
				Name:      "cordon",
				Usage:     "set spec.unschedulable to true (as kubectl cordon): no new pods on the nodes",
				ArgsUsage: "[NAME... | --all | -l SELECTOR]",
				Description: "lifeboat nodes cordon worker-3 --yes\n   lifeboat nodes cordon -l topology.kubernetes.io/zone=dc1-b --dry-run\n" +
					"The scheduler reads spec.unschedulable itself; the node lifecycle controller adds the\n" +
					"node.kubernetes.io/unschedulable taint when it runs, as after kubectl cordon. 'nodes uncordon' reverses it.",
				Flags:         nodeFlags(),
				ShellComplete: completeNamesOf("nodes"),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					op, err := nodeOp(cmd, etcdops.CordonNodes)
					if err != nil {
						return err
					}
					return runOperations(ctx, std, cmd, op)
				},
			},
		},
	}
}
