package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// killWithParent makes the kernel kill cmd if the harness dies without
// stopping it (SIGKILL, a crash), so no etcd is left behind.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// dataFS names the directory and its file system: fsync means little on a
// tmpfs, so the report says which it was.
func dataFS(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return dir
	}
	names := map[int64]string{
		0xEF53: "ext4", 0x01021994: "tmpfs (fsync is a no-op there)", 0x58465342: "xfs",
		0x9123683E: "btrfs", 0x794C7630: "overlayfs", 0x2FC12FC1: "zfs",
	}
	name, ok := names[int64(st.Type)]
	if !ok {
		name = fmt.Sprintf("file system type %#x", st.Type)
	}
	return dir + " (" + name + ")"
}

// processCPU is the user+system CPU time process pid has used so far, from
// /proc/PID/stat (fields 14 and 15, in clock ticks: USER_HZ, which is 100 on
// x86 and arm).
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
