package tui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
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
	clockTick   = time.Second            // ages move, and etcd is probed, every tick
	agesEvery   = 2                      // ticks between re-renders of the ages in a table (lease ages: every tick)
	loadTick    = 200 * time.Millisecond // a first list shows its progress this often
	// firstPageTick is how often a first list looks for its first page.
	firstPageTick = 25 * time.Millisecond
	// probeTimeout and clockTick bound how long a stalled etcd looks live:
	// a tick plus probeTimeout (the docs promise 5 s).
	probeTimeout = 2 * time.Second
)

// Messages.
type (
	// syncedMsg ends a cache's full list: its watch is running, or err.
	syncedMsg struct {
		key   string
		gen   int
		watch *etcdops.InformerWatch[*row]
		err   error
	}
	// cacheEventsMsg says a cache applied a batch of watch events.
	cacheEventsMsg struct {
		key     string
		gen     int
		changed bool
		err     error
	}
	refreshMsg  struct{}
	loadTickMsg struct {
		key string
		gen int
	}
	retryMsg struct{}
	clockMsg struct{}
	probeMsg struct{ err error }
	// detailMsg is a key read for the YAML screen; readErrMsg a read
	// that failed, for the status line.
	detailMsg  struct{ detail detailState }
	readErrMsg struct{ err error }
	// historyMsg is every version of an object etcd keeps, rendered.
	historyMsg struct {
		item     etcdops.Item
		revision int64
		content  string
	}
)

// headerData is what the header shows besides endpoint and mode.
type headerData struct {
	nodes, ready, notReady, tainted int
	cordoned                        int
	pods, terminating, malformed    int // pods counts every pod key, the malformed too
	controlPlane                    etcdops.ControlPlane
	controlPlaneErr                 error
	// leases are every lease's status, for the outage's timeline.
	leases []etcdops.LeaseStatus
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

// readDetailCmd reads one key whole (the caches keep only table rows) and
// renders it: the YAML view, or the raw key facts.
func (m *Model) readDetailCmd(key string, opts yamlOptions) tea.Cmd {
	store := m.store
	ctx, cancel := m.ioContext()
	return func() tea.Msg {
		defer cancel()
		it, found, err := store.GetItem(ctx, key)
		switch {
		case err != nil:
			return readErrMsg{err: err}
		case !found:
			return readErrMsg{err: fmt.Errorf("%s is gone: deleted since it was listed", key)}
		}
		return yamlCmd(it, opts)()
	}
}

// readFailed says in the status line why a screen's read failed.
func (m *Model) readFailed(msg readErrMsg) { m.setStatus(true, "%s", m.ioError(msg.err)) }

// historyCmd reads every version of a key etcd still keeps and shows them
// with their diffs (render.History, as `lifeboat history` prints them).
func (m *Model) historyCmd(key string) tea.Cmd {
	store := m.store
	ctx, cancel := m.ioContext()
	return func() tea.Msg {
		defer cancel()
		it, found, err := store.GetItem(ctx, key)
		info, ok := store.Layout().Parse(key)
		switch {
		case err != nil:
			return readErrMsg{err: err}
		case !ok:
			return readErrMsg{err: fmt.Errorf("%s names no object: history is kept per object", key)}
		}
		if !found {
			it = etcdops.Item{Record: etcdops.Record{Key: key}, KeyInfo: info}
		}
		h, err := store.History(ctx, info)
		if err != nil {
			return readErrMsg{err: err}
		}
		return historyMsg{item: it, revision: h.Revision, content: render.History(h, false, true)}
	}
}

// yamlOptions say how the YAML screen shows an object.
type yamlOptions struct {
	raw         bool // the raw key facts instead
	showSecrets bool // a Secret's data, redacted by default
	showManaged bool // metadata.managedFields, hidden as kubectl hides them
}

// yamlCmd renders an object, or its raw key facts.
func yamlCmd(it etcdops.Item, opts yamlOptions) tea.Cmd {
	return func() tea.Msg {
		d := detailState{item: it, opts: opts, key: it.Key, revision: it.ModRevision}
		if opts.raw {
			d.content = rawFacts(it)
			return detailMsg{detail: d}
		}
		switch {
		case it.DecodeErr != nil:
			d.content = styleBad.Render("This value cannot be decoded:") + "\n\n" + render.Line(it.DecodeErr.Error()) +
				"\n\nA kube-apiserver cannot LIST " + it.Resource.String() + " while it is there. Press r for the raw key facts."
		default:
			out, managed, err := objectYAML(it, opts)
			d.managed = managed
			if err != nil {
				d.content = styleBad.Render(render.Line(err.Error()))
			} else {
				d.content = string(out)
			}
			if newer := codec.NewerFields(it.Value, it.Object); len(newer) > 0 {
				// The badge: what a newer Kubernetes wrote is not in the YAML.
				var where []string
				for _, f := range newer {
					where = append(where, "  "+render.Safe(f.String()))
				}
				d.content = styleWarn.Render(fmt.Sprintf("NEWER FIELDS: %d field(s) this lifeboat's Kubernetes types do not know, not shown below (lifeboat's edits keep them):", len(newer))) +
					"\n" + strings.Join(where, "\n") + "\n\n" + d.content
			}
		}
		return detailMsg{detail: d}
	}
}

// objectYAML is the object as `lifeboat get -o yaml` prints it (what etcd
// holds that could drive the terminal escaped: render.YAML), and as
// `kubectl get -o yaml` shows it: metadata.managedFields left out unless
// asked for. managed says whether the object has them.
func objectYAML(it etcdops.Item, opts yamlOptions) (out []byte, managed bool, err error) {
	obj, err := it.Object.Render(codec.RenderOptions{ResourceVersion: it.ModRevision, ShowSecrets: opts.showSecrets})
	if err != nil {
		return nil, false, err
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		_, managed = md["managedFields"]
		if !opts.showManaged {
			delete(md, "managedFields")
		}
	}
	out, err = render.YAML(obj)
	if err != nil {
		return nil, managed, fmt.Errorf("yaml %s %s: %w", it.Object.APIVersion, it.Object.Kind, err)
	}
	return out, managed, nil
}

func rawFacts(it etcdops.Item) string {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-18s %s\n", k+":", render.Safe(v)) }
	row("key", it.Key)
	if it.Name != "" {
		row("resource", it.Resource.String())
		if it.Namespace != "" {
			row("namespace", it.Namespace)
		}
		row("name", it.Name)
	}
	facts := render.KeyFactsOf(it)
	row("format", facts.Format)
	row("size", fmt.Sprintf("%d bytes", facts.Size))
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
		fmt.Fprintf(&b, "%-18s %s\n", "decode:", styleBad.Render("malformed: "+render.Line(it.DecodeErr.Error())))
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
