package main

import (
	"path"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
)

// TestFlagsAnywhere pins the choice of urfave/cli v3 with the real binary:
// flags after names and global flags after the command are parsed as flags.
// With urfave/cli v2, "pods undelete NAME --dry-run" took --dry-run for a
// name and did a real run.
func TestFlagsAnywhere(t *testing.T) {
	c := newCluster(t, demo.Options{}) // no malformed values: reads exit 0
	pods := c.terminatingPods("/registry/pods/shop/")
	if len(pods) == 0 {
		t.Fatal("seed has no Terminating pod in shop")
	}
	name := path.Base(pods[0])
	ep := c.endpoint

	dryRuns := [][]string{
		{"pods", "undelete", name, "-n", "shop", "--dry-run", "--endpoints", ep},
		{"pods", "undelete", name, "--dry-run", "-n", "shop", "--endpoints", ep},
		{"--endpoints", ep, "pods", "undelete", name, "-n", "shop", "--dry-run"},
		{"pods", "--endpoints", ep, "undelete", "-n", "shop", name, "--dry-run"},
		{"pods", "undelete", name, "-n", "shop", "--endpoints", ep, "--dry-run", "--yes"}, // --dry-run wins over --yes
	}
	for _, args := range dryRuns {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			rev := c.revision()
			r, _ := exe(t, nil, args...)
			wantCode(t, r, 0)
			c.assertUnchanged(rev, r)
			if !strings.Contains(r.out, "+++ b/pods/shop/"+name) || !strings.Contains(r.out, "-  deletionTimestamp:") {
				t.Errorf("no diff of %s removing deletionTimestamp:\n%s", name, r)
			}
			if c.pod(pods[0]).DeletionTimestamp == nil {
				t.Errorf("%s was undeleted by a dry run", pods[0])
			}
		})
	}

	reads := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"global flag after command", nil, []string{"get", "pods", "-A", "--endpoints", ep}, name},
		{"global flag before command", nil, []string{"--endpoints", ep, "get", "nodes"}, "worker-5"},
		{"global flag between command and name", nil, []string{"get", "--endpoints", ep, "nodes", "worker-5", "-o", "wide"}, "dedicated=gpu:NoSchedule"},
		{"ETCDCTL_ENDPOINTS", []string{"ETCDCTL_ENDPOINTS=" + ep}, []string{"get", "nodes"}, "worker-3"},
		{"ETCDCTL_ENDPOINTS with several endpoints", []string{"ETCDCTL_ENDPOINTS=127.0.0.1:1," + ep}, []string{"get", "nodes", "--dial-timeout", "2s"}, "worker-3"},
		{"several --endpoints, comma separated", nil, []string{"get", "nodes", "--endpoints", ep + ",127.0.0.1:1"}, "worker-3"},
	}
	for _, tc := range reads {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := exe(t, tc.env, tc.args...)
			wantCode(t, r, 0)
			if !strings.Contains(r.out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, r)
			}
		})
	}

	// A real write with --yes after the name, through the binary: it is
	// parsed as a flag (not a pod name) and writes exactly one key.
	t.Run("--yes after the name writes", func(t *testing.T) {
		before, _ := c.snapshot()
		r, _ := exe(t, nil, "pods", "undelete", name, "-n", "shop", "--yes", "--endpoints", ep, "--journal", c.journal("flags.jsonl"))
		wantCode(t, r, 0)
		after, _ := c.snapshot()
		if got := diffKeys(before, after); len(got) != 1 || got[0] != pods[0] {
			t.Errorf("keys written: %v, want only %s\n%s", got, pods[0], r)
		}
		if c.pod(pods[0]).DeletionTimestamp != nil {
			t.Errorf("%s still Terminating", pods[0])
		}
	})
}

