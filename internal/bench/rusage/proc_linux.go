package main

import (
	"os"
	"os/exec"
	"syscall"
)

// maxRSSKiB is getrusage's ru_maxrss, which Linux gives in KiB.
func maxRSSKiB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

// killWithParent: if rusage is killed (the harness was interrupted), so is
// the command.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
