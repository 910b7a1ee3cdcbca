package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// Run opens the full-screen UI on the terminal behind in and out and
// returns when the operator quits or ctx ends. It returns the session
// journal's path ("" when nothing was written) so the caller can print the
// undo command after the screen is restored.
//
// A panic ends the UI and comes back, the terminal restored, as a
// *PanicError: its message names the session journal; its stack is for
// the caller to print.
func Run(ctx context.Context, store *etcdops.Store, opts Options, in io.Reader, out io.Writer) (journalPath string, err error) {
	m, err := New(store, opts)
	if err != nil {
		return "", err
	}
	defer m.Close()
	return m.run(ctx, in, out)
}

// run runs the model as the program on the terminal behind in and out.
func (m *Model) run(ctx context.Context, in io.Reader, out io.Writer) (journalPath string, err error) {
	if in == nil {
		in = os.Stdin
	}
	if out == nil {
		out = os.Stdout
	}
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
		tea.WithAltScreen(), tea.WithMouseCellMotion())
	m.program = p
	_, err = p.Run()
	// Run has restored the terminal (a panic caught here ends the program
	// as a quit does): what follows is printed on the operator's shell.
	if f := m.failed.Load(); f != nil {
		failure := *f
		failure.Journal = m.JournalPath()
		return failure.Journal, &failure
	}
	if errors.Is(err, tea.ErrProgramPanic) {
		// A panic in bubbletea itself: it printed the stack.
		return m.JournalPath(), &PanicError{Value: "bubbletea caught a panic (its stack is printed above)", Journal: m.JournalPath()}
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // Ctrl-C from the shell or SIGTERM: a normal end
	}
	if err != nil {
		return m.JournalPath(), fmt.Errorf("tui: %w", err)
	}
	return m.JournalPath(), nil
}
