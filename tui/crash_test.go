package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/creack/pty"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"golang.org/x/term"
)

// crashScreen is a screen with a bug: "!" panics in its update, and its
// body panics once inBody is set.
type crashScreen struct {
	textScreen
	inBody bool
}

func newCrashScreen(m *Model) *crashScreen {
	return &crashScreen{textScreen: newTextScreen(m, "press ! to panic")}
}

func (c *crashScreen) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "!" {
		panic("forced: a bug in a screen's update")
	}
	return c.textScreen.update(msg)
}

func (c *crashScreen) body() string {
	if c.inBody {
		panic("forced: a bug in a screen's body")
	}
	return c.textScreen.body()
}

func (c *crashScreen) title() string { return "crash" }
func (c *crashScreen) hints() string { return "" }

// TestPanicsAreCaught: a panic wherever the TUI's code runs (Update, View,
// a tea.Cmd, an informer's summary, the goroutine writing a batch, the
// editor) is kept with its stack, and the program quits, the ordinary way
// that restores the terminal. Nothing is drawn or handled after it.
func TestPanicsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		name  string
		panic func(h *harness)
		value string // in the panic kept
		stack string // a function its stack names
	}{
		{
			name: "Update", value: "forced: a bug in a screen's update", stack: "(*crashScreen).update",
			panic: func(h *harness) {
				h.m.push(newCrashScreen(h.m))
				h.press("!")
			},
		},
		{
			name: "View", value: "forced: a bug in a screen's body", stack: "(*crashScreen).body",
			panic: func(h *harness) {
				c := newCrashScreen(h.m)
				c.inBody = true
				h.m.push(c)
				if v := h.m.View(); v != "" {
					t.Errorf("View drew %q when it panicked", v)
				}
				h.press("j") // bubbletea's next message: it quits
			},
		},
		{
			name: "a command", value: "forced: a bug in a command", stack: "TestPanicsAreCaught",
			panic: func(h *harness) {
				h.run(h.m.guard(tea.Batch(tickCmd(time.Millisecond, clockMsg{}), func() tea.Msg { panic("forced: a bug in a command") })))
			},
		},
		{
			name: "a summary", value: "forced: a bug in a printer (summarizing /registry/pods/shop/p)", stack: "TestPanicsAreCaught",
			panic: func(h *harness) {
				r := h.m.guardSummary(func(etcdops.Item) *row { panic("forced: a bug in a printer") })(etcdops.Item{Record: etcdops.Record{Key: "/registry/pods/shop/p"}})
				if r == nil || r.key != "/registry/pods/shop/p" {
					t.Errorf("the summary that panicked is %+v, want a row for its key", r)
				}
				h.press("j")
			},
		},
		{
			name: "a batch write", value: "forced: a bug in a write", stack: "(*Model).startApply",
			panic: func(h *harness) {
				apply := func(context.Context, etcdops.ApplyOptions, func(int, *etcdops.Change, etcdops.Result) error) error {
					panic("forced: a bug in a write")
				}
				for range h.m.startApply(apply, nil) { // it ends, closed
				}
				h.press("j")
			},
		},
		{
			name: "the editor", value: "invalid memory address or nil pointer dereference", stack: "guardedExec.Run",
			panic: func(h *harness) {
				// No session: its Run dereferences nil.
				if err := (guardedExec{m: h.m}).Run(); !errors.Is(err, errEditorPanicked) {
					t.Errorf("the editor's panic ended in %v", err)
				}
				h.press("j")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			h.allowFailure = true
			tc.panic(h)
			h.waitFor("the program to quit", func() bool { return h.quit })
			f := h.m.failed.Load()
			if f == nil {
				t.Fatal("no panic kept")
			}
			if got := fmt.Sprint(f.Value); !strings.Contains(got, tc.value) {
				t.Errorf("panic %q, want %q", got, tc.value)
			}
			if !strings.Contains(string(f.Stack), tc.stack) {
				t.Errorf("the stack names no %s:\n%s", tc.stack, f.Stack)
			}
			if v := h.m.View(); v != "" {
				t.Errorf("View after the panic drew %q", v)
			}
			if _, cmd := h.m.Update(tea.KeyMsg{Type: tea.KeyEnter}); cmd == nil {
				t.Error("Update after the panic does not quit")
			} else if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Errorf("Update after the panic returns %T, want tea.Quit", cmd())
			}
		})
	}
}

