//go:build !linux

package bench

import "syscall"

func nodeProcAttr() *syscall.SysProcAttr { return nil }
