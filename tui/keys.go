package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
	tea "github.com/charmbracelet/bubbletea"
)

// keyMap holds every binding; help and the hint line are built from it, so
// what the screen says is what the keys do.
type keyMap struct {
	Quit, Help, Back, Command, Filter, Journal, Refresh      key.Binding
	Up, Down, PageUp, PageDown, Top, Bottom                  key.Binding
	View, Raw, Mark, MarkAll                                 key.Binding
	Undelete, Untaint, Uncordon, Cordon, Terminating, Delete key.Binding
	DisableWebhooks                                          key.Binding
	Sort, SortReverse, SortName                              key.Binding
	Reveal, Apply, UndoOne, UndoAll                          key.Binding
	GoTo, History, Edit                                      key.Binding
	Left, Right, Wrap, Search, NextMatch, PrevMatch          key.Binding
	ManagedFields, Describe                                  key.Binding
	OpenNamespace, ViewYAML, Logs                            key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return keyMap{
		Quit:        b([]string{"ctrl+c"}, "ctrl+c", "quit (or :q)"),
		Help:        b([]string{"?"}, "?", "help"),
		Back:        b([]string{"esc", "q"}, "esc/q", "back"),
		Command:     b([]string{":"}, ":", "resource (:pods :nodes :leases :cm :keys ...)"),
		Filter:      b([]string{"/"}, "/", "filter (/regexp, /!regexp, /-l app=web, /-f fuzzy)"),
		Journal:     b([]string{"ctrl+j"}, "ctrl+j", "journal of this session's writes (or :journal)"),
		Refresh:     b([]string{"ctrl+r"}, "ctrl+r", "list everything again (views follow etcd's watch without it)"),
		GoTo:        b([]string{"enter"}, "enter", "doctor: go to the finding's objects"),
		Up:          b([]string{"up", "k"}, "↑/k", "up"),
		Down:        b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:      b([]string{"pgup", "ctrl+b"}, "pgup/ctrl+b", "page up"),
		PageDown:    b([]string{"pgdown", "ctrl+f"}, "pgdn/ctrl+f", "page down"),
		Top:         b([]string{"home", "g"}, "g/home", "top"),
		Bottom:      b([]string{"end", "G"}, "G/end", "bottom"),
		View:        b([]string{"enter", "y"}, "enter/y", "view YAML"),
		Raw:         b([]string{"r"}, "r", "raw key facts"),
		Describe:    b([]string{"d"}, "d", "describe, as kubectl describe: containers, mounts, volumes, conditions, taints, events"),
		History:     b([]string{"H"}, "H", "history: every version etcd keeps, with diffs"),
		Mark:        b([]string{" "}, "space", "mark"),
		MarkAll:     b([]string{"ctrl+a"}, "ctrl+a", "mark all visible"),
		Undelete:    b([]string{"u"}, "u", "undelete pods"),
		Untaint:     b([]string{"t"}, "t", "untaint nodes"),
		Uncordon:    b([]string{"c"}, "c", "uncordon nodes"),
		Cordon:      b([]string{"C"}, "C", "cordon nodes (spec.unschedulable, as kubectl cordon)"),
		Terminating: b([]string{"T"}, "T", "only terminating pods"),
		Delete:      b([]string{"ctrl+d"}, "ctrl+d", "delete the marked objects' keys (no finalizers, no GC; undo re-creates)"),
		Edit:        b([]string{"e"}, "e", "edit in $EDITOR (as kubectl edit)"),
		Sort:        b([]string{"s"}, "s", "sort by next column"),
		SortReverse: b([]string{"S"}, "S", "reverse sort"),
		SortName:    b([]string{"N"}, "N", "sort by name"),
		Reveal:      b([]string{"x"}, "x", "reveal secret data"),
		Apply:       b([]string{"y"}, "y", "write"),
		UndoOne:     b([]string{"u"}, "u", "undo entry"),
		UndoAll:     b([]string{"U"}, "U", "undo all"),
		Left:        b([]string{"left", "h"}, "←/h", "scroll left"),
		Right:       b([]string{"right", "l"}, "→/l", "scroll right (a › ends a line that goes on)"),
		Wrap:        b([]string{"w"}, "w", "wrap long lines"),
		Search:      b([]string{"/"}, "/", "search"),
		NextMatch:   b([]string{"n"}, "n", "next match"),
		PrevMatch:   b([]string{"N"}, "N", "previous match"),
		// kubectl get -o yaml hides them unless --show-managed-fields.
		ManagedFields: b([]string{"m"}, "m", "show or hide managedFields"),
		// i for Ignore, the failurePolicy it sets.
		DisableWebhooks: b([]string{"i"}, "i", "disable webhooks (failurePolicy Ignore)"),
		// k9s: enter on a namespace lists its pods; y is still its YAML.
		OpenNamespace: b([]string{"enter"}, "enter", "namespaces: the namespace's pods (y its YAML)"),
		ViewYAML:      b([]string{"y"}, "y", "view YAML"),
		// k9s' l: logs. They are not in etcd, and the status line says so.
		Logs: b([]string{"l"}, "l", "logs: not in etcd (the kubelet serves them); says where they are"),
	}
}

