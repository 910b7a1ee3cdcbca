package tui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// screen is one page of the UI, a component as soft-serve has them: it
// keeps its own state, handles its keys and the results of the reads it
// started, and draws its body. The Model is the router: it owns only what
// every screen shares (the store, the caches, the header, the status and
// prompt lines, the stack of screens that esc goes back through) and hands
// each key to the screen on top.
type screen interface {
	// update handles a key, or a message meant for this screen.
	update(msg tea.Msg) tea.Cmd
	// title is the crumb line above the body.
	title() string
	// body is cut to the body's size by the Model.
	body() string
	// hints is the bottom line: the keys that matter here.
	hints() string
	// resize lays the screen out for a body of w x h cells.
	resize(w, h int)
}

// modal is a screen that takes every key itself: the preview, where any
// key but y cancels, and the progress of a write, where keys wait.
type modal interface {
	modal() bool
}

// follower is a screen that shows what the caches hold, or an object they
// follow: the Model calls follow after every change the watches bring.
type follower interface {
	follow() tea.Cmd
}

// forScreen is a message for one screen: the result of a command it
// started. The Model hands it to that screen wherever it is in the stack;
// a result for a screen that was left changes nothing on screen.
type forScreen struct {
	to  screen
	msg tea.Msg
}

// deliver makes cmd's message one for s.
func deliver(s screen, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg { return forScreen{to: s, msg: cmd()} }
}
