package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// pager is the scrollable text of the YAML, history and help screens: the
// moving keys and the mouse wheel scroll it.
type pager struct {
	keys     keyMap
	content  string
	viewport viewport.Model
}

func newPager(keys keyMap, w, h int) pager {
	return pager{keys: keys, viewport: viewport.New(w, h)}
}

func (p *pager) setContent(s string) {
	p.content = s
	p.viewport.SetContent(s)
}

func (p *pager) resize(w, h int) {
	p.viewport.Width, p.viewport.Height = w, h
	p.viewport.SetContent(p.content)
}

// update scrolls on the moving keys and the mouse wheel.
func (p *pager) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, p.keys.Top):
			p.viewport.GotoTop()
			return nil
		case key.Matches(k, p.keys.Bottom):
			p.viewport.GotoBottom()
			return nil
		}
	}
	var cmd tea.Cmd
	p.viewport, cmd = p.viewport.Update(msg)
	return cmd
}

func (p *pager) view() string { return p.viewport.View() }

// percent is how far down the text the view is.
func (p *pager) percent() float64 { return p.viewport.ScrollPercent() * 100 }

// textScreen is a screen of text: esc leaves it, the moving keys scroll
// it. The help and history screens are ones.
type textScreen struct {
	m     *Model
	pager pager
}

func newTextScreen(m *Model, content string) textScreen {
	t := textScreen{m: m, pager: newPager(m.keys, m.bodyWidth(), m.bodyHeight())}
	t.pager.setContent(content)
	return t
}

func (t *textScreen) resize(w, h int) { t.pager.resize(w, h) }

func (t *textScreen) update(msg tea.Msg) tea.Cmd {
	if keyMsg, ok := msg.(tea.KeyMsg); ok && key.Matches(keyMsg, t.m.keys.Back) {
		t.m.back()
		return nil
	}
	return t.pager.update(msg)
}

func (t *textScreen) body() string { return t.pager.view() }
