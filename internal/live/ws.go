package live

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// Buffers of a WebSocket connection. Client frames are small (a chat line,
// a state change) and server frames are written whole, so small buffers
// cost a few more system calls on the rare large frame and save most of a
// waiting customer's memory: net/http's own 4 KiB reader and writer would
// be 8 KiB per connection, half of what a waiting chat costs.
const (
	wsReadBuffer  = 1 << 10
	wsWriteBuffer = 1 << 10
)

// upgrade turns the request into a WebSocket session of kind and runs it
// on a goroutine of its own: the HTTP handler returns at once, so the
// server's connection goroutine, its request and its grown stack are freed,
// and the session's goroutine starts with a small stack. The session ends
// when run returns or the center stops; Run waits for it.
func (c *Center) upgrade(w http.ResponseWriter, r *http.Request, kind string, run func(s *session)) {
	opts := &websocket.AcceptOptions{OriginPatterns: c.origins, InsecureSkipVerify: len(c.origins) == 0}
	conn, err := websocket.Accept(leanHijacker{w}, r, opts)
	if err != nil {
		c.log.Debug("websocket handshake", "err", err)
		return
	}
	s := newSession(c.sessionBase(), kind, conn, c.log.With("session", kind, "remote", r.RemoteAddr))
	s.stored = c.o.writes
	s.remote = r.RemoteAddr
	if !c.addSession(s) {
		s.cancel()
		conn.CloseNow()
		return
	}
	context.AfterFunc(s.ctx, func() { conn.CloseNow() })
	// A socket that never starts a chat or signs in is closed; pings find
	// peers that vanished or stopped reading (a frame sent in part never
	// lets a pong through either).
	s.firstFrameWait = c.firstFrame
	s.firstFrame = time.AfterFunc(c.firstFrame, func() {
		s.closeWith(websocket.StatusPolicyViolation, "nothing started in time")
	})
	s.keepAlive(c.pingEvery, c.pingTimeout)
	c.metrics.session(kind, 1)
	go func() {
		defer c.sessions.Done()
		defer c.release(s)
		run(s)
	}()
}

func (c *Center) release(s *session) {
	s.cancel()
	c.dropSession(s)
	c.metrics.session(s.kind, -1)
}

// leanHijacker hands the hijacked connection to the WebSocket library with
// buffers of wsReadBuffer and wsWriteBuffer bytes instead of net/http's.
type leanHijacker struct{ http.ResponseWriter }

func (l leanHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(l.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack the connection: %w", err)
	}
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("flush before the upgrade: %w", err)
	}
	// Bytes the client sent right after its handshake may already sit in
	// the server's buffer. The WebSocket library keeps what the reader it
	// is given has buffered and reads the rest from the connection itself,
	// so those bytes move into the small buffer (or, if they do not fit,
	// the server's buffer is kept).
	in := bufio.NewReaderSize(conn, wsReadBuffer)
	if n := brw.Reader.Buffered(); n > wsReadBuffer {
		in = brw.Reader
	} else if n > 0 {
		pending, _ := brw.Reader.Peek(n)
		in.Reset(io.MultiReader(bytes.NewReader(bytes.Clone(pending)), conn))
		if _, err := in.Peek(n); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("keep the bytes read with the handshake: %w", err)
		}
	}
	return conn, bufio.NewReadWriter(in, bufio.NewWriterSize(conn, wsWriteBuffer)), nil
}

// closeGoingAwayWait bounds how long stopping waits for the close frames.
const closeGoingAwayWait = time.Second

// goingAway closes the sessions with status 1001 (going away), all at
// once, waiting at most closeGoingAwayWait; the sessions are ended anyway.
func goingAway(sessions []*session) {
	done := make(chan struct{}, len(sessions))
	for _, s := range sessions {
		s.closing.Store(true)
		go func() {
			s.conn.Close(websocket.StatusGoingAway, "server shutting down")
			done <- struct{}{}
		}()
	}
	timer := time.NewTimer(closeGoingAwayWait)
	defer timer.Stop()
	for range sessions {
		select {
		case <-done:
		case <-timer.C:
			for _, s := range sessions {
				s.cancel()
			}
			return
		}
	}
	for _, s := range sessions {
		s.cancel()
	}
}
