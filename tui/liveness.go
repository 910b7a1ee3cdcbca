package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/render"
)

// The TUI's data comes from etcd watches, and a watch whose etcd stopped
// answering (killed, frozen, partitioned) can wait silently for it. So a
// one-key read probes etcd every second; when it, a list or a watch fails,
// the header says ETCD UNREACHABLE and since when the data is, reads and
// plans in flight end at once, and writes are refused at once, until etcd
// answers again and every cache is listed again.

// liveness is what the Model knows of etcd answering.
type liveness struct {
	// err is set while etcd does not answer: why.
	err error
	// asOf is when etcd last answered (a probe, a list, a watch event):
	// what the screen shows is as of then.
	asOf     time.Time
	probing  bool // a probe is in flight
	retrying bool // a probe is due after retryDelay
	// ioCtx is the context of the reads and plans started since etcd last
	// went away: cancelled when it goes again, so that none of them waits
	// for its timeout.
	ioCtx    context.Context
	ioCancel context.CancelFunc
}

func newLiveness(ctx context.Context) liveness {
	l := liveness{}
	l.ioCtx, l.ioCancel = context.WithCancel(ctx)
	return l
}

// ioContext bounds one read or plan: ioTimeout, or probeTimeout while etcd
// is away (a read then fails fast instead of hanging).
func (m *Model) ioContext() (context.Context, context.CancelFunc) {
	timeout := ioTimeout
	if m.etcd.err != nil {
		timeout = probeTimeout
	}
	return context.WithTimeout(m.etcd.ioCtx, timeout)
}

// answered notes that etcd answered now.
func (m *Model) answered() { m.etcd.asOf = m.now() }

// ioFailed: etcd did not answer. The header says so, reads and plans in
// flight end, and a probe every retryDelay waits for etcd to come back.
func (m *Model) ioFailed(err error) tea.Cmd {
	var usage *etcdops.UsageError
	if errors.As(err, &usage) {
		m.setStatus(true, "%s", err)
		return nil
	}
	if m.etcd.err == nil {
		m.etcd.ioCancel()
		m.etcd.ioCtx, m.etcd.ioCancel = context.WithCancel(m.ctx)
	}
	m.etcd.err = err
	if m.etcd.retrying || m.ctx.Err() != nil {
		return nil
	}
	m.etcd.retrying = true
	return tickCmd(retryDelay, retryMsg{})
}

// probeCmd checks etcd still answers (Store.Revision: a linearizable read
// of one key, which needs a quorum).
func (m *Model) probeCmd() tea.Cmd {
	if m.etcd.probing {
		return nil
	}
	m.etcd.probing = true
	store := m.store
	ctx, cancel := context.WithTimeout(m.ctx, probeTimeout)
	return func() tea.Msg {
		defer cancel()
		_, err := store.Revision(ctx)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("no answer to a one-key read within %s (stalled, overloaded or gone)", probeTimeout)
		}
		return probeMsg{err: err}
	}
}

// onProbe: a failed probe is an outage; one that answers after an outage
// lists every cache again (the watches may have missed events), and the
// banner goes when the lists are in (onSynced).
func (m *Model) onProbe(msg probeMsg) tea.Cmd {
	m.etcd.probing = false
	if msg.err != nil {
		return m.ioFailed(msg.err)
	}
	m.answered()
	if m.etcd.err == nil && !m.anyDead() {
		return nil
	}
	return m.resync()
}

// onRetry probes etcd again after an outage: nothing is listed before it
// answers.
func (m *Model) onRetry() tea.Cmd {
	m.etcd.retrying = false
	return m.probeCmd()
}

// dataAsOf says how old the data on screen is while etcd is away.
func (m *Model) dataAsOf() string {
	if m.etcd.asOf.IsZero() {
		return "read before it went away (none yet)"
	}
	return "as of " + m.etcd.asOf.Local().Format("15:04:05")
}

// ioError is the reason a read or a plan failed: the outage, when it was
// cancelled for it.
func (m *Model) ioError(err error) string {
	if m.cancelledByOutage(err) {
		return "etcd unreachable: nothing done"
	}
	return render.Line(err.Error())
}

// cancelledByOutage says whether err ended a read or a plan because etcd
// went away (ioFailed cancels them).
func (m *Model) cancelledByOutage(err error) bool {
	return errors.Is(err, context.Canceled) && m.etcd.err != nil && m.ctx.Err() == nil
}
