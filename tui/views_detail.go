package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// detailState is one object as YAML, or its raw key facts, in a viewport.
type detailState struct {
	item        etcdops.Item
	key         string
	revision    int64
	raw         bool
	history     bool // every version etcd keeps (historyCmd), not the object
	showSecrets bool
	content     string
	viewport    viewport.Model
}

func (d *detailState) set(next detailState, w, h int) {
	sameKey := d.key == next.key && d.raw == next.raw && d.history == next.history
	offset := d.viewport.YOffset
	next.viewport = viewport.New(w, h)
	next.viewport.SetContent(next.content)
	if sameKey {
		next.viewport.SetYOffset(offset) // a live update keeps the place
	}
	*d = next
}

func (d *detailState) resize(w, h int) {
	d.viewport.Width, d.viewport.Height = w, h
	d.viewport.SetContent(d.content)
}

func (d *detailState) isSecret() bool {
	return d.item.Object != nil && d.item.Object.Kind == "Secret" && d.item.Object.APIVersion == "v1"
}

func (m *Model) detailKey(msg tea.KeyMsg) tea.Cmd {
	d := &m.detail
	switch {
	case key.Matches(msg, m.keys.Back):
		m.back()
		return nil
	case key.Matches(msg, m.keys.Reveal):
		switch {
		case d.raw || !d.isSecret():
			m.setStatus(false, "nothing is redacted here: only Secret data is")
		case d.showSecrets:
			return yamlCmd(d.item, false, false)
		default:
			m.openPrompt(promptReveal, "Show this Secret's data on screen? [y/N] ", "")
		}
		return nil
	case key.Matches(msg, m.keys.Raw):
		return yamlCmd(d.item, !d.raw, false)
	case key.Matches(msg, m.keys.History):
		return m.historyCmd(d.key)
	case key.Matches(msg, m.keys.Journal):
		return m.openJournal("")
	case key.Matches(msg, m.keys.Edit):
		if d.item.Name == "" {
			m.setStatus(true, "e edits objects: %s names none", render.Safe(d.item.Key))
			return nil
		}
		return m.startEdit(d.item.KeyInfo)
	case key.Matches(msg, m.keys.Top):
		d.viewport.GotoTop()
		return nil
	case key.Matches(msg, m.keys.Bottom):
		d.viewport.GotoBottom()
		return nil
	}
	var cmd tea.Cmd
	d.viewport, cmd = d.viewport.Update(msg)
	return cmd
}

func (m *Model) detailTitle() string {
	d := &m.detail
	what := "YAML"
	if d.history {
		what = "history"
	} else if d.raw {
		what = "raw key"
	} else if d.isSecret() && !d.showSecrets {
		what = "YAML, secret data redacted (x reveals)"
	} else if d.showSecrets {
		what = "YAML, " + styleBadBold.Render("SECRET DATA SHOWN") + " (x hides)"
	}
	name := d.item.Key
	if d.item.Name != "" {
		name = d.item.KeyInfo.String()
	}
	name = render.Safe(name)
	return fmt.Sprintf("%s %s  rev %d  %3.0f%%", styleCrumb.Render(" "+name+" "), what, d.revision, d.viewport.ScrollPercent()*100)
}