// TestEndpointsEnvInProcess checks ETCDCTL_ENDPOINTS through run() too, and
// that --endpoints overrides it as with etcdctl.
func TestEndpointsEnvInProcess(t *testing.T) {
	c := newCluster(t, demo.Options{})
	t.Setenv("ETCDCTL_ENDPOINTS", c.endpoint)
	r := lifeboat(t, nil, "get", "nodes", "worker-1")
	wantCode(t, r, 0)
	if !strings.Contains(r.out, "worker-1") {
		t.Errorf("no worker-1:\n%s", r)
	}
	t.Setenv("ETCDCTL_ENDPOINTS", "127.0.0.1:1")
	r = lifeboat(t, nil, "get", "nodes", "worker-1", "--endpoints", c.endpoint)
	wantCode(t, r, 0)
}

// TestUnreachableEtcd: a dead endpoint fails fast, with exit 1 and one line
// naming the endpoint, for reads and writes alike.
func TestUnreachableEtcd(t *testing.T) {
	for _, args := range [][]string{
		{"--endpoints", "127.0.0.1:1", "--dial-timeout", "1s", "get", "nodes"},
		{"get", "pods", "-A", "--endpoints", "127.0.0.1:1", "--dial-timeout", "1s"},
		{"pods", "undelete", "-A", "--yes", "--endpoints", "127.0.0.1:1", "--dial-timeout", "1s"},
		{"ls", "--endpoints", "127.0.0.1:1", "--dial-timeout", "1s"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r, elapsed := exe(t, nil, args...)
			wantCode(t, r, 1)
			if elapsed > 4*time.Second {
				t.Errorf("took %s with --dial-timeout 1s", elapsed)
			}
			if l := lines(r.errOut); len(l) != 1 || !strings.Contains(l[0], "127.0.0.1:1") {
				t.Errorf("stderr is not one line naming 127.0.0.1:1:\n%s", r)
			}
			if r.out != "" {
				t.Errorf("stdout not empty:\n%s", r)
			}
		})
	}
	t.Run("ETCDCTL_DIAL_TIMEOUT", func(t *testing.T) {
		r, elapsed := exe(t, []string{"ETCDCTL_ENDPOINTS=127.0.0.1:1", "ETCDCTL_DIAL_TIMEOUT=1s"}, "get", "nodes")
		wantCode(t, r, 1)
		if elapsed > 4*time.Second {
			t.Errorf("took %s with ETCDCTL_DIAL_TIMEOUT=1s", elapsed)
		}
	})
}

