package editor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
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
// that logs each run and edits the file as a person would.
func TestSession(t *testing.T) {
	_, cli := etcdtest.Start(t)
	ctx := context.Background()
	const key = "/registry/configmaps/shop/app-config"
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: "shop"}, Data: map[string]string{"LOG_LEVEL": "info"}}
	if err := demo.PutObject(ctx, cli, key, cm, clientv3.NoLease); err != nil {
		t.Fatal(err)
	}
	store := etcdops.NewStore(cli, "", false)
	info := etcdops.KeyInfo{Resource: etcdops.MustResolveResource("configmaps"), Namespace: "shop", Name: "app-config"}
	reopened := `grep -q "could not be written" "$1"`
	for _, tc := range []struct {
		name    string
		editor  string
		newer   bool
		runs    int
		wantLog string // in the new value ("" means no plan)
		wantErr []string
		usage   bool // the error is a *etcdops.UsageError (exit code 2)
	}{
		{name: "saved unchanged cancels", editor: "exit 0", runs: 1},
		{name: "edited", editor: `sed -i 's/LOG_LEVEL: info/LOG_LEVEL: debug/' "$1"`, runs: 1, wantLog: "debug"},
		{name: "misspelt, then fixed", runs: 2, wantLog: "debug",
			editor: reopened + ` && sed -i 's/^dataa:/data:/; s/LOG_LEVEL: info/LOG_LEVEL: debug/' "$1" || sed -i 's/^data:/dataa:/' "$1"`},
		{name: "misspelt, saved again broken", runs: 2,
			editor:  reopened + ` || sed -i 's/^data:/dataa:/' "$1"`,
			wantErr: []string{"configmaps/shop/app-config: edit cancelled, the error was not fixed", `unknown field "dataa"`}, usage: true},
		{name: "renamed, saved again", runs: 2,
			editor:  reopened + ` || sed -i 's/name: app-config/name: other/' "$1"`,
			wantErr: []string{"the error was not fixed", `renames it to "other"`}, usage: true},
		{name: "not YAML, saved again", runs: 2,
			editor:  reopened + ` || echo '  : [' >> "$1"`,
			wantErr: []string{"the error was not fixed", "not YAML"}, usage: true},
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
				if s.Plan != nil {
					t.Error("a plan next to an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantLog == "" {
				if s.Plan != nil {
					t.Errorf("saved unchanged, yet a plan: %+v", s.Plan)
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
			if got := obj.Typed.(*corev1.ConfigMap).Data["LOG_LEVEL"]; got != tc.wantLog {
				t.Errorf("the plan writes LOG_LEVEL=%q, want %q", got, tc.wantLog)
			}
		})
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
