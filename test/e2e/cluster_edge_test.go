package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// session is a browser's sign-in: its cookie and CSRF token.
type session struct {
	cookie, csrf string
}

// call sends an API request to a node with a bearer token or a session,
// returning the status and body.
func call(ctx context.Context, t *testing.T, n *node, token string, s session, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// signInOn signs in over REST on node n.
func signInOn(ctx context.Context, t *testing.T, n *node, login, password string) session {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, n.base+"/api/v1/login",
		strings.NewReader(fmt.Sprintf(`{"login":%q,"password":%q}`, login, password)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in %s on %s: %s %v", login, n.name, resp.Status, err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "plateau_session" {
			return session{cookie: c.Name + "=" + c.Value, csrf: out.CSRF}
		}
	}
	t.Fatalf("sign in %s on %s: no cookie", login, n.name)
	return session{}
}

// agentDesk is an agent's socket with its frames.
type agentDesk struct {
	conn   *websocket.Conn
	frames chan map[string]any
}

// openDesk opens an agent socket on n (with a session's cookie when given)
// and sends hello (the login frame).
func openDesk(ctx context.Context, t *testing.T, n *node, path string, s session, hello string) *agentDesk {
	t.Helper()
	var opts *websocket.DialOptions
	if s.cookie != "" {
		opts = &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {s.cookie}}}
	}
	conn, _, err := websocket.Dial(ctx, n.ws(path), opts)
	if err != nil {
		t.Fatalf("agent socket on %s: %v", n.name, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	d := &agentDesk{conn: conn, frames: make(chan map[string]any, 64)}
	go func() {
		defer close(d.frames)
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var f map[string]any
			json.Unmarshal(b, &f)
			d.frames <- f
		}
	}()
	d.send(ctx, t, hello)
	return d
}

func (d *agentDesk) send(ctx context.Context, t *testing.T, frame string) {
	t.Helper()
	if err := d.conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("agent socket: write: %v", err)
	}
}

func (d *agentDesk) await(t *testing.T, typ string) map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-d.frames:
			if !ok {
				t.Fatalf("agent socket closed before %q", typ)
			}
			if f["type"] == typ {
				return f
			}
		case <-timeout:
			t.Fatalf("agent socket: no %q", typ)
		}
	}
}

// threeRoles is the tenant's owner and the two other nodes.
func threeRoles(t *testing.T, view clusterView, tid int64, nodes []*node) (owner, second, third *node) {
	t.Helper()
	name, _ := view.owner(tid)
	var others []*node
	for _, n := range nodes {
		if n.name == name {
			owner = n
		} else {
			others = append(others, n)
		}
	}
	if owner == nil || len(others) != 2 {
		t.Fatalf("owner of tenant %d: %q among %d nodes", tid, name, len(nodes))
	}
	return owner, others[0], others[1]
}

// addSupervisor makes a supervisor sup<tid> of the tenant.
func addSupervisor(ctx context.Context, t *testing.T, st *store.Store, tid int64) (login string, id int64) {
	t.Helper()
	login = fmt.Sprintf("sup%d", tid)
	u, err := st.CreateUser(ctx, &tid, model.User{Login: login, DisplayName: "Sam", Role: model.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(ctx, &tid, u.ID, agentPassword); err != nil {
		t.Fatal(err)
	}
	return login, u.ID
}

// wallboardOn is the tenant's wallboard as node n's API answers it.
type edgeWallboard struct {
	Queues []struct {
		Waiting  int `json:"waiting"`
		Contacts []struct {
			ContactID int64  `json:"contact_id"`
			Name      string `json:"name"`
		} `json:"contacts"`
	} `json:"queues"`
	Agents []struct {
		AgentID  int64  `json:"agent_id"`
		State    string `json:"state"`
		Presence string `json:"presence"`
		Online   bool   `json:"online"`
	} `json:"agents"`
}

func wallboardOn(ctx context.Context, t *testing.T, n *node, token string, s session, tid int64) edgeWallboard {
	t.Helper()
	code, b := call(ctx, t, n, token, s, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/wallboard", tid), nil)
	if code != http.StatusOK {
		t.Fatalf("wallboard on %s: %d %s", n.name, code, b)
	}
	var wb edgeWallboard
	if err := json.Unmarshal(b, &wb); err != nil {
		t.Fatal(err)
	}
	return wb
}

// openStream opens the wallboard's event stream on n with a session and
// reads its first event; the returned channel is closed when it ends.
func openStream(ctx context.Context, t *testing.T, n *node, s session, tid int64) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/tenants/%d/wallboard/stream", n.base, tid), nil)
	req.Header.Set("Cookie", s.cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("wallboard stream on %s: %v %v", n.name, err, resp)
	}
	events := make(chan string, 16)
	go func() {
		defer close(events)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- data
			}
		}
	}()
	select {
	case <-events:
	case <-time.After(10 * time.Second):
		t.Fatalf("wallboard stream on %s: no first event", n.name)
	}
	return events
}

