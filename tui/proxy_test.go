package tui

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
)

// pauseProxy forwards loopback TCP connections to an etcd that can go
// away and come back, as many times as a test likes (etcdtest.StallProxy
// freezes for good): frozen, it holds every connection open and passes
// nothing, as an etcd stopped with SIGSTOP; down, it drops them and every
// new one, as an etcd that exited. thaw and up end either.
type pauseProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	frozen chan struct{} // open while frozen; closed by thaw
	down   bool
	conns  map[net.Conn]bool
	closed chan struct{}
}

// newPauseProxy listens on 127.0.0.1 and forwards to endpoint
// ("http://127.0.0.1:PORT"); t's cleanup closes it.
func newPauseProxy(t testing.TB, endpoint string) *pauseProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pause proxy: %v", err)
	}
	p := &pauseProxy{ln: ln, target: strings.TrimPrefix(endpoint, "http://"), conns: map[net.Conn]bool{}, closed: make(chan struct{})}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		close(p.closed)
		p.drop()
	})
	return p
}

func (p *pauseProxy) endpoint() string { return "http://" + p.ln.Addr().String() }

// freeze stops all traffic until thaw.
func (p *pauseProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen == nil {
		p.frozen = make(chan struct{})
	}
}

func (p *pauseProxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen != nil {
		close(p.frozen)
		p.frozen = nil
	}
}

// stop drops every connection, and refuses new ones until up.
func (p *pauseProxy) stop() {
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	p.drop()
}

func (p *pauseProxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

func (p *pauseProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// track keeps a connection to drop; false when the proxy is down.
func (p *pauseProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *pauseProxy) serve() {
	etcdtest.Forward(p.ln, p.target, func(client, server net.Conn) bool { return p.track(client, server) },
		func(dst, src net.Conn, _ bool) { p.pipe(dst, src) })
}

// pipe copies src to dst; what it read while frozen waits for the thaw.
// When either side goes away, so does the other.
func (p *pauseProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			frozen := p.frozen
			p.mu.Unlock()
			if frozen != nil {
				select {
				case <-frozen:
				case <-p.closed:
					return
				}
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
