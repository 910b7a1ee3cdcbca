package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

func historyCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "every version of an object still in etcd's history, with diffs; --deleted lists deleted objects",
		ArgsUsage: "<resource> NAME | <resource> [NAME] --deleted",
		Description: "lifeboat history configmaps frontend-config -n shop\n" +
			"   lifeboat history cm -n shop --deleted       (objects deleted since etcd's compacted revision)\n" +
			"   lifeboat history cm cart-config -n shop --deleted   (the deletes of one object)\n" +
			"   lifeboat history pods web-0 -n shop -o json\n" +
			"   lifeboat history cm frontend-config -n shop --snapshot backup.db   (the history a snapshot kept)\n" +
			"etcd keeps every version until it compacts (kube-apiserver asks every 5 minutes by default):\n" +
			"older versions are gone, and lifeboat says from which revision. On k3s, kine keeps its own\n" +
			"history (every write is a row; it compacts every 5 minutes, keeping the last 1000 revisions).\n" +
			"Times are what the object says (creationTimestamp, managedFields, deletionTimestamp): etcd keeps\n" +
			"no write times. Put a version back with 'lifeboat restore <resource> NAME --revision R'.",
		Flags: []cli.Flag{namespaceFlag(), allNamespacesFlag(), outputFlag("text", "text", "json"), showSecretsFlag(), snapshotFlag(),
			&cli.BoolFlag{Name: "deleted", Usage: "list the objects of the resource deleted since etcd's compacted revision"}},
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			q, err := resourceQuery(ctx, cmd, "lifeboat history configmaps NAME -n NAMESPACE")
			if err != nil {
				return err
			}
			deleted := cmd.Bool("deleted")
			switch {
			case deleted && len(q.Names) > 1:
				return usagef("history --deleted takes one name (the deletes of that object) or none (every deleted %s), not %d", q.Resource, len(q.Names))
			case !deleted && len(q.Names) != 1:
				return usagef("history needs one object name, e.g. 'lifeboat history %s NAME -n NAMESPACE', or --deleted", q.Resource)
			case !deleted && q.AllNamespaces:
				return usagef("history of one object takes -n NAMESPACE, not --all-namespaces")
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			if deleted {
				return runDeleted(ctx, std, store, q, cmd.String("output") == "json")
			}
			info := etcdops.KeyInfo{Resource: q.Resource, Name: q.Names[0]}
			if q.Resource.Namespaced {
				info.Namespace = namespaceOf(q)
			}
			h, err := store.History(ctx, info)
			if err != nil {
				return err
			}
			if len(h.Versions) == 0 {
				return fmt.Errorf("%s: no version in etcd's history (no key %s%s): check the name and -n, or --prefix", info, h.Key, compactedNote(h.CompactedAt))
			}
			if cmd.String("output") == "json" {
				err = printHistoryJSON(std, h, cmd.Bool("show-secrets"))
			} else {
				err = printHistory(std, h, cmd.Bool("show-secrets"))
			}
			if err != nil {
				return err
			}
			// Versions that do not decode are shown as what they are, and
			// end the command with exit 3, as get and ls do (undecodable).
			if n := undecodableVersions(h); n > 0 {
				return &partialError{msg: fmt.Sprintf("%d version(s) of %s could not be decoded (shown as bytes that do not decode)", n, info)}
			}
			return nil
		},
	}
}

// namespaceOf is the namespace a query of one object means: -n, else "default".
func namespaceOf(q etcdops.Query) string {
	if q.Namespace == "" {
		return "default"
	}
	return q.Namespace
}

func compactedNote(compactedAt int64) string {
	if compactedAt == 0 {
		return ""
	}
	return fmt.Sprintf("; etcd compacted its history before revision %d", compactedAt)
}

func printHistory(std streams, h *etcdops.History, showSecrets bool) error {
	_, err := fmt.Fprint(std.out, render.History(h, showSecrets, std.outTTY))
	return err
}

// undecodableVersions counts the versions of h, other than deletions, whose
// value does not decode.
func undecodableVersions(h *etcdops.History) int {
	n := 0
	for _, v := range h.Versions {
		if _, err := etcdops.DecodeStored(h.Resource, v.Value); !v.Deleted && errors.Is(err, codec.ErrMalformed) {
			n++
		}
	}
	return n
}

// historyJSON is `history -o json`.
type historyJSON struct {
	Key         string        `json:"key"`
	Resource    string        `json:"resource"`
	Namespace   string        `json:"namespace,omitempty"`
	Name        string        `json:"name"`
	Revision    int64         `json:"revision"`
	CompactedAt int64         `json:"compactedAt"`
	Exists      bool          `json:"exists"`
	Versions    []versionJSON `json:"versions"`
}

type versionJSON struct {
	ModRevision    int64          `json:"modRevision"`
	CreateRevision int64          `json:"createRevision,omitempty"`
	Version        int64          `json:"version,omitempty"`
	Lease          int64          `json:"lease,omitempty"`
	Event          string         `json:"event"`
	Time           string         `json:"time,omitempty"`
	TimeSource     string         `json:"timeSource,omitempty"`
	Diff           string         `json:"diff"`
	Object         map[string]any `json:"object,omitempty"`
	Error          string         `json:"error,omitempty"`
}

