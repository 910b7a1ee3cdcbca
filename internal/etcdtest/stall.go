package etcdtest

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// StallProxy forwards loopback TCP connections to an etcd endpoint until it
// is frozen; then it keeps every connection open and passes nothing, as an
// etcd stopped with SIGSTOP does (or a network path that drops packets).
// Tests use it to prove that no command hangs on a stalled etcd.
type StallProxy struct {
	ln       net.Listener
	target   string
	frozen   chan struct{}
	closed   chan struct{}
	freeze   sync.Once
	frozenAt atomic.Pointer[time.Time]
	fromEtcd atomic.Int64
	toEtcd   atomic.Int64
	// FreezeAfter, when > 0, freezes the proxy once that many bytes came
	// back from etcd: mid-scan, say.
	FreezeAfter int64
	// FreezeAfterSent, when > 0, freezes the proxy once that many bytes
	// went to etcd: mid-batch of writes, say.
	FreezeAfterSent int64
}

// NewStallProxy listens on 127.0.0.1 and forwards to endpoint
// ("http://127.0.0.1:PORT"). It is closed by t.Cleanup.
func NewStallProxy(t testing.TB, endpoint string) *StallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("stall proxy: %v", err)
	}
	p := &StallProxy{ln: ln, target: strings.TrimPrefix(endpoint, "http://"), frozen: make(chan struct{}), closed: make(chan struct{})}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		close(p.closed)
	})
	return p
}

// Endpoint is the proxy's client URL.
func (p *StallProxy) Endpoint() string { return "http://" + p.ln.Addr().String() }

// Freeze stops all traffic, for good.
func (p *StallProxy) Freeze() {
	p.freeze.Do(func() {
		now := time.Now()
		p.frozenAt.Store(&now)
		close(p.frozen)
	})
}

// FrozenAt is when the proxy froze; zero if it has not.
func (p *StallProxy) FrozenAt() time.Time {
	if t := p.frozenAt.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

func (p *StallProxy) isFrozen() bool {
	select {
	case <-p.frozen:
		return true
	default:
		return false
	}
}

func (p *StallProxy) serve() { Forward(p.ln, p.target, nil, p.pipe) }

// pipe copies until frozen; then it holds both ends open and silent until
// the proxy is closed. When either side goes away, so does the other.
func (p *StallProxy) pipe(dst, src net.Conn, fromEtcd bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			switch {
			case fromEtcd && p.FreezeAfter > 0 && p.fromEtcd.Add(int64(n)) > p.FreezeAfter:
				p.Freeze()
			case !fromEtcd && p.FreezeAfterSent > 0 && p.toEtcd.Add(int64(n)) > p.FreezeAfterSent:
				p.Freeze()
			}
			if p.isFrozen() {
				<-p.closed // stalled: never answer again
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
