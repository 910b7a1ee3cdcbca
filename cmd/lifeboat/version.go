package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v3"
)

// buildVersion is what this binary was built from, as the Go toolchain
// recorded it: lifeboat's version or commit, and the versions of the
// Kubernetes types it decodes with (k8s.io/api v0.X.Y is Kubernetes 1.X.Y)
// and of the etcd client. A cluster newer than the types has fields
// lifeboat shows as unknown (and keeps).
type buildVersion struct {
	Version         string `json:"version"`
	Commit          string `json:"commit,omitempty"`
	CommitTime      string `json:"commitTime,omitempty"`
	Modified        bool   `json:"modified,omitempty"`
	KubernetesTypes string `json:"kubernetesTypes"` // k8s.io/api's version
	Kubernetes      string `json:"kubernetes"`      // the Kubernetes release of those types
	EtcdClient      string `json:"etcdClient"`
	GoVersion       string `json:"goVersion"`
	Platform        string `json:"platform"`
}

// Stamped by `make release` (-ldflags "-X main.stampedVersion=... -X
// main.stampedCommit=... -X main.stampedCommitTime=..."): what `git describe --tags --always --dirty` and `git
// rev-parse HEAD` said, or VERSION and COMMIT given to make when building
// from a tarball, which has no .git for the Go toolchain to read. When set,
// they take precedence over the toolchain's record: a tarball unpacked
// inside another repository would be stamped with that repository's
// commit.
var (
	stampedVersion    string
	stampedCommit     string
	stampedCommitTime string
)

func readBuildVersion() buildVersion {
	v := toolchainVersion()
	v.stamp(stampedVersion, stampedCommit, stampedCommitTime)
	return v
}

// toolchainVersion is what the Go toolchain recorded in the binary: the
// module's version, the VCS commit when built in a git checkout, and the
// dependencies' versions.
func toolchainVersion() buildVersion {
	v := buildVersion{Version: "unknown", KubernetesTypes: "unknown", Kubernetes: "unknown", EtcdClient: "unknown",
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Version = info.Main.Version
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	for _, dep := range info.Deps {
		if dep.Replace != nil {
			dep = dep.Replace
		}
		switch dep.Path {
		case "k8s.io/api":
			v.KubernetesTypes = dep.Version
			// k8s.io/api v0.36.3 is tagged with Kubernetes v1.36.3.
			if rest, ok := strings.CutPrefix(dep.Version, "v0."); ok {
				v.Kubernetes = "1." + rest
			}
		case "go.etcd.io/etcd/client/v3":
			v.EtcdClient = dep.Version
		}
	}
	return v
}

// stamp puts the version and commit the release build stamped over what
// the toolchain recorded. A stamped commit is the whole truth about the
// source: the toolchain's commit time and modified flag (of whatever
// repository it found) no longer apply, and a dirty tree shows in the
// version (git describe --dirty).
func (v *buildVersion) stamp(version, commit, commitTime string) {
	if version != "" {
		v.Version = version
	}
	if commit != "" {
		if commit != v.Commit {
			v.CommitTime, v.Modified = "", false
		}
		v.Commit = commit
	}
	if commitTime != "" {
		v.CommitTime = commitTime
	}
}

// String is the one line of --version.
func (v buildVersion) String() string {
	s := v.Version
	if v.Commit != "" {
		s += " " + shortCommit(v.Commit)
		if v.Modified {
			s += "+modified"
		}
	}
	return fmt.Sprintf("%s, Kubernetes types %s (k8s.io/api %s), etcd client %s, %s %s", s, v.Kubernetes, v.KubernetesTypes, v.EtcdClient, v.GoVersion, v.Platform)
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func versionCommand(std streams) *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "print lifeboat's version and the Kubernetes and etcd versions it was built with",
		Description: "lifeboat version\n   lifeboat version -o json\n   lifeboat --version   (one line)",
		Flags:       []cli.Flag{outputFlag("text", "text", "json")},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			v := readBuildVersion()
			if cmd.String("output") == "json" {
				enc := json.NewEncoder(std.out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			commit := "-"
			if v.Commit != "" {
				commit = v.Commit
				if v.CommitTime != "" {
					commit += " (" + v.CommitTime + ")"
				}
				if v.Modified {
					commit += ", with uncommitted changes"
				}
			}
			_, err := fmt.Fprintf(std.out, "lifeboat:          %s\ncommit:            %s\nKubernetes types:  %s (k8s.io/api %s)\netcd client:       %s\nGo:                %s %s\n",
				v.Version, commit, v.Kubernetes, v.KubernetesTypes, v.EtcdClient, v.GoVersion, v.Platform)
			return err
		},
	}
}
