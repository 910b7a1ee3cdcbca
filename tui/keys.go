package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/table"
)

// keyMap holds every binding; help and the hint line are built from it, so
// what the screen says is what the keys do.
type keyMap struct {
	Quit, Help, Back, Command, Filter, Journal, Refresh key.Binding
	Up, Down, PageUp, PageDown, Top, Bottom             key.Binding
	View, Raw, Mark, MarkAll                            key.Binding
	Undelete, Untaint, Uncordon, Terminating, Delete    key.Binding
	Sort, SortReverse, SortName                         key.Binding
	Reveal, Apply, UndoOne, UndoAll                     key.Binding
	GoTo, History, Edit                                 key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return keyMap{
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
		Help:        b([]string{"?"}, "?", "help"),
		Back:        b([]string{"esc"}, "esc", "back / clear filter"),
		Command:     b([]string{":"}, ":", "resource (:pods :nodes :leases :cm :keys ...)"),
		Filter:      b([]string{"/"}, "/", "filter (/text, /l app=web)"),
		Journal:     b([]string{"j"}, "j", "journal of this session's writes"),
		Refresh:     b([]string{"ctrl+r"}, "ctrl+r", "list everything again (views follow etcd's watch without it)"),
		GoTo:        b([]string{"enter"}, "enter", "doctor: go to the finding's objects"),
		Up:          b([]string{"up", "k"}, "↑/k", "up"),
		Down:        b([]string{"down"}, "↓", "down"),
		PageUp:      b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown:    b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Top:         b([]string{"home", "g"}, "g", "top"),
		Bottom:      b([]string{"end", "G"}, "G", "bottom"),
		View:        b([]string{"enter", "y"}, "enter/y", "view YAML"),
		Raw:         b([]string{"r"}, "r", "raw key facts"),
		History:     b([]string{"H"}, "H", "history: every version etcd keeps, with diffs"),
		Mark:        b([]string{" "}, "space", "mark"),
		MarkAll:     b([]string{"ctrl+a"}, "ctrl+a", "mark all visible"),
		Undelete:    b([]string{"u"}, "u", "undelete pods"),
		Untaint:     b([]string{"t"}, "t", "untaint nodes"),
		Uncordon:    b([]string{"c"}, "c", "uncordon nodes"),
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
	}
}

// tableKeyMap moves the cursor only: the letters bubbles binds by default
// (j, u, d, f, b, space) are lifeboat's own keys.
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

// helpSections is the `?` screen: every key, by where it works.
func (m *Model) helpSections() [][2]string {
	k := m.keys
	line := func(b key.Binding) [2]string { return [2]string{b.Help().Key, b.Help().Desc} }
	out := [][2]string{
		{"", "Everywhere"},
		line(k.Command), line(k.Filter), line(k.Back), line(k.Help), line(k.Journal), line(k.Refresh), line(k.Quit),
		{"", "Tables"},
		line(k.Up), line(k.Down), line(k.PageUp), line(k.PageDown), line(k.Top), line(k.Bottom),
		line(k.View), line(k.Raw), line(k.History), line(k.Sort), line(k.SortReverse), line(k.SortName),
		line(k.Terminating),
	}
	if m.readOnly {
		out = append(out, [2]string{"", "Repairs: disabled (--readonly): lifeboat makes no writes"})
	} else {
		out = append(out,
			[2]string{"", "Repairs (each shows a diff first; y writes, any other key cancels)"},
			line(k.Mark), line(k.MarkAll), line(k.Undelete), line(k.Untaint), line(k.Uncordon), line(k.Delete), line(k.Edit),
			[2]string{"", "Journal view"},
			line(k.UndoOne), line(k.UndoAll),
		)
	}
	out = append(out,
		[2]string{"", "YAML view"},
		line(k.Reveal),
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
		[2]string{":journal  :q", "journal view, quit"},
		[2]string{"", "Doctor view"},
		line(k.GoTo),
	)
	return out
}
