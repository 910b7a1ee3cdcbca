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

// openDescribe describes an object: on the describe screen of that object
// when it is on top, else on a new one, shown when the description
// arrives (a read that fails says why in the status line, and shows none).
func (m *Model) openDescribe(info etcdops.KeyInfo) tea.Cmd {
	s, ok := m.top().(*describeScreen)
	if !ok || s.msg.info.String() != info.String() {
		s = &describeScreen{textScreen: newTextScreen(m, "")}
	}
	return s.load(info)
}

// load reads the description again, for this screen.
func (s *describeScreen) load(info etcdops.KeyInfo) tea.Cmd {
	return deliver(s, s.m.describeCmd(info))
}

// show puts a description on the screen, which comes on top with its
// first one.
func (s *describeScreen) show(msg describeMsg) {
	first := s.msg.d == nil
	s.msg = msg
	s.pager.setContent(render.Describe(msg.d, msg.at, true))
	if first {
		s.m.push(s)
	}
}

// owns ctrl+r: it describes the object again (the caches need no list).
func (s *describeScreen) owns(msg tea.KeyMsg) bool { return key.Matches(msg, s.m.keys.Refresh) }

func (s *describeScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case describeMsg:
		s.show(msg)
		return nil
	case readErrMsg:
		s.m.readFailed(msg)
		return nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, s.m.keys.Refresh), key.Matches(msg, s.m.keys.Describe):
			return s.load(s.msg.info)
		case key.Matches(msg, s.m.keys.View):
			return s.m.openDetail(s.msg.d.Item.Key, yamlOptions{})
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
