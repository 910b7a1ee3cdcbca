// Package embedetcd runs a private, single-member etcd inside the lifeboat
// process: the practice cluster of `lifeboat demo` and the real etcd that
// lifeboat's tests run against.
//
// The server listens on 127.0.0.1 only, on ports chosen when it starts, keeps
// its data and its log in one directory, and serves no metrics listener of its
// own. It is not meant to hold data anyone needs: writes are not fsynced.
package embedetcd