// TestPanicError: what the operator reads on the shell after a panic.
func TestPanicError(t *testing.T) {
	for _, tc := range []struct {
		journal, want string
	}{
		{"", "the TUI failed: boom; this session wrote nothing"},
		{"/var/j/tui.jsonl", "the TUI failed: boom; writes made this session are journaled in /var/j/tui.jsonl " +
			"('lifeboat journal show /var/j/tui.jsonl', 'lifeboat undo /var/j/tui.jsonl')"},
	} {
		if got := (&PanicError{Value: "boom", Journal: tc.journal}).Error(); got != tc.want {
			t.Errorf("journal %q:\n got %s\nwant %s", tc.journal, got, tc.want)
		}
	}
}

// TestPanicRestoresTheTerminal runs the program on a pseudo-terminal, as
// Run does, and makes a screen panic: Run returns a *PanicError naming the
// session journal, after the terminal is back as it was (cooked mode, the
// main screen, the cursor shown), so that what the caller prints is read.
func TestPanicRestoresTheTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		t.Fatal(err)
	}
	cooked, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	go io.Copy(&out, ptmx) //nolint:errcheck // ends when ptmx closes

	h := newHarness(t, harnessOptions{})
	m, err := New(h.store, Options{JournalPath: filepath.Join(t.TempDir(), "session.jsonl"), Now: h.m.opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.journalForWrites(); err != nil { // as after a first write
		t.Fatal(err)
	}
	m.push(newCrashScreen(m))
	type result struct {
		path string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		path, err := m.run(context.Background(), tty, tty)
		done <- result{path, err}
	}()
	const altScreen, mainScreen, showCursor = "\x1b[?1049h", "\x1b[?1049l", "\x1b[?25h"
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "press ! to panic") {
		if time.Now().After(deadline) {
			t.Fatalf("the TUI never showed:\n%q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if raw, err := term.GetState(int(tty.Fd())); err != nil || reflect.DeepEqual(raw, cooked) {
		t.Fatalf("the terminal is not raw while the TUI runs (err %v): the check below would prove nothing", err)
	}
	if _, err := ptmx.Write([]byte("!")); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not end after the panic")
	}
	var failed *PanicError
	if !errors.As(r.err, &failed) {
		t.Fatalf("run returned %v, want a *PanicError", r.err)
	}
	want := "the TUI failed: forced: a bug in a screen's update; writes made this session are journaled in " + r.path +
		" ('lifeboat journal show " + r.path + "', 'lifeboat undo " + r.path + "')"
	if r.path == "" || r.path != m.JournalPath() || failed.Error() != want {
		t.Errorf("path %q, error:\n%s\nwant:\n%s", r.path, failed.Error(), want)
	}
	if !strings.Contains(string(failed.Stack), "(*crashScreen).update") {
		t.Errorf("the stack is not the panic's:\n%s", failed.Stack)
	}
	now, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(now, cooked) {
		t.Errorf("the terminal is left in another mode (raw?): %+v, was %+v", now, cooked)
	}
	// What the program wrote last leaves the alternate screen and shows
	// the cursor.
	time.Sleep(100 * time.Millisecond) // the pty's last bytes
	written := out.String()
	last := written[strings.LastIndex(written, altScreen)+len(altScreen):]
	if !strings.Contains(last, mainScreen) || !strings.Contains(last, showCursor) {
		t.Errorf("the program never left the alternate screen, or left the cursor hidden; it wrote last:\n%q", last)
	}
}

// lockedBuffer is a bytes.Buffer one goroutine writes and another reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
