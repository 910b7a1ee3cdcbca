package tui

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// listView is what a table lists: one resource, or raw keys under a prefix.
type listView struct {
	res       etcdops.Resource
	namespace string // "" is every namespace
	keys      bool
	keyPrefix string
}

// scope is what the crumb and the header say: "all", the namespace, or ""
// for cluster-scoped resources and raw keys.
func (v listView) scope() string {
	switch {
	case v.keys || !v.res.Namespaced:
		return ""
	case v.namespace == "":
		return "all"
	}
	return v.namespace
}

func (v listView) String() string {
	if v.keys {
		return "keys " + v.keyPrefix
	}
	return v.res.String()
}

// listScreen is the resource table at the bottom of the screen stack: the
// table's state, the views visited before (esc returns to them) and the
// repair keys.
type listScreen struct {
	listState
	m     *Model
	views []listView // resources visited, for esc
	// filterNote is the status line's note that the filter is no regular
	// expression (noteFilter), cleared with it when the text becomes one.
	filterNote string
}

func newListScreen(m *Model) *listScreen {
	return &listScreen{listState: newListState(m.keys), m: m}
}

// visit shows another resource; esc comes back to this one.
func (l *listScreen) visit(v listView) tea.Cmd {
	l.views = append(l.views, l.view)
	return l.m.switchView(v)
}

func (l *listScreen) resize(w, h int) {
	l.listState.resize(w, h)
	l.rebuild(l.m.now(), w)
}

// update handles keys on the table.
func (l *listScreen) update(msg tea.Msg) tea.Cmd {
	m := l.m
	k := m.keys
	keyMsg, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	switch msg := keyMsg; {
	case key.Matches(msg, k.Back):
		switch {
		case l.filter != "" || l.selector != nil:
			l.setFilter("", nil, "")
		case len(l.marks) > 0:
			l.marks = map[string]bool{}
		case l.terminatingOnly:
			l.terminatingOnly = false
		case len(l.views) > 0:
			prev := l.views[len(l.views)-1]
			l.views = l.views[:len(l.views)-1]
			return m.switchView(prev)
		default:
			// k9s: q and esc go back, never quit.
			m.setStatus(false, "nothing to go back to: ctrl+c or :q quits")
			return nil
		}
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.Filter):
		return m.ask("/", l.filterText(), l.applyFilter, l.liveFilter)
	case key.Matches(msg, k.OpenNamespace) && l.isNamespaces():
		// k9s: a namespace opens on its pods; esc comes back, y is its YAML.
		if r, ok := l.selectedItem(); ok {
			m.setStatus(false, "")
			return l.visit(listView{res: podsResource, namespace: r.name})
		}
		return nil
	case key.Matches(msg, k.View):
		if r, ok := l.selectedItem(); ok {
			return m.openDetail(r.key, yamlOptions{})
		}
		return nil
	case key.Matches(msg, k.Raw):
		if r, ok := l.selectedItem(); ok {
			return m.openDetail(r.key, yamlOptions{raw: true})
		}
		return nil
	case key.Matches(msg, k.History):
		if r, ok := l.selectedItem(); ok {
			return m.openHistory(r.key)
		}
		return nil
	case key.Matches(msg, k.Describe):
		r, ok := l.selectedItem()
		if !ok {
			return nil
		}
		info, ok := m.store.Layout().Parse(r.key)
		if !ok {
			m.setStatus(true, "d describes objects: %s names none", render.Safe(r.key))
			return nil
		}
		return m.openDescribe(info)
	case key.Matches(msg, k.Mark):
		if r, ok := l.selectedItem(); ok {
			if l.marks[r.key] {
				delete(l.marks, r.key)
			} else {
				l.marks[r.key] = true
			}
			l.render(m.now(), m.bodyWidth())
			l.table.MoveDown(1)
			l.follow(m.now())
		}
		return nil
	case key.Matches(msg, k.MarkAll):
		all := true
		for _, idx := range l.visible {
			all = all && l.marks[l.items[idx].key]
		}
		for _, idx := range l.visible {
			if all {
				delete(l.marks, l.items[idx].key)
			} else {
				l.marks[l.items[idx].key] = true
			}
		}
		l.render(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.Terminating):
		if !l.isPods() {
			m.setStatus(false, "T shows only terminating pods: switch with :pods")
			return nil
		}
		l.terminatingOnly = !l.terminatingOnly
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.Sort):
		l.setSort((l.sortCol+1)%max(len(l.cols), 1), l.sortDesc)
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.SortReverse):
		l.setSort(l.sortCol, !l.sortDesc)
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.SortName):
		for i, c := range l.cols {
			if c == "NAME" || c == "KEY" {
				desc := l.sortDesc
				if l.sortCol == i {
					desc = !desc
				}
				l.setSort(i, desc)
			}
		}
		l.rebuild(m.now(), m.bodyWidth())
		return nil
	case key.Matches(msg, k.Undelete), key.Matches(msg, k.Untaint), key.Matches(msg, k.Uncordon), key.Matches(msg, k.Cordon), key.Matches(msg, k.Delete),
		key.Matches(msg, k.DisableWebhooks):
		return l.startAction(msg)
	case key.Matches(msg, k.Edit):
		r, ok := l.selectedItem()
		switch {
		case l.view.keys:
			m.setStatus(true, "e edits objects: switch to their resource (:cm, :pods, ...)")
		case !ok:
			m.setStatus(true, "nothing selected")
		default:
			return m.startEdit(etcdops.KeyInfo{Resource: l.view.res, Namespace: r.namespace, Name: r.name})
		}
		return nil
	case key.Matches(msg, k.Logs):
		m.setStatus(false, "%s", logsNote)
		return nil
	case !tableMoves(k, msg):
		m.unbound(msg)
		return nil
	}
	var cmd tea.Cmd
	l.table, cmd = l.table.Update(keyMsg)
	l.follow(m.now())
	return cmd
}

