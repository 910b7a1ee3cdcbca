package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/doctor"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

func doctorCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "diagnose the cluster from etcd alone: what is broken, what happens next, which command fixes it",
		Description: "Reads etcd only (one scan of the prefix, the member's status) and never writes; with\n" +
			"--snapshot FILE it diagnoses a backup or a stopped member's db instead.\n" +
			"The first line says whether a kube-apiserver serves and, in an outage, when it began (the\n" +
			"last renewal of the apiservers' identity leases); nodes that only lost the apiserver are told\n" +
			"apart from nodes that went silent before it.\n" +
			"Findings are ranked critical, warning, info, each with its id (docs/runbooks/ name them),\n" +
			"evidence, advice and the fixing commands: those that write are printed with --dry-run, to be\n" +
			"run again with --yes once the preview is right.\n" +
			"Exit 0: no problem found; 3: problems found; 1: etcd could not be read.\n\n" +
			"   lifeboat doctor\n   lifeboat doctor -o json | jq '.findings[] | select(.severity==\"critical\")'",
		Flags: []cli.Flag{outputFlag("text", "text", "json"), snapshotFlag()},
		Action: storeAction(func(ctx context.Context, cmd *cli.Command, store *etcdops.Store) error {
			softMemoryLimit()
			d, err := doctor.Diagnose(ctx, store, std.now())
			if err != nil {
				return err
			}
			if cmd.String("output") == "json" {
				enc := json.NewEncoder(render.JSONWriter(std.out))
				enc.SetIndent("", "  ")
				if err := enc.Encode(d); err != nil {
					return err
				}
			} else {
				printDiagnosis(std.out, store, d)
			}
			if n := d.Problems(); n > 0 {
				return &partialError{msg: fmt.Sprintf("doctor: %d problem(s) found", n)}
			}
			return nil
		}),
	}
}

// printDiagnosis writes the findings for a person: the outage headline,
// then per finding its severity, area, title and id on one line, and the
// evidence, advice and fixes indented under it.
func printDiagnosis(w io.Writer, store *etcdops.Store, d *doctor.Diagnosis) {
	fmt.Fprintf(w, "etcd %s at revision %d, %d keys under %s/\n", strings.Join(store.Endpoints(), ","), d.Revision, d.Keys, store.Layout().Prefix)
	fmt.Fprintln(w, render.Safe(d.Headline()))
	fmt.Fprintf(w, "ages: %s\n\n", d.Clock)
	for _, f := range d.Findings {
		fmt.Fprintf(w, "%-8s  %s: %s [%s]\n", strings.ToUpper(string(f.Severity)), f.Area, render.Safe(f.Title), f.ID)
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "          %s\n", render.Safe(e))
		}
		for _, a := range f.Advice {
			fmt.Fprintf(w, "          advice: %s\n", render.Safe(a))
		}
		for _, fix := range f.Fix {
			fmt.Fprintf(w, "          fix: %s\n", render.Safe(fix))
		}
	}
	if n := d.Problems(); n == 0 {
		fmt.Fprintln(w, "\nNo problem found.")
	} else {
		fmt.Fprintf(w, "\n%d problem(s) found.\n", n)
	}
}
