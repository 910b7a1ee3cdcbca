package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"github.com/lifeboat-k8s/lifeboat/internal/suggest"
	"github.com/urfave/cli/v3"
)

// newApp builds the command tree. Connection flags are persistent, so they
// work before or after the command name, as with kubectl; names and flags
// may be mixed freely (urfave/cli v3 parses flags after arguments).
func newApp(std streams) *cli.Command {
	root := &cli.Command{
		Name:  "lifeboat",
		Usage: "read and repair Kubernetes objects straight in etcd when the control plane is down",
		Description: "Every write is previewed as a diff, journaled (before-image, fsynced) and made with the\n" +
			"apiserver's own compare-and-swap, so a running kube-apiserver sees it and `lifeboat undo` reverts it.",
		Reader:                          std.in,
		Writer:                          std.out,
		ErrWriter:                       std.err,
		HideHelpCommand:                 true,
		EnableShellCompletion:           true,
		ConfigureShellCompletionCommand: configureCompletion,
		Version:                         readBuildVersion().String(),
		// Typos get a "did you mean": commands and flags by urfave/cli's
		// own suggestions (unknownCommand, flagSuggestion).
		Suggest: true,
		// Errors are printed and mapped to exit codes by run, once.
		ExitErrHandler:  func(context.Context, *cli.Command, error) {},
		CommandNotFound: func(_ context.Context, cmd *cli.Command, name string) {},
		Flags:           connectionFlags(),
		Commands: []*cli.Command{
			getCommand(std),
			describeCommand(std),
			lsCommand(std),
			decodeCommand(std),
			podsCommand(std),
			nodesCommand(std),
			finalizersCommand(std),
			webhooksCommand(std),
			deleteCommand(std),
			createCommand(std),
			editCommand(std),
			applyCommand(std),
			undoCommand(std),
			journalCommand(std),
			doctorCommand(std),
			quarantineCommand(std),
			historyCommand(std),
			restoreCommand(std),
			demoCommand(std),
			tuiCommand(std),
			versionCommand(std),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() {
				return unknownCommand(cmd)
			}
			if interactive(std) {
				return openTUI(ctx, std, cmd, "pods")
			}
			return cli.ShowAppHelp(cmd)
		},
	}
	onUsageError(root)
	return root
}

// onUsageError makes a bad flag anywhere one line and exit 2, instead of
// urfave/cli's full help page: the error must be readable at 3 a.m. The
// handler is per command in urfave/cli v3, so every command gets it.
func onUsageError(cmd *cli.Command) {
	cmd.OnUsageError = func(_ context.Context, c *cli.Command, err error, _ bool) error {
		// "pods undelet -A": the misspelt command is the mistake, not a
		// flag it would have taken.
		if len(c.Commands) > 0 && c.Args().Present() && c.Command(c.Args().First()) == nil {
			return unknownCommand(c)
		}
		return usagef("%v%s (see '%s --help')", err, flagSuggestion(c, err), c.FullName())
	}
	// Command groups (pods, nodes, finalizers) would otherwise fall back
	// to urfave/cli's help action and exit 1 on an unknown subcommand.
	if len(cmd.Commands) > 0 && cmd.Action == nil {
		cmd.Action = func(_ context.Context, c *cli.Command) error {
			if c.Args().Present() {
				return unknownCommand(c)
			}
			return cli.ShowSubcommandHelp(c)
		}
	}
	for _, sub := range cmd.Commands {
		onUsageError(sub)
	}
}

// unknownCommand is the error for a command name c does not have, with
// the one urfave/cli suggests when it is a small typo away.
func unknownCommand(c *cli.Command) error {
	name := c.Args().First()
	hint := ""
	if near := cli.SuggestCommand(c.Commands, name); near != "" && near != "help" && near != "h" && suggest.Near(name, near) {
		hint = fmt.Sprintf(": did you mean '%s %s'?", c.FullName(), near)
	}
	return usagef("unknown command %q%s (run '%s --help' for the list)", name, hint, c.FullName())
}

// flagSuggestion is ": did you mean --x?" for an unknown flag that urfave/cli
// finds a small typo away from one of c's flags (its own and the global
// ones), else "".
func flagSuggestion(c *cli.Command, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok || !c.Suggest && !c.Root().Suggest {
		return ""
	}
	near := cli.SuggestFlag(append(c.VisibleFlags(), c.Root().VisibleFlags()...), name, true)
	if near == "" || !suggest.Near(name, strings.TrimLeft(near, "-")) {
		return ""
	}
	return fmt.Sprintf(": did you mean %s?", near)
}

