package tui

import (
	"context"
	"runtime/debug"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/journal"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The write path every repair takes, from a key to etcd: the operations a
// key means (startAction), their plan and diffs (planCmd, plannedCmd; the
// preview screen shows them, preview.go), the session journal
// (journalForWrites) and the write itself (startApply), whose outcomes the
// summary lists.

// Messages of the write path.
type (
	planMsg          struct{ preview previewState }
	applyProgressMsg struct{ done, total int }
	applyDoneMsg     struct {
		outcomes []outcome
		err      error
	}
)

// startAction turns u/t/c/i/ctrl+d on the marked (or selected) rows into operations
// and asks the engine for the plan: the preview comes next.
func (l *listScreen) startAction(msg tea.KeyMsg) tea.Cmd {
	m := l.m
	k := m.keys
	if m.refuseWrite() {
		return nil
	}
	var action etcdops.Action
	switch {
	case key.Matches(msg, k.Undelete):
		if !l.isPods() {
			m.setStatus(true, "u undeletes pods: switch with :pods")
			return nil
		}
		action = etcdops.UndeletePods
	case key.Matches(msg, k.Untaint):
		if !l.isNodes() {
			m.setStatus(true, "t untaints nodes: switch with :nodes")
			return nil
		}
		action = etcdops.UntaintNodes
	case key.Matches(msg, k.Cordon):
		if !l.isNodes() {
			m.setStatus(true, "C cordons nodes: switch with :nodes")
			return nil
		}
		action = etcdops.CordonNodes
	case key.Matches(msg, k.Delete):
		if l.view.keys {
			m.setStatus(true, "ctrl+d deletes objects: switch to their resource (:cm, :pods, ...)")
			return nil
		}
		action = etcdops.DeleteObjects
	case key.Matches(msg, k.DisableWebhooks):
		if !l.isWebhookConfigurations() {
			m.setStatus(true, "i disables webhooks: switch with :validatingwebhookconfigurations or :mutatingwebhookconfigurations")
			return nil
		}
		action = etcdops.DisableWebhooks
	default:
		if !l.isNodes() {
			m.setStatus(true, "c uncordons nodes: switch with :nodes")
			return nil
		}
		action = etcdops.UncordonNodes
	}
	targets := l.targets()
	if len(targets) == 0 {
		m.setStatus(true, "nothing selected")
		return nil
	}
	// One operation per namespace: the engine reads named objects of one
	// namespace at a time, exactly as `lifeboat pods undelete -n NS NAME...`.
	byNS := map[string][]string{}
	var order []string
	for _, r := range targets {
		if _, ok := byNS[r.namespace]; !ok {
			order = append(order, r.namespace)
		}
		byNS[r.namespace] = append(byNS[r.namespace], r.name)
	}
	var ops []etcdops.Operation
	for _, ns := range order {
		q := etcdops.Query{Resource: l.view.res, Namespace: ns, Names: byNS[ns]}
		ops = append(ops, etcdops.Operation{Action: action, Query: q})
	}
	title := actionTitle(ops[0]) + ": " + count(len(targets), l.view.res.Singular, l.view.res.Name)
	m.setStatus(false, "planning %s…", title)
	m.busy++
	return m.planCmd(title, ops)
}

func actionTitle(op etcdops.Operation) string {
	switch op.Action {
	case etcdops.UndeletePods:
		return "undelete"
	case etcdops.UncordonNodes:
		return "uncordon"
	case etcdops.CordonNodes:
		return "cordon"
	case etcdops.UntaintNodes:
		return "untaint"
	case etcdops.DeleteObjects:
		return "DELETE (no finalizers, no garbage collection)"
	case etcdops.DisableWebhooks:
		return "disable webhooks (failurePolicy Ignore)"
	}
	return op.String()
}

// outcome is what happened to one key of a batch: what the summary lists.
type outcome struct {
	etcdops.KeyInfo
	action etcdops.Action
	result etcdops.Result
}

// previewLimit is how many changes the preview shows one diff each; past
// it they are grouped by the edit they make.
const previewLimit = 50

// planCmd previews the operations against etcd and renders the diffs, for
// a new preview screen (openPreview). It writes nothing.
func (m *Model) planCmd(title string, ops []etcdops.Operation) tea.Cmd {
	store, now := m.store, m.now()
	ctx, cancel := m.ioContext()
	return m.openPreview(func() tea.Msg {
		defer cancel()
		p := previewState{title: title}
		b, err := store.NewBatch(ctx, now, ops...)
		if err == nil {
			err = p.preview(ctx, b)
		}
		p.err = err
		return planMsg{preview: p}
	})
}

// plannedCmd previews a plan made outside a batch, for a new preview
// screen: a restore (PlanUndo or PlanUndoWrite, undo set) or an edit
// (PlanEdit).
func (m *Model) plannedCmd(title string, undo bool, makePlan func(context.Context) (*etcdops.Plan, error)) tea.Cmd {
	store := m.store
	ctx, cancel := m.ioContext()
	return m.openPreview(func() tea.Msg {
		defer cancel()
		p := previewState{title: title, undo: undo}
		plan, err := makePlan(ctx)
		if err == nil {
			err = p.preview(ctx, store.PlannedBatch(plan))
		}
		p.err = err
		return planMsg{preview: p}
	})
}

// applyFunc is etcdops.Batch.Apply.
type applyFunc func(context.Context, etcdops.ApplyOptions, func(int, *etcdops.Change, etcdops.Result) error) error

// startApply writes the previewed batch (apply is its Apply) in a
// goroutine and streams its progress, then its outcome, through the
// channel it returns (waitApplyCmd reads it).
func (m *Model) startApply(apply applyFunc, j *journal.Journal) <-chan tea.Msg {
	ctx := m.ctx
	ch := make(chan tea.Msg, 64)
	go func() {
		// No bubbletea recovery here: a panic would end the process with
		// the terminal raw. What was written is in the journal.
		defer func() {
			if r := recover(); r != nil {
				m.fail(r, debug.Stack())
				close(ch)
			}
		}()
		var done applyDoneMsg
		done.err = apply(ctx, etcdops.ApplyOptions{Journal: j, Progress: func(n, total int) {
			select {
			case ch <- applyProgressMsg{done: n, total: total}:
			default:
			}
		}}, func(_ int, c *etcdops.Change, r etcdops.Result) error {
			done.outcomes = append(done.outcomes, outcome{KeyInfo: c.KeyInfo, action: c.Action, result: r})
			return nil
		})
		ch <- done
		close(ch)
	}()
	return ch
}

func waitApplyCmd(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// journalForWrites is the session journal, created at the first write.
func (m *Model) journalForWrites() (*journal.Journal, error) {
	if m.sessionJournal != nil {
		return m.sessionJournal, nil
	}
	j, err := journal.Start(m.opts.JournalPath, m.journalDir(), m.now(), "tui", journal.Info{
		Command: "lifeboat tui", Endpoints: m.store.Endpoints(), Prefix: m.store.Layout().Prefix,
	})
	if err != nil {
		return nil, err
	}
	m.sessionJournal = j
	return j, nil
}

// refuseWrite says, in the status line, why nothing can be written now:
// read-only mode, or an etcd that does not answer.
func (m *Model) refuseWrite() bool {
	switch {
	case m.readOnly:
		m.setStatus(true, "read-only mode (--readonly): repairs are disabled, nothing is written")
	case m.etcd.err != nil:
		m.setStatus(true, "etcd unreachable: nothing can be written until it answers again; the screen shows the data %s", m.dataAsOf())
	default:
		return false
	}
	return true
}
