package main

import (
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
)

// undecodable ends a read that met n values it cannot decode among those
// it was asked for (n > 0): it showed what it could, warned about each,
// and exits 3 (README, "Exit codes"). ls, decode and history keep this
// rule; get names the values once instead (undecodableMessage). lists
// names what kube-apiserver then cannot LIST.
func undecodable(n int, lists string) error {
	if n == 0 {
		return nil
	}
	return &partialError{msg: fmt.Sprintf("%d value(s) could not be decoded (see warnings): a kube-apiserver cannot LIST %s while they are there; 'lifeboat quarantine KEY' moves one out of its way, 'lifeboat doctor' lists them all", n, lists)}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// maxValue bounds the value decode reads from --file or stdin: etcd
// refuses values over 1.5 MiB by default (--max-request-bytes), and its
// largest sane setting is far below 64 MiB. A device, an endless pipe or
// the wrong file is refused rather than read until memory runs out.
const maxValue = 64 << 20

// maxNewerWarnings bounds get's warnings about fields a newer Kubernetes
// wrote: a cluster newer than lifeboat has them in every object.
const maxNewerWarnings = 10

// newerWarning says that an object carries fields lifeboat's types do not
// know, and where; -o json and -o yaml do not show them.
func newerWarning(what string, fields []codec.NewerField) string {
	where := make([]string, len(fields))
	for i, f := range fields {
		where[i] = f.String()
	}
	return fmt.Sprintf("%s carries %d field(s) this lifeboat's Kubernetes types do not know (written by a newer Kubernetes: not shown here, kept by lifeboat's edits): %s",
		what, len(fields), strings.Join(where, "; "))
}
