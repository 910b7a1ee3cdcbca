package main

// The shell around lifeboat: --version and version, and completion.

import (
	"encoding/json"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// goModVersion is the version go.mod requires of module.
func goModVersion(t *testing.T, module string) string {
	t.Helper()
	b, err := os.ReadFile(path.Join(pkgDir, "../../go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + ` (v\S+)`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("go.mod does not require %s", module)
	}
	return m[1]
}

// TestVersion: lifeboat's version and the Kubernetes types it decodes
// with, in one line (--version) or several (version, -o json).
func TestVersion(t *testing.T) {
	api := goModVersion(t, "k8s.io/api")
	kube := "1." + strings.TrimPrefix(api, "v0.")
	etcd := goModVersion(t, "go.etcd.io/etcd/client/v3")

	r := lifeboat(t, nil, "--version")
	wantCode(t, r, exitOK)
	if l := lines(r.out); len(l) != 1 || !strings.HasPrefix(l[0], "lifeboat version ") || !strings.Contains(l[0], "Kubernetes types "+kube+" (k8s.io/api "+api+")") || !strings.Contains(l[0], etcd) {
		t.Errorf("--version: %s", r)
	}
	r = lifeboat(t, nil, "version")
	wantCode(t, r, exitOK)
	if !strings.Contains(r.out, "Kubernetes types:  "+kube+" (k8s.io/api "+api+")") || !strings.Contains(r.out, "etcd client:       "+etcd) {
		t.Errorf("version: %s", r)
	}
	r = lifeboat(t, nil, "version", "-o", "json")
	wantCode(t, r, exitOK)
	var v buildVersion
	if err := json.Unmarshal([]byte(r.out), &v); err != nil || v.KubernetesTypes != api || v.Kubernetes != kube || v.EtcdClient != etcd || v.GoVersion == "" {
		t.Errorf("version -o json: %+v, %v\n%s", v, err, r)
	}
	// The binary the build stamps.
	r, _ = exe(t, nil, "--version")
	if r.code != exitOK || !strings.Contains(r.out, "(k8s.io/api "+api+")") {
		t.Errorf("the binary's --version: %s", r)
	}
}

// TestCompletion: the completion command is listed, prints a script, and
// completes resource names, object names (read from etcd with the
// connection flags given) and namespaces.
func TestCompletion(t *testing.T) {
	c := capsized(t)
	r := lifeboat(t, nil, "--help")
	if !regexp.MustCompile(`(?m)^\s+completion\s`).MatchString(r.out) {
		t.Errorf("--help does not list completion:\n%s", r.out)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := lifeboat(t, nil, "completion", shell)
		if r.code != exitOK || !strings.Contains(r.out, "lifeboat") || !strings.Contains(r.out, "--generate-shell-completion") {
			t.Errorf("completion %s: %s", shell, r)
		}
	}

	shop := baseNames(c.pods("/registry/pods/shop/"))
	snap, _ := c.snapshot()
	var namespaces, nodes []string
	for k := range snap {
		if n, ok := strings.CutPrefix(k, "/registry/namespaces/"); ok {
			namespaces = append(namespaces, n)
		}
		if n, ok := strings.CutPrefix(k, "/registry/minions/"); ok {
			nodes = append(nodes, n)
		}
	}
	tests := []struct {
		name string
		args []string
		has  []string // among the words offered
		only []string // exactly these words, in any order
	}{
		{"resources, custom ones from etcd", []string{"get"}, []string{"pods", "nodes", "configmaps", "crontabs.stable.example.com"}, nil},
		{"objects of a namespace", []string{"get", "pods", "-n", "shop"}, nil, shop},
		{"objects by a custom resource's short name", []string{"get", "ct", "-A"}, nil, []string{"nightly-backup"}},
		{"names already given are not offered again", []string{"get", "pods", "-n", "shop", shop[0]}, nil, shop[1:]},
		{"namespaces after -n", []string{"get", "pods", "-n"}, nil, namespaces},
		{"pods to undelete", []string{"pods", "undelete", "-n", "shop"}, nil, shop},
		{"nodes to untaint", []string{"nodes", "untaint"}, nil, nodes},
		{"objects to delete", []string{"delete", "cm", "-n", "shop"}, []string{"frontend-config"}, nil},
		{"flags", []string{"get", "pods", "--sort"}, []string{"--sort-by"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run(append(tt.args, "--generate-shell-completion")...)
			wantCode(t, r, exitOK)
			var words []string
			for _, l := range lines(r.out) {
				word, _, _ := strings.Cut(l, ":")
				words = append(words, word)
			}
			for _, w := range tt.has {
				if !slices.Contains(words, w) {
					t.Errorf("%q not offered: %q", w, words)
				}
			}
			if tt.only != nil {
				slices.Sort(words)
				want := slices.Sorted(slices.Values(tt.only))
				if !slices.Equal(words, want) {
					t.Errorf("offered %q\nwant %q", words, want)
				}
			}
			if r.errOut != "" {
				t.Errorf("stderr: %s", r.errOut)
			}
		})
	}
	t.Run("etcd unreachable: built-in names, silently", func(t *testing.T) {
		r := lifeboat(t, nil, "--endpoints", "127.0.0.1:1", "--dial-timeout", "1s", "get", "--generate-shell-completion")
		if r.code != exitOK || r.errOut != "" || !slices.Contains(lines(r.out), "pods") {
			t.Errorf("%s", r)
		}
		r = lifeboat(t, nil, "--endpoints", "127.0.0.1:1", "--dial-timeout", "1s", "get", "pods", "--generate-shell-completion")
		if r.code != exitOK || r.errOut != "" || r.out != "" {
			t.Errorf("%s", r)
		}
	})
}

func baseNames[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, path.Base(k))
	}
	slices.Sort(out)
	return out
}
