package doctor

import (
	"fmt"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// Outage is the control plane's timeline as etcd's leases tell it.
type Outage struct {
	// Since is when the last kube-apiserver last renewed its identity
	// lease (RFC 3339): the outage began then. "" while one renews it.
	Since string `json:"since,omitempty"`
	// Estimated is set when no kube-apiserver has an identity lease (each
	// deletes its own when it shuts down cleanly, and there are none
	// before Kubernetes 1.26): Since is then the newest renewal of any
	// lease, since every holder renews through an apiserver.
	Estimated bool `json:"estimated,omitempty"`
	// APIServers are the kube-apiservers' identity leases.
	APIServers []Holder `json:"apiservers,omitempty"`
	// ControllerManager and Scheduler are the leader leases.
	ControllerManager *Holder `json:"controllerManager,omitempty"`
	Scheduler         *Holder `json:"scheduler,omitempty"`
	// NewestRenewal is the newest renewTime of any lease: the last write
	// through an apiserver that etcd shows.
	NewestRenewal string `json:"newestRenewal,omitempty"`

	since time.Time
}

// Holder is one lease: who holds it, when it was last renewed, and
// whether its holder still renews it.
type Holder struct {
	Lease     string `json:"lease"`
	Holder    string `json:"holder"`
	RenewTime string `json:"renewTime,omitempty"`
	Alive     bool   `json:"alive"`
}

// Began is when the outage began; zero when there is none.
func (o Outage) Began() time.Time { return o.since }

func holderOf(l etcdops.LeaseStatus, alive bool) Holder {
	h := Holder{Lease: l.Namespace + "/" + l.Name, Holder: l.Holder, Alive: alive}
	if !l.RenewTime.IsZero() {
		h.RenewTime = l.RenewTime.UTC().Format(time.RFC3339)
	}
	return h
}

// kubeletRenewInterval bounds how often some lease is renewed while an
// apiserver serves: kubelets renew every 10 s (a quarter of their 40 s
// lease). Without identity leases, writes silent three times that long
// mean no apiserver serves.
const kubeletRenewInterval = 10 * time.Second

// outage works out the census' timeline.
func (c *census) outage(k clock) Outage {
	leases := make([]etcdops.LeaseStatus, 0, len(c.leases))
	for _, id := range sortedKeys(c.leases) {
		leases = append(leases, c.leases[id].LeaseStatus)
	}
	return timeline(leases, k)
}

// Timeline is the control plane's timeline from the leases alone (the
// TUI's header reads it from the leases it watches).
func Timeline(leases []etcdops.LeaseStatus, now time.Time) Outage {
	return timeline(leases, clock{now: now})
}

// timeline works out the outage from the kube-apiservers' identity leases
// (kube-system, label apiserver.kubernetes.io/identity=kube-apiserver) and
// the components' leader leases; without identity leases, from the newest
// renewal of any lease.
func timeline(leases []etcdops.LeaseStatus, k clock) Outage {
	var o Outage
	var newest, last time.Time
	alive := 0
	for _, l := range leases {
		if l.RenewTime.After(newest) {
			newest = l.RenewTime
		}
		switch {
		case isAPIServerIdentity(l):
			up := !l.RenewTime.IsZero() && k.since(l.RenewTime) <= apiserverSilentAfter
			if up {
				alive++
			}
			if l.RenewTime.After(last) {
				last = l.RenewTime
			}
			o.APIServers = append(o.APIServers, holderOf(l, up))
		case l.Namespace == "kube-system" && (l.Name == "kube-controller-manager" || l.Name == "kube-scheduler"):
			h := holderOf(l, l.Holder != "" && !stale(l, k))
			if l.Name == "kube-controller-manager" {
				o.ControllerManager = &h
			} else {
				o.Scheduler = &h
			}
		}
	}
	if !newest.IsZero() {
		o.NewestRenewal = newest.UTC().Format(time.RFC3339)
	}
	switch {
	case len(o.APIServers) > 0 && alive == 0 && !last.IsZero():
		o.since = last
	case len(o.APIServers) == 0 && !newest.IsZero() && k.since(newest) > 3*kubeletRenewInterval+ClockMargin:
		o.since, o.Estimated = newest, true
	}
	if !o.since.IsZero() {
		o.Since = o.since.UTC().Format(time.RFC3339)
	}
	return o
}

func isAPIServerIdentity(l etcdops.LeaseStatus) bool {
	return l.Namespace == "kube-system" && l.Identity == "kube-apiserver"
}

// nodeState is what a node's kubelet lease says of it.
type nodeState int

const (
	nodeHealthy      nodeState = iota // its kubelet renews its lease
	nodeLostWithAPI                   // it renewed until the apiserver stopped: it lost the apiserver, nothing more
	nodeSilentBefore                  // silent before the outage began: really gone or cut off
	nodeSilent                        // silent while an apiserver serves
)

// nodeState classifies a node by its kubelet lease against the outage: a
// kubelet renews its lease through the apiserver, so within a lease
// duration of the last apiserver's last renewal every kubelet lease goes
// stale; one that was renewed within its duration of that moment lost the
// apiserver with everyone else.
func (c *census) nodeState(name string, k clock, o Outage) (nodeState, leaseFacts, bool) {
	l, found := c.leases["kube-node-lease/"+name]
	switch {
	case found && !stale(l.LeaseStatus, k):
		return nodeHealthy, l, found
	case o.since.IsZero():
		return nodeSilent, l, found
	case found && !l.RenewTime.IsZero() && !l.RenewTime.Before(o.since.Add(-l.Duration-ClockMargin)):
		return nodeLostWithAPI, l, found
	}
	return nodeSilentBefore, l, found
}

// stale reports whether a lease is past its duration, with the clock
// margin.
func stale(l etcdops.LeaseStatus, k clock) bool {
	return l.RenewTime.IsZero() || k.since(l.RenewTime) > l.Duration+ClockMargin
}

func leaseEvidence(l leaseFacts, k clock) string {
	if l.RenewTime.IsZero() {
		return fmt.Sprintf("leases/%s/%s: holder %q, never renewed", l.Namespace, l.Name, l.Holder)
	}
	return fmt.Sprintf("leases/%s/%s: holder %q, renewed %s (renewTime %s), leaseDurationSeconds %d",
		l.Namespace, l.Name, l.Holder, k.ago(l.RenewTime), l.RenewTime.UTC().Format(time.RFC3339), int(l.Duration.Seconds()))
}

// Headline says in one line whether the control plane serves and, in an
// outage, when it began: the first line a person reads.
func (d *Diagnosis) Headline() string { return d.Outage.Headline(d.Now) }

// Headline says in one line whether the control plane serves and, in an
// outage, when it began, measured at now.
func (o Outage) Headline(now time.Time) string {
	k := clock{now: now}
	var s string
	switch {
	case !o.since.IsZero() && o.Estimated:
		s = fmt.Sprintf("OUTAGE: nothing renewed a lease since %s (%s): no kube-apiserver serves", o.Since, k.ago(o.since))
	case !o.since.IsZero():
		s = fmt.Sprintf("OUTAGE since %s (%s): no kube-apiserver renews its identity lease", o.Since, k.ago(o.since))
	case len(o.APIServers) > 0:
		alive := 0
		for _, h := range o.APIServers {
			if h.Alive {
				alive++
			}
		}
		s = fmt.Sprintf("kube-apiserver serves: %d of %d renew their identity leases", alive, len(o.APIServers))
	case o.NewestRenewal != "":
		s = "an apiserver serves: leases were renewed at " + o.NewestRenewal
	default:
		s = "no leases: nothing tells whether an apiserver serves"
	}
	for _, c := range []struct {
		name string
		h    *Holder
	}{{"kube-controller-manager", o.ControllerManager}, {"kube-scheduler", o.Scheduler}} {
		switch {
		case c.h == nil:
		case c.h.Alive:
			s += "; " + c.name + " running"
		default:
			s += "; " + c.name + " stopped"
		}
	}
	return s
}
