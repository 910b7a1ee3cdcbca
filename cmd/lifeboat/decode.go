package main

import (
	"context"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"github.com/urfave/cli/v3"
)

func decodeCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:        "decode",
		Usage:       "decode one stored value (stdin, --file, or a key of --snapshot) to YAML, like auger decode",
		ArgsUsage:   "[KEY, with --snapshot]",
		Description: "etcdctl get /registry/pods/shop/cart-0 --print-value-only | lifeboat decode\n   lifeboat decode --file value.bin -o json\n   lifeboat decode --snapshot backup.db /registry/pods/shop/cart-0",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read the value from this file instead of stdin", TakesFile: true},
			outputFlag("yaml", "yaml", "json"), showSecretsFlag(), snapshotFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			var value []byte
			var err error
			source := "stdin"
			if snapshot := cmd.String("snapshot"); snapshot != "" {
				if cmd.Args().Len() != 1 || cmd.IsSet("file") {
					return usagef("decode --snapshot %s takes one key, e.g. /registry/pods/shop/cart-0 (list them with 'lifeboat ls --snapshot %s')", snapshot, snapshot)
				}
				source = cmd.Args().First()
				if value, err = snapshotValue(ctx, cmd, source); err != nil {
					return err // it names the snapshot, or the key not in it
				}
			} else if argsErr := noArgs(cmd); argsErr != nil {
				// Its own name: err above is what every branch reads into.
				return argsErr
			} else if f := cmd.String("file"); f != "" {
				source = f
				value, err = regularfile.Read(f, maxValue)
			} else {
				value, err = regularfile.ReadFrom(std.in, "stdin", maxValue)
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", source, err)
			}
			// etcdctl --print-value-only adds a newline the value does not have.
			if len(value) > 0 && value[len(value)-1] == '\n' && codec.DetectFormat(value) == codec.FormatProtobuf {
				if _, derr := codec.Decode(value); derr != nil {
					value = value[:len(value)-1]
				}
			}
			obj, err := codec.Decode(value)
			if err != nil {
				// The value asked for does not decode: exit 3, as get and
				// ls do (undecodable), with the reason as the note.
				return &partialError{msg: fmt.Sprintf("%s: %v", source, err)}
			}
			if newer := codec.NewerFields(value, obj); len(newer) > 0 {
				warn(std.err, "%s", newerWarning(source, newer))
			}
			m, err := obj.Render(codec.RenderOptions{ShowSecrets: cmd.Bool("show-secrets")})
			if err != nil {
				return fmt.Errorf("%s: %w", source, err)
			}
			return printDoc(std.out, cmd.String("output"), m)
		},
	}
}

// snapshotValue reads one key's value from --snapshot.
func snapshotValue(ctx context.Context, cmd *cli.Command, key string) ([]byte, error) {
	store, err := openStore(ctx, cmd)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	rec, found, err := store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, usagef("no key %s in snapshot %s (list keys with 'lifeboat ls --snapshot %s')", key, cmd.String("snapshot"), cmd.String("snapshot"))
	}
	return rec.Value, nil
}
