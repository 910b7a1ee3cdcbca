package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// History is an object's history as text: a line per version (its
// revision, what the write did, the time the object gives it) and the
// coloured (color) YAML diff from the version before, oldest first.
func History(h *etcdops.History, showSecrets, color bool) string {
	var b strings.Builder
	name := Safe(h.KeyInfo.String())
	fmt.Fprintf(&b, "%s: %d version(s) in etcd's history (key %s, read at revision %d)\n", name, len(h.Versions), Safe(h.Key), h.Revision)
	if h.CompactedAt > 0 {
		fmt.Fprintf(&b, "History before revision %d was compacted: older versions are gone.\n", h.CompactedAt)
	}
	for i := range h.Versions {
		v := &h.Versions[i]
		var prev *etcdops.Version
		if i > 0 {
			prev = &h.Versions[i-1]
		}
		fmt.Fprintf(&b, "\nREVISION %d  %s%s\n", v.ModRevision, v.Event(prev), when(v))
		diff, err := h.Diff(i, showSecrets)
		if err != nil {
			fmt.Fprintf(&b, "(cannot show it: %s)\n", Line(err.Error()))
			continue
		}
		// Escape what etcd holds first: the colours are lifeboat's.
		diff = SafeLines(diff)
		if color {
			diff = ColorizeDiff(diff)
		}
		b.WriteString(diff)
	}
	if !h.Exists() {
		fmt.Fprintf(&b, "\n%s does not exist now.\n", name)
	}
	return b.String()
}

func when(v *etcdops.Version) string {
	if v.Time.IsZero() {
		return ""
	}
	return fmt.Sprintf("  %s (%s)", v.Time.Format(time.RFC3339), v.TimeSource)
}
