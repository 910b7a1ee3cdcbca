package editor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestSession: the loop against a real etcd, with a sh script as $EDITOR
// that logs each run and edits the file as a person (or a broken editor)
// would. Every way of saving ends within two runs, as kubectl edit's loop
// does (k8s.io/kubectl pkg/cmd/util/editor/editoptions.go).
func TestSession(t *testing.T) {
	_, cli := etcdtest.Start(t)
	ctx := context.Background()
	const key = "/registry/configmaps/shop/app-config"
	// A script with comment lines: in a block scalar they are data.
	const initScript = "#!/bin/sh\n# wait for the database\nsleep 1\n"
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: "shop"},
		Data: map[string]string{"LOG_LEVEL": "info", "init.sh": initScript}}
	if err := demo.PutObject(ctx, cli, key, cm, clientv3.NoLease); err != nil {
		t.Fatal(err)
	}
	store := etcdops.NewStore(cli, "", false)
	info := etcdops.KeyInfo{Resource: etcdops.MustResolveResource("configmaps"), Namespace: "shop", Name: "app-config"}
	reopened := `grep -q "could not be written" "$1"`
	other := `printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: shop\n' >> "$1"`
	gaveUp := "configmaps/shop/app-config: edit cancelled, no valid changes were saved: the error was not fixed (the file was saved again as it was reopened): "
	for _, tc := range []struct {
		name      string
		editor    string
		newer     bool
		runs      int
		wantLog   string // in the new value ("" means no plan)
		cancelled string // Session.Cancelled, when no plan and no error
		wantErr   []string
		usage     bool // the error is a *etcdops.UsageError (exit code 2)
		kept      bool // the error names the file, kept
	}{
		{name: "saved unchanged cancels", editor: "exit 0", runs: 1, cancelled: CancelledUnchanged},
		{name: "reformatted, comments dropped: unchanged", editor: `sed -i '/^#/d; s/^  LOG_LEVEL: info/  LOG_LEVEL: "info"/' "$1"`, runs: 1, cancelled: CancelledUnchanged},
		{name: "edited", editor: `sed -i 's/LOG_LEVEL: info/LOG_LEVEL: debug/' "$1"`, runs: 1, wantLog: "debug"},
		{name: "emptied cancels", editor: `: > "$1"`, runs: 1, cancelled: CancelledEmpty},
		{name: "only comments and separators cancel", editor: `printf '# nothing\n---\n\n---\n' > "$1"`, runs: 1, cancelled: CancelledEmpty},
		{name: "misspelt, then fixed", runs: 2, wantLog: "debug",
			editor: reopened + ` && sed -i 's/^dataa:/data:/; s/LOG_LEVEL: info/LOG_LEVEL: debug/' "$1" || sed -i 's/^data:/dataa:/' "$1"`},
		{name: "misspelt, saved again broken", runs: 2,
			editor:  reopened + ` || sed -i 's/^data:/dataa:/' "$1"`,
			wantErr: []string{gaveUp, `unknown field "dataa"`}, usage: true, kept: true},
		{name: "renamed, saved again", runs: 2,
			editor:  reopened + ` || sed -i 's/name: app-config/name: other/' "$1"`,
			wantErr: []string{gaveUp, `renames it to "other"`}, usage: true, kept: true},
		{name: "not YAML, saved again", runs: 2,
			editor:  reopened + ` || echo '  : [' >> "$1"`,
			wantErr: []string{gaveUp, "not YAML"}, usage: true, kept: true},
		{name: "the same invalid text written each time", runs: 2, editor: `printf 'data: [\n' > "$1"`,
			wantErr: []string{gaveUp, "not YAML"}, usage: true, kept: true},
		{name: "null each time", runs: 2, editor: `echo null > "$1"`,
			wantErr: []string{gaveUp, "the file holds null, not an object"}, usage: true, kept: true},
		{name: "a list each time", runs: 2, editor: `echo '[]' > "$1"`,
			wantErr: []string{gaveUp, "the file holds a list, not an object"}, usage: true, kept: true},
		{name: "a string each time", runs: 2, editor: `echo 'hello' > "$1"`,
			wantErr: []string{gaveUp, "the file holds a string, not an object"}, usage: true, kept: true},
		{name: "two documents, saved again", runs: 2, editor: reopened + ` || ` + other,
			wantErr: []string{gaveUp, "the file holds 2 objects; edit one at a time: keep only configmaps/shop/app-config"}, usage: true, kept: true},
		{name: "two documents, then the second removed", runs: 2, wantLog: "debug",
			editor: reopened + ` && sed -i '/^---$/,$d' "$1" || { sed -i 's/LOG_LEVEL: info/LOG_LEVEL: debug/' "$1"; ` + other + `; }`},
		{name: "null, then emptied", runs: 2, cancelled: CancelledEmpty, editor: reopened + ` && : > "$1" || echo null > "$1"`},
		{name: "misspelt, then put back as it was", runs: 2, cancelled: CancelledUnchanged,
			editor: reopened + ` && sed -i 's/^dataa:/data:/' "$1" || sed -i 's/^data:/dataa:/' "$1"`},
		{name: "a named pipe in the file's place", runs: 1, editor: `rm "$1" && mkfifo "$1"`,
			wantErr: []string{"the file the editor saved", "named pipe (FIFO)"}},
		{name: "a device in the file's place", runs: 1, editor: `rm "$1" && ln -s /dev/zero "$1"`,
			wantErr: []string{"the file the editor saved", "character device"}},
		{name: "larger than lifeboat reads", runs: 1, editor: `head -c 16777217 /dev/zero > "$1"`,
			wantErr: []string{"the file the editor saved", "larger than 16 MiB"}},
		{name: "editor fails", editor: "exit 3", runs: 1, wantErr: []string{`editor "`, "exit status 3"}},
		{name: "newer fields: refused before the editor", editor: "exit 0", newer: true, runs: 0,
			wantErr: []string{"field 50", "--allow-field-loss"}, usage: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "runs")
			script := filepath.Join(dir, "editor.sh")
			if err := os.WriteFile(script, []byte("#!/bin/sh\necho run >> '"+log+"'\n"+tc.editor+"\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("EDITOR", script)
			src, err := store.ReadForEdit(ctx, info)
			if err != nil {
				t.Fatal(err)
			}
			if tc.newer {
				src.Newer = []codec.NewerField{{Number: 50, WireType: "bytes", Bytes: 3}}
			}
			s := New(store, src, false)
			var out bytes.Buffer
			s.SetStdin(strings.NewReader(""))
			s.SetStdout(&out)
			s.SetStderr(&out)
			err = s.Run()
			logged, _ := os.ReadFile(log)
			if runs := bytes.Count(logged, []byte("run\n")); runs != tc.runs {
				t.Errorf("the editor ran %d times, want %d", runs, tc.runs)
			}
			if len(tc.wantErr) > 0 {
				var usage *etcdops.UsageError
				if err == nil || errors.As(err, &usage) != tc.usage {
					t.Fatalf("err = %v, want one (a usage error: %v)", err, tc.usage)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("err %q lacks %q", err, want)
					}
				}
				if s.Plan != nil || s.Cancelled != "" {
					t.Errorf("a plan (%v) or a cancellation (%q) next to an error", s.Plan, s.Cancelled)
				}
				checkKept(t, err, tc.kept)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Cancelled != tc.cancelled {
				t.Errorf("Cancelled = %q, want %q", s.Cancelled, tc.cancelled)
			}
			if tc.wantLog == "" {
				if s.Plan != nil {
					t.Errorf("cancelled, yet a plan: %+v", s.Plan)
				}
				return
			}
			if s.Plan == nil || len(s.Plan.Changes) != 1 || !s.Plan.Changes[0].Changed() {
				t.Fatalf("plan %+v, want one change", s.Plan)
			}
			obj, err := codec.Decode(s.Plan.Changes[0].After)
			if err != nil {
				t.Fatal(err)
			}
			data := obj.Typed.(*corev1.ConfigMap).Data
			if data["LOG_LEVEL"] != tc.wantLog {
				t.Errorf("the plan writes LOG_LEVEL=%q, want %q", data["LOG_LEVEL"], tc.wantLog)
			}
			if data["init.sh"] != initScript {
				t.Errorf("the plan writes init.sh %q, want it kept as %q: its comment lines are data", data["init.sh"], initScript)
			}
		})
	}
}

