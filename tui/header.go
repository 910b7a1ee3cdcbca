package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/lifeboat-k8s/lifeboat/doctor"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
	"k8s.io/apimachinery/pkg/util/duration"
)

// headerLines is fixed so the body never jumps when a warning appears.
const headerLines = 4

func (m *Model) headerHeight() int { return headerLines }

// headerView: endpoint, revision and mode; node and pod counts; the
// control-plane leases; and one line for the banner or the warning that
// matters most.
func (m *Model) headerView() string {
	h := &m.header
	mode := styleWrite.Render(" WRITE MODE ")
	switch {
	case m.etcd.err != nil:
		// The data on screen is the last etcd sent: say so, and that
		// nothing can be written now.
		mode = styleBanner.Render(" ETCD UNREACHABLE · data " + m.dataAsOf() + " ")
	case m.readOnly:
		mode = styleReadOnly.Render("READ-ONLY")
	}
	busy := ""
	if m.busy > 0 {
		busy = " " + m.spinner.View()
	}
	rev := "?"
	if m.revision > 0 {
		rev = fmt.Sprint(m.revision)
	}
	ns := ""
	if scope := m.list.view.scope(); scope != "" {
		ns = "  " + styleLabel.Render("ns") + " " + styleValue.Render(scope)
	}
	line1 := fmt.Sprintf("%s %s %s  %s %s%s  %s%s", styleTitle.Render("lifeboat"), styleLabel.Render("etcd"), styleValue.Render(m.endpoint),
		styleLabel.Render("rev"), styleValue.Render(rev), ns, mode, busy)
	if m.etcd.err != nil {
		// First, where 80 columns still show it.
		line1 = fmt.Sprintf("%s %s %s %s  %s %s%s", styleTitle.Render("lifeboat"), mode, styleLabel.Render("etcd"), styleValue.Render(m.endpoint),
			styleLabel.Render("rev"), styleValue.Render(rev), ns)
	}

	line2, line3 := styleMuted.Render("reading cluster…"), ""
	outage := doctor.Timeline(h.leases, m.now())
	if m.headerOK {
		nodes := fmt.Sprintf("%s %d: %s ready, %s not ready, %s tainted, %d cordoned", styleLabel.Render("nodes"), h.nodes,
			styleGood.Render(fmt.Sprint(h.ready)), badIf(h.notReady), badIf(h.tainted), h.cordoned)
		pods := fmt.Sprintf("%s %d: %s terminating", styleLabel.Render("pods"), h.pods, badIf(h.terminating))
		if h.malformed > 0 {
			pods += ", " + styleBadBold.Render(fmt.Sprintf("%d malformed", h.malformed))
		}
		line2 = nodes + styleMuted.Render(" │ ") + pods
		now := m.now()
		line3 = apiserverView(outage, now) + styleMuted.Render(" │ ") +
			leaseView("controller-manager", h.controlPlane.ControllerManager, now) + styleMuted.Render(" │ ") +
			leaseView("scheduler", h.controlPlane.Scheduler, now)
	}

	var line4 string
	cm := h.controlPlane.ControllerManager
	switch {
	case m.etcd.err != nil:
		// The reason last: it is long, and what matters at 80 columns is
		// what the operator can do.
		line4 = styleBadBold.Render("nothing can be written") + styleMuted.Render(" · retrying every 2s · ") + styleBad.Render(render.Line(m.etcd.err.Error()))
	case m.headerOK && !outage.Began().IsZero():
		line4 = styleBadBold.Render("⚠ "+render.Line(outage.Headline(m.now()))) + styleMuted.Render(" · :doctor says what else")
	case m.headerOK && cm.Alive(m.now()):
		line4 = styleBadBold.Render("⚠ kube-controller-manager is running: it re-taints nodes and evicts pods again. Stop it first.")
	case m.readOnly:
		line4 = styleReadOnly.Render("read-only (--readonly): browsing only, repair keys are disabled")
	case m.headerOK && cm.Found:
		line4 = styleMuted.Render("kube-controller-manager stopped: repairs will stick")
	}
	lines := []string{line1, line2, line3, line4}
	for i := range lines {
		lines[i] = ansi.Truncate(lines[i], m.width, "…")
	}
	return strings.Join(lines, "\n")
}

func badIf(n int) string {
	if n > 0 {
		return styleBadBold.Render(fmt.Sprint(n))
	}
	return fmt.Sprint(n)
}

// apiserverView is the kube-apiservers' identity leases: how many renew
// them, or how long since the last one did.
func apiserverView(o doctor.Outage, now time.Time) string {
	label := styleLabel.Render("apiserver")
	switch {
	case !o.Began().IsZero():
		return label + " " + styleBadBold.Render("DOWN "+duration.HumanDuration(now.Sub(o.Began())))
	case len(o.APIServers) == 0:
		return label + " " + styleMuted.Render("no identity lease")
	}
	alive := 0
	for _, a := range o.APIServers {
		if a.Alive {
			alive++
		}
	}
	return fmt.Sprintf("%s %s", label, styleGood.Render(fmt.Sprintf("%d/%d alive", alive, len(o.APIServers))))
}

// leaseView is "name holder age", stale in red.
func leaseView(name string, st etcdops.LeaseStatus, now time.Time) string {
	label := styleLabel.Render(name)
	if !st.Found {
		return label + " " + styleMuted.Render("no lease")
	}
	holder := st.Holder
	if i := strings.IndexByte(holder, '_'); i > 0 {
		holder = holder[:i] // "<host>_<uuid>": the host is what matters
	}
	age := "never"
	if !st.RenewTime.IsZero() {
		age = duration.HumanDuration(st.Age(now))
	}
	if st.Alive(now) {
		return fmt.Sprintf("%s %s %s", label, styleValue.Render(render.Safe(holder)), styleGood.Render(age+" alive"))
	}
	return fmt.Sprintf("%s %s %s", label, render.Safe(holder), styleBadBold.Render(age+" STALE"))
}