// TestUsageErrors: bad input exits 2 with one line on stderr, nothing on
// stdout (no help dump in the middle of a script's JSON), nothing written.
func TestUsageErrors(t *testing.T) {
	c := capsized(t)
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown resource", []string{"get", "widgets"}, "widgets"},
		{"unknown resource to finalizers remove", []string{"finalizers", "remove", "widgets", "x", "--yes"}, "widgets"},
		{"bad selector", []string{"get", "pods", "-A", "-l", "app in (web"}, "selector"},
		{"bad selector on a write", []string{"pods", "undelete", "-A", "-l", "app=web,,=", "--yes"}, "selector"},
		{"bad --output on get", []string{"get", "pods", "-o", "xml"}, "xml"},
		{"bad --output on a write", []string{"nodes", "uncordon", "--all", "-o", "yaml", "--yes"}, "yaml"},
		{"bad flag on a write", []string{"pods", "undelete", "-A", "--bogus", "--yes"}, "bogus"},
		{"bad flag on get", []string{"get", "pods", "--bogus"}, "bogus"},
		{"bad global flag", []string{"--bogus", "get", "pods"}, "bogus"},
		{"unknown command", []string{"bogus"}, "bogus"},
		{"unknown subcommand", []string{"pods", "bogus"}, "bogus"},
		{"unknown subcommand with an argument", []string{"nodes", "bogus", "worker-1"}, "bogus"},
		{"namespace and all namespaces", []string{"pods", "undelete", "-n", "shop", "-A", "--yes"}, "namespace"},
		{"untaint without names or --all", []string{"nodes", "untaint", "--yes"}, "--all"},
		{"uncordon without names or --all", []string{"nodes", "uncordon", "--yes"}, "--all"},
		{"names and --all", []string{"nodes", "untaint", "worker-1", "--all", "--yes"}, "--all"},
		{"bad taint effect", []string{"nodes", "untaint", "--all", "--effect", "Sometimes", "--yes"}, "Sometimes"},
		{"--node on nodes", []string{"get", "nodes", "--node", "worker-1"}, "--node"},
		{"apply without -f", []string{"apply", "--yes"}, "filename"},
		{"apply of a missing file", []string{"apply", "-f", "testdata/no-such-plan.yaml", "--yes"}, "no-such-plan"},
		{"undo without a journal", []string{"undo", "--yes"}, "journal"},
		{"finalizers remove without a resource", []string{"finalizers", "remove", "--yes"}, "resource"},
		{"finalizers remove without names or selector", []string{"finalizers", "remove", "pods", "-n", "shop", "--yes"}, "name"},
		{"a misspelt resource", []string{"get", "podz", "-A"}, "did you mean pods?"},
		{"a misspelt custom resource", []string{"get", "crontbas", "-A"}, "did you mean crontabs?"},
		{"a misspelt command", []string{"gett", "pods"}, "did you mean 'lifeboat get'?"},
		{"a misspelt subcommand", []string{"pods", "undelet", "-A"}, "did you mean 'lifeboat pods undelete'?"},
		{"a misspelt flag", []string{"get", "pods", "--namspace", "shop"}, "did you mean --namespace?"},
		{"a misspelt global flag", []string{"--endpoint", "x", "get", "pods"}, "did you mean --endpoints?"},
		{"a misspelt field", []string{"get", "pods", "-A", "--field-selector", "spec.nodename=worker-1"}, "did you mean spec.nodeName?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rev := c.revision()
			r := c.run(tc.args...)
			if r.code != exitUsage {
				t.Errorf("want exit 2, got %s", r)
			}
			c.assertUnchanged(rev, r)
			if l := lines(r.errOut); len(l) != 1 || !strings.HasPrefix(l[0], "lifeboat: ") || !strings.Contains(l[0], tc.want) {
				t.Errorf("stderr is not one 'lifeboat: ' line mentioning %q:\n%s", tc.want, r)
			}
			if r.out != "" {
				t.Errorf("stdout not empty on a usage error:\n%s", r)
			}
		})
	}
}

// TestNoGuessForWhatIsNearNothing: "did you mean" only for small typos.
func TestNoGuessForWhatIsNearNothing(t *testing.T) {
	for _, args := range [][]string{{"bogus"}, {"pods", "frobnicate"}, {"get", "widgets"}, {"get", "pods", "--xyzzy"}} {
		r := lifeboat(t, nil, append([]string{"--endpoints", "127.0.0.1:1", "--dial-timeout", "1s"}, args...)...)
		if r.code != exitUsage || strings.Contains(r.errOut, "did you mean") {
			t.Errorf("%v: want exit 2 and no guess, got %s", args, r)
		}
	}
}

// TestUsageErrorsBinary checks the process exit code of a few usage errors.
func TestUsageErrorsBinary(t *testing.T) {
	for _, args := range [][]string{
		{"bogus"},
		{"get", "widgets"},
		{"pods", "undelete", "-A", "--bogus"},
		{"get", "pods", "-o", "xml"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r, _ := exe(t, []string{"ETCDCTL_ENDPOINTS=127.0.0.1:1", "ETCDCTL_DIAL_TIMEOUT=1s"}, args...)
			wantCode(t, r, 2)
		})
	}
}

// TestHelp: help is not an error.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"pods", "undelete", "--help"}, {"nodes", "untaint", "-h"}, {}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := lifeboat(t, nil, args...)
			wantCode(t, r, 0)
			if !strings.Contains(r.out, "USAGE") {
				t.Errorf("no help:\n%s", r)
			}
		})
	}
}
