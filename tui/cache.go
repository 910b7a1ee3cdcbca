package tui

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// The TUI reads etcd informer-style (etcdops.Informer): each resource it
// needs is listed once at a revision R, then followed by its own etcd watch
// from R+1 whose events replace or delete single cache entries, decoding only
// the value that changed. Pods, nodes and leases are always cached: the
// header counts pods and nodes, shows the control-plane leases, and the
// nodes view shows kubelet lease ages. The current view's resource (or raw
// key prefix) is cached while it is shown. A full list happens again only
// when a watch ends (compaction, etcd unreachable), when etcd answers again
// after the unreachable banner, or on ctrl+r: on a large cluster in an
// outage, re-listing on every event would load the etcd being rescued.

// cache is one informer and the state of its list and watch.
type cache struct {
	key     string
	inf     *etcdops.Informer[*row]
	gen     int                // bumped by each sync: older messages are ignored
	cancel  context.CancelFunc // ends the watch of the current sync
	watch   *etcdops.InformerWatch[*row]
	loading bool
	lists   int  // full lists started (Resync calls), like Model.fullLists
	dead    bool // the last sync failed or its watch ended: list again
	dirty   bool // changed since the screen last read it
}

// The always-kept caches, by key.
const (
	podsCache   = "pods"
	nodesCache  = "nodes"
	leasesCache = "leases"
)

var baseCaches = []string{podsCache, nodesCache, leasesCache}

func isBaseCache(key string) bool {
	for _, k := range baseCaches {
		if k == key {
			return true
		}
	}
	return false
}

// addBaseCaches creates the caches the header needs.
func (m *Model) addBaseCaches() {
	m.caches = map[string]*cache{}
	for _, name := range baseCaches {
		res := etcdops.MustResolveResource(name)
		m.caches[name] = &cache{key: name, inf: etcdops.NewInformer(m.store, res, "", render.RowNeeds(res), m.guardSummary(rowSummarizer(res, m.now)))}
	}
}

// cacheKey names the cache a view reads: a base cache for pods, nodes and
// leases (in any namespace: the view filters), else its own.
func (m *Model) cacheKey(v listView) string {
	if v.keys {
		return "keys " + v.keyPrefix
	}
	for _, name := range baseCaches {
		if v.res.StoragePath == etcdops.MustResolveResource(name).StoragePath {
			return name
		}
	}
	layout := m.store.Layout()
	if v.namespace != "" {
		return layout.NamespacePrefix(v.res, v.namespace)
	}
	return layout.ResourcePrefix(v.res)
}

func (m *Model) ensureCache(v listView) *cache {
	key := m.cacheKey(v)
	if c, ok := m.caches[key]; ok {
		return c
	}
	c := &cache{key: key}
	if v.keys {
		c.inf = etcdops.NewKeyInformer(m.store, v.keyPrefix, m.guardSummary(keyRowSummarizer))
	} else {
		c.inf = etcdops.NewInformer(m.store, v.res, v.namespace, render.RowNeeds(v.res), m.guardSummary(rowSummarizer(v.res, m.now)))
	}
	m.caches[key] = c
	return c
}

func (m *Model) dropCache(key string) {
	if c, ok := m.caches[key]; ok && !isBaseCache(key) {
		if c.cancel != nil {
			c.cancel()
		}
		delete(m.caches, key)
	}
}

// switchView shows another resource: at once from its cache when it has
// one (pods, nodes, leases), else after its first list.
func (m *Model) switchView(v listView) tea.Cmd {
	m.viewGen++ // a name still read from the CRDs is asked for no more
	old := m.list.cacheKey
	m.list.setView(v)
	c := m.ensureCache(v)
	m.list.cacheKey = c.key
	if old != c.key {
		m.dropCache(old)
	}
	if c.inf.Synced() {
		m.loadView()
		return nil
	}
	if !c.loading {
		return m.syncCmd(c)
	}
	return nil
}

