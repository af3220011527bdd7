package bench

import "syscall"

// nodeProcAttr makes a node process die with the bench, so that an
// interrupted bench leaves no scheduler running against a dropped database.
func nodeProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
