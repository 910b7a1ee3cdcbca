package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
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