// resync lists every cache again (start, retry after etcd was unreachable,
// ctrl+r). A cache whose list is still running is left to it: two lists of
// one informer must never race.
func (m *Model) resync() tea.Cmd {
	keys := make([]string, 0, len(m.caches))
	for k := range m.caches {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var cmds []tea.Cmd
	for _, k := range keys {
		if c := m.caches[k]; !c.loading {
			cmds = append(cmds, m.syncCmd(c))
		}
	}
	return tea.Batch(cmds...)
}

// syncCmd is the one full list of a cache, then the start of its watch
// from the list's revision + 1. fullLists counts them (tests assert that a
// watch event never causes one).
func (m *Model) syncCmd(c *cache) tea.Cmd {
	if c.cancel != nil {
		c.cancel()
	}
	m.cacheGen++
	c.gen, c.loading, c.watch = m.cacheGen, true, nil
	wctx, cancelWatch := context.WithCancel(m.ctx)
	c.cancel = cancelWatch
	m.fullLists++
	c.lists++
	m.busy++
	key, gen, inf := c.key, c.gen, c.inf
	var progress tea.Cmd
	if !inf.Synced() {
		// The first list shows its pages as they arrive.
		progress = tickCmd(firstPageTick, loadTickMsg{key: key, gen: gen})
	}
	// No deadline on the whole list: 150,000 pods take longer than any
	// fixed bound. Each page has the store's request deadline, so a
	// stalled etcd still ends it; the watch context cancels it.
	return tea.Batch(progress, func() tea.Msg {
		if _, err := inf.Resync(wctx); err != nil {
			return syncedMsg{key: key, gen: gen, err: err}
		}
		return syncedMsg{key: key, gen: gen, watch: inf.Watch(wctx)}
	})
}

// onLoadTick shows what a first list has loaded so far: on a cluster of
// 150,000 pods the first page is on screen long before the last.
func (m *Model) onLoadTick(msg loadTickMsg) tea.Cmd {
	c, ok := m.caches[msg.key]
	if !ok || c.gen != msg.gen || !c.loading {
		return nil
	}
	n := c.inf.Len()
	if n > 0 && msg.key == m.list.cacheKey && len(m.stack) == 0 {
		m.loadView()
		m.setStatus(false, "loading %s: %d so far…", c.key, n)
	}
	if n == 0 {
		// Until the first page is in, look often: it is the first screen.
		return tickCmd(firstPageTick, msg)
	}
	return tickCmd(loadTick, msg)
}

// waitCacheCmd applies the next batch of watch events to the cache, in
// the command's goroutine: decoding never runs in Update.
func waitCacheCmd(key string, gen int, w *etcdops.InformerWatch[*row]) tea.Cmd {
	return func() tea.Msg {
		changed, err := w.Next()
		return cacheEventsMsg{key: key, gen: gen, changed: changed, err: err}
	}
}

func (m *Model) onSynced(msg syncedMsg) tea.Cmd {
	m.busy = max(m.busy-1, 0)
	c, ok := m.caches[msg.key]
	if !ok || c.gen != msg.gen {
		return nil // dropped, or listed again since
	}
	c.loading = false
	if msg.err != nil {
		c.dead = true
		return m.ioFailed(msg.err)
	}
	c.dead, c.dirty, c.watch = false, true, msg.watch
	if strings.HasPrefix(m.status, "loading "+c.key+":") {
		m.setStatus(false, "")
	}
	m.answered()
	if !m.anyDead() {
		m.etcd.err = nil
	}
	m.noteRevision(c.inf.Revision())
	// The first screen (and the one after a re-list) comes at once.
	return tea.Batch(m.refresh(), waitCacheCmd(c.key, c.gen, c.watch))
}

func (m *Model) onCacheEvents(msg cacheEventsMsg) tea.Cmd {
	c, ok := m.caches[msg.key]
	if !ok || c.gen != msg.gen || m.ctx.Err() != nil {
		return nil
	}
	m.noteRevision(c.inf.Revision())
	if msg.err == nil {
		m.answered()
	}
	var cmds []tea.Cmd
	if msg.changed {
		c.dirty = true
		cmds = append(cmds, m.scheduleRefresh())
	}
	switch {
	case msg.err == nil:
		cmds = append(cmds, waitCacheCmd(c.key, c.gen, c.watch))
	case errors.Is(msg.err, etcdops.ErrCompacted):
		// etcd no longer has the history the watch needs: list again now,
		// as the apiserver's watch cache does.
		cmds = append(cmds, m.syncCmd(c))
	default:
		c.dead = true
		c.cancel()
		cmds = append(cmds, m.ioFailed(msg.err))
	}
	return tea.Batch(cmds...)
}

func (m *Model) anyDead() bool {
	for _, c := range m.caches {
		if c.dead {
			return true
		}
	}
	return false
}

func (m *Model) noteRevision(rev int64) {
	if rev > m.revision {
		m.revision = rev
	}
}

// scheduleRefresh debounces: a burst of events costs one refresh, at most
// one every reloadDelay, or longer when a refresh is costly (a huge table),
// never more than maxDelay.
func (m *Model) scheduleRefresh() tea.Cmd {
	if m.refreshPending {
		return nil
	}
	m.refreshPending = true
	return tickCmd(min(max(reloadDelay, 4*m.refreshCost), maxDelay), refreshMsg{})
}

// refresh shows what changed in the caches: header counts, the view's rows,
// and what the screen on top follows (the YAML view's object). No I/O.
func (m *Model) refresh() tea.Cmd {
	start := time.Now()
	leasesDirty := m.caches[leasesCache].dirty
	if m.caches[podsCache].dirty || m.caches[nodesCache].dirty || leasesDirty {
		m.computeHeader()
	}
	if c, ok := m.caches[m.list.cacheKey]; ok && c.inf.Synced() && (c.dirty || !m.list.loaded || (m.list.isNodes() && leasesDirty)) {
		m.loadView()
	}
	for _, c := range m.caches {
		c.dirty = false
	}
	m.refreshCost = time.Since(start)
	if f, ok := m.top().(follower); ok {
		return f.follow()
	}
	return nil
}

// computeHeader counts from the caches.
func (m *Model) computeHeader() {
	var d headerData
	m.caches[nodesCache].inf.Range(func(_ string, r *row) bool {
		d.nodes++
		node := r.node
		if node == nil {
			return true
		}
		if node.ready {
			d.ready++
		} else {
			d.notReady++
		}
		if node.tainted {
			d.tainted++
		}
		if node.cordoned {
			d.cordoned++
		}
		return true
	})
	// Every pod key counts, as every node key does: the :pods table lists
	// each, one that does not decode too (<malformed>), and the header
	// says how many of them are malformed.
	m.caches[podsCache].inf.Range(func(_ string, r *row) bool {
		d.pods++
		if r.malformed {
			d.malformed++
		}
		if r.terminating {
			d.terminating++
		}
		return true
	})
	m.caches[leasesCache].inf.Range(func(_ string, r *row) bool {
		if r.lease != nil {
			d.leases = append(d.leases, *r.lease)
		}
		return true
	})
	var err1, err2 error
	d.controlPlane.ControllerManager, err1 = m.lease("kube-system", "kube-controller-manager")
	d.controlPlane.Scheduler, err2 = m.lease("kube-system", "kube-scheduler")
	d.controlPlaneErr = errors.Join(err1, err2)
	m.header = d
	m.headerOK = true
	for _, k := range baseCaches {
		m.headerOK = m.headerOK && m.caches[k].inf.Synced()
	}
}

// lease reads one Lease from the leases cache.
func (m *Model) lease(namespace, name string) (etcdops.LeaseStatus, error) {
	key := m.store.Layout().Key(etcdops.MustResolveResource("leases"), namespace, name)
	r, ok := m.caches[leasesCache].inf.Get(key)
	switch {
	case !ok:
		return etcdops.LeaseStatus{Namespace: namespace, Name: name}, nil
	case r.leaseErr != nil:
		return etcdops.LeaseStatus{Namespace: namespace, Name: name, Found: true}, r.leaseErr
	}
	return *r.lease, nil
}

// loadView puts the view cache's items (of the view's namespace) into the
// table.
func (m *Model) loadView() {
	c, ok := m.caches[m.list.cacheKey]
	if !ok {
		return
	}
	items := c.inf.Items()
	if ns := m.list.view.namespace; ns != "" && !m.list.view.keys {
		kept := items[:0]
		for _, r := range items {
			if r.namespace == ns {
				kept = append(kept, r)
			}
		}
		items = kept
	}
	var leases map[string]etcdops.LeaseStatus
	if m.list.isNodes() {
		leases = make(map[string]etcdops.LeaseStatus, len(items))
		for _, r := range items {
			leases[r.name], _ = m.lease("kube-node-lease", r.name)
		}
	}
	m.list.load(items, leases, c.inf.Revision())
	m.list.rebuild(m.now(), m.bodyWidth())
}

// onClock re-renders what ages (lease ages in the header and the nodes
// view, terminating-since) from the cache, and probes etcd.
func (m *Model) onClock() tea.Cmd {
	m.ticks++
	cmds := []tea.Cmd{tickCmd(clockTick, clockMsg{})}
	if len(m.stack) == 0 && m.list.loaded && (m.list.isNodes() || m.ticks%agesEvery == 0) {
		m.list.render(m.now(), m.bodyWidth())
	}
	if m.etcd.err == nil && !m.etcd.retrying {
		cmds = append(cmds, m.probeCmd())
	}
	return tea.Batch(cmds...)
}
