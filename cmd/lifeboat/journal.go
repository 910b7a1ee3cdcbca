package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	"github.com/lifeboat-k8s/lifeboat/journal"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

func journalCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "journal",
		Usage: "list and show the journals of lifeboat's writes",
		Commands: []*cli.Command{
			{
				Name:        "ls",
				Usage:       "list the journals in --journal-dir, oldest first, with the etcd cluster each was written in",
				Description: "lifeboat journal ls\n   lifeboat journal ls -o json\nCLUSTER is the etcd cluster ID in hex, as etcdctl prints it ('none': kine; '-': a journal from before lifeboat recorded it).",
				Flags:       []cli.Flag{outputFlag("text", "text", "json")},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if err := noArgs(cmd); err != nil {
						return err
					}
					dir := journalDir(cmd)
					list, err := journal.List(dir)
					if err != nil {
						return err
					}
					if cmd.String("output") == "json" {
						enc := json.NewEncoder(render.JSONWriter(std.out))
						for _, s := range list {
							line := journalLine{Path: s.Path, Started: s.Started.UTC().Format("2006-01-02T15:04:05Z"), Command: s.Command,
								Keys: s.Keys, Written: s.Written, Undone: s.Undone, Torn: s.Torn}
							if s.Cluster != nil {
								line.Cluster = strconv.FormatUint(s.Cluster.ClusterID, 16)
							}
							if s.Err != nil {
								line.Error = textutil.OneLine(s.Err.Error())
							}
							enc.Encode(line)
						}
						return nil
					}
					if len(list) == 0 {
						fmt.Fprintf(std.err, "No journals in %s.\n", dir)
						return nil
					}
					tw := tabwriter.NewWriter(std.out, 0, 0, 3, ' ', 0)
					fmt.Fprintln(tw, "STARTED\tCLUSTER\tCOMMAND\tKEYS\tWRITTEN\tUNDONE\tFILE")
					for _, s := range list {
						if s.Err != nil {
							fmt.Fprintf(tw, "-\t-\t%s\t-\t-\t-\t%s\n", render.Safe(textutil.OneLine(s.Err.Error())), render.Safe(filepath.Base(s.Path)))
							continue
						}
						cluster := "-"
						if s.Cluster != nil {
							cluster = journal.FormatClusterID(s.Cluster.ClusterID)
						}
						command := s.Command
						if command == "" {
							command = "-"
						}
						if s.Torn {
							command += " (torn last line)"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.Started.Local().Format("2006-01-02 15:04:05"), cluster, render.Safe(command),
							s.Keys, s.Written, s.Undone, render.Safe(filepath.Base(s.Path)))
					}
					tw.Flush()
					fmt.Fprintf(std.err, "Journals in %s. Show one: lifeboat journal show FILE; undo it: lifeboat undo FILE\n", dir)
					return nil
				},
			},
			{
				Name:        "show",
				Usage:       "show each write of a journal and what became of it",
				ArgsUsage:   "FILE",
				Description: "lifeboat journal show 20261122T031500.000Z-pods-undelete.jsonl\nFILE is a path, or a file name in --journal-dir.",
				Flags:       []cli.Flag{outputFlag("text", "text", "json")},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Args().Len() != 1 {
						return usagef("journal show needs exactly one journal file (list them with 'lifeboat journal ls')")
					}
					jf, err := readJournal(std, cmd, cmd.Args().First())
					if err != nil {
						return err
					}
					writes := jf.Writes()
					if cmd.String("output") == "json" {
						enc := json.NewEncoder(render.JSONWriter(std.out))
						for _, w := range writes {
							enc.Encode(writeLine{Time: w.Time.UTC().Format("2006-01-02T15:04:05Z"), Key: w.Key, Resource: w.Resource,
								Namespace: w.Namespace, Name: w.Name, Action: string(w.Action),
								BeforeRevision: w.BeforeRevision, AfterRevision: w.AfterRevision, State: string(w.State), InDoubt: string(w.InDoubt)})
						}
						return nil
					}
					fmt.Fprintf(std.out, "Journal:  %s\n", jf.Path)
					if jf.Info.Command != "" {
						fmt.Fprintf(std.out, "Command:  %s\nEtcd:     %s (prefix %s)\n", render.Safe(jf.Info.Command), render.Safe(strings.Join(jf.Info.Endpoints, ",")), render.Safe(jf.Info.Prefix))
					}
					cluster := "- (not recorded: written before lifeboat recorded it)"
					if jf.Info.Cluster != nil {
						cluster = jf.Info.Cluster.String()
					}
					fmt.Fprintf(std.out, "Cluster:  %s\n", cluster)
					fmt.Fprintf(std.out, "Started:  %s\n\n", jf.Started.Local().Format("2006-01-02 15:04:05 MST"))
					tw := tabwriter.NewWriter(std.out, 0, 0, 3, ' ', 0)
					fmt.Fprintln(tw, "TIME\tACTION\tOBJECT\tREVISION\tSTATE")
					for _, w := range writes {
						after := "-"
						if w.AfterRevision != 0 {
							after = fmt.Sprint(w.AfterRevision)
						}
						state := string(w.State)
						if w.InDoubt != "" {
							// etcd did not report the Txn's outcome; reading the key did.
							state += " (in doubt: " + string(w.InDoubt) + ")"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d -> %s\t%s\n", w.Time.Local().Format("15:04:05"), w.Action,
							render.Safe(objectName(w.Resource, w.Namespace, w.Name, w.Key)), w.BeforeRevision, after, state)
					}
					tw.Flush()
					return nil
				},
			},
		},
	}
}

// journalLine is one JSON line of `journal ls -o json`.
type journalLine struct {
	Path    string `json:"path"`
	Started string `json:"started"`
	Command string `json:"command"`
	// Cluster is the etcd cluster ID in hex ("0": the datastore reports
	// none, as kine); absent when the journal does not record it.
	Cluster string `json:"cluster,omitempty"`
	Keys    int    `json:"keys"`
	Written int    `json:"written"`
	Undone  int    `json:"undone"`
	Torn    bool   `json:"torn,omitempty"`
	Error   string `json:"error,omitempty"`
}

// writeLine is one JSON line of `journal show -o json`.
type writeLine struct {
	Time           string `json:"time"`
	Key            string `json:"key"`
	Resource       string `json:"resource"`
	Namespace      string `json:"namespace,omitempty"`
	Name           string `json:"name"`
	Action         string `json:"action"`
	BeforeRevision int64  `json:"beforeRevision"`
	AfterRevision  int64  `json:"afterRevision"`
	State          string `json:"state"`
	InDoubt        string `json:"inDoubt,omitempty"` // written, retried or conflict: how a Txn etcd did not report was settled
}

func objectName(resource, namespace, name, key string) string {
	if name == "" {
		return key
	}
	if namespace != "" {
		return resource + "/" + namespace + "/" + name
	}
	return resource + "/" + name
}

// readJournal reads a journal named by path, or by file name in the journal
// directory, and says on stderr when its last line is torn.
func readJournal(std streams, cmd *cli.Command, arg string) (*journal.File, error) {
	path := journal.Find(journalDir(cmd), arg)
	// journal.Read opens the path as it is: a named pipe would
	// block it until a writer comes, a device never end. Only a regular
	// file is read, in full: a journal of 150,000 objects is 1.5 GB.
	if err := aFile(path); err != nil {
		return nil, usagef("journal %v", err)
	}
	jf, err := journal.Read(path)
	if err != nil {
		return nil, err
	}
	if jf.Torn != nil {
		warn(std.err, "%v", jf.Torn)
	}
	return jf, nil
}
