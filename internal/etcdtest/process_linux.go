package etcdtest

import "syscall"

// sysProcAttr kills the etcd process if the test binary dies without running
// its cleanups (a panic, a -timeout): no etcd outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
