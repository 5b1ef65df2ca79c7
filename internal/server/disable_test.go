package server

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Disabling a user closes its open agent socket at once, and the socket
// cannot sign in again.
func TestDisabledAgentIsOutAtOnce(t *testing.T) {
	t.Parallel()
	srv, fx := startSeeded(t, nil)
	call := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+srv.Addr()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fx.token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	user := fmt.Sprintf("/api/v1/tenants/%d/users/%d", fx.tenant, fx.user)
	frames := signIn(t, srv)
	call(http.MethodPut, user, fmt.Sprintf(`{"login":%q,"display_name":"Amina","role":"agent","agent_id":%d,"disabled":true}`, agentLogin, fx.agent))
	if f := untilClosed(t, frames, 3*time.Second); f["code"] != "signed_out" {
		t.Errorf("user disabled: last error %v, want signed_out", f)
	}
	// Signing in again is refused.
	ctx := t.Context()
	conn, _, err := websocket.Dial(ctx, "ws://"+srv.Addr()+"/agent/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"`+agentLogin+`","password":"`+agentPassword+`"}`)); err != nil {
		t.Fatal(err)
	}
	for f := range wsFrames(t, conn) {
		if f["type"] == "logged_in" {
			t.Fatal("a disabled user signed in on the agent socket")
		}
		if f["type"] == "error" {
			break
		}
	}
}
