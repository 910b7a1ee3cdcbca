package journal_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/journal"
)

// beginLine is a journal's first line, as JSON.
func beginLine(t testing.TB, path string) map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadBytes('\n')
	if err != nil {
		t.Fatalf("journal %s: first line: %v", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil || m["type"] != "begin" {
		t.Fatalf("journal %s: first line is not a begin entry: %s", path, line)
	}
	return m
}

// TestJournalWithoutWritesHasItsBeginLine: a journal closed before any
// write still has its begin line (without a cluster: nothing asked etcd).
func TestJournalWithoutWritesHasItsBeginLine(t *testing.T) {
	j, err := journal.Create(filepath.Join(t.TempDir(), "journal.jsonl"), journal.Info{Command: "test", Prefix: "/registry"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if begin := beginLine(t, j.Path()); begin["command"] != "test" || begin["clusterID"] != nil {
		t.Errorf("begin line of a journal without writes: %v", begin)
	}
}

// TestJournalBeginNamesTheCluster: the cluster and member IDs are written
// in hex, as etcdctl prints them (etcdops' TestJournalNamesItsCluster reads
// them back from a journal with writes).
func TestJournalBeginNamesTheCluster(t *testing.T) {
	id := journal.ClusterIdentity{ClusterID: 0xcdf818194e3a8c32, MemberID: 0x8e9e05c52164694d}
	j, err := journal.Create(filepath.Join(t.TempDir(), "journal.jsonl"), journal.Info{Command: "test", Prefix: "/registry", Cluster: &id})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if begin := beginLine(t, j.Path()); begin["clusterID"] != "cdf818194e3a8c32" || begin["memberID"] != "8e9e05c52164694d" {
		t.Errorf("begin line %v, want clusterID cdf818194e3a8c32 memberID 8e9e05c52164694d", begin)
	}
}

// TestJournalResolvedLines: a "resolved" line says how a write whose
// outcome etcd did not report was settled; File.Writes gives it with
// the write, whose state the "committed" lines still decide. Journals
// written before the line existed read as they always did; a resolved
// line that is not one lifeboat writes is refused, as any such line is.
func TestJournalResolvedLines(t *testing.T) {
	const (
		begin  = `{"type":"begin","time":"2026-11-22T03:00:00Z","command":"lifeboat pods undelete -A --yes","prefix":"/registry"}`
		writeA = `{"type":"write","time":"2026-11-22T03:00:01Z","key":"/registry/pods/a/p","action":"undelete","before":"YQ==","beforeRevision":5,"after":"Yg=="}`
		writeB = `{"type":"write","time":"2026-11-22T03:00:01Z","key":"/registry/pods/b/p","action":"undelete","before":"YQ==","beforeRevision":6,"after":"Yg=="}`
	)
	line := func(typ, key, extra string) string {
		return `{"type":"` + typ + `","time":"2026-11-22T03:00:02Z","key":"/registry/pods/` + key + `/p"` + extra + `}`
	}
	type want struct {
		state   journal.WriteState
		inDoubt journal.Resolution
		rev     int64
	}
	tests := []struct {
		name    string
		lines   []string
		want    map[string]want // by namespace
		wantErr string
	}{
		{
			name:  "a journal from before resolved lines",
			lines: []string{begin, writeA, writeB, line("committed", "a", `,"afterRevision":9`)},
			want:  map[string]want{"a": {journal.WriteCommitted, "", 9}, "b": {journal.WriteNotWritten, "", 0}},
		},
		{
			name: "found written",
			lines: []string{begin, writeA, writeB, line("committed", "b", `,"afterRevision":8`),
				line("resolved", "a", `,"resolution":"written","afterRevision":9`), line("committed", "a", `,"afterRevision":9`)},
			want: map[string]want{"a": {journal.WriteCommitted, journal.ResolvedWritten, 9}, "b": {journal.WriteCommitted, "", 8}},
		},
		{
			name:  "not written, sent again and committed",
			lines: []string{begin, writeA, line("resolved", "a", `,"resolution":"retried"`), line("committed", "a", `,"afterRevision":12`)},
			want:  map[string]want{"a": {journal.WriteCommitted, journal.ResolvedRetried, 12}},
		},
		{
			name:  "sent again, in doubt again, then a conflict",
			lines: []string{begin, writeA, line("resolved", "a", `,"resolution":"retried"`), line("resolved", "a", `,"resolution":"conflict"`)},
			want:  map[string]want{"a": {journal.WriteNotWritten, journal.ResolvedConflict, 0}},
		},
		{
			name:  "settled, then lifeboat stopped while writing the commit",
			lines: []string{begin, writeA, line("resolved", "a", `,"resolution":"written","afterRevision":9`), `{"type":"committed","ti`},
			want:  map[string]want{"a": {journal.WriteCommitted, journal.ResolvedWritten, 9}},
		},
		{
			name:    "a resolution lifeboat does not write",
			lines:   []string{begin, writeA, line("resolved", "a", `,"resolution":"probably"`), line("committed", "a", `,"afterRevision":9`)},
			wantErr: `resolution "probably"`,
		},
		{
			name:    "a resolved line without a key",
			lines:   []string{begin, writeA, `{"type":"resolved","time":"2026-11-22T03:00:02Z","resolution":"written"}`, line("committed", "a", `,"afterRevision":9`)},
			wantErr: "not a lifeboat journal entry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.jsonl")
			text := strings.Join(tt.lines, "\n")
			if strings.HasSuffix(text, "}") {
				text += "\n" // else the last line is torn: no newline
			}
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			jf, err := journal.Read(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Read: %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			writes := jf.Writes()
			if len(writes) != len(tt.want) {
				t.Fatalf("%d writes, want %d", len(writes), len(tt.want))
			}
			for _, w := range writes {
				ns := strings.Split(w.Key, "/")[3]
				if got := (want{w.State, w.InDoubt, w.AfterRevision}); got != tt.want[ns] {
					t.Errorf("%s: %+v, want %+v", w.Key, got, tt.want[ns])
				}
			}
		})
	}
}
