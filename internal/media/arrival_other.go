//go:build !linux

package media

import (
	"net"
	"time"
)

// arrivalOOBSize is zero: no kernel arrival times on this platform.
const arrivalOOBSize = 0

// enableArrivalTimes reports that the kernel does not stamp arrivals here:
// ReadPacketAt falls back to the time the read returned.
func enableArrivalTimes(*net.UDPConn) bool { return false }

func arrivalTime([]byte) (time.Time, bool) { return time.Time{}, false }