// connectionFlags mirror etcdctl's flags and ETCDCTL_* variables, so an SRE
// can reuse what already works with etcdctl on the control-plane node.
func connectionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "endpoints", Value: []string{"127.0.0.1:2379"}, Usage: "etcd endpoints, comma separated", Sources: cli.EnvVars("ETCDCTL_ENDPOINTS")},
		&cli.StringFlag{Name: "cacert", Usage: "verify etcd's certificate with this CA bundle", Sources: cli.EnvVars("ETCDCTL_CACERT"), TakesFile: true, Validator: aFile},
		&cli.StringFlag{Name: "cert", Usage: "client certificate for etcd", Sources: cli.EnvVars("ETCDCTL_CERT"), TakesFile: true, Validator: aFile},
		&cli.StringFlag{Name: "key", Usage: "client key for etcd (for 'nodes untaint' give it before the command, or in ETCDCTL_KEY)", Sources: cli.EnvVars("ETCDCTL_KEY"), TakesFile: true, Validator: aFile},
		&cli.StringFlag{Name: "user", Usage: "etcd user, name or name:password", Sources: cli.EnvVars("ETCDCTL_USER")},
		&cli.StringFlag{Name: "password", Usage: "etcd password", Sources: cli.EnvVars("ETCDCTL_PASSWORD")},
		&cli.DurationFlag{Name: "dial-timeout", Value: etcdops.DefaultDialTimeout, Usage: "give up on an unreachable etcd after this long", Sources: cli.EnvVars("ETCDCTL_DIAL_TIMEOUT")},
		&cli.StringFlag{Name: "prefix", Value: etcdops.DefaultPrefix, Usage: "kube-apiserver's --etcd-prefix (OpenShift: /kubernetes.io)", Sources: cli.EnvVars("LIFEBOAT_PREFIX")},
		&cli.StringFlag{Name: "encryption-config", Usage: "kube-apiserver's --encryption-provider-config file: decrypt what it encrypted at rest, and encrypt writes as it would", Sources: cli.EnvVars("LIFEBOAT_ENCRYPTION_CONFIG"), TakesFile: true, Validator: aFile},
		&cli.BoolFlag{Name: "readonly", Usage: "refuse every write", Sources: cli.EnvVars("LIFEBOAT_READONLY")},
		&cli.DurationFlag{Name: "command-timeout", Value: etcdops.DefaultCommandTimeout, Usage: "give up on each etcd request (a scan page, a write) after this long", Sources: cli.EnvVars("ETCDCTL_COMMAND_TIMEOUT")},
		&cli.StringFlag{Name: "journal-dir", Usage: "directory of the journals of writes (default $XDG_STATE_HOME/lifeboat/journals or ~/.local/state/lifeboat/journals)", Sources: cli.EnvVars(etcdops.JournalDirEnv), TakesFile: true},
		&cli.StringFlag{Name: "journal", Usage: "journal file for this run's writes: a new file (default <journal-dir>/<UTC time>-<command>.jsonl)", Sources: cli.EnvVars("LIFEBOAT_JOURNAL"), TakesFile: true},
	}
}

// aFile refuses path if it is not a regular file, without blocking: a
// named pipe would block the library that opens it (etcd's TLS loading,
// kube-apiserver's encryption config) until a writer comes, and a device
// would never end. A path that does not exist passes: where it is read,
// the error says what it was for.
func aFile(path string) error {
	f, err := regularfile.Open(path)
	if err == nil {
		return f.Close()
	}
	if errors.Is(err, regularfile.ErrNotRegular) {
		return err
	}
	return nil
}

// storeConfig reads the connection flags. They are read from the root so a
// subcommand's own flag of the same name (nodes untaint --key) cannot shadow
// the TLS key given before the command.
func storeConfig(cmd *cli.Command) etcdops.Config {
	root := cmd.Root()
	var endpoints []string
	for _, e := range root.StringSlice("endpoints") {
		for _, part := range strings.Split(e, ",") {
			if part = strings.TrimSpace(part); part != "" {
				endpoints = append(endpoints, part)
			}
		}
	}
	return etcdops.Config{
		Endpoints:      endpoints,
		CACert:         root.String("cacert"),
		Cert:           root.String("cert"),
		Key:            root.String("key"),
		User:           root.String("user"),
		Password:       root.String("password"),
		DialTimeout:    root.Duration("dial-timeout"),
		CommandTimeout: root.Duration("command-timeout"),
		Prefix:         root.String("prefix"),
		ReadOnly:       root.Bool("readonly"),
		// An encryption config given as a relative path is read from the
		// current directory, as kube-apiserver reads it.
		EncryptionConfig: root.String("encryption-config"),
	}
}

// journalDir is --journal-dir, or the per-user default.
func journalDir(cmd *cli.Command) string {
	if dir := cmd.Root().String("journal-dir"); dir != "" {
		return dir
	}
	return etcdops.DefaultJournalDir()
}

