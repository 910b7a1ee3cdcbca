package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
)

// A journal is an append-only JSON Lines file of every write lifeboat makes
// (format: docs/design.md, "The journal"). Its first line is a "begin" entry
// naming the command; before each compare-and-swap comes one "write" entry
// with the before-image and the after-image, fsynced; after it, one
// "committed" entry with the new revision. A write whose outcome etcd did
// not report also gets a "resolved" entry saying how reading its key
// settled it. Undo reads it back. Values are base64 (encoding/json's
// []byte).

// Entry is one line of a journal.
type Entry struct {
	Type           string    `json:"type"` // "begin", "write" before the etcd write, "committed" after it, "resolved"
	Time           time.Time `json:"time"`
	Key            string    `json:"key,omitempty"`
	Resource       string    `json:"resource,omitempty"`
	Namespace      string    `json:"namespace,omitempty"`
	Name           string    `json:"name,omitempty"`
	Action         string    `json:"action,omitempty"` // the repair, as plan files name it (etcdops.Action)
	Before         []byte    `json:"before,omitempty"`
	BeforeRevision int64     `json:"beforeRevision,omitempty"`
	Lease          int64     `json:"lease,omitempty"`
	After          []byte    `json:"after,omitempty"`
	AfterRevision  int64     `json:"afterRevision,omitempty"`
	// Resolution, on a resolved entry, is how a write whose outcome etcd
	// did not report was settled.
	Resolution Resolution `json:"resolution,omitempty"`
	// Begin entries only.
	Command   string   `json:"command,omitempty"`
	Endpoints []string `json:"endpoints,omitempty"`
	Prefix    string   `json:"prefix,omitempty"`
	// ClusterID and MemberID, on a begin entry, are the etcd cluster the
	// run wrote to and the member that answered, in hex ("0": the
	// datastore reports none, as kine). Journals from before lifeboat
	// recorded them have neither; readers ignore fields they do not
	// know, so older lifeboats read these journals as before.
	ClusterID string `json:"clusterID,omitempty"`
	MemberID  string `json:"memberID,omitempty"`
	// Undoes, on a restore's write entry, is the journal whose write it
	// reverses.
	Undoes string `json:"undoes,omitempty"`
}

// The types of entry (Entry.Type).
const (
	EntryBegin     = "begin"
	EntryWrite     = "write"
	EntryCommitted = "committed"
	// EntryResolved follows a write whose Txn's outcome was unknown: it
	// says what reading the key found. A write found written also gets
	// its "committed" entry, so every reader of commits sees it.
	EntryResolved = "resolved"
)

// RestoreAction is the action of a write that puts a journal's
// before-image back (etcdops.Restore): Writes counts what it undid.
const RestoreAction = "restore"

// UsageError is a journal that cannot be used as asked (missing, not
// lifeboat's, not a new file): the user's to fix, exit code 2 in the CLI,
// as etcdops.UsageError.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

type timeFunc func() time.Time

// Journal is an open journal file. Its methods may be called concurrently.
type Journal struct {
	path string
	file *os.File
	now  timeFunc
	mu   sync.Mutex
	// begin is the begin entry until it is written: with the first
	// writes, once Store.Apply has named the cluster they go to, or at
	// Close.
	begin *Entry
	// bufs are the buffers windows of entries are encoded in, kept for
	// the next: a window of 128 pods is ~2 MB.
	bufs sync.Pool
}

// DirEnv names the journal directory when --journal-dir is not given.
const DirEnv = "LIFEBOAT_JOURNAL_DIR"

// DefaultDir is where journals go unless told otherwise:
// $XDG_STATE_HOME/lifeboat/journals, else ~/.local/state/lifeboat/journals.
// One place per user, so that the journal of a write made at 3 a.m. from
// whatever directory the shell was in is found again by `journal ls`.
func DefaultDir() string {
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "lifeboat", "journals")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "lifeboat", "journals")
	}
	return filepath.Join(os.TempDir(), "lifeboat-journals")
}

