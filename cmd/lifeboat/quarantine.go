package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

func quarantineCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "quarantine",
		Usage:     "move values kube-apiserver cannot decode out of its way (undoable)",
		ArgsUsage: "KEY...",
		Description: "One undecodable value under a resource makes kube-apiserver fail to LIST the whole resource.\n" +
			"quarantine copies each value, with its lease, to " + etcdops.QuarantinePrefix + "/<key> (outside the prefix:\n" +
			"no apiserver reads it), then deletes the original if it still holds those bytes: two journaled\n" +
			"single-key Txns, kube-apiserver's own Create and delete, which every datastore serves (kine too).\n" +
			"`lifeboat undo JOURNAL` puts the values back. Readable or encrypted values are refused.\n\n" +
			"   lifeboat doctor                                    # names the values\n" +
			"   lifeboat quarantine /registry/pods/default/poison --dry-run\n" +
			"   lifeboat quarantine ls",
		Flags: writeFlags(),
		Commands: []*cli.Command{{
			Name:  "ls",
			Usage: "list quarantined values",
			Flags: []cli.Flag{outputFlag("table", "table", "json")},
			Action: storeAction(func(ctx context.Context, cmd *cli.Command, store *etcdops.Store) error {
				return listQuarantined(ctx, std, store, cmd.String("output"))
			}),
		}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if !cmd.Args().Present() {
				return usagef("quarantine needs the keys to move, e.g. 'lifeboat quarantine /registry/pods/default/poison' ('lifeboat doctor' names them)")
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			plan, err := store.PlanQuarantine(ctx, cmd.Args().Slice())
			if err != nil {
				return err
			}
			return newWriteRun(std, cmd, store).quarantine(ctx, plan)
		},
	}
}

// quarantine previews the moves, confirms, journals and writes them: the
// write path every command takes, with a preview of its own, since the
// values do not decode into a diff.
func (w *writeRun) quarantine(ctx context.Context, plan *etcdops.QuarantinePlan) error {
	out := w.previewStream()
	for i, c := range plan.Deletes.Changes {
		fmt.Fprintf(out, "move %s (%d bytes, lease %d: %s)\n  to %s\n", render.Safe(c.Before.Key), len(c.Before.Value), c.Lease,
			render.Line(plan.Reasons[i]), render.Safe(plan.Copies.Changes[i].Before.Key))
	}
	n := len(plan.Deletes.Changes)
	if w.dryRun {
		fmt.Fprintf(w.std.err, "quarantine: %d value(s) would move; nothing written (--dry-run)\n", n)
		return nil
	}
	if w.store.ReadOnly() {
		return etcdops.ErrReadOnly
	}
	if err := w.confirm(n); err != nil {
		return err
	}
	if err := w.openJournal(); err != nil {
		return err
	}
	results, err := w.store.ApplyQuarantine(ctx, plan, etcdops.ApplyOptions{Journal: w.journal})
	o := w.newOutcome(etcdops.Tally{})
	changes := append(append([]etcdops.Change(nil), plan.Copies.Changes...), plan.Deletes.Changes...)
	for i := range results {
		o.add(&changes[i], &results[i], true)
	}
	return w.finish(err, o, strconv.Itoa(o.written))
}

func listQuarantined(ctx context.Context, std streams, store *etcdops.Store, output string) error {
	list, err := store.ListQuarantined(ctx)
	if err != nil {
		return err
	}
	if output == "json" {
		enc := json.NewEncoder(render.JSONWriter(std.out))
		for _, q := range list {
			if err := enc.Encode(q); err != nil {
				return err
			}
		}
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintln(std.err, "Nothing is quarantined.")
		return nil
	}
	table := render.NewTable(std.out)
	table.Row([]string{"KEY", "FROM", "SIZE", "QUARANTINED-AT", "FROM-KEY-NOW"})
	for _, q := range list {
		now := "absent"
		if q.OriginalExists {
			now = "exists"
		}
		table.Row([]string{q.Key, q.Original, strconv.Itoa(q.Size), strconv.FormatInt(q.ModRevision, 10), now})
	}
	return table.Flush()
}