// openStore connects to etcd, or opens --snapshot read-only where the
// command takes it.
func openStore(ctx context.Context, cmd *cli.Command) (*etcdops.Store, error) {
	if path := cmd.String("snapshot"); path != "" {
		store, err := etcdops.OpenSnapshot(ctx, path, cmd.Root().String("prefix"))
		if err != nil {
			return nil, err
		}
		if f := cmd.Root().String("encryption-config"); f != "" {
			crypt, err := etcdops.LoadEncryption(ctx, f)
			if err != nil {
				store.Close()
				return nil, err
			}
			store.UseEncryption(crypt)
		}
		return store, nil
	}
	return etcdops.Open(ctx, storeConfig(cmd))
}

// Flags shared by several commands.
var (
	namespaceFlag = func() cli.Flag {
		return &cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "namespace (default \"default\")"}
	}
	allNamespacesFlag = func() cli.Flag {
		return &cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}, Usage: "every namespace"}
	}
	selectorFlag = func() cli.Flag {
		return &cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Usage: "label selector, e.g. app=web,tier!=db"}
	}
	fieldSelectorFlag = func() cli.Flag {
		return &cli.StringFlag{Name: "field-selector", Usage: "field selector, as kube-apiserver evaluates it, e.g. status.phase=Running,spec.nodeName=worker-1 (metadata.name, metadata.namespace; pods: spec.nodeName, status.phase, ...)"}
	}
	outputFlag = func(def string, allowed ...string) cli.Flag {
		return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: def, Usage: strings.Join(allowed, "|"),
			Validator: func(v string) error {
				for _, a := range allowed {
					if v == a {
						return nil
					}
				}
				return usagef("bad --output %q: use one of %s", v, strings.Join(allowed, ", "))
			}}
	}
	snapshotFlag = func() cli.Flag {
		return &cli.StringFlag{Name: "snapshot", Usage: "read this etcd snapshot ('etcdctl snapshot save') or member's member/snap/db file, offline and read-only, instead of a live etcd", TakesFile: true}
	}
	showSecretsFlag = func() cli.Flag {
		return &cli.BoolFlag{Name: "show-secrets", Usage: "show Secret data instead of redacting it"}
	}
)

// writeFlags are common to every command that writes.
func writeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "dry-run", Usage: "show the diffs and write nothing"},
		&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "write without asking (needed when there is no terminal)"},
		outputFlag("text", "text", "json"),
		showSecretsFlag(),
		&cli.BoolFlag{Name: "show-all", Usage: "in a preview of many objects, list every name of each group"},
	}
}

// query builds the selection every read and repair command shares.
func query(cmd *cli.Command, res etcdops.Resource, names []string) (etcdops.Query, error) {
	sel, err := etcdops.ParseSelector(cmd.String("selector"))
	if err != nil {
		return etcdops.Query{}, err
	}
	q := etcdops.Query{
		Resource:      res,
		Namespace:     cmd.String("namespace"),
		AllNamespaces: cmd.Bool("all-namespaces"),
		Names:         names,
		Selector:      sel,
	}
	if cmd.IsSet("node") {
		q.Node = cmd.String("node")
	}
	if q.Fields, err = etcdops.ParseFieldSelector(res, cmd.String("field-selector")); err != nil {
		return etcdops.Query{}, err
	}
	return q, q.Validate()
}

// resourceQuery reads "<resource> [NAME...]" from the arguments. A name
// lifeboat does not know, or a custom resource, is looked up in the CRDs
// stored in etcd (their names, scope, kind and storage version); a
// built-in needs no connection.
func resourceQuery(ctx context.Context, cmd *cli.Command, example string) (etcdops.Query, error) {
	if !cmd.Args().Present() {
		return etcdops.Query{}, usagef("%s needs a resource, e.g. '%s'", cmd.FullName(), example)
	}
	res, err := resolveResource(ctx, cmd, cmd.Args().First())
	if err != nil {
		return etcdops.Query{}, err
	}
	return query(cmd, res, cmd.Args().Tail())
}

// resolveResource is the resource a user's name means. A name lifeboat does
// not know may be a custom resource's: its CRD in etcd says; a built-in
// needs no connection.
func resolveResource(ctx context.Context, cmd *cli.Command, arg string) (etcdops.Resource, error) {
	res, err := etcdops.ResolveResource(arg)
	if err != nil || res.Custom {
		if store, serr := openStore(ctx, cmd); serr == nil {
			res, err = store.ResolveResource(ctx, arg)
			store.Close()
		}
	}
	return res, err
}

// queryNamespace is the one namespace q reads, as kubectl names it in its
// messages: "" for every namespace or a cluster-scoped resource.
func queryNamespace(q etcdops.Query) string {
	switch {
	case !q.Resource.Namespaced || q.AllNamespaces:
		return ""
	case q.Namespace == "":
		return "default"
	}
	return q.Namespace
}

func noArgs(cmd *cli.Command) error {
	if cmd.Args().Present() {
		return usagef("%s takes no arguments, got %q", cmd.FullName(), cmd.Args().Slice())
	}
	return nil
}
