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

func describeCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "describe",
		Usage:     "show objects as kubectl describe does, with their events (decoded from etcd)",
		ArgsUsage: "<resource> NAME... | <resource>/NAME",
		Description: "lifeboat describe pods frontend-7d9f-x2x9z -n shop\n" +
			"   lifeboat describe node worker-1\n" +
			"   lifeboat describe secret payments-api-db -n payments   (key names and sizes, never the values)\n" +
			"   lifeboat describe validatingwebhookconfigurations gatekeeper\n" +
			"   lifeboat describe pod/web-0 -n shop --snapshot backup.db\n" +
			"kubectl's sections, and what an outage needs besides: the key, a pod's node (Ready, kubelet lease),\n" +
			"when the taint manager evicts it and the taints of its node, the ConfigMaps, Secrets and claims it\n" +
			"uses that etcd does not hold, each webhook's service. Events are those still in etcd: kube-apiserver\n" +
			"lets them expire after --event-ttl (1h by default).",
		Flags:         []cli.Flag{namespaceFlag(), snapshotFlag()},
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			infos, err := describeTargets(ctx, cmd)
			if err != nil {
				return err
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			var errs []error
			described := 0
			for _, info := range infos {
				d, err := store.Describe(ctx, info, std.now())
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if described > 0 {
					fmt.Fprintln(std.out) // kubectl separates objects by a blank line
				}
				described++
				if _, err := fmt.Fprint(std.out, render.Describe(d, std.now(), std.outTTY)); err != nil {
					return err
				}
				if it := d.Item; it.DecodeErr != nil {
					// As get: a value that does not decode ends the command
					// with exit 3, saying what it breaks.
					errs = append(errs, &partialError{msg: fmt.Sprintf("%v (%s)", it.DecodeErr, it.UndecodableHint())})
				}
			}
			return errors.Join(errs...)
		},
	}
}

// describeTargets reads "<resource> NAME..." or "<resource>/NAME" (as
// kubectl takes them) and -n: the objects to describe.
func describeTargets(ctx context.Context, cmd *cli.Command) ([]etcdops.KeyInfo, error) {
	const example = "lifeboat describe pods NAME -n NAMESPACE"
	args := cmd.Args().Slice()
	if len(args) == 0 {
		return nil, usagef("describe needs a resource and a name, e.g. '%s'", example)
	}
	arg, names := args[0], args[1:]
	if r, name, ok := strings.Cut(arg, "/"); ok {
		if len(names) > 0 {
			return nil, usagef("describe takes '<resource>/NAME' or '<resource> NAME...', not both (%q, then %q)", arg, names)
		}
		arg, names = r, []string{name}
	}
	res, err := resolveResource(ctx, cmd, arg)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, usagef("describe needs the name of the %s to describe, e.g. 'lifeboat describe %s NAME%s' (list them with 'lifeboat get %s')",
			res.Singular, res, nsHint(res), res)
	}
	q, err := query(cmd, res, names)
	if err != nil {
		return nil, err
	}
	infos := make([]etcdops.KeyInfo, len(names))
	for i, name := range names {
		infos[i] = etcdops.KeyInfo{Resource: res, Name: name}
		if res.Namespaced {
			infos[i].Namespace = namespaceOf(q)
		}
	}
	return infos, nil
}

func nsHint(res etcdops.Resource) string {
	if res.Namespaced {
		return " -n NAMESPACE"
	}
	return ""
}
