package main

// Shell completion: urfave/cli's `completion` command prints the script
// (bash, zsh, fish, pwsh); the script runs lifeboat with
// --generate-shell-completion to ask for the words that may come next.
// Resource and object names come from etcd, read with the connection flags
// already typed: completion must never hang a shell or print an error in
// it, so it gives up quietly after completionTimeout.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"github.com/urfave/cli/v3"
)

const completionTimeout = 2 * time.Second

// configureCompletion lists the completion command in --help.
func configureCompletion(cmd *cli.Command) {
	cmd.Hidden = false
	cmd.Usage = "print the shell completion script: source <(lifeboat completion bash)"
}

// completeObjects completes "<resource> [NAME...]": resource names, then
// the names of that resource's objects (in -n's namespace, or every one
// with -A), and namespaces after -n.
func completeObjects(std streams) cli.ShellCompleteFunc {
	return func(ctx context.Context, cmd *cli.Command) {
		args := cmd.Args().Slice()
		if len(args) > 0 && completeFlag(ctx, cmd, args[len(args)-1]) {
			return
		}
		if len(args) == 0 {
			printCompletions(cmd, resourceNames(ctx, cmd))
			return
		}
		res, err := etcdops.ResolveResource(args[0])
		if err != nil || res.Custom {
			withStore(ctx, cmd, func(ctx context.Context, store *etcdops.Store) {
				res, err = store.ResolveResource(ctx, args[0])
			})
		}
		if err == nil {
			printCompletions(cmd, objectNames(ctx, cmd, res, args[1:]))
		}
	}
}

// completeNamesOf completes the names of one resource's objects, for
// commands that take names only (pods undelete, nodes untaint).
func completeNamesOf(resource string) cli.ShellCompleteFunc {
	res := etcdops.MustResolveResource(resource)
	return func(ctx context.Context, cmd *cli.Command) {
		args := cmd.Args().Slice()
		if len(args) > 0 && completeFlag(ctx, cmd, args[len(args)-1]) {
			return
		}
		printCompletions(cmd, objectNames(ctx, cmd, res, args))
	}
}

// completeFlag completes a flag being typed, or the namespace after -n;
// false when last is no flag.
func completeFlag(ctx context.Context, cmd *cli.Command, last string) bool {
	switch {
	case last == "-n" || last == "--namespace":
		printCompletions(cmd, objectNames(ctx, cmd, etcdops.MustResolveResource("namespaces"), nil))
	case strings.HasPrefix(last, "-"):
		cli.DefaultCompleteWithFlags(ctx, cmd)
	default:
		return false
	}
	return true
}

// resourceNames are the built-in resources' names, then those of the
// custom resources etcd's CRDs declare.
func resourceNames(ctx context.Context, cmd *cli.Command) []string {
	list := etcdops.Builtins()
	withStore(ctx, cmd, func(ctx context.Context, store *etcdops.Store) {
		if all, err := store.Resources(ctx); err == nil {
			list = all
		}
	})
	var names []string
	for _, r := range list {
		names = append(names, r.String())
	}
	return names
}

// objectNames are the names of res's objects the flags select, but those
// already typed.
func objectNames(ctx context.Context, cmd *cli.Command, res etcdops.Resource, typed []string) []string {
	var names []string
	withStore(ctx, cmd, func(ctx context.Context, store *etcdops.Store) {
		q := etcdops.Query{Resource: res, Namespace: cmd.String("namespace"), AllNamespaces: cmd.Bool("all-namespaces")}
		names, _ = store.Names(ctx, q)
	})
	return slices.DeleteFunc(names, func(n string) bool { return slices.Contains(typed, n) })
}

// withStore calls fn with the store the flags name, for at most
// completionTimeout; not at all when it cannot be opened.
func withStore(ctx context.Context, cmd *cli.Command, fn func(context.Context, *etcdops.Store)) {
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	store, err := openStore(ctx, cmd)
	if err != nil {
		return
	}
	defer store.Close()
	fn(ctx, store)
}

// printCompletions prints one word a line. Names come from etcd: they are
// escaped, so none can drive the terminal or end a line early.
func printCompletions(cmd *cli.Command, words []string) {
	for _, w := range words {
		fmt.Fprintln(cmd.Root().Writer, render.Safe(w))
	}
}
