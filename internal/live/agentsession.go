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

// sameSite reports whether origin is the socket's own: the request's host,
// or the host a reverse proxy says it forwarded (X-Forwarded-Host, which a
// browser's WebSocket cannot set). Options.OriginPatterns do not count: they
// may name the brands' sites that embed the widget.
func (c *Center) sameSite(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Host)
	if host == strings.ToLower(r.Host) {
		return true
	}
	if fwd, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ","); fwd != "" && host == strings.ToLower(strings.TrimSpace(fwd)) {
		return true
	}
	return false
}

// handshakeSession returns the user of the browser session an agent
// socket's handshake carries (Options.SessionUser), or nil. The session
// cookie is only honoured from a page of the same origin as the socket
// (see sameSite; or from a client that sends no Origin, which no browser
// does), so that
// a page elsewhere cannot open a desktop with a signed-in agent's cookie
// (cross-site WebSocket hijacking); Options.OriginPatterns still applies
// to the handshake itself.
func (c *Center) handshakeSession(r *http.Request) *model.User {
	if c.sessionUser == nil {
		return nil
	}
	if o := r.Header.Get("Origin"); o != "" && !c.sameSite(o, r) {
		return nil
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
