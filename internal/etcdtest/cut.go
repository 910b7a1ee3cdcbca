package etcdtest

import (
	"net"
	"strings"
	"sync"
	"testing"
)

// CutProxy forwards loopback TCP connections to an etcd endpoint and, on
// demand, makes the outcome of one request unknown to the client, in
// either of the two ways a real one becomes unknown:
//
//   - LoseResponses, then Cut once etcd has applied the request: the
//     request reached etcd, and its response never reached the client
//     (a leader that applied a write and died before answering; a
//     connection reset on the way back).
//   - DropNextRequest: the request never reaches etcd, and the connection
//     is cut under it (a connection reset on the way there).
//
// Either way the client sees its connection fail mid-request, and cannot
// tell which happened. New connections after a cut are forwarded as
// usual, so the client's next request goes through.
type CutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns map[net.Conn]struct{} // both ends of every open connection
	lose  bool                  // discard what etcd sends until Cut
	drop  func()                // set: drop the next request, call it, cut
}

// carriesRequest says whether what a client wrote holds a gRPC request:
// an HTTP/2 HEADERS frame, which opens every request's stream. HTTP/2's
// own housekeeping (PING, WINDOW_UPDATE, SETTINGS acknowledgements), which
// a DropNextRequest must let through, has none; a size alone cannot tell
// them apart, as the window updates after a read are written together
// and can outweigh a small request. Frames are read from the start of b:
// the client writes whole frames.
func carriesRequest(b []byte) bool {
	const frameHeader, headersFrame = 9, 0x1
	for len(b) >= frameHeader {
		if b[3] == headersFrame {
			return true
		}
		n := frameHeader + (int(b[0])<<16 | int(b[1])<<8 | int(b[2]))
		if n > len(b) {
			return false
		}
		b = b[n:]
	}
	return false
}

// NewCutProxy listens on 127.0.0.1 and forwards to endpoint
// ("http://127.0.0.1:PORT"). It is closed by t.Cleanup.
func NewCutProxy(t testing.TB, endpoint string) *CutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cut proxy: %v", err)
	}
	p := &CutProxy{ln: ln, target: strings.TrimPrefix(endpoint, "http://"), conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
	})
	return p
}

// Endpoint is the proxy's client URL.
func (p *CutProxy) Endpoint() string { return "http://" + p.ln.Addr().String() }

// LoseResponses discards everything etcd sends, on every connection open
// now, until Cut: requests still reach etcd, and etcd applies them.
func (p *CutProxy) LoseResponses() {
	p.mu.Lock()
	p.lose = true
	p.mu.Unlock()
}

// DropNextRequest drops the next request a client sends (it never reaches
// etcd); then it calls meanwhile, if set (what someone else does while the
// client does not know the outcome), and cuts every connection.
func (p *CutProxy) DropNextRequest(meanwhile func()) {
	if meanwhile == nil {
		meanwhile = func() {}
	}
	p.mu.Lock()
	p.drop = meanwhile
	p.mu.Unlock()
}

// Cut closes every connection, and forwards new ones as usual.
func (p *CutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
	p.lose = false
}

func (p *CutProxy) serve() {
	Forward(p.ln, p.target, func(client, server net.Conn) bool {
		p.mu.Lock()
		p.conns[client], p.conns[server] = struct{}{}, struct{}{}
		p.mu.Unlock()
		return true
	}, p.pipe)
}

// pipe copies src to dst, losing or dropping as armed. When either side
// goes away, so does the other.
func (p *CutProxy) pipe(dst, src net.Conn, fromEtcd bool) {
	defer func() {
		src.Close()
		dst.Close()
		p.mu.Lock()
		delete(p.conns, src)
		delete(p.conns, dst)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			lose := fromEtcd && p.lose
			var meanwhile func()
			if !fromEtcd && p.drop != nil && carriesRequest(buf[:n]) {
				meanwhile, p.drop = p.drop, nil
			}
			p.mu.Unlock()
			if meanwhile != nil {
				meanwhile()
				p.Cut()
				return
			}
			if !lose {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
