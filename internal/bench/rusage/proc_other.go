//go:build !linux

package main

import (
	"os"
	"os/exec"
)

// maxRSSKiB is unknown off Linux (ru_maxrss has other units elsewhere).
func maxRSSKiB(*os.ProcessState) int64 { return 0 }

func killWithParent(*exec.Cmd) {}
