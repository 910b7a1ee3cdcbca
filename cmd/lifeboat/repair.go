package main

import (
	"context"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
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
				ArgsUsage:     "[NAME... | --all]",
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
		},
	}
}

func finalizersCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "finalizers",
		Usage: "edit finalizers of any object, custom resources included",
		Commands: []*cli.Command{{
			Name:      "remove",
			Usage:     "remove finalizers (all, or those named with --finalizer)",
			ArgsUsage: "<resource> [NAME...]",
			Description: "lifeboat finalizers remove crontabs.stable.example.com nightly-backup --finalizer stable.example.com/cleanup\n" +
				"   lifeboat finalizers remove pods -n shop -l app=cart --dry-run",
			Flags: append([]cli.Flag{namespaceFlag(), allNamespacesFlag(), selectorFlag(),
				&cli.StringSliceFlag{Name: "finalizer", Usage: "finalizer to remove (repeatable); default every finalizer"}}, writeFlags()...),
			ShellComplete: completeObjects(std),
			Action: func(ctx context.Context, cmd *cli.Command) error {
				q, err := resourceQuery(ctx, cmd, "lifeboat finalizers remove pods NAME -n NS")
				if err != nil {
					return err
				}
				return runOperations(ctx, std, cmd, etcdops.Operation{Action: etcdops.RemoveFinalizers, Query: q, Finalizers: cmd.StringSlice("finalizer")})
			},
		}},
	}
}

func deleteCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "delete",
		Usage:     "remove objects' keys from etcd (skips finalizers and garbage collection; undoable)",
		ArgsUsage: "<resource> NAME...",
		Description: "Removes each key with kube-apiserver's delete Txn, on the mod_revision read, and only while it\n" +
			"holds what the preview showed. This is not 'kubectl delete': finalizers are not run and owners'\n" +
			"dependents are not garbage collected. For an object stuck Terminating, 'lifeboat finalizers remove'\n" +
			"lets the apiserver finish the deletion itself. 'lifeboat undo JOURNAL' re-creates the objects\n" +
			"where their keys still do not exist.\n\n" +
			"   lifeboat delete configmaps stale-config -n shop --dry-run",
		Flags:         append([]cli.Flag{namespaceFlag()}, writeFlags()...),
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			q, err := resourceQuery(ctx, cmd, "lifeboat delete configmaps NAME -n NAMESPACE")
			if err != nil {
				return err
			}
			return runOperations(ctx, std, cmd, etcdops.Operation{Action: etcdops.DeleteObjects, Query: q})
		},
	}
}

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

func undoCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "undo",
		Usage:     "restore what a journal's writes replaced, if nobody changed the keys since",
		ArgsUsage: "JOURNAL",
		Description: "lifeboat undo 20261122T031500.000Z-pods-undelete.jsonl --dry-run\n" +
			"   lifeboat journal ls    (the journals, newest last)\n" +
			"JOURNAL is a path, or a file name in --journal-dir. Undo writes a journal of its own, so an undo can be undone.",
		Flags: writeFlags(),
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
			plan, err := store.PlanUndo(ctx, jf)
			if err != nil {
				return err
			}
			return newWriteRun(std, cmd, store).batch(ctx, store.PlannedBatch(plan))
		},
	}
}

// runOperations validates every operation, connects, and takes them through
// the write path.
func runOperations(ctx context.Context, std streams, cmd *cli.Command, ops ...etcdops.Operation) error {
	for _, op := range ops {
		if err := op.Validate(); err != nil {
			return err
		}
	}
	store, err := openStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer store.Close()
	return newWriteRun(std, cmd, store).operations(ctx, ops)
}

// maxFilename bounds a file given with -f (manifests, plans, patches): a
// backup of many objects fits, and a device or an endless stdin is
// refused rather than read until memory runs out.
const maxFilename = 64 << 20

// readFilename reads the file -f names, or stdin for "-"; what says what
// the file is, for the one-line error. Only a regular file is opened (a
// named pipe would block, a device never end), and neither is read past
// maxFilename.
func readFilename(std streams, cmd *cli.Command, what string) (string, []byte, error) {
	name := cmd.String("filename")
	var data []byte
	var err error
	if name == "-" {
		data, err = regularfile.ReadFrom(std.in, "standard input", maxFilename)
	} else {
		data, err = regularfile.Read(name, maxFilename)
	}
	if err != nil {
		return name, nil, usagef("%s %s: %v", what, name, err)
	}
	return name, data, nil
}
