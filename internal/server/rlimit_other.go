//go:build !unix

package server

import "log/slog"

// RaiseOpenFilesLimit does nothing where there is no RLIMIT_NOFILE.
func RaiseOpenFilesLimit(*slog.Logger) uint64 { return 0 }
