package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// hostileNames are object names an etcd key can hold (the apiserver would
// refuse them; etcd takes any bytes): printed raw, each would drive the
// terminal of whoever reads them.
var hostileNames = []string{
	"title\x1b]0;pwned\x07", // OSC: sets the window title
	"clear\x1b[2J",          // CSI: clears the screen
	"nul\x00byte",           // NUL
	"rtl\u202egnp.exe",      // right-to-left override
}

// rawControls lists what in out would reach the terminal raw: any
// character render.Safe escapes, but the newlines between lines.
func rawControls(out string) []string {
	var found []string
	for _, line := range strings.Split(out, "\n") {
		if render.Safe(line) != line {
			found = append(found, line)
		}
	}
	return found
}

// TestHostileNamesAreEscaped: every command that prints a key, a name or a
// value escapes what could drive the terminal (render.Safe), in tables, in
// warnings, skip and error lines, in YAML and JSON; and still shows which
// object it is.
func TestHostileNamesAreEscaped(t *testing.T) {
	c := newCluster(t, demo.Options{})
	dir := t.TempDir()
	t.Setenv("LIFEBOAT_JOURNAL_DIR", dir)
	deleted := metav1.NewTime(testNow.Add(-10 * time.Minute))
	for i, name := range hostileNames {
		pod := demo.RealisticPod("shop", name, "worker-6", i)
		pod.DeletionTimestamp = &deleted
		value, err := codec.EncodeProtobuf(pod)
		if err != nil {
			t.Fatal(err)
		}
		for key, v := range map[string]string{"/registry/pods/shop/" + name: string(value), "/registry/pods/shop/bad-" + name: "not an object"} {
			if _, err := c.cli.Put(context.Background(), key, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	escaped := render.Safe(hostileNames[0]) // title\x1b]0;pwned\x07
	journal := filepath.Join(dir, "undelete.jsonl")

	for _, tt := range []struct {
		args []string
		code int
		want string // in stdout or stderr, escaped
	}{
		{[]string{"get", "pods", "-n", "shop"}, exitPartial, escaped},
		{[]string{"get", "pods", "-n", "shop", "-o", "yaml"}, exitPartial, `name: "title\e]0;pwned\a"`},
		{[]string{"get", "pods", "-n", "shop", "-o", "json"}, exitPartial, `"name": "title\u001b]0;pwned\u0007"`},
		{[]string{"get", "pods", hostileNames[3], "-n", "shop", "-o", "json"}, exitOK, `"name": "rtl\u202egnp.exe"`},
		{[]string{"get", "pods", "no-such-" + hostileNames[1], "-n", "shop"}, exitError, `no-such-clear\x1b[2J`},
		{[]string{"ls", "/registry/pods/shop/"}, exitPartial, "/registry/pods/shop/bad-" + escaped},
		{[]string{"ls", "/registry/pods/shop/", "-o", "json"}, exitPartial, `"key":"/registry/pods/shop/rtl\u202egnp.exe"`},
		{[]string{"doctor"}, exitPartial, "/registry/pods/shop/bad-" + escaped},
		{[]string{"doctor", "-o", "json"}, exitPartial, `bad-nul\u0000byte`},
		{[]string{"history", "pods", hostileNames[1], "-n", "shop"}, exitOK, `pods/shop/clear\x1b[2J`},
		{[]string{"pods", "undelete", "-n", "shop", "--dry-run"}, exitPartial, "skip: pods/shop/bad-" + escaped},
		{[]string{"pods", "undelete", "-n", "shop", hostileNames[2], "--yes", "--journal", journal}, exitOK, `pods/shop/nul\x00byte: undelete`},
		{[]string{"journal", "ls"}, exitOK, `nul\x00byte`},
		{[]string{"journal", "show", journal}, exitOK, `pods/shop/nul\x00byte`},
		{[]string{"decode"}, exitPartial, ""},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdin []byte
			if tt.args[0] == "decode" {
				stdin = []byte("\x1b]0;pwned\x07 is no value")
			}
			r := lifeboat(t, stdin, append([]string{"--endpoints", c.endpoint}, tt.args...)...)
			wantCode(t, r, tt.code)
			if raw := rawControls(r.out + r.errOut); len(raw) > 0 {
				t.Errorf("raw control or bidi characters reach the terminal: %q\n%s", raw, r)
			}
			if !strings.Contains(r.out+r.errOut, tt.want) {
				t.Errorf("output does not show %q:\n%s", tt.want, r)
			}
			// YAML and JSON still say exactly what etcd holds.
			if i := indexOf(tt.args, "-o"); i >= 0 && tt.args[0] == "get" {
				var doc any
				if err := yaml.Unmarshal([]byte(r.out), &doc); err != nil {
					t.Fatalf("not %s: %v", tt.args[i+1], err)
				}
				want, one := hostileNames, tt.args[2] != "-n"
				if one {
					want = tt.args[2:3] // one object, by name
				}
				if names := namesIn(doc); !containsAll(names, want) || (one && len(names) != 1) {
					t.Errorf("the %s output names %q, want %q as etcd holds them", tt.args[i+1], names, want)
				}
			}
		})
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Errorf("journal directory holds %d files, want the undelete's", len(files))
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// namesIn lists metadata.name of a List's items, or of one object.
func namesIn(doc any) []string {
	m, _ := doc.(map[string]any)
	items, ok := m["items"].([]any)
	if !ok {
		items = []any{m}
	}
	var names []string
	for _, it := range items {
		md, _ := it.(map[string]any)["metadata"].(map[string]any)
		if name, ok := md["name"].(string); ok && utf8.ValidString(name) {
			names = append(names, name)
		}
	}
	return names
}

func containsAll(list, want []string) bool {
	for _, w := range want {
		if indexOf(list, w) < 0 {
			return false
		}
	}
	return true
}
