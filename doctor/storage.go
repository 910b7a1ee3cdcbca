package doctor

import (
	"context"
	"fmt"
	"strconv"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/textutil"
)

// Findings on storage: values kube-apiserver cannot decode, encryption at
// rest, and what the members say of themselves.

func (c *census) storageFindings() []Finding {
	byResource := map[string][]etcdops.Item{}
	for _, it := range c.broken {
		byResource[it.Resource.String()] = append(byResource[it.Resource.String()], it)
	}
	var out []Finding
	for _, res := range sortedKeys(byResource) {
		items := byResource[res]
		f := Finding{ID: "undecodable-values", Severity: Critical, Area: "storage",
			Title: fmt.Sprintf("%d value(s) under %s that kube-apiserver cannot decode: it fails to LIST all %s, and watches of them break", len(items), res, res)}
		for _, it := range items {
			f.Evidence = append(f.Evidence, fmt.Sprintf("%s: %v", it.Key, it.DecodeErr))
			f.Keys = append(f.Keys, it.Key)
			f.Fix = append(f.Fix, "lifeboat quarantine "+it.Key+" --dry-run")
		}
		out = append(out, f)
	}
	for _, provider := range sortedKeys(c.encrypted) {
		out = append(out, Finding{ID: "encrypted-values", Severity: Info, Area: "storage",
			Title: fmt.Sprintf("%d value(s) encrypted at rest with %s: kube-apiserver needs that key in its --encryption-provider-config to read them", c.encrypted[provider], provider)})
	}
	return out
}

// memberFindings read the members' status and alarms, and the revision
// the apiserver last compacted (its compactor's compact_rev_key, outside
// the prefix: k8s.io/apiserver pkg/storage/etcd3/compact.go).
func memberFindings(ctx context.Context, store *etcdops.Store, rev int64) []Finding {
	var out []Finding
	info := Finding{ID: "etcd-status", Severity: Info, Area: "storage", Title: fmt.Sprintf("etcd at revision %d", rev)}
	if rec, found, err := store.Get(ctx, "compact_rev_key"); err == nil && found {
		if compacted, err := strconv.ParseInt(string(rec.Value), 10, 64); err == nil {
			info.Evidence = append(info.Evidence, fmt.Sprintf("kube-apiserver last compacted at revision %d: history before it is gone", compacted))
		}
	}
	if snap := store.SnapshotFile(); snap != "" {
		// No member to ask: the file is all there is.
		info.Evidence = append(info.Evidence, "read from the snapshot "+snap+": no member status or alarms")
		return append(out, info)
	}
	for _, m := range store.MemberStatuses(ctx) {
		if m.Err != nil {
			info.Evidence = append(info.Evidence, fmt.Sprintf("%s: no status (%v): kine, or a member that is down", m.Endpoint, textutil.OneLine(m.Err.Error())))
			continue
		}
		st := m.Status
		if st.Header == nil || st.RaftTerm == 0 {
			info.Evidence = append(info.Evidence, fmt.Sprintf("%s: %s, no raft: kine (k3s)", m.Endpoint, st.Version))
			continue
		}
		info.Evidence = append(info.Evidence, fmt.Sprintf("%s: etcd %s, member %x, leader %x, raft term %d, db %d MiB (%d MiB in use)",
			m.Endpoint, st.Version, st.Header.MemberId, st.Leader, st.RaftTerm, st.DbSize>>20, st.DbSizeInUse>>20))
		for _, e := range st.Errors {
			out = append(out, Finding{ID: "etcd-member-errors", Severity: Critical, Area: "storage", Title: fmt.Sprintf("etcd %s reports: %s", m.Endpoint, e)})
		}
	}
	if alarms, err := store.Alarms(ctx); err == nil {
		for _, a := range alarms.Alarms {
			f := Finding{ID: "etcd-alarm", Severity: Critical, Area: "storage", Title: fmt.Sprintf("etcd alarm %s on member %x: etcd refuses writes", a.Alarm, a.MemberID)}
			if a.Alarm.String() == "NOSPACE" {
				f.Advice = []string{"etcdctl compact, etcdctl defrag, then etcdctl alarm disarm (lifeboat cannot write until then)"}
			}
			out = append(out, f)
		}
	}
	return append(out, info)
}
