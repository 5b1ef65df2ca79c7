//go:build unix

package server

import "syscall"

// softOpenFilesLimit is the process's soft limit on open files.
func softOpenFilesLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return uint64(lim.Cur), true
}
