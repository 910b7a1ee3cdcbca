package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// promptLine is the one-line input in place of the status line, shared by
// the screens: ":" commands, the list's "/" filter, y/N questions. Whoever
// opens it says what Enter does, and what each edit does (the live filter).
type promptLine struct {
	input textinput.Model
	open  bool
	// done runs on Enter with the trimmed value; live after each edit.
	done func(value string) tea.Cmd
	live func(value string)
	// answer, set for a y/N question, takes the next key instead.
	answer func(yes bool) tea.Cmd
	// held holds live updates while a burst of typed keys is taken one
	// by one; due says one of them changed the value.
	held, due bool
}

func newPromptLine() promptLine {
	p := promptLine{input: textinput.New()}
	p.input.CharLimit = 256
	return p
}

// ask opens the input with prefix (":", "/") and value; done gets the
// value on Enter, live (optional) every edit.
func (m *Model) ask(prefix, value string, done func(string) tea.Cmd, live func(string)) tea.Cmd {
	p := &m.prompt
	p.open, p.done, p.live, p.answer = true, done, live, nil
	p.input.Prompt = prefix
	p.input.SetValue(value)
	p.input.CursorEnd()
	p.input.Focus()
	return textinput.Blink
}

// confirm asks a y/N question: y or Y is yes, any other key no.
func (m *Model) confirm(question string, answer func(yes bool) tea.Cmd) {
	m.ask(question, "", nil, nil)
	m.prompt.answer = answer
}

func (m *Model) closePrompt() {
	p := &m.prompt
	p.open, p.done, p.live, p.answer = false, nil, nil, nil
	p.input.Blur()
	p.input.SetValue("")
}

// promptKey: Esc closes the prompt, Enter runs it, anything else edits.
func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	p := &m.prompt
	if answer := p.answer; answer != nil {
		m.closePrompt()
		return answer(msg.String() == "y" || msg.String() == "Y")
	}
	switch msg.Type {
	case tea.KeyEsc:
		m.closePrompt()
		return nil
	case tea.KeyEnter:
		value, done := strings.TrimSpace(p.input.Value()), p.done
		m.closePrompt()
		if done == nil {
			return nil
		}
		return done(value)
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.live != nil {
		if p.held {
			p.due = true
		} else {
			p.live(p.input.Value())
		}
	}
	return cmd
}

// burst takes keys typed faster than the terminal is read, which arrive
// as one message (":nodes"), one by one, so that ':' still opens the
// prompt; a live update they cause is made once, after the last of them.
func (m *Model) burst(msg tea.KeyMsg) tea.Cmd {
	var cmds []tea.Cmd
	m.prompt.held = true
	for _, r := range msg.Runes {
		cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
	}
	p := &m.prompt
	p.held = false
	if p.due && p.open && p.live != nil {
		p.live(p.input.Value())
	}
	p.due = false
	return tea.Batch(cmds...)
}
