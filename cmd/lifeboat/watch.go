package main

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// watch prints every change to the objects the query selects from etcd
// revision rev on, as kubectl get --watch prints them, until ctx ends
// (Ctrl-C: exit 0). It follows etcd's watch straight: no apiserver, so no
// watch cache and no bookmarks, and the revisions are etcd's. out is the
// printer the list printed with, so that rows line up with its table.
func (g *getRun) watch(ctx context.Context, store *etcdops.Store, rev int64, out objectPrinter) error {
	// What the list could not show is said now: a watch has no end to say
	// it at.
	if err := g.report(); err != nil {
		warn(g.std.err, "%v", err)
	}
	warned := map[string]bool{}
	liveness, stop := etcdLiveness(ctx, store, g.std.now)
	defer stop()
	events := store.WatchItems(ctx, g.q, rev+1)
	for {
		var ev etcdops.ItemEvent
		select {
		case msg := <-liveness:
			warn(g.std.err, "%s", msg)
			continue
		case e, ok := <-events:
			if !ok {
				return nil
			}
			ev = e
		}
		if ev.Err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch %s: %w (the list was read at revision %d)", g.q.Resource, ev.Err, rev)
		}
		items := g.sift([]etcdops.Item{ev.Item})
		if g.bad > 0 {
			// Said once a key, as it arrives.
			if key := ev.Item.Key; !warned[key] {
				warned[key] = true
				warn(g.std.err, "%s", undecodableMessage(g.q, g.undecodable, 1))
			}
			g.undecodable, g.bad = nil, 0
		}
		if len(items) == 0 {
			continue
		}
		if err := out.add(ev.Type, items); err != nil {
			return err
		}
		if err := out.finish(); err != nil {
			return err
		}
	}
}

// livenessEvery is how often a watch asks etcd whether it still answers:
// a watch of a killed or frozen etcd delivers nothing and says nothing,
// and the operator must hear within seconds why nothing comes.
const livenessEvery = 2 * time.Second

// etcdLiveness reads etcd's revision every livenessEvery while a watch
// runs and sends, once each time, a line saying that etcd stopped answering
// (why, and that the watch waits for it) and that it answers again.
func etcdLiveness(ctx context.Context, store *etcdops.Store, now func() time.Time) (<-chan string, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(livenessEvery)
		defer tick.Stop()
		var gone time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			pctx, pcancel := context.WithTimeout(ctx, livenessEvery)
			rev, err := store.Revision(pctx)
			pcancel()
			var msg string
			switch {
			case ctx.Err() != nil:
				return
			case err != nil && gone.IsZero():
				gone = now()
				msg = fmt.Sprintf("the watch is waiting: %v; it goes on when etcd answers (Ctrl-C ends it)", err)
			case err == nil && !gone.IsZero():
				msg = fmt.Sprintf("etcd answers again (revision %d, after %s): the watch goes on", rev, now().Sub(gone).Round(time.Second))
				gone = time.Time{}
			default:
				continue
			}
			select {
			case out <- msg:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, func() { cancel(); <-done }
}
