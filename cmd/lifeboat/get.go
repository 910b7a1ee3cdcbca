package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

func getCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "show objects as the apiserver would (decoded from etcd)",
		ArgsUsage: "<resource> [NAME...]",
		Description: "lifeboat get pods -A\n   lifeboat get pods -A -o wide --sort-by .metadata.creationTimestamp\n" +
			"   lifeboat get pods -A --field-selector status.phase=Running,spec.nodeName=worker-1\n" +
			"   lifeboat get pods -n shop -w\n   lifeboat get nodes -o yaml\n   lifeboat get secrets -n payments --show-secrets\n" +
			"   lifeboat get crontabs.stable.example.com -A -o json | jq .items[].metadata.name",
		Flags: []cli.Flag{namespaceFlag(), allNamespacesFlag(), selectorFlag(), fieldSelectorFlag(),
			outputFlag("table", "table", "wide", "name", "yaml", "json"), showSecretsFlag(), snapshotFlag(),
			&cli.StringFlag{Name: "node", Usage: "pods bound to this node (as --field-selector spec.nodeName=NODE)"},
			&cli.StringFlag{Name: "sort-by", Usage: "sort by this field, a JSONPath as kubectl takes it: .metadata.creationTimestamp, '{.status.phase}'"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "after the list, print each change etcd's watch delivers, until Ctrl-C"},
			&cli.BoolFlag{Name: "watch-only", Usage: "watch without printing the list first"},
			&cli.BoolFlag{Name: "output-watch-events", Usage: "with --watch: print what happened to each object (ADDED, MODIFIED, DELETED)"},
		},
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			o, err := getOptionsOf(cmd)
			if err != nil {
				return err
			}
			q, err := resourceQuery(ctx, cmd, "lifeboat get pods -A")
			if err != nil {
				return err
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			return runGet(ctx, std, store, q, o)
		},
	}
}

// getOptions are how get prints what it reads.
type getOptions struct {
	output      string // table, wide, name, json or yaml
	showSecrets bool
	sortBy      *sortKey // nil: key order
	watch       bool
	watchOnly   bool
	watchEvents bool
}

func getOptionsOf(cmd *cli.Command) (getOptions, error) {
	o := getOptions{
		output:      cmd.String("output"),
		showSecrets: cmd.Bool("show-secrets"),
		watch:       cmd.Bool("watch") || cmd.Bool("watch-only"),
		watchOnly:   cmd.Bool("watch-only"),
		watchEvents: cmd.Bool("output-watch-events"),
	}
	if s := cmd.String("sort-by"); s != "" {
		key, err := parseSortKey(s)
		if err != nil {
			return o, err
		}
		o.sortBy = key
	}
	switch {
	case o.watch && cmd.String("snapshot") != "":
		return o, usagef("--watch follows a live etcd: a --snapshot does not change")
	case o.watchEvents && !o.watch:
		return o, usagef("--output-watch-events goes with --watch (-w)")
	}
	return o, nil
}

// lines says whether the output has a line for every object, even one
// that does not decode: a table or names, not JSON or YAML.
func (o getOptions) lines() bool {
	return o.output == "table" || o.output == "wide" || o.output == "name"
}

func runGet(ctx context.Context, std streams, store *etcdops.Store, q etcdops.Query, o getOptions) error {
	g := &getRun{std: std, q: q, o: o}
	// Objects are printed (or turned into table rows) a page at a time as
	// they are read, then dropped: memory stays flat on a cluster of any
	// size, unless --sort-by needs them all. JSON and YAML are rendered on
	// every core.
	out := g.printer()
	var rev int64
	var err error
	if o.watchOnly {
		rev, err = store.Revision(ctx)
	} else {
		rev, err = g.list(ctx, store, out)
	}
	if err != nil {
		return err
	}
	if o.watch {
		return g.watch(ctx, store, rev, out)
	}
	return g.report()
}

// list prints what the query selects, sorted by --sort-by, and returns the
// revision it was read at.
func (g *getRun) list(ctx context.Context, store *etcdops.Store, out objectPrinter) (int64, error) {
	if g.o.sortBy != nil {
		// Only the list: a watch prints changes as they come, as kubectl.
		out = &sortingPrinter{inner: out, key: g.o.sortBy}
	}
	n := 0
	rev, err := store.ListPages(ctx, g.q, func(items []etcdops.Item) error {
		kept := g.sift(items)
		n += len(kept)
		return out.add(etcdops.Added, kept)
	})
	if err != nil {
		return rev, err
	}
	if n == 0 && g.o.lines() && !g.o.watch {
		// As kubectl: on stderr, so that a pipe reads nothing.
		fmt.Fprintln(g.std.err, noResources(g.q))
		return rev, nil
	}
	return rev, out.finish()
}

// getRun is one get: what it printed, and what it could not show.
type getRun struct {
	std   streams
	q     etcdops.Query
	o     getOptions
	newer int // objects with fields a newer Kubernetes wrote
	// undecodable are the first values that do not decode, of bad.
	undecodable []etcdops.Item
	bad         int
	// encrypted counts encrypted values a selector could not be matched
	// against (no --encryption-config).
	encrypted int
	// undecrypted counts values the encryption config did not decrypt;
	// undecryptedErr is the first one's reason.
	undecrypted    int
	undecryptedErr error
}

