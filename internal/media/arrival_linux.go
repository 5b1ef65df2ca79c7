//go:build linux

package media

import (
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// arrivalOOBSize is the room for one SCM_TIMESTAMPNS control message.
var arrivalOOBSize = unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))

// enableArrivalTimes asks the kernel to stamp each datagram the socket
// receives with its arrival time (SO_TIMESTAMPNS), delivered as a control
// message; it reports whether the kernel agreed.
func enableArrivalTimes(conn *net.UDPConn) bool {
	raw, err := conn.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return false
	}
	return serr == nil
}

// arrivalTime finds the SCM_TIMESTAMPNS control message in oob and returns
// its time; ok is false when there is none.
func arrivalTime(oob []byte) (time.Time, bool) {
	for len(oob) > 0 {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return time.Time{}, false
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && uintptr(len(data)) >= unsafe.Sizeof(unix.Timespec{}) {
			ts := (*unix.Timespec)(unsafe.Pointer(&data[0]))
			return time.Unix(int64(ts.Sec), int64(ts.Nsec)), true
		}
		oob = rest
	}
	return time.Time{}, false
}