// Name is the file name of a journal started at now:
// <UTC time>-<command>.jsonl, so that names sort by time.
func Name(now time.Time, command string) string {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, command)
	if len(slug) > 40 {
		slug = slug[:40]
	}
	slug = strings.Trim(slug, "-")
	name := now.UTC().Format("20060102T150405.000Z")
	if slug != "" {
		name += "-" + slug
	}
	return name + ".jsonl"
}

// Find names the journal arg means: a path, or when no such file
// exists and arg has no directory part, the file of that name in dir.
func Find(dir, arg string) string {
	if _, err := os.Stat(arg); errors.Is(err, os.ErrNotExist) && !strings.ContainsRune(arg, os.PathSeparator) {
		if inDir := filepath.Join(dir, arg); fileExists(inDir) {
			return inDir
		}
	}
	return arg
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Info is what a journal says about the run that wrote it.
type Info struct {
	Command   string
	Endpoints []string
	Prefix    string
	// Cluster is the etcd cluster the run wrote to; nil in journals from
	// before lifeboat recorded it. Create leaves it to Store.Apply,
	// which asks etcd before the first write.
	Cluster *ClusterIdentity
}

// Create creates a new journal at path, mode 0600 (it holds whole
// objects, secrets included), and writes its begin entry. The file must not
// exist and is never followed through a symlink: appending to an existing
// file would mix object data into it, and its writes could not be undone
// from it. Missing parent directories are created, 0700. The begin entry
// is written with the first writes, when Store.Apply has added the etcd
// cluster they go to (info.Cluster, when set, is written at once), or at
// Close.
func Create(path string, info Info) (*Journal, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("journal directory %s: %w (choose another with --journal-dir)", dir, err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, &UsageError{Err: fmt.Errorf("journal %s already exists: a journal is always a new file (choose a new --journal path, or leave it out)", path)}
		}
		return nil, fmt.Errorf("journal %s: %w (choose another path with --journal or --journal-dir)", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	j := &Journal{path: abs, file: f, now: time.Now}
	j.begin = &Entry{Type: EntryBegin, Time: j.now().UTC(), Command: info.Command, Endpoints: info.Endpoints, Prefix: info.Prefix}
	if info.Cluster != nil {
		j.begin.ClusterID, j.begin.MemberID = hexID(info.Cluster.ClusterID), hexID(info.Cluster.MemberID)
		if err := j.Append(nil); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// Now is the journal's clock, which its entries' times come from.
func (j *Journal) Now() time.Time { return j.now() }

// Path is the journal's absolute path.
func (j *Journal) Path() string { return j.path }

// Close writes the begin entry if no write did, and closes the file.
func (j *Journal) Close() error {
	err := j.Append(nil)
	if cerr := j.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// NeedsCluster reports whether the begin entry is still to be written
// without the etcd cluster it goes to.
func (j *Journal) NeedsCluster() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.begin != nil && j.begin.ClusterID == ""
}

// SetCluster names the etcd cluster in the begin entry, if it is not
// written yet.
func (j *Journal) SetCluster(id ClusterIdentity) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.begin != nil && j.begin.ClusterID == "" {
		j.begin.ClusterID, j.begin.MemberID = hexID(id.ClusterID), hexID(id.MemberID)
	}
}

// Append writes entries and fsyncs: after it returns, they survive a crash
// of lifeboat or of the machine. The begin entry goes first, if it is not
// written yet.
func (j *Journal) Append(entries []Entry) error {
	// Sized for the base64 of every image up front: growing a buffer to
	// a window's size copies it several times.
	size := 0
	for i := range entries {
		size += 512 + (len(entries[i].Before)+len(entries[i].After))*4/3
	}
	kept, _ := j.bufs.Get().(*[]byte)
	if kept == nil {
		kept = new([]byte)
	}
	defer j.bufs.Put(kept)
	buf := slices.Grow((*kept)[:0], size)
	for i := range entries {
		var err error
		if buf, err = entries[i].appendJSON(buf); err != nil {
			return fmt.Errorf("journal %s: %w", j.path, err)
		}
	}
	*kept = buf
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.begin != nil {
		line, err := j.begin.appendJSON(nil)
		if err != nil {
			return fmt.Errorf("journal %s: %w", j.path, err)
		}
		if _, err := j.file.Write(line); err != nil {
			return fmt.Errorf("journal %s: write: %w", j.path, err)
		}
		j.begin = nil
	} else if len(entries) == 0 {
		return nil
	}
	if _, err := j.file.Write(buf); err != nil {
		return fmt.Errorf("journal %s: write: %w", j.path, err)
	}
	if err := j.file.Sync(); err != nil {
		return fmt.Errorf("journal %s: fsync: %w", j.path, err)
	}
	return nil
}

// File is a journal as read back.
type File struct {
	Path    string
	Info    Info // empty for journals written before begin entries
	Started time.Time
	Entries []Entry // write and committed entries, in file order
	// Torn is set when the last line is incomplete (lifeboat or the machine
	// died while writing it). It is ignored: the entry it began was never
	// followed by its Txn, because each write entry is fsynced first.
	Torn error
}

// Read reads a journal file. A torn last line is reported in Torn
// and ignored; any other line that is not a journal entry is an error.
func Read(path string) (*File, error) {
	f, err := regularfile.Open(path)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("journal %s: %w", path, err)}
	}
	defer f.Close()
	if err := trustJournal(path, f); err != nil {
		return nil, err
	}
	jf, err := readJournal(path, f)
	if err != nil {
		return nil, err
	}
	if len(jf.Entries) == 0 {
		return nil, &UsageError{Err: fmt.Errorf("journal %s has no writes: nothing to undo", path)}
	}
	return jf, nil
}

func readJournal(path string, r io.Reader) (*File, error) {
	jf := &File{Path: path}
	br := bufio.NewReaderSize(r, 256<<10)
	for line := 1; ; line++ {
		text, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
		last := err == io.EOF
		if len(bytes.TrimSpace(text)) > 0 {
			e, perr := parseEntry(text)
			switch {
			case perr != nil && last:
				jf.Torn = fmt.Errorf("journal %s:%d: last line is incomplete (%d bytes; lifeboat stopped while writing it): ignored, its write was never sent", path, line, len(text))
			case perr != nil:
				return nil, &UsageError{Err: fmt.Errorf("journal %s:%d: %v", path, line, perr)}
			case e.Type == EntryBegin:
				jf.Info = Info{Command: e.Command, Endpoints: e.Endpoints, Prefix: e.Prefix}
				jf.Info.Cluster, _ = parseClusterIdentity(e.ClusterID, e.MemberID) // checked by parseEntry
				jf.Started = e.Time
			default:
				if jf.Started.IsZero() {
					jf.Started = e.Time
				}
				jf.Entries = append(jf.Entries, e)
			}
		}
		if last {
			return jf, nil
		}
	}
}

func parseEntry(line []byte) (Entry, error) {
	var e Entry
	if err := json.Unmarshal(line, &e); err != nil {
		return e, fmt.Errorf("not a lifeboat journal line: %v", err)
	}
	switch {
	case e.Type == EntryBegin:
		if _, err := parseClusterIdentity(e.ClusterID, e.MemberID); err != nil {
			return e, fmt.Errorf("not a lifeboat journal begin entry: %v", err)
		}
	case e.Key == "" || (e.Type != EntryWrite && e.Type != EntryCommitted && e.Type != EntryResolved):
		return e, fmt.Errorf("not a lifeboat journal entry (type %q, key %q)", e.Type, e.Key)
	case e.Type == EntryResolved && e.Resolution != ResolvedWritten && e.Resolution != ResolvedRetried && e.Resolution != ResolvedConflict:
		return e, fmt.Errorf("not a lifeboat journal entry (resolution %q, key %q)", e.Resolution, e.Key)
	}
	return e, nil
}

// WriteState says what became of one journaled write.
type WriteState string

const (
	WriteCommitted  WriteState = "committed"   // etcd took it
	WriteNotWritten WriteState = "not written" // journaled, but its Txn did not commit
	WriteUndone     WriteState = "undone"      // committed, and a later restore in this journal put its before-image back
)

// Write is one write of a journal with its outcome.
type Write struct {
	Entry            // the write entry; AfterRevision filled from its commit
	State WriteState // as far as this journal knows
	// InDoubt, when set, is how lifeboat settled this write after etcd
	// did not report its outcome (the last time, if more than once).
	InDoubt Resolution
}

// Writes pairs write entries with their commits, in the order they were
// written. A write journaled again after its first compare failed (a
// re-plan) supersedes the attempt that did not commit, which is dropped.
func (jf *File) Writes() []Write {
	var writes []Write
	lastWrite := map[string]int{} // key -> index of its latest write
	for _, e := range jf.Entries {
		switch e.Type {
		case EntryWrite:
			if i, ok := lastWrite[e.Key]; ok && writes[i].AfterRevision == 0 {
				// The earlier attempt never committed: this one replaces it.
				writes = append(writes[:i], writes[i+1:]...)
				for k, v := range lastWrite {
					if v > i {
						lastWrite[k] = v - 1
					}
				}
			}
			lastWrite[e.Key] = len(writes)
			writes = append(writes, Write{Entry: e, State: WriteNotWritten})
		case EntryCommitted:
			if i, ok := lastWrite[e.Key]; ok {
				writes[i].AfterRevision = e.AfterRevision
				writes[i].State = WriteCommitted
			}
		case EntryResolved:
			if i, ok := lastWrite[e.Key]; ok {
				writes[i].InDoubt = e.Resolution
				if e.Resolution == ResolvedWritten {
					// Its "committed" line follows in the same append;
					// this one says as much on its own.
					writes[i].AfterRevision = e.AfterRevision
					writes[i].State = WriteCommitted
				}
			}
		}
	}
	// A committed restore whose value is an earlier write's before-image,
	// with nothing else written to the key in between, undid that write.
	for i := range writes {
		r := &writes[i]
		if r.Action != RestoreAction || r.State != WriteCommitted {
			continue
		}
		for k := i - 1; k >= 0; k-- {
			w := &writes[k]
			if w.Key != r.Key || w.State != WriteCommitted {
				continue
			}
			if w.Action == RestoreAction {
				break
			}
			w.State = WriteUndone
			if bytes.Equal(w.Before, r.After) {
				break
			}
		}
	}
	return writes
}

// Summary is one line of `lifeboat journal ls`.
type Summary struct {
	Path     string
	Started  time.Time
	Command  string
	Cluster  *ClusterIdentity // nil: the journal does not record it
	Keys     int              // distinct keys written or attempted
	Written  int              // committed writes (restores included)
	Undone   int              // of those, undone by a later restore in the same journal or by an undo journal
	Restores int              // committed restores (this journal is an undo)
	Torn     bool
	Err      error // the file could not be read as a journal
}

// List summarizes every *.jsonl journal in dir, oldest first. An
// undo run journals its restores with the path they undo, so a journal's
// Undone count includes undos run later from other journals.
func List(dir string) ([]Summary, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("journal directory %s: %w", dir, err)
	}
	sort.Strings(names)
	var out []Summary
	undoneElsewhere := map[string]map[string]bool{} // journal path -> keys restored from it
	for _, path := range names {
		s := Summary{Path: path}
		f, err := regularfile.Open(path)
		if err != nil {
			s.Err = err
			out = append(out, s)
			continue
		}
		jf, err := readJournal(path, f)
		f.Close()
		if err != nil {
			s.Err = err
			out = append(out, s)
			continue
		}
		s.Started, s.Command, s.Cluster, s.Torn = jf.Started, jf.Info.Command, jf.Info.Cluster, jf.Torn != nil
		keys := map[string]bool{}
		for _, w := range jf.Writes() {
			keys[w.Key] = true
			if w.State == WriteNotWritten {
				continue
			}
			s.Written++
			if w.State == WriteUndone {
				s.Undone++
			}
			if w.Action == RestoreAction {
				s.Restores++
				if w.Undoes != "" {
					abs, _ := filepath.Abs(w.Undoes)
					if undoneElsewhere[abs] == nil {
						undoneElsewhere[abs] = map[string]bool{}
					}
					undoneElsewhere[abs][w.Key] = true
				}
			}
		}
		s.Keys = len(keys)
		out = append(out, s)
	}
	for i := range out {
		abs, _ := filepath.Abs(out[i].Path)
		if n := len(undoneElsewhere[abs]); n > 0 {
			out[i].Undone = min(out[i].Written, out[i].Undone+n)
		}
	}
	return out, nil
}
