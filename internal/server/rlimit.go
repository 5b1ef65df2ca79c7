//go:build unix

package server

import (
	"context"
	"log/slog"
	"syscall"
)

// RaiseOpenFilesLimit raises the soft limit of open files (RLIMIT_NOFILE)
// to the hard limit, once at the start of `plateau serve` and `plateau
// demo`: every SIP or HTTP connection, database file and media socket is
// one. (Go's os package does the same at start since Go 1.19; this makes
// it explicit whatever started the process, and logs the limit.) It
// returns the soft limit in force.
func RaiseOpenFilesLimit(log *slog.Logger) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("open files limit: read", "err", err)
		return 0
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			log.Warn("open files limit: raise the soft limit to the hard limit", "soft", lim.Cur, "hard", lim.Max, "err", err)
		} else {
			lim = want
		}
	}
	level := slog.LevelDebug
	if lim.Cur < 4096 {
		level = slog.LevelWarn // a few thousand connections exhaust it
	}
	log.Log(context.Background(), level, "open files limit", "soft", lim.Cur, "hard", lim.Max)
	return lim.Cur
}
