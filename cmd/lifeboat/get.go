package main

import (
	"context"
	"errors"
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
		ArgsUsage: "<resource>[,<resource>...] [NAME...] | <resource>/NAME...",
		Description: "lifeboat get pods -A\n   lifeboat get pods -A -o wide --sort-by .metadata.creationTimestamp\n" +
			"   lifeboat get pods -A --field-selector status.phase=Running,spec.nodeName=worker-1\n" +
			"   lifeboat get pods -n shop -w\n   lifeboat get nodes -o yaml\n   lifeboat get secrets -n payments --show-secrets\n" +
			"   lifeboat get all -n shop                  # pods, services, deployments, ... a table each\n" +
			"   lifeboat get pods,services -n shop\n   lifeboat get pod/web-1 node/worker-1\n" +
			"   lifeboat get pods -A -L app --show-labels --no-headers\n" +
			"   lifeboat get pods -A -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName\n" +
			"   lifeboat get nodes -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.taints}{\"\\n\"}{end}'\n" +
			"   lifeboat get pod cart-0 -n shop -o go-template='{{.spec.nodeName}}'\n" +
			"   lifeboat get crontabs.stable.example.com -A -o json | jq .items[].metadata.name",
		Flags: []cli.Flag{namespaceFlag(), allNamespacesFlag(), selectorFlag(), fieldSelectorFlag(),
			getOutputFlag(), showSecretsFlag(), snapshotFlag(),
			&cli.StringFlag{Name: "node", Usage: "pods bound to this node (as --field-selector spec.nodeName=NODE)"},
			&cli.StringFlag{Name: "sort-by", Usage: "sort by this field, a JSONPath as kubectl takes it: .metadata.creationTimestamp, '{.status.phase}'"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "after the list, print each change etcd's watch delivers, until Ctrl-C"},
			&cli.BoolFlag{Name: "watch-only", Usage: "watch without printing the list first"},
			&cli.BoolFlag{Name: "output-watch-events", Usage: "with --watch: print what happened to each object (ADDED, MODIFIED, DELETED)"},
			&cli.BoolFlag{Name: "no-headers", Usage: "print no heading line (tables, -o wide, -o custom-columns)"},
			&cli.BoolFlag{Name: "show-labels", Usage: "add a LABELS column, last: every label as key=value"},
			&cli.StringSliceFlag{Name: "label-columns", Aliases: []string{"L"}, Usage: "add a column per label key, comma separated or repeated (-L app -L tier); headed by the key's last path segment"},
			&cli.BoolFlag{Name: "show-kind", Usage: "write NAME as KIND/NAME, as when several resources are shown"},
			&cli.BoolFlag{Name: "show-managed-fields", Usage: "keep metadata.managedFields in -o yaml and -o json (hidden by default, as by kubectl)"},
			&cli.StringFlag{Name: "template", Usage: "the template of -o jsonpath, go-template or custom-columns given without =TEMPLATE; alone, a Go template"},
			&cli.BoolFlag{Name: "allow-missing-template-keys", Value: true, Usage: "a template's missing field prints nothing (default); =false makes it fail (-o jsonpath, go-template)"},
		},
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			o, err := getOptionsOf(cmd)
			if err != nil {
				return err
			}
			args, single, err := parseGetArgs(cmd)
			if err != nil {
				return err
			}
			targets, store, err := resolveGetTargets(ctx, cmd, args, single)
			if err == nil && store == nil {
				store, err = openStore(ctx, cmd)
			}
			if store != nil {
				defer store.Close()
			}
			if err != nil {
				return err
			}
			if o.watch && len(targets.queries) > 1 {
				return usagef("--watch follows one resource, and %s names %d: watch each in a command of its own, as with kubectl", strings.Join(cmd.Args().Slice(), " "), len(targets.queries))
			}
			return runGet(ctx, std, store, targets, o)
		},
	}
}

// getOptions are how get prints what it reads.
type getOptions struct {
	output string          // table, wide, name, json, yaml, jsonpath, go-template or custom-columns
	tmpl   *outputTemplate // of jsonpath, go-template and custom-columns
	show   showing
	sortBy *sortKey // nil: key order
	// Table columns: kubectl's --no-headers, --show-labels and -L.
	noHeaders    bool
	showLabels   bool
	labelColumns []string
	watch        bool
	watchOnly    bool
	watchEvents  bool
}

func getOptionsOf(cmd *cli.Command) (getOptions, error) {
	o := getOptions{
		show:         showing{secrets: cmd.Bool("show-secrets"), managedFields: cmd.Bool("show-managed-fields")},
		noHeaders:    cmd.Bool("no-headers"),
		showLabels:   cmd.Bool("show-labels"),
		labelColumns: labelColumns(cmd.StringSlice("label-columns")),
		watch:        cmd.Bool("watch") || cmd.Bool("watch-only"),
		watchOnly:    cmd.Bool("watch-only"),
		watchEvents:  cmd.Bool("output-watch-events"),
	}
	var err error
	if o.output, o.tmpl, err = parseOutput(cmd); err != nil {
		return o, err
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
	case o.showLabels && !o.table():
		// As kubectl: -o json and yaml show the labels already; a name
		// or a template has no column to add.
		return o, usagef("--show-labels adds a column to a table: it does not go with -o %s", o.output)
	}
	return o, nil
}

