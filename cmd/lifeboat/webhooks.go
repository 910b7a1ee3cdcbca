package main

import (
	"context"
	"slices"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
)

func webhooksCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:  "webhooks",
		Usage: "repair admission webhook configurations",
		Commands: []*cli.Command{{
			Name:      "disable",
			Usage:     "set failurePolicy Ignore on every webhook of a validating or mutating webhook configuration",
			ArgsUsage: "NAME...",
			Description: "A webhook whose service is down refuses every request it matches while its failurePolicy\n" +
				"is Fail (v1's default): one that matches what a recovering cluster writes (pods, nodes, leases)\n" +
				"stalls the recovery. With Ignore, kube-apiserver admits what it cannot have the webhook judge.\n" +
				"Each NAME is looked up among the ValidatingWebhookConfigurations and MutatingWebhookConfigurations;\n" +
				"a name both have needs --kind. Only the failurePolicy bytes of each webhook change; 'lifeboat undo\n" +
				"JOURNAL' puts the configuration back as it was. --delete removes the configurations instead (undo\n" +
				"re-creates them).\n\n" +
				"   lifeboat webhooks disable gatekeeper-validating-webhook-configuration --dry-run\n" +
				"   lifeboat webhooks disable istio-sidecar-injector --kind mutating --yes\n" +
				"   lifeboat webhooks disable broken-webhook --delete",
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "kind", Usage: "validating or mutating: which configuration NAME is, when both have one of that name",
					Validator: func(v string) error {
						if _, ok := etcdops.WebhookKinds[v]; !ok {
							return usagef("bad --kind %q: use validating or mutating", v)
						}
						return nil
					}},
				&cli.BoolFlag{Name: "delete", Usage: "delete the configurations instead of disabling their webhooks"},
			}, writeFlags()...),
			ShellComplete: completeWebhookConfigurations,
			Action: func(ctx context.Context, cmd *cli.Command) error {
				if !cmd.Args().Present() {
					return usagef("%s needs the names of webhook configurations, e.g. 'lifeboat webhooks disable NAME' (list them with 'lifeboat get validatingwebhookconfigurations,mutatingwebhookconfigurations')", cmd.FullName())
				}
				op := etcdops.Operation{Action: etcdops.DisableWebhooks, Query: etcdops.Query{Names: cmd.Args().Slice()},
					WebhookKind: cmd.String("kind"), DeleteWebhooks: cmd.Bool("delete")}
				return runOperations(ctx, std, cmd, op)
			},
		}},
	}
}

// completeWebhookConfigurations offers the names of both kinds of webhook
// configuration, or of the one --kind names.
func completeWebhookConfigurations(ctx context.Context, cmd *cli.Command) {
	args := cmd.Args().Slice()
	if len(args) > 0 && completeFlag(ctx, cmd, args[len(args)-1]) {
		return
	}
	var names []string
	for kind, resource := range etcdops.WebhookKinds {
		if k := cmd.String("kind"); k == "" || k == kind {
			names = append(names, objectNames(ctx, cmd, etcdops.MustResolveResource(resource), args)...)
		}
	}
	slices.Sort(names)
	printCompletions(cmd, slices.Compact(names))
}
