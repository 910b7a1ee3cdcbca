package main

import (
	"context"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/editor"
	"github.com/urfave/cli/v3"
	"sigs.k8s.io/yaml"
)

func editCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "edit",
		Usage:     "edit one object in $EDITOR (or with a JSON merge patch), as kubectl edit does, then write it through the write path",
		ArgsUsage: "<resource> NAME",
		Description: "Opens $EDITOR (else $KUBE_EDITOR, else vi) on the object's YAML (Secret data included: it is\n" +
			"what you edit). On save the object is decoded strictly into its kind (a misspelt field reopens\n" +
			"the file with the error on top, as kubectl does), shown as a diff, confirmed, journaled and\n" +
			"written with kube-apiserver's OptimisticPut, only while the key holds what was read. Saving the\n" +
			"file unchanged, or empty, cancels; saving a reopened file as it was gives up, keeping it. An\n" +
			"object with fields this lifeboat does not know is refused, naming them, unless --allow-field-loss.\n" +
			"--readonly refuses an edit before the editor opens, unless --dry-run.\n\n" +
			"   lifeboat edit cm app-config -n shop\n" +
			"   lifeboat edit deploy web -n shop --patch '{\"spec\":{\"replicas\":0}}' --yes\n" +
			"   lifeboat edit cm app-config -n shop -f patch.yaml --dry-run   # a merge patch in YAML or JSON",
		Flags: append([]cli.Flag{
			namespaceFlag(),
			&cli.StringFlag{Name: "patch", Usage: "a JSON merge patch to apply instead of opening an editor"},
			&cli.StringFlag{Name: "filename", Aliases: []string{"f"}, Usage: "a merge patch in a YAML or JSON file (- for stdin)", TakesFile: true},
			&cli.BoolFlag{Name: "allow-field-loss", Usage: "edit an object carrying fields this lifeboat does not know, dropping them"},
		}, writeFlags()...),
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			// Refused before anything is read: the editor would get the
			// object's Secret data in a file for an edit never written.
			// A --dry-run writes nothing, as for every other command.
			if cmd.Root().Bool("readonly") && !cmd.Bool("dry-run") {
				return fmt.Errorf("%w; edit writes what you save, so it opens no editor (add --dry-run to only preview an edit)", etcdops.ErrReadOnly)
			}
			q, err := resourceQuery(ctx, cmd, "lifeboat edit configmaps NAME -n NAMESPACE")
			if err != nil {
				return err
			}
			if len(q.Names) != 1 {
				return usagef("edit takes one object: 'lifeboat edit %s NAME -n NAMESPACE'", q.Resource)
			}
			var patch []byte
			switch {
			case cmd.String("patch") != "" && cmd.String("filename") != "":
				return usagef("give --patch or -f, not both")
			case cmd.String("patch") != "":
				patch = []byte(cmd.String("patch"))
			case cmd.String("filename") != "":
				_, data, err := readFilename(std, cmd, "patch")
				if err != nil {
					return err
				}
				if patch, err = yaml.YAMLToJSON(data); err != nil {
					return usagef("patch %s: %v", cmd.String("filename"), err)
				}
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			ns := q.Namespace
			if q.Resource.Namespaced && ns == "" {
				ns = "default"
			}
			src, err := store.ReadForEdit(ctx, etcdops.KeyInfo{Resource: q.Resource, Namespace: ns, Name: q.Names[0]})
			if err != nil {
				return err
			}
			var plan *etcdops.Plan
			if patch != nil {
				edited, err := src.MergePatch(patch)
				if err != nil {
					return err
				}
				if plan, err = store.PlanEdit(src, edited, cmd.Bool("allow-field-loss")); err != nil {
					return err
				}
			} else {
				session := editor.New(store, src, cmd.Bool("allow-field-loss"))
				if err := session.Run(); err != nil {
					return err
				}
				if plan = session.Plan; plan == nil {
					fmt.Fprintln(std.err, session.Cancelled)
					return nil
				}
			}
			return newWriteRun(std, cmd, store).batch(ctx, store.PlannedBatch(plan))
		},
	}
}