// TestClusterEdgeLiveAndSessions: three nodes; for a tenant, its owner and
// two others. The API's live calls on a node that is not the owner go to
// the owner: the wallboard there shows the waiting chat (started on the
// third node) and the agent (whose desk is on the second), live in its
// stream too; a supervisor's set-state on a non-owner node changes the
// agent on the owner, which offers it the chat. A browser session signed
// in on one node is accepted on the others (API, desk socket, stream);
// signed out on one, it is refused on the others.
func TestClusterEdgeLiveAndSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	st, token, tenants, nodes, _, _, _ := startCluster(ctx, t)
	view := waitSettled(t, nodes[0], token, tenants)
	tid := tenants[0]
	owner, second, third := threeRoles(t, view, tid, nodes)
	supLogin, _ := addSupervisor(ctx, t, st, tid)

	// The agent signs in on the third node; its desk on the second node
	// opens with that session alone (relayed to the owner), not ready.
	agentSess := signInOn(ctx, t, third, "agent0", agentPassword)
	d := openDesk(ctx, t, second, "/agent/ws", agentSess, `{"type":"login"}`)
	d.await(t, "logged_in")
	cust := dialCustomer(ctx, t, third.ws("/chat/web0/ws"), `{"type":"start","name":"Ada"}`)
	q := cust.await(t, 20*time.Second, "queued")

	// The wallboard on the second node (not the owner).
	wb := wallboardOn(ctx, t, second, token, session{}, tid)
	if len(wb.Queues) != 1 || wb.Queues[0].Waiting != 1 || len(wb.Queues[0].Contacts) != 1 ||
		wb.Queues[0].Contacts[0].ContactID != q.ContactID || wb.Queues[0].Contacts[0].Name != "Ada" {
		t.Fatalf("wallboard on %s (owner %s): queues %+v", second.name, owner.name, wb.Queues)
	}
	if len(wb.Agents) != 1 || !wb.Agents[0].Online || wb.Agents[0].State != "not_ready" {
		t.Fatalf("wallboard on %s (owner %s): agents %+v", second.name, owner.name, wb.Agents)
	}
	agentID := wb.Agents[0].AgentID

	// The supervisor signs in on the second node; its session works on
	// the third, whose wallboard stream is live.
	sup := signInOn(ctx, t, second, supLogin, agentPassword)
	if code, b := call(ctx, t, third, "", sup, http.MethodGet, "/api/v1/me", nil); code != http.StatusOK {
		t.Fatalf("the second node's session on the third: %d %s", code, b)
	}
	events := openStream(ctx, t, third, sup, tid)

	// Its set-state, sent to the third node: the agent is ready at the
	// owner, which offers it the chat; the stream on the third node says so.
	if code, b := call(ctx, t, third, "", sup, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/agents/%d/state", tid, agentID),
		map[string]string{"state": "ready"}); code != http.StatusNoContent {
		t.Fatalf("set state on %s: %d %s", third.name, code, b)
	}
	if f := d.await(t, "offer"); int64(f["contact_id"].(float64)) != q.ContactID {
		t.Fatalf("offer %v, want contact %d", f, q.ContactID)
	}
	if wb := wallboardOn(ctx, t, owner, token, session{}, tid); wb.Agents[0].Presence != "ready" {
		t.Errorf("agent on the owner after the set-state on %s: %+v", third.name, wb.Agents[0])
	}
	deadline := time.After(10 * time.Second)
	for live := false; !live; {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream on the third node ended")
			}
			live = strings.Contains(ev, `"presence":"ready"`)
		case <-deadline:
			t.Fatal("the stream on the third node never showed the agent ready")
		}
	}

	// Signed out on the third node: refused on the second at once, and
	// the stream on the third ends.
	if code, b := call(ctx, t, third, "", sup, http.MethodPost, "/api/v1/logout", nil); code != http.StatusNoContent {
		t.Fatalf("sign out on %s: %d %s", third.name, code, b)
	}
	if code, _ := call(ctx, t, second, "", sup, http.MethodGet, "/api/v1/me", nil); code != http.StatusUnauthorized {
		t.Errorf("the session on %s after signing out on %s: %d", second.name, third.name, code)
	}
	end := time.After(5 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-events:
		case <-end:
			t.Fatal("the wallboard stream of a signed-out session goes on")
		}
	}
}
