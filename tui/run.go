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
func Run(ctx context.Context, store *etcdops.Store, opts Options, in io.Reader, out io.Writer) (journalPath string, err error) {
	m, err := New(store, opts)
	if err != nil {
		return "", err
	}
	defer m.Close()
	if in == nil {
		in = os.Stdin
	}
	if out == nil {
		out = os.Stdout
	}
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
		tea.WithAltScreen(), tea.WithMouseCellMotion())
	_, err = p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // Ctrl-C from the shell or SIGTERM: a normal end
	}
	if err != nil {
		return m.JournalPath(), fmt.Errorf("tui: %w", err)
	}
	return m.JournalPath(), nil
}
