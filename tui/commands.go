package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	corev1 "k8s.io/api/core/v1"
)

// Every etcd read or write happens in one of these tea.Cmds; Update only
// changes state. Each has a timeout so an etcd that stops answering turns
// into an error banner, never a frozen screen.

const (
	ioTimeout   = 10 * time.Second
	reloadDelay = 150 * time.Millisecond // coalesces bursts of watch events
	maxDelay    = 900 * time.Millisecond // a refresh never waits longer
	retryDelay  = 2 * time.Second
	clockTick   = time.Second // ages move even when nothing is written
	probeEvery  = 5           // clock ticks between liveness probes
)

// Messages.
type (
	// syncedMsg ends a cache's full list: its watch is running, or err.
	syncedMsg struct {
		key   string
		gen   int
		watch *etcdops.InformerWatch
		err   error
	}
	// cacheEventsMsg says a cache applied a batch of watch events.
	cacheEventsMsg struct {
		key     string
		gen     int
		changed bool
		err     error
	}
	refreshMsg       struct{}
	retryMsg         struct{}
	clockMsg         struct{}
	probeMsg         struct{ err error }
	detailMsg        struct{ detail detailState }
	planMsg          struct{ preview previewState }
	applyProgressMsg struct{ done, total int }
	applyDoneMsg     struct {
		results [][]etcdops.Result
		plans   []*etcdops.Plan
		err     error
	}
	journalMsg struct {
		entries []etcdops.JournalEntry
		err     error
	}
)

func (m *Model) ioContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(m.ctx, ioTimeout)
}

// headerData is what the header shows besides endpoint and mode.
type headerData struct {
	nodes, ready, notReady, tainted int
	cordoned                        int
	pods, terminating, malformed    int
	controlPlane                    etcdops.ControlPlane
	controlPlaneErr                 error
}

func typedNode(it etcdops.Item) (*corev1.Node, bool) {
	if it.Object == nil {
		return nil, false
	}
	n, ok := it.Object.Typed.(*corev1.Node)
	return n, ok
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// repairableTaints are the node's taints that `t` removes.
func repairableTaints(n *corev1.Node) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range n.Spec.Taints {
		for _, k := range etcdops.DefaultTaintKeys {
			if t.Key == k {
				out = append(out, t)
			}
		}
	}
	return out
}

