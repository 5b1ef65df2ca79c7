package live

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// maskedFrame is a client text frame (clients mask their frames).
func maskedFrame(payload string) []byte {
	var key [4]byte
	rand.Read(key[:])
	b := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, key[:]...)
	for i := range len(payload) {
		b = append(b, payload[i]^key[i%4])
	}
	return b
}

// readServerFrame reads one unmasked server text frame.
func readServerFrame(t *testing.T, r *bufio.Reader) frame {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatalf("read frame header: %v", err)
	}
	if h[0] != 0x81 {
		t.Fatalf("frame header %#x, want a final text frame", h[0])
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(r, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		t.Fatal("unexpectedly large frame")
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatalf("read frame payload: %v", err)
	}
	var f frame
	if err := json.Unmarshal(buf, &f); err != nil {
		t.Fatalf("frame %q: %v", buf, err)
	}
	return f
}

// TestFramesSentWithTheHandshake checks that frames a client sends in the
// same packet as its handshake are read: they sit in the HTTP server's
// buffer when the connection is handed to the WebSocket session, whether
// they fit in the session's small read buffer or not.
func TestFramesSentWithTheHandshake(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	addr := strings.TrimPrefix(l.srv.URL, "http://")
	for _, tc := range []struct {
		name string
		pad  int // bytes of a first, unknown frame before "start"
	}{
		{"small", 0},
		{"larger than the read buffer", 3 * wsReadBuffer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			must(t, err, "dial")
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			req := "GET /chat/" + entryAddress + "/ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
			out := []byte(req)
			if tc.pad > 0 {
				out = append(out, maskedFrame(`{"type":"nope","body":"`+strings.Repeat("x", tc.pad)+`"}`)...)
			}
			out = append(out, maskedFrame(`{"type":"start","name":"Early Bird"}`)...)
			if _, err := conn.Write(out); err != nil {
				t.Fatalf("write handshake and frames: %v", err)
			}
			r := bufio.NewReader(conn)
			resp, err := http.ReadResponse(r, nil)
			must(t, err, "read handshake response")
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("handshake status %d", resp.StatusCode)
			}
			if tc.pad > 0 {
				if f := readServerFrame(t, r); f.str("type") != "error" || f.str("code") != codeBadFrame {
					t.Fatalf("first frame %v, want a bad_frame error", f)
				}
			}
			if f := readServerFrame(t, r); f.str("type") != "queued" || f.num("position") < 1 {
				t.Fatalf("frame %v, want queued with a position", f)
			}
		})
	}
}