// tableKeyMap moves the cursor only, with k9s' and vim's keys: the other
// letters bubbles binds by default (u, d, f, b, space) are lifeboat's own.
func tableKeyMap(k keyMap) table.KeyMap {
	return table.KeyMap{
		LineUp:       k.Up,
		LineDown:     k.Down,
		PageUp:       k.PageUp,
		PageDown:     k.PageDown,
		HalfPageUp:   key.NewBinding(key.WithKeys("ctrl+u")),
		HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d")),
		GotoTop:      k.Top,
		GotoBottom:   k.Bottom,
	}
}

// tableMoves says whether a key moves a table's cursor (tableKeyMap).
func tableMoves(k keyMap, msg tea.KeyMsg) bool {
	t := tableKeyMap(k)
	return key.Matches(msg, t.LineUp, t.LineDown, t.PageUp, t.PageDown, t.HalfPageUp, t.HalfPageDown, t.GotoTop, t.GotoBottom)
}

// unbound says in the status line that a key does nothing on this screen,
// rather than nothing at all. Keys typed into the prompt never get here:
// the prompt takes them first (Model.handleKey).
func (m *Model) unbound(msg tea.KeyMsg) {
	if msg.Paste {
		m.setStatus(false, "pasted text does nothing here: / filters, : switches resource; ? for help")
		return
	}
	name := msg.String()
	if name == " " {
		name = "space"
	}
	m.setStatus(false, "no binding for key %s: ? for help", name)
}

// logsNote is what l says: k9s shows logs, which etcd does not hold.
const logsNote = "logs are not in etcd: the kubelet serves them (kubectl logs needs the apiserver); on the node: crictl logs, or /var/log/pods/"

// helpSections is the `?` screen: every key, by where it works.
func (m *Model) helpSections() [][2]string {
	k := m.keys
	line := func(b key.Binding) [2]string { return [2]string{b.Help().Key, b.Help().Desc} }
	out := [][2]string{
		{"", "Everywhere"},
		line(k.Command), line(k.Back), line(k.Help), line(k.Journal), line(k.Refresh), line(k.Quit),
		line(k.Up), line(k.Down), line(k.PageUp), line(k.PageDown), line(k.Top), line(k.Bottom),
		{"", "Tables"},
		line(k.Filter),
		{k.Back.Help().Key, "clear the filter, then the marks, then back to the previous resource"},
		line(k.View), line(k.OpenNamespace), line(k.Describe), line(k.Raw), line(k.History), line(k.Sort), line(k.SortReverse), line(k.SortName),
		line(k.Terminating), line(k.Logs),
		{"/text", "rows whose cells or key match the regular expression (case-insensitive; not a regexp: plain text)"},
		{"/!text", "rows that do not match"},
		{"/-l app=web", "label selector (/l app=web too)"},
		{"/-f text", "fuzzy: the letters in order in the name"},
	}
	if m.readOnly {
		out = append(out, [2]string{"", "Repairs: disabled (--readonly): lifeboat makes no writes"})
	} else {
		out = append(out,
			[2]string{"", "Repairs (each shows a diff first; y writes, any other key cancels)"},
			line(k.Mark), line(k.MarkAll), line(k.Undelete), line(k.Untaint), line(k.Uncordon), line(k.Cordon),
			[2]string{k.DisableWebhooks.Help().Key, "webhook configurations: failurePolicy Ignore on every webhook of the marked (or selected) ones; one that is down then stops refusing requests"},
			line(k.Delete), line(k.Edit),
			[2]string{"", "Journal view"},
			line(k.UndoOne), line(k.UndoAll),
		)
	}
	out = append(out,
		[2]string{"", "YAML, describe, history and help views"},
		line(k.Search), line(k.NextMatch), line(k.PrevMatch), line(k.Wrap), line(k.Left), line(k.Right),
		line(k.ManagedFields), line(k.Reveal), line(k.Describe), line(k.Raw), line(k.History),
		[2]string{k.Refresh.Help().Key, "describe: read it again"},
	)
	if !m.readOnly {
		out = append(out, [2]string{k.Edit.Help().Key, "edit this object in $EDITOR"})
	}
	out = append(out,
		[2]string{"", "Commands"},
		[2]string{":pods :nodes :leases :cm", "switch resource (any name `lifeboat get` accepts)"},
		[2]string{":pods shop  :po all", "one namespace (k9s style), or all of them (:pods alone)"},
		[2]string{":keys [PREFIX]", "raw etcd keys"},
		[2]string{":doctor", "what is broken, what happens next, which command fixes it"},
		[2]string{":journal [FILE]", "this session's journal, or another"},
		[2]string{":q", "quit"},
		[2]string{"", "Doctor view"},
		line(k.GoTo),
	)
	return out
}