func tickCmd(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// yamlCmd renders an object, or its raw key facts.
func yamlCmd(it etcdops.Item, raw, showSecrets bool) tea.Cmd {
	return func() tea.Msg {
		d := detailState{item: it, raw: raw, showSecrets: showSecrets, key: it.Key, revision: it.ModRevision}
		if raw {
			d.content = rawFacts(it)
			return detailMsg{detail: d}
		}
		switch {
		case it.DecodeErr != nil:
			d.content = styleBad.Render("This value cannot be decoded:") + "\n\n" + it.DecodeErr.Error() +
				"\n\nA kube-apiserver cannot LIST " + it.Resource.String() + " while it is there. Press r for the raw key facts."
		default:
			out, err := it.Object.YAML(codec.RenderOptions{ResourceVersion: it.ModRevision, ShowSecrets: showSecrets})
			if err != nil {
				d.content = styleBad.Render(err.Error())
			} else {
				d.content = string(out)
			}
		}
		return detailMsg{detail: d}
	}
}

func rawFacts(it etcdops.Item) string {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-18s %s\n", k+":", v) }
	row("key", it.Key)
	if it.Name != "" {
		row("resource", it.Resource.String())
		if it.Namespace != "" {
			row("namespace", it.Namespace)
		}
		row("name", it.Name)
	}
	row("format", string(codec.DetectFormat(it.Value)))
	row("size", fmt.Sprintf("%d bytes", len(it.Value)))
	row("mod_revision", fmt.Sprintf("%d (the object's resourceVersion)", it.ModRevision))
	row("create_revision", fmt.Sprint(it.CreateRevision))
	row("version", fmt.Sprintf("%d (writes since created)", it.Version))
	if it.Lease != 0 {
		row("lease", fmt.Sprintf("%x (the key expires with it; a rewrite keeps it)", it.Lease))
	} else {
		row("lease", "none")
	}
	switch {
	case it.DecodeErr != nil:
		row("decode", styleBad.Render("malformed: "+it.DecodeErr.Error()))
		row("first bytes", fmt.Sprintf("%q", head(it.Value, 48)))
	case it.Object != nil:
		if it.Object.Encryption != nil {
			row("encryption", it.Object.Encryption.String()+" (lifeboat has no keys: it shows, never edits)")
		} else {
			row("apiVersion", it.Object.APIVersion)
			row("kind", it.Object.Kind)
		}
		if it.Object.Typed == nil && it.Object.Format == codec.FormatProtobuf {
			row("typed", "no: kind unknown to lifeboat, metadata only")
		}
		if len(it.Object.UnknownFields) == 0 {
			row("unknown fields", "none")
		} else {
			fields := make([]string, len(it.Object.UnknownFields))
			for i, f := range it.Object.UnknownFields {
				fields[i] = fmt.Sprintf("#%d %s %dB", f.Number, f.WireType, f.Bytes)
			}
			row("unknown fields", strings.Join(fields, ", "))
		}
	}
	return b.String()
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// planCmd works out every operation against etcd and renders the diffs: the
// preview. It writes nothing.
func (m *Model) planCmd(title string, ops []etcdops.Operation) tea.Cmd {
	store, now := m.store, m.now()
	ctx, cancel := m.ioContext()
	return func() tea.Msg {
		defer cancel()
		p := previewState{title: title}
		for _, op := range ops {
			plan, err := store.Plan(ctx, op)
			if err != nil {
				p.err = err
				return planMsg{preview: p}
			}
			p.plans = append(p.plans, plan)
		}
		seen := map[string]bool{}
		for _, op := range ops {
			for _, w := range store.Warnings(ctx, op, now) {
				if !seen[w] {
					seen[w] = true
					p.warnings = append(p.warnings, w)
				}
			}
		}
		p.ops = ops
		p.err = p.render()
		return planMsg{preview: p}
	}
}

// undoPlanCmd plans the restore of journal entries (PlanUndo).
func (m *Model) undoPlanCmd(title string, entries []etcdops.JournalEntry) tea.Cmd {
	store := m.store
	ctx, cancel := m.ioContext()
	return func() tea.Msg {
		defer cancel()
		p := previewState{title: title, undo: true}
		plan, err := store.PlanUndo(ctx, entries)
		if err != nil {
			p.err = err
			return planMsg{preview: p}
		}
		p.plans = []*etcdops.Plan{plan}
		p.err = p.render()
		return planMsg{preview: p}
	}
}

// applyCmd writes the previewed plans in a goroutine and streams progress
// back through ch: Apply calls Progress between Txns.
func (m *Model) applyCmd(p *previewState, journal *etcdops.Journal) tea.Cmd {
	store, ctx := m.store, m.ctx
	plans, ops := p.plans, p.ops
	ch := make(chan tea.Msg, 64)
	m.applyCh = ch
	go func() {
		total := 0
		for _, plan := range plans {
			total += len(plan.Changes)
		}
		done := applyDoneMsg{}
		offset := 0
		written := map[string]bool{}
		for i, plan := range plans {
			// As the CLI does: a later operation whose keys an earlier one
			// wrote is planned again, so edits compose instead of conflicting.
			if i > 0 && ops != nil && touches(plan, written) {
				fresh, err := store.Plan(ctx, ops[i])
				if err != nil {
					done.err = err
					break
				}
				plan = fresh
			}
			base := offset
			results, err := store.Apply(ctx, plan, etcdops.ApplyOptions{Journal: journal, Progress: func(d, _ int) {
				select {
				case ch <- applyProgressMsg{done: base + d, total: total}:
				default:
				}
			}})
			offset += len(plan.Changes)
			done.plans = append(done.plans, plan)
			done.results = append(done.results, results)
			for _, r := range results {
				if r.Changed {
					written[r.Key] = true
				}
			}
			if err != nil {
				done.err = err
				break
			}
		}
		ch <- done
		close(ch)
	}()
	return waitApplyCmd(ch)
}

func touches(plan *etcdops.Plan, written map[string]bool) bool {
	for _, c := range plan.Changes {
		if written[c.Before.Key] {
			return true
		}
	}
	return false
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

func readJournalCmd(path string) tea.Cmd {
	return func() tea.Msg {
		entries, err := etcdops.ReadJournal(path)
		return journalMsg{entries: entries, err: err}
	}
}
