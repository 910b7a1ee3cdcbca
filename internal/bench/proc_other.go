//go:build !linux

package main

import (
	"os/exec"
	"time"
)

func killWithParent(*exec.Cmd) {}

func dataFS(dir string) string { return dir }

func processCPU(int) time.Duration { return 0 }
