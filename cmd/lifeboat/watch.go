package main

import (
	"context"
	"fmt"

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
	for ev := range store.WatchItems(ctx, g.q, rev+1) {
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
	return nil
}
