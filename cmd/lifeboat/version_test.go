package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionStampedWithoutVCS: a binary built as `make release` builds it
// from a source tree without .git (a tarball: the Go toolchain records no
// commit) prints the version and commit make stamped with -ldflags -X.
func TestVersionStampedWithoutVCS(t *testing.T) {
	const ver, sha, when = "v9.8.7-test", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T10:00:00Z"
	bin := filepath.Join(t.TempDir(), "lifeboat")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin,
		"-ldflags", "-X main.stampedVersion="+ver+" -X main.stampedCommit="+sha+" -X main.stampedCommitTime="+when, ".")
	build.Dir = pkgDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("lifeboat %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	if out := run("version"); !strings.Contains(out, "lifeboat:          "+ver+"\n") || !strings.Contains(out, "commit:            "+sha+" ("+when+")\n") {
		t.Errorf("version of a stamped build:\n%s", out)
	}
	if out := run("--version"); !strings.HasPrefix(out, "lifeboat version "+ver+" "+sha[:12]+",") {
		t.Errorf("--version of a stamped build: %s", out)
	}
	var v buildVersion
	if err := json.Unmarshal([]byte(run("version", "-o", "json")), &v); err != nil || v.Version != ver || v.Commit != sha || v.Modified {
		t.Errorf("version -o json of a stamped build: %+v %v", v, err)
	}
}

// TestVersionStampOverToolchain: stamped values take precedence over what
// the toolchain recorded; a stamped commit other than the toolchain's drops
// the toolchain's commit time and modified flag, which were about another
// tree.
func TestVersionStampOverToolchain(t *testing.T) {
	toolchain := buildVersion{Version: "(devel)", Commit: "aaaa", CommitTime: "2026-01-01T00:00:00Z", Modified: true}
	tests := []struct {
		name                string
		version, commit, at string
		want                buildVersion
	}{
		{"nothing stamped", "", "", "", toolchain},
		{"version only", "v1.2.3", "", "", buildVersion{Version: "v1.2.3", Commit: "aaaa", CommitTime: "2026-01-01T00:00:00Z", Modified: true}},
		{"the same commit", "v1.2.3-dirty", "aaaa", "", buildVersion{Version: "v1.2.3-dirty", Commit: "aaaa", CommitTime: "2026-01-01T00:00:00Z", Modified: true}},
		{"another commit", "v1.2.3", "bbbb", "", buildVersion{Version: "v1.2.3", Commit: "bbbb"}},
		{"another commit, with its time", "v1.2.3", "bbbb", "2026-02-02T00:00:00Z", buildVersion{Version: "v1.2.3", Commit: "bbbb", CommitTime: "2026-02-02T00:00:00Z"}},
	}
	for _, tt := range tests {
		v := toolchain
		v.stamp(tt.version, tt.commit, tt.at)
		if v != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, v, tt.want)
		}
	}
}
