package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// editorScript makes $EDITOR a sh script that logs each run, then runs
// body on the file ($1); runs counts them.
func editorScript(t *testing.T, body string) (runs func() int) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "editor.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho run >> '"+log+"'\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDITOR", script)
	return func() int {
		b, _ := os.ReadFile(log)
		return bytes.Count(b, []byte("run\n"))
	}
}

var keptFile = regexp.MustCompile(`stored to "([^"]+)"`)

// TestEditEndsAsKubectlEdit: an $EDITOR that empties the file, writes
// null, a list or the same invalid text, or two documents, ends `lifeboat
// edit` within two runs (it looped thousands of times a second), with
// kubectl edit's outcome and nothing written.
func TestEditEndsAsKubectlEdit(t *testing.T) {
	c := capsized(t)
	reopened := `grep -q "could not be written" "$1"`
	for _, tc := range []struct {
		name   string
		editor string
		runs   int
		code   int
		want   []string // on stderr
	}{
		{"emptied", `: > "$1"`, 1, exitOK, []string{"Edit cancelled, saved file was empty."}},
		{"saved unchanged", `exit 0`, 1, exitOK, []string{"Edit cancelled, no changes made."}},
		{"null", `echo null > "$1"`, 2, exitUsage,
			[]string{"edit cancelled, no valid changes were saved", "the file holds null, not an object", "a copy of your changes has been stored to"}},
		{"a list", `echo '[]' > "$1"`, 2, exitUsage, []string{"no valid changes were saved", "the file holds a list, not an object"}},
		{"the same invalid text", `printf 'data: [\n' > "$1"`, 2, exitUsage, []string{"no valid changes were saved", "not YAML"}},
		{"two documents", reopened + ` || printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' >> "$1"`, 2, exitUsage,
			[]string{"no valid changes were saved", "the file holds 2 objects; edit one at a time"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := editorScript(t, tc.editor)
			rev := c.revision()
			r := c.run("edit", "cm", "frontend-config", "-n", "shop", "--yes")
			if r.code != tc.code {
				t.Errorf("exit %d, want %d", r.code, tc.code)
			}
			if n := runs(); n != tc.runs {
				t.Errorf("the editor ran %d times, want %d", n, tc.runs)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r)
				}
			}
			c.assertUnchanged(rev, r)
			// The file a give-up keeps, as kubectl keeps it.
			if m := keptFile.FindStringSubmatch(r.errOut); m != nil {
				os.RemoveAll(filepath.Dir(m[1]))
			}
		})
	}
}

// TestEditReadonlyOpensNoEditor: --readonly refuses an edit before the
// object is read or an editor started (it would hold the Secret's data in
// a file for nothing); --dry-run still previews.
func TestEditReadonlyOpensNoEditor(t *testing.T) {
	c := capsized(t)
	const addExtra = `sed -i 's/^data:/data:\n  EXTRA: "1"/' "$1"`
	for _, args := range [][]string{
		{"--readonly", "edit", "secret", "payments-api-db", "-n", "payments", "--yes"},
		{"edit", "secret", "payments-api-db", "-n", "payments", "--readonly"},
		{"--readonly", "edit", "cm", "frontend-config", "-n", "shop", "--patch", `{"data":{"A":"b"}}`, "--yes"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			runs := editorScript(t, addExtra)
			rev := c.revision()
			r := c.run(args...)
			wantCode(t, r, exitError)
			if !strings.Contains(r.errOut, "--readonly") || !strings.Contains(r.errOut, "opens no editor") {
				t.Errorf("the refusal does not say why:\n%s", r)
			}
			if n := runs(); n != 0 {
				t.Errorf("the editor ran %d times under --readonly", n)
			}
			c.assertUnchanged(rev, r)
		})
	}
	t.Run("LIFEBOAT_READONLY", func(t *testing.T) {
		t.Setenv("LIFEBOAT_READONLY", "true")
		runs := editorScript(t, addExtra)
		rev := c.revision()
		r := c.run("edit", "secret", "payments-api-db", "-n", "payments", "--yes")
		wantCode(t, r, exitError)
		if n := runs(); n != 0 {
			t.Errorf("the editor ran %d times under LIFEBOAT_READONLY", n)
		}
		c.assertUnchanged(rev, r)
	})
	t.Run("--dry-run previews", func(t *testing.T) {
		runs := editorScript(t, addExtra)
		rev := c.revision()
		r := c.run("--readonly", "edit", "cm", "frontend-config", "-n", "shop", "--dry-run")
		wantCode(t, r, exitOK)
		if n := runs(); n != 1 || !strings.Contains(r.out, `+  EXTRA: "1"`) {
			t.Errorf("the editor ran %d times, want 1, and the preview shows the edit:\n%s", n, r)
		}
		c.assertUnchanged(rev, r)
	})
}
