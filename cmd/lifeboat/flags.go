package main

import (
	"errors"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"github.com/lifeboat-k8s/lifeboat/journal"
	"github.com/urfave/cli/v3"
)

// maxFilename bounds a file given with -f (manifests, plans, patches): a
// backup of many objects fits, and a device or an endless stdin is
// refused rather than read until memory runs out.
const maxFilename = 64 << 20

// readFilename reads the file -f names, or stdin for "-"; what says what
// the file is, for the one-line error. Only a regular file is opened (a
// named pipe would block, a device never end), and neither is read past
// maxFilename.
func readFilename(std streams, cmd *cli.Command, what string) (string, []byte, error) {
	name := cmd.String("filename")
	var data []byte
	var err error
	if name == "-" {
		data, err = regularfile.ReadFrom(std.in, "standard input", maxFilename)
	} else {
		data, err = regularfile.Read(name, maxFilename)
	}
	if err != nil {
		return name, nil, usagef("%s %s: %v", what, name, err)
	}
	return name, data, nil
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
		&cli.StringFlag{Name: "journal-dir", Usage: "directory of the journals of writes (default $XDG_STATE_HOME/lifeboat/journals or ~/.local/state/lifeboat/journals)", Sources: cli.EnvVars(journal.DirEnv), TakesFile: true},
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

// journalDir is --journal-dir, or the per-user default.
func journalDir(cmd *cli.Command) string {
	if dir := cmd.Root().String("journal-dir"); dir != "" {
		return dir
	}
	return journal.DefaultDir()
}
