package doctor

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

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

// Finding is one verdict, with its evidence and what fixes it.
type Finding struct {
	// ID names the kind of finding, stable across releases: runbooks
	// (docs/runbooks/) and scripts key on it.
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Area     string   `json:"area"`
	Title    string   `json:"title"`
	Evidence []string `json:"evidence,omitempty"`
	// Advice are steps no lifeboat command takes (stop a component, check
	// a log).
	Advice []string `json:"advice,omitempty"`
	// Fix are lifeboat command lines, runnable as printed: those that
	// write carry --dry-run, to be run again with --yes.
	Fix  []string `json:"fix,omitempty"`
	Keys []string `json:"keys,omitempty"` // the etcd keys it is about
}

// Diagnosis is what Diagnose found.
type Diagnosis struct {
	Revision int64     `json:"revision"`
	Now      time.Time `json:"now"`
	// Clock says which clock ages were measured with: lease renewTimes are
	// the holders' clocks, now is this machine's.
	Clock    string    `json:"clock"`
	Keys     int       `json:"keys"`
	Outage   Outage    `json:"outage"`
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
	// NodeMonitorGracePeriod is kube-controller-manager's
	// --node-monitor-grace-period (50 s since Kubernetes 1.32): how long a
	// kubelet may be silent before its node is tainted.
	NodeMonitorGracePeriod = 50 * time.Second
	// APIServerRenewInterval is how often kube-apiserver renews its
	// identity lease (k8s.io/kubernetes pkg/controlplane/apiserver/server.go,
	// IdentityLeaseRenewIntervalPeriod); the lease lasts an hour
	// (IdentityLeaseDurationSeconds), so its duration cannot tell a dead
	// apiserver: missing three renewals does.
	APIServerRenewInterval = 10 * time.Second
)

// apiserverSilentAfter is how long an identity lease may go unrenewed
// before its kube-apiserver counts as stopped.
const apiserverSilentAfter = 3*APIServerRenewInterval + ClockMargin

// Diagnose reads etcd once (one scan of the prefix at one revision, plus
// the members' status) and says what is broken. It never writes.
func Diagnose(ctx context.Context, store *etcdops.Store, now time.Time) (*Diagnosis, error) {
	d := &Diagnosis{Now: now.UTC()}
	c := newCensus(store.Layout())
	rev, err := store.ScanItems(ctx, store.Layout().Root()+"/", censusNeeds, func(items []etcdops.Item) error {
		for i := range items {
			c.add(&items[i])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("doctor: %w", err)
	}
	d.Revision, d.Keys = rev, c.keys
	clock := newClock(now, c)
	d.Clock = clock.describe()
	d.Outage = c.outage(clock)
	d.Findings = append(d.Findings, c.storageFindings()...)
	d.Findings = append(d.Findings, c.controlPlaneFindings(clock, d.Outage)...)
	d.Findings = append(d.Findings, c.nodeFindings(clock, d.Outage)...)
	config, explained := c.configFindings(ctx, store, rev)
	d.Findings = append(d.Findings, c.workloadFindings(clock, d.Outage, explained)...)
	d.Findings = append(d.Findings, config...)
	d.Findings = append(d.Findings, c.admissionFindings()...)
	d.Findings = append(d.Findings, c.namespaceFindings(clock)...)
	d.Findings = append(d.Findings, memberFindings(ctx, store, rev)...)
	sort.SliceStable(d.Findings, func(i, j int) bool { return d.Findings[i].Severity.rank() < d.Findings[j].Severity.rank() })
	return d, nil
}