// maxUndecodable is how many undecodable keys a message names.
const maxUndecodable = 3

// printer is where the objects go: a table, names, one object, a List, or
// with --watch a stream of objects.
func (g *getRun) printer() objectPrinter {
	switch o := g.o; {
	case o.output == "table" || o.output == "wide":
		opts := render.TableOptions{AllNamespaces: g.q.AllNamespaces, Wide: o.output == "wide"}
		return newTablePrinter(g.std.out, g.q.Resource, opts, o.watchEvents, g.std.now)
	case o.output == "name":
		return newNamePrinter(g.std.out, o.watchEvents)
	case o.watch:
		return newStreamPrinter(g.std.out, o.output, o.watchEvents, o.showSecrets)
	case len(g.q.Names) == 1:
		return &docPrinter{w: g.std.out, output: o.output, showSecrets: o.showSecrets}
	}
	return newListPrinter(g.std.out, g.o.output == "yaml", g.o.showSecrets)
}

// sift warns about what a page holds that cannot be shown as asked, and
// returns what is shown. A value that does not decode is shown (its row
// says <malformed>) only where it is asked for by its key alone: no label
// or field selector can be evaluated on it, and JSON and YAML have nothing
// to print. Either way it is reported once, at the end (report).
func (g *getRun) sift(items []etcdops.Item) []etcdops.Item {
	kept := items[:0]
	for _, it := range items {
		if len(it.Newer) > 0 {
			if g.newer++; g.newer <= maxNewerWarnings {
				warn(g.std.err, "%s", newerWarning(it.KeyInfo.String(), it.Newer))
			}
		}
		switch {
		case it.DecodeErr != nil:
			if g.bad++; len(g.undecodable) < maxUndecodable {
				g.undecodable = append(g.undecodable, etcdops.Item{Record: etcdops.Record{Key: it.Key}, KeyInfo: it.KeyInfo, DecodeErr: it.DecodeErr})
			}
			if g.q.Filtered() || !g.o.lines() {
				continue
			}
		case it.Encrypted() && it.DecryptErr != nil:
			// The config given does not decrypt it: said at the end, with
			// the reason, and the listing exits 3.
			if g.undecrypted++; g.undecryptedErr == nil {
				g.undecryptedErr = fmt.Errorf("%s: %w", it.KeyInfo, it.DecryptErr)
			}
			if g.q.Filtered() {
				continue
			}
		case it.Encrypted() && g.q.Filtered():
			g.encrypted++
			continue
		}
		kept = append(kept, it)
	}
	return kept
}

// report says, once, what the listing left out or could not read.
func (g *getRun) report() error {
	if g.newer > maxNewerWarnings {
		warn(g.std.err, "and %d more object(s) with fields this lifeboat does not know", g.newer-maxNewerWarnings)
	}
	g.newer = 0
	if g.encrypted > 0 {
		warn(g.std.err, "%d encrypted %s not listed: the selectors cannot be evaluated on them without --encryption-config", g.encrypted, g.q.Resource)
		g.encrypted = 0
	}
	if g.undecrypted > 0 {
		msg := fmt.Sprintf("%d encrypted %s could not be decrypted with --encryption-config (%v): is it the file this cluster's kube-apiserver's --encryption-provider-config names?", g.undecrypted, g.q.Resource, g.undecryptedErr)
		g.undecrypted, g.undecryptedErr = 0, nil
		if g.bad == 0 {
			return &partialError{msg: msg}
		}
		warn(g.std.err, "%s", msg)
	}
	if g.bad == 0 {
		return nil
	}
	err := &partialError{msg: undecodableMessage(g.q, g.undecodable, g.bad)}
	g.undecodable, g.bad = nil, 0
	return err
}

// undecodableMessage names the values that do not decode and what to do.
// Whoever prints it makes it one terminal-safe line (run, warn).
func undecodableMessage(q etcdops.Query, bad []etcdops.Item, total int) string {
	var msg string
	if total == 1 {
		msg = fmt.Sprintf("%v (%s)", bad[0].DecodeErr, bad[0].UndecodableHint())
	} else {
		names := make([]string, len(bad))
		for i, it := range bad {
			names[i] = it.KeyInfo.String()
		}
		if total > len(bad) {
			names = append(names, fmt.Sprintf("and %d more", total-len(bad)))
		}
		msg = fmt.Sprintf("%d values of %s cannot be decoded (%s): kube-apiserver cannot LIST %s while they are there; 'lifeboat doctor' names them all, 'lifeboat quarantine KEY' moves one out of the way",
			total, q.Resource, strings.Join(names, ", "), q.Resource)
	}
	if q.Filtered() {
		msg += "; not listed: a selector cannot be evaluated on a value that does not decode"
	}
	return msg
}

// noResources is kubectl's message for an empty listing.
func noResources(q etcdops.Query) string {
	if ns := queryNamespace(q); ns != "" {
		return fmt.Sprintf("No resources found in %s namespace.", ns)
	}
	return "No resources found"
}
