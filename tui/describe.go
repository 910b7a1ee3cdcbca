package tui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// d shows an object as `kubectl describe` does, read from etcd alone
// (etcdops.Describe), laid out by render.Describe as `lifeboat describe`
// prints it: kubectl's sections (a pod's containers and their state,
// mounts, volumes, QoS, tolerations; a node's conditions, addresses,
// capacity and pods; a Secret's key sizes), and lifeboat's own: the key,
// a pod's node state and when it is evicted, the taints of its node,
// what it uses that etcd does not hold, a webhook's service.

// describeMsg is a description read for the describe screen.
type describeMsg struct {
	info etcdops.KeyInfo
	d    *etcdops.Description
	at   time.Time
}

// describeCmd reads what describe shows.
func (m *Model) describeCmd(info etcdops.KeyInfo) tea.Cmd {
	store, now := m.store, m.now()
	ctx, cancel := m.ioContext()
	return func() tea.Msg {
		defer cancel()
		d, err := store.Describe(ctx, info, now)
		if err != nil {
			return readErrMsg{err: err}
		}
		return describeMsg{info: info, d: d, at: now}
	}
}

// describeScreen is the description of one object, in a pager (/ searches
// it); ctrl+r reads it again.
type describeScreen struct {
	textScreen
	msg describeMsg
}

// showDescription shows a description: on the describe screen of that
// object when it is on top, else on a new one.
func (m *Model) showDescription(msg describeMsg) {
	text := render.Describe(msg.d, msg.at, true)
	if s, ok := m.top().(*describeScreen); ok && s.msg.d.Item.Key == msg.d.Item.Key {
		s.msg = msg
		s.pager.setContent(text)
		return
	}
	m.push(&describeScreen{textScreen: newTextScreen(m, text), msg: msg})
}

// owns ctrl+r: it describes the object again (the caches need no list).
func (s *describeScreen) owns(msg tea.KeyMsg) bool { return key.Matches(msg, s.m.keys.Refresh) }

func (s *describeScreen) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, s.m.keys.Refresh), key.Matches(k, s.m.keys.Describe):
			return s.m.describeCmd(s.msg.info)
		case key.Matches(k, s.m.keys.View):
			return s.m.readDetailCmd(s.msg.d.Item.Key, yamlOptions{})
		}
	}
	return s.textScreen.update(msg)
}

func (s *describeScreen) title() string {
	return fmt.Sprintf("%s describe  %s  rev %d", styleCrumb.Render(" "+render.Safe(s.msg.info.String())+" "), s.pager.status(), s.msg.d.Item.ModRevision)
}

func (s *describeScreen) hints() string {
	k := s.m.keys
	again := key.NewBinding(key.WithKeys(k.Refresh.Keys()...), key.WithHelp(k.Refresh.Help().Key, "read again"))
	return hintLine(nil, k.Back, k.Search, k.NextMatch, k.Wrap, k.View, again, k.Help)
}
