// Package regularfile opens the files a user names to lifeboat (a snapshot,
// a manifest, an encryption config, the file $EDITOR saved): only regular
// files, never a named pipe or a device, which would block it forever or
// never end, and never more than a bound it is given. An operator at 3 a.m.
// who types the wrong path gets a one-line error, not a hang.
package regularfile
