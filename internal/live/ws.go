package live

import (
	"context"
	"net/http"

	"github.com/coder/websocket"
)

// accept upgrades a request to a WebSocket session that ends when the
// request or the center ends.
func (c *Center) accept(w http.ResponseWriter, r *http.Request, kind string) (*session, bool) {
	opts := &websocket.AcceptOptions{OriginPatterns: c.origins, InsecureSkipVerify: len(c.origins) == 0}
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		c.log.Debug("websocket handshake", "err", err)
		return nil, false
	}
	s := newSession(r.Context(), kind, conn, c.log.With("session", kind, "remote", r.RemoteAddr))
	// The session ends with the center: no goroutine per session waits for it.
	unhook := context.AfterFunc(c.stopped, s.cancel)
	context.AfterFunc(s.ctx, func() {
		unhook()
		conn.CloseNow()
	})
	c.metrics.session(kind, 1)
	return s, true
}

func (c *Center) release(s *session) {
	s.cancel()
	c.metrics.session(s.kind, -1)
}
