package editor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"sigs.k8s.io/yaml"
)

// header starts the file; a reopened file has the error under it.
const header = "# Edit the object below. Lines starting with '#' are ignored; save it unchanged to cancel.\n"

// Session edits one object. It has the methods of bubbletea's
// tea.ExecCommand, so the TUI runs it whole (every reopening of the file)
// while the terminal is released; the CLI calls Run.
type Session struct {
	store          *etcdops.Store
	src            *etcdops.EditSource
	allowFieldLoss bool
	stdin          io.Reader
	stdout, stderr io.Writer

	// Plan is the edit to preview and write once Run returned nil; nil
	// when the object was saved unchanged (the edit is cancelled).
	Plan *etcdops.Plan
}

// New starts a session on the terminal of this process.
func New(store *etcdops.Store, src *etcdops.EditSource, allowFieldLoss bool) *Session {
	return &Session{store: store, src: src, allowFieldLoss: allowFieldLoss, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
}

// SetStdin, SetStdout and SetStderr are the editor's terminal.
func (s *Session) SetStdin(r io.Reader)  { s.stdin = r }
func (s *Session) SetStdout(w io.Writer) { s.stdout = w }
func (s *Session) SetStderr(w io.Writer) { s.stderr = w }

// Run edits until the file saved plans an edit (Plan), is the object
// unchanged (Plan nil), or is a reopened file saved as it was (an error).
// Fields a newer Kubernetes wrote are refused before an editor opens.
func (s *Session) Run() error {
	s.Plan = nil
	src := s.src
	if err := src.CheckFieldLoss(s.allowFieldLoss); err != nil {
		return err
	}
	original, err := yaml.Marshal(src.Object)
	if err != nil {
		return fmt.Errorf("%s: %w", src.Info, err)
	}
	dir, err := os.MkdirTemp("", "lifeboat-edit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, src.Info.Resource.Name+"-"+src.Info.Name+".yaml")
	content := append([]byte(header), original...)
	for {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			return err
		}
		if err := s.runEditor(path); err != nil {
			return err
		}
		saved, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Equal(saved, content) && !bytes.Equal(content[len(header):], original) {
			// Reopened with an error and saved as it was: kubectl gives up too.
			return &etcdops.UsageError{Err: fmt.Errorf("%s: edit cancelled, the error was not fixed: %s", src.Info, firstError(content))}
		}
		body := stripComments(saved)
		if bytes.Equal(bytes.TrimSpace(body), bytes.TrimSpace(original)) {
			return nil
		}
		var edited map[string]any
		var plan *etcdops.Plan
		if err = yaml.Unmarshal(body, &edited); err != nil {
			err = &etcdops.UsageError{Err: fmt.Errorf("not YAML: %v", err)}
		} else {
			plan, err = s.store.PlanEdit(src, edited, s.allowFieldLoss)
		}
		if err == nil {
			s.Plan = plan
			return nil
		}
		var usage *etcdops.UsageError
		if !errors.As(err, &usage) {
			return err
		}
		// Reopen with the error on top, as kubectl edit does.
		content = []byte(header + "# The edit could not be written:\n# " + strings.Join(strings.Fields(err.Error()), " ") + "\n")
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

// Name is the editor a session runs: $EDITOR, else $KUBE_EDITOR, else vi.
func Name() string {
	for _, v := range []string{"EDITOR", "KUBE_EDITOR"} {
		if e := os.Getenv(v); e != "" {
			return e
		}
	}
	return "vi"
}

func (s *Session) runEditor(path string) error {
	editor := Name()
	// Through the shell, as kubectl runs an editor given with arguments.
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.stdin, s.stdout, s.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("editor %q: %w", editor, err)
	}
	return nil
}
