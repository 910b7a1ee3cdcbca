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

func finalizersCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "finalizers",
		Usage: "edit finalizers of any object, custom resources included",
		Commands: []*cli.Command{{
			Name:      "remove",
			Usage:     "remove finalizers (all, or those named with --finalizer)",
			ArgsUsage: "<resource> [NAME...]",
			Description: "lifeboat finalizers remove crontabs.stable.example.com nightly-backup --finalizer stable.example.com/cleanup\n" +
				"   lifeboat finalizers remove pods -n shop -l app=cart --dry-run\n" +
				"   lifeboat finalizers remove namespaces shop --dry-run\n\n" +
				"Removes metadata.finalizers. A namespace stuck Terminating also waits on its spec.finalizers: the\n" +
				"'kubernetes' finalizer every namespace gets at creation, which the namespace controller removes\n" +
				"through kube-apiserver's /finalize once it has deleted everything in the namespace. On a namespace\n" +
				"being deleted, spec.finalizers lose the same finalizers (all, or the --finalizer ones), as /finalize\n" +
				"would; a live namespace keeps them (naming one it holds is refused: a later deletion would no longer\n" +
				"empty it first).\n\n" +
				"An object being deleted whose last finalizer goes is deleted, as kube-apiserver's update deletes it\n" +
				"then (ShouldDeleteDuringUpdate, k8s.io/apiserver pkg/registry/generic/registry/store.go; for a\n" +
				"namespace once its spec.finalizers are empty too, as /finalize ends it): the preview says so, and\n" +
				"undo re-creates it. Not a pod deleted gracefully (deletionGracePeriodSeconds above 0): the apiserver\n" +
				"keeps it until its kubelet confirms the kill, and so does lifeboat. Objects left in a namespace so\n" +
				"finalized stay in etcd, as with /finalize: a namespace created again with its name shows them.",
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
		ArgsUsage: "<resource> [NAME... | -l SELECTOR | --field-selector SELECTOR | --node NODE | -A]",
		Description: "Removes each selected key with kube-apiserver's delete Txn, on the mod_revision read, and only\n" +
			"while it holds what the preview showed. It takes the selectors 'get' takes; an empty selection\n" +
			"(no names, no selector, no --node, no -A) is refused, never read as everything.\n\n" +
			"This is not 'kubectl delete': finalizers are not run and owners' dependents are not garbage\n" +
			"collected. 'lifeboat undo JOURNAL' re-creates the objects where their keys still do not exist.\n\n" +
			"An object stuck Terminating on finalizers: 'lifeboat finalizers remove' takes them, and deletes the\n" +
			"object with the last one, as kube-apiserver's update does (ShouldDeleteDuringUpdate in\n" +
			"k8s.io/apiserver pkg/registry/generic/registry/store.go), provided its deletionGracePeriodSeconds is\n" +
			"0 or unset. A pod deleted gracefully is another matter: the apiserver removes it only at a delete\n" +
			"with grace period 0, which is its kubelet confirming the kill (pkg/registry/core/pod/strategy.go\n" +
			"CheckGracefulDelete; store.go Delete and updateForGracefulDeletionAndFinalizers). A pod bound to a\n" +
			"node that no longer exists has no kubelet to confirm: 'lifeboat delete pods -A --node NODE' removes\n" +
			"them now, and a running kube-controller-manager's pod garbage collector deletes the pods of nodes\n" +
			"that do not exist, after a 40 s quarantine (pkg/controller/podgc/gc_controller.go, gcOrphaned).\n\n" +
			"   lifeboat delete configmaps stale-config -n shop --dry-run\n" +
			"   lifeboat delete pods -A --node spot-1 --dry-run\n" +
			"   lifeboat delete pods -n shop -l app=cart --field-selector status.phase=Failed",
		Flags: append([]cli.Flag{namespaceFlag(), allNamespacesFlag(), selectorFlag(), fieldSelectorFlag(),
			&cli.StringFlag{Name: "node", Usage: "pods only: those bound to this node"}}, writeFlags()...),
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
	// Which webhook configuration each name of disable-webhooks is, etcd
	// says: before the preview, so that it shows what is written.
	if ops, err = store.ResolveOperations(ctx, ops); err != nil {
		return err
	}
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
