package etcdops

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// A journal is an append-only JSON Lines file of every write lifeboat makes:
// before each compare-and-swap, one "write" entry with the before-image and
// the after-image, fsynced; after it, one "committed" entry with the new
// revision. Undo reads it back. Values are base64 (encoding/json's []byte).

// JournalEntry is one line of a journal.
type JournalEntry struct {
	Type           string    `json:"type"` // "write" before the etcd write, "committed" after it
	Time           time.Time `json:"time"`
	Key            string    `json:"key"`
	Resource       string    `json:"resource,omitempty"`
	Namespace      string    `json:"namespace,omitempty"`
	Name           string    `json:"name,omitempty"`
	Action         Action    `json:"action,omitempty"`
	Before         []byte    `json:"before,omitempty"`
	BeforeRevision int64     `json:"beforeRevision,omitempty"`
	Lease          int64     `json:"lease,omitempty"`
	After          []byte    `json:"after,omitempty"`
	AfterRevision  int64     `json:"afterRevision,omitempty"`
}

const (
	entryWrite     = "write"
	entryCommitted = "committed"
)

// Journal is an open journal file.
type Journal struct {
	path string
	file *os.File
	now  func() time.Time
}

// DefaultJournalPath is ./lifeboat-journal-<UTC time>.jsonl.
func DefaultJournalPath(now time.Time) string {
	return "lifeboat-journal-" + now.UTC().Format("20060102T150405.000Z") + ".jsonl"
}

// CreateJournal opens path for appending, creating it with mode 0600: it
// holds whole objects, secrets included.
func CreateJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w (choose another path with --journal)", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return &Journal{path: abs, file: f, now: time.Now}, nil
}

// Path is the journal's absolute path.
func (j *Journal) Path() string { return j.path }

// Close closes the file.
func (j *Journal) Close() error { return j.file.Close() }

// recordWrites appends one "write" entry per change and fsyncs: after it
// returns, the before-images survive a crash of lifeboat or the machine.
func (j *Journal) recordWrites(changes []*Change) error {
	entries := make([]JournalEntry, len(changes))
	now := j.now().UTC()
	for i, c := range changes {
		entries[i] = JournalEntry{
			Type: entryWrite, Time: now, Key: c.Before.Key,
			Resource: c.Resource.String(), Namespace: c.Namespace, Name: c.Name, Action: c.Action,
			Before: c.Before.Value, BeforeRevision: c.Before.ModRevision, Lease: c.Lease, After: c.After,
		}
	}
	return j.append(entries)
}

// recordCommits appends one "committed" entry per key written at rev.
func (j *Journal) recordCommits(changes []*Change, rev int64) error {
	entries := make([]JournalEntry, len(changes))
	now := j.now().UTC()
	for i, c := range changes {
		entries[i] = JournalEntry{Type: entryCommitted, Time: now, Key: c.Before.Key, AfterRevision: rev}
	}
	return j.append(entries)
}

func (j *Journal) append(entries []JournalEntry) error {
	w := bufio.NewWriter(j.file)
	enc := json.NewEncoder(w)
	for i := range entries {
		if err := enc.Encode(&entries[i]); err != nil {
			return fmt.Errorf("journal %s: %w", j.path, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("journal %s: write: %w", j.path, err)
	}
	if err := j.file.Sync(); err != nil {
		return fmt.Errorf("journal %s: fsync: %w", j.path, err)
	}
	return nil
}

// ReadJournal reads every entry of a journal file.
func ReadJournal(path string) ([]JournalEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("journal %s: %w", path, err)}
	}
	defer f.Close()
	return readJournal(path, f)
}

func readJournal(path string, r io.Reader) ([]JournalEntry, error) {
	var entries []JournalEntry
	sc := bufio.NewScanner(r)
	// A line holds two whole objects; etcd values go up to 1.5 MiB each.
	sc.Buffer(make([]byte, 0, 64*1024), 8<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, &UsageError{Err: fmt.Errorf("journal %s:%d: not a lifeboat journal line: %v", path, line, err)}
		}
		if e.Key == "" || (e.Type != entryWrite && e.Type != entryCommitted) {
			return nil, &UsageError{Err: fmt.Errorf("journal %s:%d: not a lifeboat journal entry (type %q, key %q)", path, line, e.Type, e.Key)}
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if len(entries) == 0 {
		return nil, &UsageError{Err: errors.New("journal " + path + " has no entries: nothing to undo")}
	}
	return entries, nil
}
