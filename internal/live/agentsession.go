package live

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// sessionCheckTimeout bounds the look-up of a handshake's browser session.
const sessionCheckTimeout = 5 * time.Second

// handshakeSession returns the user of the browser session an agent
// socket's handshake carries (Options.SessionUser), or nil. The session
// cookie is only honoured from a page of the same origin as the socket
// (or from a client that sends no Origin, which no browser does), so that
// a page elsewhere cannot open a desktop with a signed-in agent's cookie
// (cross-site WebSocket hijacking); Options.OriginPatterns still applies
// to the handshake itself.
func (c *Center) handshakeSession(r *http.Request) *model.User {
	if c.sessionUser == nil {
		return nil
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), sessionCheckTimeout)
	defer cancel()
	u, err := c.sessionUser(ctx, r)
	if err != nil {
		c.log.Debug("agent socket: no browser session", "err", err)
		return nil
	}
	return &u
}
