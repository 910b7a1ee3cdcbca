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
	item     etcdops.Item
	key      string
	revision int64
	opts     yamlOptions
	managed  bool // the object has managedFields (shown or not)
	content  string
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

// openDetail reads a key for the YAML screen (or the raw key facts): the
// one on top, or a new one, shown when the read arrives (a read that fails
// says why in the status line, and shows none).
func (m *Model) openDetail(key string, opts yamlOptions) tea.Cmd {
	d, ok := m.top().(*detailScreen)
	if !ok {
		d = &detailScreen{m: m, pager: newPager(m, m.bodyWidth(), m.bodyHeight())}
	}
	return deliver(d, m.readDetailCmd(key, opts))
}

// render shows the object read last another way (opts), for this screen.
func (d *detailScreen) render(opts yamlOptions) tea.Cmd {
	return deliver(d, yamlCmd(d.item, opts))
}

// show puts a read on the screen, which comes on top with its first one.
func (d *detailScreen) show(next detailState) {
	first := d.key == ""
	d.set(next)
	if first {
		d.m.push(d)
	}
}

func (d *detailScreen) set(next detailState) {
	sameKey := d.key == next.key && d.opts.raw == next.opts.raw
	d.detailState = next
	if !sameKey {
		d.pager.y, d.pager.x = 0, 0
	}
	d.pager.setContent(next.content) // a live update keeps the place
}

func (d *detailScreen) resize(w, h int) { d.pager.resize(w, h) }

// follow: a YAML view follows its object, so someone else's write shows at
// once.
func (d *detailScreen) follow() tea.Cmd {
	if d.opts.raw || d.key == "" {
		return nil
	}
	if c, ok := d.m.caches[d.m.list.cacheKey]; ok {
		if r, ok := c.inf.Get(d.key); ok && r.modRevision != d.revision {
			return deliver(d, d.m.readDetailCmd(r.key, d.opts))
		}
	}
	return nil
}

func (d *detailScreen) update(msg tea.Msg) tea.Cmd {
	m := d.m
	switch msg := msg.(type) {
	case detailMsg:
		d.show(msg.detail)
		return nil
	case readErrMsg:
		m.readFailed(msg)
		return nil
	}
	keyMsg, ok := msg.(tea.KeyMsg)
	if !ok {
		return d.pager.update(msg) // the mouse wheel
	}
	switch msg := keyMsg; {
	case key.Matches(msg, m.keys.Back):
		if !d.pager.clearSearch() {
			m.back()
		}
		return nil
	case key.Matches(msg, m.keys.Reveal):
		opts := d.opts
		switch {
		case opts.raw || !d.isSecret():
			m.setStatus(false, "nothing is redacted here: only Secret data is")
		case opts.showSecrets:
			opts.showSecrets = false
			return d.render(opts)
		default:
			item := d.item
			m.confirm("Show this Secret's data on screen? [y/N] ", func(yes bool) tea.Cmd {
				if yes {
					opts.showSecrets = true
					return deliver(d, yamlCmd(item, opts))
				}
				m.setStatus(false, "secret data stays redacted")
				return nil
			})
		}
		return nil
	case key.Matches(msg, m.keys.Raw):
		opts := d.opts
		opts.raw, opts.showSecrets = !opts.raw, false
		return d.render(opts)
	case key.Matches(msg, m.keys.ManagedFields):
		opts := d.opts
		switch {
		case opts.raw || d.item.Object == nil:
			m.setStatus(false, "m shows an object's managedFields: this is no object's YAML")
			return nil
		case !d.managed:
			m.setStatus(false, "this object has no managedFields")
			return nil
		}
		opts.showManaged = !opts.showManaged
		return d.render(opts)
	case key.Matches(msg, m.keys.History):
		return m.openHistory(d.key)
	case key.Matches(msg, m.keys.Describe):
		if d.item.Name == "" {
			m.setStatus(true, "d describes objects: %s names none", render.Safe(d.item.Key))
			return nil
		}
		return m.openDescribe(d.item.KeyInfo)
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
	if d.opts.raw {
		what = "raw key"
	} else if d.isSecret() && !d.opts.showSecrets {
		what = "YAML, secret data redacted (x)"
	} else if d.opts.showSecrets {
		what = "YAML, " + styleBadBold.Render("SECRET DATA SHOWN") + " (x hides)"
	}
	if d.managed && d.opts.showManaged && !d.opts.raw {
		what += " with managedFields"
	}
	// The pager's place and search first: a long name leaves no room.
	return fmt.Sprintf("%s %s  %s  rev %d", styleCrumb.Render(" "+itemName(d.item)+" "), d.pager.status(), what, d.revision)
}

// itemName is how a title names an item: resource/namespace/name, or the
// key when it names no object.
func itemName(it etcdops.Item) string {
	if it.Name != "" {
		return render.Safe(it.KeyInfo.String())
	}
	return render.Safe(it.Key)
}

func (d *detailScreen) body() string { return d.pager.view() }

func (d *detailScreen) hints() string {
	k := d.m.keys
	bs := []key.Binding{k.Back, k.Search, k.Wrap}
	if d.managed && !d.opts.raw {
		what := "show managedFields"
		if d.opts.showManaged {
			what = "hide managedFields"
		}
		bs = append(bs, key.NewBinding(key.WithKeys(k.ManagedFields.Keys()...), key.WithHelp(k.ManagedFields.Help().Key, what)))
	}
	if d.isSecret() && !d.opts.raw {
		bs = append(bs, k.Reveal)
	}
	bs = append(bs, k.Describe, k.Raw, k.History)
	if !d.m.readOnly {
		bs = append(bs, k.Edit)
	}
	return hintLine(nil, append(bs, k.Help)...)
}

// historyScreen is every version etcd keeps of one object, each with the
// diff from the one before (render.History, as `lifeboat history` prints).
type historyScreen struct {
	textScreen
	msg historyMsg
}

// openHistory reads a key's history: for the history screen of that key
// when it is on top, else for a new one, shown when the read arrives (a
// read that fails says why in the status line, and shows none).
func (m *Model) openHistory(key string) tea.Cmd {
	h, ok := m.top().(*historyScreen)
	if !ok || h.msg.item.Key != key {
		h = &historyScreen{textScreen: newTextScreen(m, "")}
	}
	return deliver(h, m.historyCmd(key))
}

func (h *historyScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case historyMsg:
		first := h.msg.item.Key == ""
		h.msg = msg
		h.pager.setContent(msg.content)
		if first {
			h.m.push(h)
		}
		return nil
	case readErrMsg:
		h.m.readFailed(msg)
		return nil
	}
	return h.textScreen.update(msg)
}

func (h *historyScreen) title() string {
	return fmt.Sprintf("%s history  %s  rev %d", styleCrumb.Render(" "+itemName(h.msg.item)+" "), h.pager.status(), h.msg.revision)
}

func (h *historyScreen) hints() string {
	k := h.m.keys
	return hintLine(nil, k.Back, k.Search, k.NextMatch, k.Wrap, k.Top, k.Bottom, k.Help)
}