func printHistoryJSON(std streams, h *etcdops.History, showSecrets bool) error {
	doc := historyJSON{Key: h.Key, Resource: h.Resource.String(), Namespace: h.Namespace, Name: h.Name,
		Revision: h.Revision, CompactedAt: h.CompactedAt, Exists: h.Exists(), Versions: []versionJSON{}}
	// Each version's object is redacted with every version's Secret
	// values: a later version may copy an earlier one's data into an
	// annotation.
	objects := make([]*codec.Object, len(h.Versions))
	var secrets []string
	for i, v := range h.Versions {
		if v.Deleted {
			continue
		}
		if obj, err := etcdops.DecodeStored(h.Resource, v.Value); err == nil {
			objects[i] = obj
			secrets = append(secrets, obj.SecretValues()...)
		}
	}
	for i := range h.Versions {
		v := &h.Versions[i]
		var prev *etcdops.Version
		if i > 0 {
			prev = &h.Versions[i-1]
		}
		line := versionJSON{ModRevision: v.ModRevision, CreateRevision: v.CreateRevision, Version: v.Version, Lease: v.Lease,
			Event: v.Event(prev), TimeSource: v.TimeSource}
		if !v.Time.IsZero() {
			line.Time = v.Time.Format(time.RFC3339)
		}
		var err error
		if line.Diff, err = h.Diff(i, showSecrets); err != nil {
			line.Error = textutil.OneLine(err.Error())
		}
		if obj := objects[i]; obj != nil {
			line.Object, _ = obj.Render(codec.RenderOptions{ResourceVersion: v.ModRevision, ShowSecrets: showSecrets, Redact: secrets})
		}
		doc.Versions = append(doc.Versions, line)
	}
	return printDoc(std.out, "json", doc)
}

// deletedJSON is one line of `history --deleted -o json`.
type deletedJSON struct {
	Key          string `json:"key"`
	Resource     string `json:"resource"`
	Namespace    string `json:"namespace,omitempty"`
	Name         string `json:"name"`
	DeletedAt    int64  `json:"deletedAt"`
	LastRevision int64  `json:"lastRevision"`
	Exists       bool   `json:"exists"`
}

// runDeleted lists the objects of q deleted since etcd's compacted revision.
func runDeleted(ctx context.Context, std streams, store *etcdops.Store, q etcdops.Query, asJSON bool) error {
	rev, err := store.Revision(ctx)
	if err != nil {
		return err
	}
	key, under := store.Layout().ResourcePrefix(q.Resource), true
	switch {
	case len(q.Names) == 1:
		// The form doctor prints: the deletes of one object.
		key, under = store.Layout().Key(q.Resource, namespaceOf(q), q.Names[0]), false
	case q.Resource.Namespaced && !q.AllNamespaces:
		key = store.Layout().NamespacePrefix(q.Resource, namespaceOf(q))
	}
	dels, compacted, err := store.Deletions(ctx, key, under, rev)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, d := range dels {
		if _, seen := exists[d.Prev.Key]; !seen {
			_, found, err := store.Get(ctx, d.Prev.Key)
			if err != nil {
				return err
			}
			exists[d.Prev.Key] = found
		}
	}
	if asJSON {
		enc := json.NewEncoder(render.JSONWriter(std.out))
		for _, d := range dels {
			enc.Encode(deletedJSON{Key: d.Prev.Key, Resource: q.Resource.String(), Namespace: d.Namespace, Name: d.Name,
				DeletedAt: d.Revision, LastRevision: d.Prev.ModRevision, Exists: exists[d.Prev.Key]})
		}
		return nil
	}
	since := "since revision 1 (nothing compacted)"
	if compacted > 0 {
		since = fmt.Sprintf("since revision %d (etcd compacted everything before it)", compacted)
	}
	if len(dels) == 0 {
		what := fmt.Sprintf("No %s deleted%s", q.Resource, inNamespace(q))
		if len(q.Names) == 1 {
			what = fmt.Sprintf("No delete of %s %s%s", q.Resource, q.Names[0], inNamespace(q))
		}
		fmt.Fprintf(std.err, "%s %s.\n", what, since)
		return nil
	}
	table := render.NewTable(std.out)
	table.Row([]string{"NAMESPACE", "NAME", "DELETED-AT", "LAST-REVISION", "NOW"})
	for _, d := range dels {
		now := "absent"
		if exists[d.Prev.Key] {
			now = "exists"
		}
		table.Row([]string{orDash(d.Namespace), d.Name, fmt.Sprint(d.Revision), fmt.Sprint(d.Prev.ModRevision), now})
	}
	if err := table.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(std.err, "%d deletion(s) of %s%s %s. Put one back: lifeboat restore %s NAME -n NAMESPACE --revision LAST-REVISION\n",
		len(dels), q.Resource, inNamespace(q), since, q.Resource)
	return nil
}

func inNamespace(q etcdops.Query) string {
	if ns := queryNamespace(q); ns != "" {
		return " in namespace " + ns
	}
	return ""
}
