package etcdops

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Doctor reads etcd only (one scan of the prefix at one revision, plus the
// member's status) and says what is broken, what happens next and which
// command fixes it. It never writes.

// Severity ranks a finding.
type Severity string

const (
	Critical Severity = "critical" // breaks the cluster now, or will within minutes
	Warning  Severity = "warning"  // a risk, or something lifeboat's repairs depend on
	Info     Severity = "info"     // context for the operator
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Finding is one verdict, with its evidence and the commands that fix it.
type Finding struct {
	Severity Severity `json:"severity"`
	Area     string   `json:"area"`
	Title    string   `json:"title"`
	Evidence []string `json:"evidence,omitempty"`
	Fix      []string `json:"fix,omitempty"`
	Keys     []string `json:"keys,omitempty"` // the etcd keys it is about
}

// Diagnosis is what Doctor found.
type Diagnosis struct {
	Revision int64     `json:"revision"`
	Now      time.Time `json:"now"`
	// Clock says which clock ages were measured with: lease renewTimes are
	// the holders' clocks, now is this machine's.
	Clock    string    `json:"clock"`
	Keys     int       `json:"keys"`
	Findings []Finding `json:"findings"`
}

// Problems counts the findings that are not Info.
func (d *Diagnosis) Problems() int {
	n := 0
	for _, f := range d.Findings {
		if f.Severity != Info {
			n++
		}
	}
	return n
}

// ClockMargin is how much older than its duration a lease must be before
// doctor calls it stale: renewTime is the holder's clock, not this
// machine's.
const ClockMargin = 5 * time.Second

// Kubernetes defaults doctor's forecasts rely on.
const (
	// DefaultTolerationSeconds is what the DefaultTolerationSeconds
	// admission plugin gives every pod for the not-ready and unreachable
	// NoExecute taints (plugin/pkg/admission/defaulttolerationseconds).
	DefaultTolerationSeconds = 300
	// NodeMonitorGracePeriod is kube-controller-manager's
	// --node-monitor-grace-period (40 s; 50 s since Kubernetes 1.32): how
	// long a kubelet may be silent before its node is tainted.
	NodeMonitorGracePeriod = 50 * time.Second
)

// Doctor diagnoses the cluster stored under the store's prefix.
func (s *Store) Doctor(ctx context.Context, now time.Time) (*Diagnosis, error) {
	d := &Diagnosis{Now: now.UTC(), Clock: fmt.Sprintf("this machine's clock (%s UTC) against the renewTimes the holders wrote; leases count as stale %s past their duration", now.UTC().Format(time.RFC3339), ClockMargin)}
	c := newCensus(s.layout)
	rev, err := s.ScanItems(ctx, s.layout.prefix()+"/", func(items []Item) error {
		for i := range items {
			c.add(&items[i])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("doctor: %w", err)
	}
	d.Revision, d.Keys = rev, c.keys
	d.Findings = append(d.Findings, c.storageFindings()...)
	d.Findings = append(d.Findings, c.controlPlaneFindings(now)...)
	d.Findings = append(d.Findings, c.nodeFindings(now)...)
	d.Findings = append(d.Findings, c.workloadFindings(now)...)
	d.Findings = append(d.Findings, s.storage(ctx, rev)...)
	sort.SliceStable(d.Findings, func(i, j int) bool { return d.Findings[i].Severity.rank() < d.Findings[j].Severity.rank() })
	return d, nil
}
