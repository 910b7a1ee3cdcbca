// Package render turns what lifeboat reads from etcd into text for a
// terminal: the one place that knows terminals. Keys, names and values come
// from etcd and may hold anything; nothing here lets them drive the
// terminal of whoever reads them.
package render
