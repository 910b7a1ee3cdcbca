package main

import (
	"context"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

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

// openStore connects to etcd, or opens --snapshot read-only where the
// command takes it.
func openStore(ctx context.Context, cmd *cli.Command) (*etcdops.Store, error) {
	return storeFrom(cmd).open(ctx)
}

// storeSource is what a command reads and writes: a live etcd, or a
// snapshot file, read-only. Every store the commands use opens through
// its open, the flags' (storeFrom) or one a command makes (the demo's
// etcd, restore's --from-snapshot).
type storeSource struct {
	// snapshot is a snapshot file to open instead of etcd, under prefix;
	// encryptionConfig, when set, decrypts what it holds.
	snapshot, prefix, encryptionConfig string
	// etcd is the connection when snapshot is "".
	etcd etcdops.Config
}

// storeFrom is the source the connection flags (and --snapshot, where the
// command takes it) name.
func storeFrom(cmd *cli.Command) storeSource {
	return storeSource{
		snapshot:         cmd.String("snapshot"),
		prefix:           cmd.Root().String("prefix"),
		encryptionConfig: cmd.Root().String("encryption-config"),
		etcd:             storeConfig(cmd),
	}
}

func (s storeSource) open(ctx context.Context) (*etcdops.Store, error) {
	if s.snapshot == "" {
		return etcdops.Open(ctx, s.etcd)
	}
	store, err := etcdops.OpenSnapshot(ctx, s.snapshot, s.prefix)
	if err != nil {
		return nil, err
	}
	if s.encryptionConfig != "" {
		crypt, err := etcdops.LoadEncryption(ctx, s.encryptionConfig)
		if err != nil {
			store.Close()
			return nil, err
		}
		store.UseEncryption(crypt)
	}
	return store, nil
}

// storeAction is the Action of a command that takes no arguments: fn runs
// on the store the connection flags open.
func storeAction(fn func(context.Context, *cli.Command, *etcdops.Store) error) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if err := noArgs(cmd); err != nil {
			return err
		}
		store, err := openStore(ctx, cmd)
		if err != nil {
			return err
		}
		defer store.Close()
		return fn(ctx, cmd, store)
	}
}