// checkKept requires that an error that gave up names the file the editor
// saved last, kept (kubectl: "A copy of your changes has been stored
// to"), and that no other error names one.
func checkKept(t *testing.T, err error, kept bool) {
	t.Helper()
	_, path, found := strings.Cut(err.Error(), "a copy of your changes has been stored to ")
	if found != kept {
		t.Fatalf("the error names a kept file: %v, want %v: %v", found, kept, err)
	}
	if !kept {
		return
	}
	path, uerr := strconv.Unquote(path)
	if uerr != nil {
		t.Fatalf("kept file %s: %v", path, uerr)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(path)) })
	if b, rerr := os.ReadFile(path); rerr != nil || len(b) == 0 {
		t.Errorf("the kept file: %q, %v", b, rerr)
	}
}

// TestName: $EDITOR, else $KUBE_EDITOR, else vi, as kubectl picks.
func TestName(t *testing.T) {
	for _, tc := range []struct{ editor, kubeEditor, want string }{
		{"nano", "emacs", "nano"},
		{"", "emacs -nw", "emacs -nw"},
		{"", "", "vi"},
	} {
		t.Setenv("EDITOR", tc.editor)
		t.Setenv("KUBE_EDITOR", tc.kubeEditor)
		if got := Name(); got != tc.want {
			t.Errorf("EDITOR=%q KUBE_EDITOR=%q: %q, want %q", tc.editor, tc.kubeEditor, got, tc.want)
		}
	}
}