// applyFilter handles "/<text>" and "/-l <selector>" (filter.go has the
// grammar).
func (l *listScreen) applyFilter(v string) tea.Cmd {
	if isSelectorFilter(v) {
		text := strings.TrimSpace(v[strings.IndexByte(v, 'l')+1:])
		sel, err := etcdops.ParseSelector(text)
		if err != nil {
			l.m.setStatus(true, "%s", err)
			return nil
		}
		l.setFilter("", sel, text)
	} else {
		l.setFilter(v, nil, "")
		l.noteFilter()
	}
	l.rebuild(l.m.now(), l.m.bodyWidth())
	return nil
}

// liveFilter filters as the text is typed, as k9s does; label selectors
// apply on Enter.
func (l *listScreen) liveFilter(v string) {
	if !isSelectorFilter(v) {
		l.setFilter(v, nil, "")
		l.noteFilter()
		l.rebuild(l.m.now(), l.m.bodyWidth())
	}
}

// noteFilter says in the status line that the filter's text is no regular
// expression and is matched as plain text, as k9s falls back; the note
// goes when the text becomes one.
func (l *listScreen) noteFilter() {
	m := l.m
	if err := l.rf.err; err != nil {
		why := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			why = se.Code.String()
		}
		m.setStatus(false, "/%s is not a regular expression (%s): matching it as plain text", l.filter, why)
		l.filterNote = m.status
		return
	}
	if l.filterNote != "" && m.status == l.filterNote {
		m.setStatus(false, "")
	}
	l.filterNote = ""
}

func isSelectorFilter(v string) bool {
	return strings.HasPrefix(v, "l ") || strings.HasPrefix(v, "-l ") || strings.HasPrefix(v, "l=") || v == "l" || v == "-l"
}

// title is the crumb above the table.
func (l *listScreen) title() string {
	name := render.Safe(l.view.String()) // a custom resource's names come from etcd
	if scope := l.view.scope(); scope != "" {
		name += "(" + scope + ")"
	}
	parts := []string{styleCrumb.Render(" " + name + " "), fmt.Sprintf("[%d/%d]", len(l.visible), len(l.items))}
	if l.terminatingOnly {
		parts = append(parts, styleWarn.Render("terminating only"))
	}
	if l.selectorText != "" {
		parts = append(parts, "selector: "+styleValue.Render(l.selectorText))
	} else if l.filter != "" {
		parts = append(parts, "filter: "+styleValue.Render("/"+render.Safe(l.filter)))
		if note := l.rf.describe(); note != "" {
			parts = append(parts, styleMuted.Render(note))
		}
	}
	if n := len(l.marks); n > 0 {
		parts = append(parts, styleWarn.Render(fmt.Sprintf("%d marked", n)))
	}
	if !l.loaded {
		parts = append(parts, l.m.spinner.View()+"loading")
	}
	if l.m.etcd.err != nil {
		parts = append(parts, styleBadBold.Render("STALE: data "+l.m.dataAsOf()))
	}
	return strings.Join(parts, " ")
}

func (l *listScreen) body() string {
	if l.loaded && len(l.items) == 0 {
		return styleMuted.Render(fmt.Sprintf("No %s found (under %s).", l.view, l.m.store.Layout().Prefix))
	}
	if l.loaded && len(l.visible) == 0 {
		return styleMuted.Render("Nothing matches the filter. Esc clears it.")
	}
	return l.table.View()
}

// hints are the keys that matter on this table.
func (l *listScreen) hints() string {
	k := l.m.keys
	bs := []key.Binding{k.Command, k.Filter, k.View}
	if l.isNamespaces() {
		pods := key.NewBinding(key.WithKeys(k.OpenNamespace.Keys()...), key.WithHelp(k.OpenNamespace.Help().Key, "its pods"))
		bs = []key.Binding{k.Command, k.Filter, pods, k.ViewYAML}
	}
	if !l.m.readOnly && !l.view.keys {
		bs = append(bs, k.Edit)
	}
	switch {
	case l.m.readOnly:
	case l.isPods():
		bs = append(bs, k.Mark, k.MarkAll, k.Undelete, k.Terminating)
	case l.isNodes():
		bs = append(bs, k.Mark, k.MarkAll, k.Untaint, k.Uncordon, k.Cordon)
	case l.isWebhookConfigurations():
		bs = append(bs, k.Mark, k.MarkAll, k.DisableWebhooks, k.Delete)
	}
	bs = append(bs, k.Journal, k.Help, k.Quit)
	var notes []string
	if l.m.readOnly {
		notes = append(notes, styleReadOnly.Render("READ-ONLY: no repairs"))
	}
	return hintLine(notes, bs...)
}

// isNamespaces says whether the table lists namespaces: enter opens one's
// pods.
func (l *listState) isNamespaces() bool { return !l.view.keys && is(l.view.res, namespacesResource) }

// isWebhookConfigurations says whether the table lists admission webhook
// configurations, validating or mutating: what i disables.
func (l *listState) isWebhookConfigurations() bool {
	return !l.view.keys && etcdops.IsWebhookConfiguration(l.view.res)
}
