package live

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestAgentStateIsHonest: the desktop is told the agent's real state and
// presence: not ready (not "logged out") right after signing in, and "not
// ready, declined" while still busy after declining a second chat (the
// agent would otherwise believe it still takes contacts).
func TestAgentStateIsHonest(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})

	ag := loginAgent(t, l)
	if f := ag.expect("agent_state"); f.str("state") != "not_ready" || f.str("presence") != "not_ready" || f.str("reason") != "" {
		t.Fatalf("after sign-in: %v, want not ready", f)
	}
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "ready" && f.str("presence") == "ready" })
	_, q1 := startChat(t, l, "Ada", "")
	// The offer says how long is left to accept it (the queue's 20 s).
	if f := ag.expect("offer"); f.num("expires_in_seconds") < 15 || f.num("expires_in_seconds") > 20 {
		t.Fatalf("offer %v: expires_in_seconds not the time left", f)
	}
	ag.send(frame{"type": "accept", "contact_id": q1.num("contact_id")})
	ag.expect("connected")
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "busy" && f.str("presence") == "ready" })
	_, q2 := startChat(t, l, "Bob", "")
	ag.expect("offer", func(f frame) bool { return f.num("contact_id") == q2.num("contact_id") })
	ag.send(frame{"type": "decline", "contact_id": q2.num("contact_id")})
	ag.expect("offer_withdrawn")
	if f := ag.expect("agent_state", func(f frame) bool { return f.str("state") == "busy" }); f.str("presence") != "not_ready" || f.str("reason") != "declined" {
		t.Fatalf("busy after a decline: %v, want presence not_ready, reason declined", f)
	}
	// Signing in again (a reload) tells the same: busy, not ready.
	ag.conn.Close(websocket.StatusNormalClosure, "")
	again := loginAgent(t, l)
	if f := again.expect("agent_state"); f.str("state") != "busy" || f.str("presence") != "not_ready" {
		t.Fatalf("after signing in again: %v, want busy and not ready", f)
	}
}

// TestAgentSessionSignIn: with Options.SessionUser, a desktop signs in
// with an empty login frame on its browser session, from its own origin
// only; without a session it must give its password.
func TestAgentSessionSignIn(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 1, 0)
	const cookie = "s3ss10n"
	l := startCenter(t, st, Options{SessionUser: func(ctx context.Context, r *http.Request) (model.User, error) {
		c, err := r.Cookie("plateau_session")
		if err != nil || c.Value != cookie {
			return model.User{}, errors.New("no session")
		}
		return st.CheckPassword(ctx, agentLogin, agentPassword)
	}})
	host := l.srv.Listener.Addr().String()
	open := func(origin, value string) *client {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		if value != "" {
			h.Set("Cookie", "plateau_session="+value)
		}
		conn, _, err := websocket.Dial(testCtx(t), l.wsURL("/agent/ws"), &websocket.DialOptions{HTTPHeader: h})
		must(t, err, "dial")
		t.Cleanup(func() { conn.CloseNow() })
		return &client{t: t, conn: conn, name: "agent " + origin}
	}
	same := open("http://"+host, cookie)
	same.send(frame{"type": "login"})
	if f := same.expect("logged_in"); f.str("name") != "Amina" {
		t.Fatalf("logged_in %v", f)
	}
	same.conn.Close(websocket.StatusNormalClosure, "")

	// Behind a reverse proxy, the host it forwarded counts.
	proxied := func() *client {
		h := http.Header{"Origin": {"https://plateau.example"}, "Cookie": {"plateau_session=" + cookie}, "X-Forwarded-Host": {"plateau.example"}}
		conn, _, err := websocket.Dial(testCtx(t), l.wsURL("/agent/ws"), &websocket.DialOptions{HTTPHeader: h})
		must(t, err, "dial")
		t.Cleanup(func() { conn.CloseNow() })
		return &client{t: t, conn: conn, name: "agent behind a proxy"}
	}()
	proxied.send(frame{"type": "login"})
	proxied.expect("logged_in")
	proxied.conn.Close(websocket.StatusNormalClosure, "")

	other := open("https://evil.example", cookie)
	other.send(frame{"type": "login"})
	other.expectError(codeUnauthorized)

	none := open("http://"+host, "")
	none.send(frame{"type": "login"})
	none.expectError(codeUnauthorized)
	none.send(frame{"type": "login", "login": agentLogin, "password": agentPassword})
	none.expect("logged_in")
}