// labelColumns are -L's keys: repeated, comma separated, or both.
func labelColumns(values []string) []string {
	var keys []string
	for _, v := range values {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// table says whether get prints kubectl's table (plain or wide).
func (o getOptions) table() bool {
	return o.output == "table" || o.output == "wide"
}

// lines says whether the output has a line for every object, even one
// that does not decode: a table or names, not JSON, YAML or a template.
func (o getOptions) lines() bool {
	return o.table() || o.output == "name"
}

func runGet(ctx context.Context, std streams, store *etcdops.Store, t getTargets, o getOptions) error {
	g := &getRun{std: std, o: o, targets: t}
	if !o.watch {
		return g.listAll(ctx, store)
	}
	// A watch follows one resource (the command checked).
	g.q = t.queries[0]
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
	return g.watch(ctx, store, rev, out)
}

// listAll prints what every target selects. Objects are printed (or
// turned into table rows) a page at a time as they are read, then
// dropped: memory stays flat on a cluster of any size, unless --sort-by
// or a JSONPath or Go template (which runs on the whole List, as
// kubectl's) needs them all. JSON and YAML are rendered on every core.
//
// Each resource has a table of its own, a blank line apart, as kubectl
// prints several; any other output is one document over them all: one
// List, one run of a template, one list of names. A named object that is
// not there is said at the end, after what was found, as kubectl does.
func (g *getRun) listAll(ctx context.Context, store *etcdops.Store) error {
	var shared objectPrinter
	if !g.o.table() {
		shared = g.sorted(g.printer())
	}
	var missing []error
	var partial []string
	shown, tables := 0, 0
	for _, q := range g.targets.queries {
		g.q = q
		out := shared
		if out == nil {
			out = g.sorted(g.printer())
		}
		n, _, err := g.read(ctx, store, out)
		var notFound *etcdops.NotFoundError
		switch {
		case errors.As(err, &notFound) && len(g.targets.queries) > 1:
			missing = append(missing, err)
		case err != nil:
			return err
		case shared == nil && n > 0:
			if tables > 0 && !g.o.noHeaders {
				fmt.Fprintln(g.std.out)
			}
			tables++
			if err := out.finish(); err != nil {
				return err
			}
		}
		shown += n
		if err := g.report(); err != nil {
			partial = append(partial, err.Error())
		}
	}
	switch {
	case shown == 0 && g.o.lines():
		if len(missing) == 0 {
			// As kubectl: on stderr, so that a pipe reads nothing.
			fmt.Fprintln(g.std.err, noResources(g.targets.queries))
		}
	case shared != nil:
		if err := shared.finish(); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return errors.Join(missing...)
	}
	if len(partial) > 0 {
		return &partialError{msg: strings.Join(partial, "; ")}
	}
	return nil
}

// sorted is out sorted by --sort-by, if given.
func (g *getRun) sorted(out objectPrinter) objectPrinter {
	if g.o.sortBy == nil {
		return out
	}
	return &sortingPrinter{inner: out, key: g.o.sortBy}
}

// read passes what the query selects to out, and returns how many
// objects it passed and the revision it read at.
func (g *getRun) read(ctx context.Context, store *etcdops.Store, out objectPrinter) (int, int64, error) {
	n := 0
	q := g.q
	q.Needs = out.needs()
	rev, err := store.ListPages(ctx, q, func(items []etcdops.Item) error {
		kept := g.sift(items)
		n += len(kept)
		return out.add(etcdops.Added, kept)
	})
	return n, rev, err
}

// list prints what the query selects before a watch, sorted by
// --sort-by (only the list: a watch prints changes as they come, as
// kubectl), and returns the revision it was read at.
func (g *getRun) list(ctx context.Context, store *etcdops.Store, out objectPrinter) (int64, error) {
	out = g.sorted(out)
	_, rev, err := g.read(ctx, store, out)
	if err != nil {
		return rev, err
	}
	return rev, out.finish()
}

// getRun is one get: what it printed, and what it could not show.
type getRun struct {
	std     streams
	o       getOptions
	targets getTargets
	q       etcdops.Query // the target being read
	newer   int           // objects with fields a newer Kubernetes wrote
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

// printer is where the objects go: a table (of g.q's resource), names,
// one object, a List, a template, or with --watch a stream of objects.
func (g *getRun) printer() objectPrinter {
	o, t := g.o, g.targets
	switch {
	case o.table():
		opts := render.TableOptions{AllNamespaces: g.q.AllNamespaces, Wide: o.output == "wide",
			WithKind: t.kinds, LabelColumns: o.labelColumns, ShowLabels: o.showLabels}
		return newTablePrinter(g.std.out, g.q.Resource, opts, o.watchEvents, !o.noHeaders, g.std.now)
	case o.output == "name":
		return newNamePrinter(g.std.out, o.watchEvents)
	case o.output == "custom-columns":
		return newColumnsPrinter(g.std.out, o.tmpl.columns, !o.noHeaders, o.watchEvents, o.show.secrets)
	case o.tmpl != nil:
		return &templatePrinter{w: g.std.out, t: o.tmpl, single: t.single, stream: o.watch, events: o.watchEvents, showSecrets: o.show.secrets}
	case o.watch:
		return newStreamPrinter(g.std.out, o.output, o.watchEvents, o.show)
	case t.single:
		return &docPrinter{w: g.std.out, output: o.output, show: o.show}
	}
	return newListPrinter(g.std.out, o.output == "yaml", o.show)
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

// noResources is kubectl's message for an empty listing: it names the
// namespace when every resource read is in it.
func noResources(qs []etcdops.Query) string {
	ns := queryNamespace(qs[0])
	for _, q := range qs[1:] {
		if queryNamespace(q) != ns {
			ns = ""
		}
	}
	if ns != "" {
		return fmt.Sprintf("No resources found in %s namespace.", ns)
	}
	return "No resources found"
}
