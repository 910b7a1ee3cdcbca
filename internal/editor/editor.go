package editor

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// header starts the file; a reopened file has the error under it.
const header = "# Edit the object below. Lines starting with '#' are ignored; save it unchanged, or empty, to cancel.\n"

// maxSaved bounds what is read back from the file $EDITOR saved: far more
// than any object etcd stores (1.5 MiB by default), and a named pipe or a
// device put in the file's place is refused rather than read forever.
const maxSaved = 16 << 20

// What Session.Cancelled says, in kubectl edit's words
// (k8s.io/kubectl pkg/cmd/util/editor/editoptions.go).
const (
	CancelledUnchanged = "Edit cancelled, no changes made."
	CancelledEmpty     = "Edit cancelled, saved file was empty."
)

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
	// when the edit was cancelled.
	Plan *etcdops.Plan
	// Cancelled says why Run returned neither a plan nor an error:
	// CancelledUnchanged or CancelledEmpty.
	Cancelled string
}

// New starts a session on the terminal of this process.
func New(store *etcdops.Store, src *etcdops.EditSource, allowFieldLoss bool) *Session {
	return &Session{store: store, src: src, allowFieldLoss: allowFieldLoss, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
}

// SetStdin, SetStdout and SetStderr are the editor's terminal.
func (s *Session) SetStdin(r io.Reader)  { s.stdin = r }
func (s *Session) SetStdout(w io.Writer) { s.stdout = w }
func (s *Session) SetStderr(w io.Writer) { s.stderr = w }

// Run edits until the file saved plans an edit (Plan), cancels it
// (Cancelled), or repeats a file that was reopened with an error (an
// error). It follows kubectl edit's loop (k8s.io/kubectl
// pkg/cmd/util/editor/editoptions.go, EditOptions.Run):
//
//   - a file reopened with an error and saved with the same content gives
//     up: "Edit cancelled, no valid changes were saved.", the file kept
//     and its path said;
//   - a file saved with the object's content unchanged cancels;
//   - a file with nothing but comments and blank lines cancels;
//   - a file that cannot be written (not YAML, null or anything but one
//     object, a misspelt field, a rename) is reopened with the error on
//     top.
//
// Content is compared as kubectl compares it (cmdutil.StripComments: the
// YAML as JSON, else the text without comment lines), every document of
// it. Fields a newer Kubernetes wrote are refused before an editor opens.
func (s *Session) Run() error {
	s.Plan, s.Cancelled = nil, ""
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
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	path := filepath.Join(dir, src.Info.Resource.Name+"-"+src.Info.Name+".yaml")
	unchanged := canonical(original)
	content := append([]byte(header), original...)
	var reopenedFor error // the error the file was last reopened with
	for {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			return err
		}
		if err := s.runEditor(path); err != nil {
			return err
		}
		// The editor may have put anything at path: read only a regular
		// file, and only so much of it.
		saved, err := regularfile.Read(path, maxSaved)
		if err != nil {
			return fmt.Errorf("%s: the file the editor saved: %w", src.Info, err)
		}
		if reopenedFor != nil && bytes.Equal(canonical(saved), canonical(content)) {
			keep = true
			why := strings.TrimPrefix(textutil.OneLine(reopenedFor.Error()), src.Info.String()+": ")
			return &etcdops.UsageError{Err: fmt.Errorf("%s: edit cancelled, no valid changes were saved: the error was not fixed (the file was saved again as it was reopened): %s; a copy of your changes has been stored to %q",
				src.Info, why, path)}
		}
		if bytes.Equal(canonical(saved), unchanged) {
			s.Cancelled = CancelledUnchanged
			return nil
		}
		edited, err := s.parse(saved)
		if errors.Is(err, errEmpty) {
			s.Cancelled = CancelledEmpty
			return nil
		}
		var plan *etcdops.Plan
		if err == nil {
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
		reopenedFor = err
		content = []byte(header + "# The edit could not be written:\n# " + textutil.OneLine(err.Error()) + "\n")
		content = append(content, withoutLeadingComments(saved)...)
	}
}

// errEmpty is a saved file with no document in it.
var errEmpty = errors.New("the file is empty")

// parse reads the one object the saved file must hold. An empty document
// (only comments, blank lines, "---") counts for nothing; an empty file is
// errEmpty.
func (s *Session) parse(saved []byte) (map[string]any, error) {
	docs, err := documents(saved)
	if err != nil {
		return nil, &etcdops.UsageError{Err: fmt.Errorf("not YAML: %v", err)}
	}
	switch len(docs) {
	case 0:
		return nil, errEmpty
	case 1:
	default:
		// One file, one object: a document after the first is not
		// dropped, it is refused.
		return nil, &etcdops.UsageError{Err: fmt.Errorf("the file holds %d objects; edit one at a time: keep only %s", len(docs), s.src.Info)}
	}
	var v any
	if err := yaml.Unmarshal(docs[0], &v); err != nil {
		return nil, &etcdops.UsageError{Err: fmt.Errorf("not YAML: %v", err)}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &etcdops.UsageError{Err: fmt.Errorf("the file holds %s, not an object: save %s's YAML (an empty file cancels)", describe(v), s.src.Info)}
	}
	return m, nil
}

// describe names what a YAML document that is not a map holds.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// documents splits a YAML file at its "---" lines, as kubectl reads a
// file, and drops the empty documents (only comments and blank lines), as
// kubectl skips them.
func documents(b []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if hasContent(doc) {
			docs = append(docs, doc)
		}
	}
}

// hasContent reports whether a document has a line that is not blank and
// not a comment (kubectl's hasLines, editoptions.go).
func hasContent(doc []byte) bool {
	for line := range bytes.Lines(doc) {
		if l := bytes.TrimSpace(line); len(l) > 0 && l[0] != '#' {
			return true
		}
	}
	return false
}

// canonical is what a file says, for telling whether two saves differ, as
// kubectl's cmdutil.StripComments tells it (k8s.io/kubectl
// pkg/cmd/util/helpers.go): each document as JSON, so that comments and
// layout do not count; a file that is not YAML as its text without comment
// lines (cmdutil.ManualStrip). Unlike StripComments it reads every
// document, not only the first.
func canonical(b []byte) []byte {
	docs, err := documents(b)
	if err != nil {
		return manualStrip(b)
	}
	out := make([][]byte, len(docs))
	for i, doc := range docs {
		if out[i], err = yaml.YAMLToJSON(doc); err != nil {
			return manualStrip(b)
		}
	}
	return bytes.Join(out, []byte("\n---\n"))
}

// manualStrip drops comment lines, except "#!" ones, as kubectl's
// cmdutil.ManualStrip does. Only for comparing: inside a block scalar (a
// script in a ConfigMap) such a line is data.
func manualStrip(b []byte) []byte {
	var out []byte
	for line := range bytes.Lines(b) {
		if t := bytes.TrimSpace(line); bytes.HasPrefix(t, []byte("#")) && !bytes.HasPrefix(t, []byte("#!")) {
			continue
		}
		out = append(out, line...)
	}
	return out
}

// withoutLeadingComments is the file without the comment and blank lines
// it starts with (the header and the error lifeboat wrote there), for
// reopening it under a new header. Comment lines further down are kept:
// in a block scalar they are data.
func withoutLeadingComments(b []byte) []byte {
	rest := b
	for line := range bytes.Lines(b) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			break
		}
		rest = rest[len(line):]
	}
	return rest
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
