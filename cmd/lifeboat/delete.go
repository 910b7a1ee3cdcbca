package main

import (
	"context"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

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
