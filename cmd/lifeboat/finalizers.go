package main

import (
	"context"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

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
