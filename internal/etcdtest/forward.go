package etcdtest

import "net"

// Forward accepts connections on ln until it is closed and connects each
// to target, the way every proxy of the tests does; what differs between
// them is what their pipes do. keep, when not nil, may refuse a pair
// (false: both are closed); pipe copies one direction, fromEtcd telling
// which, and is started for both.
func Forward(ln net.Listener, target string, keep func(client, server net.Conn) bool, pipe func(dst, src net.Conn, fromEtcd bool)) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", target)
		if err != nil {
			client.Close()
			continue
		}
		if keep != nil && !keep(client, server) {
			client.Close()
			server.Close()
			continue
		}
		go pipe(server, client, false)
		go pipe(client, server, true)
	}
}
