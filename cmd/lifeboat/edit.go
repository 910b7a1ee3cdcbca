package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/urfave/cli/v3"
	"sigs.k8s.io/yaml"
)

func editCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:      "edit",
		Usage:     "edit one object in $EDITOR (or with a JSON merge patch), as kubectl edit does, then write it through the write path",
		ArgsUsage: "<resource> NAME",
		Description: "Opens $EDITOR (else $KUBE_EDITOR, else vi) on the object's YAML (Secret data included: it is\n" +
			"what you edit). On save the object is decoded strictly into its kind (a misspelt field reopens\n" +
			"the file with the error on top, as kubectl does), shown as a diff, confirmed, journaled and\n" +
			"written with kube-apiserver's OptimisticPut, only while the key holds what was read. Saving the\n" +
			"file unchanged cancels. An object with fields this lifeboat does not know is refused, naming\n" +
			"them, unless --allow-field-loss.\n\n" +
			"   lifeboat edit cm app-config -n shop\n" +
			"   lifeboat edit deploy web -n shop --patch '{\"spec\":{\"replicas\":0}}' --yes\n" +
			"   lifeboat edit cm app-config -n shop -f patch.yaml --dry-run   # a merge patch in YAML or JSON",
		Flags: append([]cli.Flag{
			namespaceFlag(),
			&cli.StringFlag{Name: "patch", Usage: "a JSON merge patch to apply instead of opening an editor"},
			&cli.StringFlag{Name: "filename", Aliases: []string{"f"}, Usage: "a merge patch in a YAML or JSON file (- for stdin)", TakesFile: true},
			&cli.BoolFlag{Name: "allow-field-loss", Usage: "edit an object carrying fields this lifeboat does not know, dropping them"},
		}, writeFlags()...),
		ShellComplete: completeObjects(std),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			q, err := resourceQuery(ctx, cmd, "lifeboat edit configmaps NAME -n NAMESPACE")
			if err != nil {
				return err
			}
			if len(q.Names) != 1 {
				return usagef("edit takes one object: 'lifeboat edit %s NAME -n NAMESPACE'", q.Resource)
			}
			var patch []byte
			switch {
			case cmd.String("patch") != "" && cmd.String("filename") != "":
				return usagef("give --patch or -f, not both")
			case cmd.String("patch") != "":
				patch = []byte(cmd.String("patch"))
			case cmd.String("filename") != "":
				_, data, err := readFilename(std, cmd, "patch")
				if err != nil {
					return err
				}
				if patch, err = yaml.YAMLToJSON(data); err != nil {
					return usagef("patch %s: %v", cmd.String("filename"), err)
				}
			}
			store, err := openStore(ctx, cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			ns := q.Namespace
			if q.Resource.Namespaced && ns == "" {
				ns = "default"
			}
			src, err := store.ReadForEdit(ctx, etcdops.KeyInfo{Resource: q.Resource, Namespace: ns, Name: q.Names[0]})
			if err != nil {
				return err
			}
			var plan *etcdops.Plan
			if patch != nil {
				edited, err := src.MergePatch(patch)
				if err != nil {
					return err
				}
				if plan, err = store.PlanEdit(src, edited, cmd.Bool("allow-field-loss")); err != nil {
					return err
				}
			} else if plan, err = editInEditor(std, store, src, cmd.Bool("allow-field-loss")); err != nil || plan == nil {
				return err
			}
			return newWriteRun(std, cmd, store).batch(ctx, store.PlannedBatch(plan))
		},
	}
}

// editInEditor is kubectl edit's loop: the YAML in an editor; an edit that
// does not decode or change what it may not reopens with the error on top;
// a file saved unchanged cancels (nil plan).
func editInEditor(std streams, store *etcdops.Store, src *etcdops.EditSource, allowFieldLoss bool) (*etcdops.Plan, error) {
	original, err := yaml.Marshal(src.Object)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "lifeboat-edit-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, src.Info.Resource.Name+"-"+src.Info.Name+".yaml")
	header := "# Edit the object below. Lines starting with '#' are ignored; save it unchanged to cancel.\n"
	content := []byte(header)
	content = append(content, original...)
	for {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			return nil, err
		}
		if err := runEditor(std, path); err != nil {
			return nil, err
		}
		saved, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(saved, content) && !bytes.Equal(content[len(header):], original) {
			// Reopened with an error and saved as it was: kubectl gives up too.
			return nil, &etcdops.UsageError{Err: fmt.Errorf("%s: edit cancelled, the error was not fixed: %s", src.Info, firstError(content))}
		}
		body := stripComments(saved)
		if bytes.Equal(bytes.TrimSpace(body), bytes.TrimSpace(original)) {
			fmt.Fprintln(std.err, "Edit cancelled, no changes made.")
			return nil, nil
		}
		var edited map[string]any
		var plan *etcdops.Plan
		if err = yaml.Unmarshal(body, &edited); err != nil {
			err = &etcdops.UsageError{Err: fmt.Errorf("not YAML: %v", err)}
		} else {
			plan, err = store.PlanEdit(src, edited, allowFieldLoss)
		}
		if err == nil {
			return plan, nil
		}
		var usage *etcdops.UsageError
		if !errors.As(err, &usage) {
			return nil, err
		}
		// Reopen with the error on top, as kubectl edit does.
		content = []byte(header + "# The edit could not be written:\n# " + strings.ReplaceAll(oneLine(err.Error()), "\n", "\n# ") + "\n")
		content = append(content, body...)
	}
}

// firstError is the error line a reopened file starts with.
func firstError(content []byte) string {
	lines := strings.Split(string(content), "\n")
	if len(lines) > 2 {
		return strings.TrimPrefix(lines[2], "# ")
	}
	return ""
}

func stripComments(b []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// runEditor runs $EDITOR, else $KUBE_EDITOR, else vi, on path, on the
// terminal.
func runEditor(std streams, path string) error {
	editor := os.Getenv("EDITOR")
	if editor == "" {
		editor = os.Getenv("KUBE_EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	// Through the shell, as kubectl runs an editor given with arguments.
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("editor %q: %w", editor, err)
	}
	return nil
}
