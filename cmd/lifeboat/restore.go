package main

import (
	"context"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

func restoreCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "put one object back as it was at an earlier revision, or as a snapshot file holds it",
		ArgsUsage: "<resource> NAME",
		Description: "lifeboat restore configmaps frontend-config -n shop --revision 1234 --dry-run\n" +
			"   lifeboat restore cm frontend-config -n shop --from-snapshot backup.db --yes\n" +
			"   lifeboat history cm frontend-config -n shop      (the revisions etcd still has)\n" +
			"The write takes the same path as every repair: diff, confirmation, journal, compare-and-swap.\n" +
			"A deleted object is re-created only while its key still does not exist (kube-apiserver's Create),\n" +
			"without the old key's lease; 'lifeboat undo' deletes it again while it holds what was restored.",
		Flags: append([]cli.Flag{namespaceFlag(),
			&cli.Int64Flag{Name: "revision", Usage: "the etcd revision to restore the object as of (a mod_revision 'lifeboat history' lists); with --from-snapshot, default the snapshot's newest"},
			&cli.StringFlag{Name: "from-snapshot", Usage: "read the object from this etcd snapshot or member db file, and put it back into the live etcd", TakesFile: true},
		}, writeFlags()...),
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			q, err := resourceQuery(ctx, cmd, "lifeboat restore configmaps NAME -n NAMESPACE --revision R")
			if err != nil {
				return err
			}
			if len(q.Names) != 1 {
				return usagef("restore puts back one object: 'lifeboat restore %s NAME -n NAMESPACE --revision R'", q.Resource)
			}
			rev, snapshot := cmd.Int64("revision"), cmd.String("from-snapshot")
			if rev < 0 || (rev == 0 && snapshot == "") {
				return usagef("restore needs --revision R, a revision 'lifeboat history %s %s' lists, or --from-snapshot FILE", q.Resource, q.Names[0])
			}
			info := etcdops.KeyInfo{Resource: q.Resource, Name: q.Names[0]}
			if q.Resource.Namespaced {
				info.Namespace = namespaceOf(q)
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			want, source, err := restoreSource(ctx, store, snapshot, info, rev)
			if err != nil {
				return err
			}
			plan, err := store.PlanRestore(ctx, info, want, source)
			if err != nil {
				return err
			}
			return newWriteRun(std, cmd, store).batch(ctx, store.PlannedBatch(plan))
		},
	}
}

// restoreSource reads the version restore puts back: from the live etcd's
// history, or from a snapshot file (at rev, 0 for its newest).
func restoreSource(ctx context.Context, live *etcdops.Store, snapshot string, info etcdops.KeyInfo, rev int64) (etcdops.Record, string, error) {
	if snapshot == "" {
		want, err := live.ReadVersion(ctx, info, rev)
		return want, fmt.Sprintf("revision %d", rev), err
	}
	snap, err := storeSource{snapshot: snapshot, prefix: live.Layout().Prefix}.open(ctx)
	if err != nil {
		return etcdops.Record{}, "", err
	}
	defer snap.Close()
	want, err := snap.ReadVersion(ctx, info, rev)
	if err != nil {
		return etcdops.Record{}, "", fmt.Errorf("snapshot %s: %w", snapshot, err)
	}
	return want, "snapshot " + snapshot, nil
}
