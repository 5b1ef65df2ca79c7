package server

import (
	"log/slog"

	"github.com/plateau-cc/plateau/internal/sip"
)

// StartProcess prepares the process once at the start of `plateau serve`
// and `plateau demo`, before Open: the open-files soft limit raised to the
// hard limit, and the SIP library's own log lines sent to logger (so in its
// format, --log-json included), at debug level.
func StartProcess(logger *slog.Logger) {
	RaiseOpenFilesLimit(logger)
	sip.RouteLibraryLogs(logger)
}
