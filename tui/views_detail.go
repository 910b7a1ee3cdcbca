package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// detailState is what a read of one key shows: the object as YAML, or its
// raw key facts.
type detailState struct {
	item        etcdops.Item
	key         string
	revision    int64
	raw         bool
	showSecrets bool
	content     string
}

func (d *detailState) isSecret() bool {
	return d.item.Object != nil && d.item.Object.Kind == "Secret" && d.item.Object.APIVersion == "v1"
}

// detailScreen is one object as YAML, or its raw key facts.
type detailScreen struct {
	m *Model
	detailState
	pager pager
}

// showDetail shows a read object: on the YAML screen on top, or a new one.
func (m *Model) showDetail(next detailState) {
	if d, ok := m.top().(*detailScreen); ok {
		d.set(next)
		return
	}
	d := &detailScreen{m: m, pager: newPager(m.keys, m.bodyWidth(), m.bodyHeight())}
	d.set(next)
	m.push(d)
}

func (d *detailScreen) set(next detailState) {
	sameKey := d.key == next.key && d.raw == next.raw
	offset := d.pager.viewport.YOffset
	d.detailState = next
	d.pager.setContent(next.content)
	if sameKey {
		d.pager.viewport.SetYOffset(offset) // a live update keeps the place
	} else {
		d.pager.viewport.GotoTop()
	}
}

func (d *detailScreen) resize(w, h int) { d.pager.resize(w, h) }

// follow: a YAML view follows its object, so someone else's write shows at
// once.
func (d *detailScreen) follow() tea.Cmd {
	if d.raw || d.key == "" {
		return nil
	}
	if c, ok := d.m.caches[d.m.list.cacheKey]; ok {
		if r, ok := c.inf.Get(d.key); ok && r.modRevision != d.revision {
			return d.m.readDetailCmd(r.key, false, d.showSecrets)
		}
	}
	return nil
}

func (d *detailScreen) update(msg tea.Msg) tea.Cmd {
	m := d.m
	keyMsg, ok := msg.(tea.KeyMsg)
	if !ok {
		return d.pager.update(msg) // the mouse wheel
	}
	switch msg := keyMsg; {
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
			item := d.item
			m.confirm("Show this Secret's data on screen? [y/N] ", func(yes bool) tea.Cmd {
				if yes {
					return yamlCmd(item, false, true)
				}
				m.setStatus(false, "secret data stays redacted")
				return nil
			})
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
	}
	return d.pager.update(keyMsg)
}

func (d *detailScreen) title() string {
	what := "YAML"
	if d.raw {
		what = "raw key"
	} else if d.isSecret() && !d.showSecrets {
		what = "YAML, secret data redacted (x reveals)"
	} else if d.showSecrets {
		what = "YAML, " + styleBadBold.Render("SECRET DATA SHOWN") + " (x hides)"
	}
	return fmt.Sprintf("%s %s  rev %d  %3.0f%%", styleCrumb.Render(" "+itemName(d.item)+" "), what, d.revision, d.pager.percent())
}

// itemName is how a title names an item: resource/namespace/name, or the
// key when it names no object.
func itemName(it etcdops.Item) string {
	if it.Name != "" {
		return it.KeyInfo.String()
	}
	return it.Key
}

func (d *detailScreen) body() string { return d.pager.view() }

func (d *detailScreen) hints() string {
	k := d.m.keys
	bs := []key.Binding{k.Back}
	if !d.m.readOnly {
		bs = append(bs, k.Edit)
	}
	return hintLine(nil, append(bs, k.Raw, k.History, k.Reveal, k.Help)...)
}

// historyScreen is every version etcd keeps of one object, each with the
// diff from the one before (render.History, as `lifeboat history` prints).
type historyScreen struct {
	textScreen
	msg historyMsg
}

// showHistory shows a history read: on the history screen of that key
// when it is on top, else on a new one.
func (m *Model) showHistory(msg historyMsg) {
	if h, ok := m.top().(*historyScreen); ok && h.msg.item.Key == msg.item.Key {
		h.msg = msg
		h.pager.setContent(msg.content)
		return
	}
	m.push(&historyScreen{textScreen: newTextScreen(m, msg.content), msg: msg})
}

func (h *historyScreen) title() string {
	return fmt.Sprintf("%s history  rev %d  %3.0f%%", styleCrumb.Render(" "+itemName(h.msg.item)+" "), h.msg.revision, h.pager.percent())
}

func (h *historyScreen) hints() string {
	k := h.m.keys
	return hintLine(nil, k.Back, k.Top, k.Bottom, k.Help)
}
