package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"

	"github.com/plateau-cc/plateau/internal/api"
	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/cluster/natstest"
	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

const edgePassword = "correct horse battery"

// edgeTenant is a tenant with a chat queue (entry point "web"), an agent
// and its user "agent", and a supervisor "sup".
type edgeTenant struct {
	id, queue, agent, agentUser, supUser int64
}

// edgeCluster seeds one tenant and starts nodes on one PostgreSQL and one
// NATS; token is a platform token.
func edgeCluster(t testing.TB, ctx context.Context, names ...string) (*store.Store, edgeTenant, string, []*Server, []context.CancelFunc) {
	t.Helper()
	dsn := storetest.PostgresDSN(t)
	st, err := store.Open(ctx, dsn)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	must(t, err)
	q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err)
	_, err = st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryChat, Address: "web", QueueID: q.ID})
	must(t, err)
	site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30})
	must(t, err)
	ag, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina B.", ChatCapacity: 1})
	must(t, err)
	au, err := st.CreateUser(ctx, &ten.ID, model.User{Login: "agent", DisplayName: "Amina", Role: model.RoleAgent, AgentID: &ag.ID})
	must(t, err)
	must(t, st.SetPassword(ctx, &ten.ID, au.ID, edgePassword))
	su, err := st.CreateUser(ctx, &ten.ID, model.User{Login: "sup", DisplayName: "Sam", Role: model.RoleSupervisor})
	must(t, err)
	must(t, st.SetPassword(ctx, &ten.ID, su.ID, edgePassword))
	_, token, err := st.CreateToken(ctx, nil, "edge test")
	must(t, err)
	fx := clusterFixture{dsn: dsn, nats: natstest.Start(t).URL(), tenants: []int64{ten.ID}}
	var nodes []*Server
	var stops []context.CancelFunc
	for _, name := range names {
		s, stop := startNode(t, fx, name)
		nodes = append(nodes, s)
		stops = append(stops, stop)
	}
	return st, edgeTenant{id: ten.ID, queue: q.ID, agent: ag.ID, agentUser: au.ID, supUser: su.ID}, token, nodes, stops
}

// ownerOf waits until tenant tid runs on its rendezvous winner among
// nodes (settled: the first node took it, and gives it back to a later
// winner) and returns its index.
func ownerOf(t testing.TB, nodes []*Server, tid int64) int {
	t.Helper()
	var names []string
	for _, s := range nodes {
		names = append(names, s.cluster.mgr.Node())
	}
	owner := -1
	waitFor(t, "the tenant run by its winner", func() bool {
		for _, s := range nodes {
			if len(s.cluster.mgr.LastStatus().Nodes) != len(nodes) {
				return false
			}
		}
		for i, s := range nodes {
			if s.cluster.center(tid) != nil && names[i] == cluster.Winner(tid, names) {
				owner = i
			} else if s.cluster.mgr.Owns(tid) {
				return false
			}
		}
		return owner >= 0
	})
	return owner
}

// apiCall sends an API request with a bearer token or a session (cookie
// and CSRF token), returning the status, headers and body.
type apiCred struct {
	token, cookie, csrf string
}

func apiCall(t *testing.T, ctx context.Context, s *Server, c apiCred, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.Addr()+path, rd)
	must(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, resp.Header, b
}

func await(t *testing.T, frames <-chan map[string]any, typ string) map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatalf("socket closed before %q", typ)
			}
			if f["type"] == typ {
				return f
			}
		case <-timeout:
			t.Fatalf("no %q frame", typ)
		}
	}
}

// TestLiveCallsOnAnyNode: the API's live calls answer on a node that does
// not run the tenant, through the owner (NATS request/reply on
// plateau.t.<tenant>.cmd): the wallboard shows the waiting chat and the
// agent, a supervisor's set-state changes the agent at the owner (its
// desktop is told, then offered the chat), the owner's refusals keep
// their status and message, and a tenant nobody runs is 503 with
// Retry-After. When the owner loses the lease it unsubscribes at once.
func TestLiveCallsOnAnyNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, ten, token, nodes, _ := edgeCluster(t, ctx, "a", "b")
	oi := ownerOf(t, nodes, ten.id)
	owner, edge := nodes[oi], nodes[1-oi]
	tok := apiCred{token: token}

	// The agent's desk on the owner, not ready; a chat started on the edge.
	desk, _, err := websocket.Dial(ctx, fmt.Sprintf("ws://%s/agent/ws?tenant=%d", owner.Addr(), ten.id), nil)
	must(t, err)
	defer desk.CloseNow()
	frames := wsFrames(t, desk)
	must(t, desk.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"agent","password":"`+edgePassword+`"}`)))
	await(t, frames, "logged_in")
	chat, _, err := websocket.Dial(ctx, "ws://"+edge.Addr()+"/chat/web/ws", nil)
	must(t, err)
	defer chat.CloseNow()
	must(t, chat.Write(ctx, websocket.MessageText, []byte(`{"type":"start","name":"Ada"}`)))
	queued := await(t, wsFrames(t, chat), "queued")

	var wb live.Wallboard
	code, _, body := apiCall(t, ctx, edge, tok, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/wallboard", ten.id), nil)
	if code != http.StatusOK {
		t.Fatalf("wallboard on the edge: %d %s", code, body)
	}
	must(t, json.Unmarshal(body, &wb))
	if len(wb.Queues) != 1 || wb.Queues[0].Waiting != 1 || len(wb.Queues[0].Contacts) != 1 ||
		wb.Queues[0].Contacts[0].ContactID != int64(queued["contact_id"].(float64)) || wb.Queues[0].Contacts[0].Name != "Ada" {
		t.Fatalf("wallboard queues on the edge: %+v", wb.Queues)
	}
	if len(wb.Agents) != 1 || wb.Agents[0].AgentID != ten.agent || !wb.Agents[0].Online || wb.Agents[0].State != "not_ready" {
		t.Fatalf("wallboard agents on the edge: %+v", wb.Agents)
	}

	// Watching the chat on the edge (a supervisor's read-only view).
	var lc live.LiveChat
	code, _, body = apiCall(t, ctx, edge, tok, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/live", ten.id, int64(queued["contact_id"].(float64))), nil)
	if code != http.StatusOK {
		t.Fatalf("watch on the edge: %d %s", code, body)
	}
	must(t, json.Unmarshal(body, &lc))
	if lc.ContactID != int64(queued["contact_id"].(float64)) || lc.AgentID != nil {
		t.Errorf("watched on the edge: %+v", lc)
	}

	// The owner's refusals cross as they are.
	code, _, body = apiCall(t, ctx, edge, tok, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/agents/%d/state", ten.id, ten.agent+1000), map[string]string{"state": "ready"})
	if code != http.StatusNotFound || !bytes.Contains(body, []byte("no agent")) {
		t.Errorf("unknown agent on the edge: %d %s", code, body)
	}
	code, _, body = apiCall(t, ctx, edge, tok, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/agents/%d/state", ten.id, ten.agent), map[string]string{"state": "asleep"})
	if code != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte(`"field":"state"`)) {
		t.Errorf("bad state on the edge: %d %s", code, body)
	}
	code, _, body = apiCall(t, ctx, edge, tok, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/move", ten.id, int64(queued["contact_id"].(float64))), map[string]int64{"queue_id": ten.queue})
	if code != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte(`"field":"queue_id"`)) {
		t.Errorf("move to its own queue on the edge: %d %s", code, body)
	}

	// A supervisor's set-state on the edge: the agent is ready at the
	// owner, its desktop told, and offered the waiting chat.
	code, _, body = apiCall(t, ctx, edge, tok, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/agents/%d/state", ten.id, ten.agent), map[string]string{"state": "ready"})
	if code != http.StatusNoContent {
		t.Fatalf("set state on the edge: %d %s", code, body)
	}
	await(t, frames, "offer")
	snap, err := owner.cluster.center(ten.id).Snapshot(ctx, ten.id)
	must(t, err)
	if snap.Agents[0].Presence != "ready" {
		t.Errorf("agent at the owner after the edge's set-state: %+v", snap.Agents[0])
	}

	// The agent's user deleted through the edge's API: when the deletion
	// is answered, the owner has signed the desk out already (the change
	// went to the owner as a command, not as a message on its way).
	code, _, body = apiCall(t, ctx, edge, tok, http.MethodDelete, fmt.Sprintf("/api/v1/tenants/%d/users/%d", ten.id, ten.agentUser), nil)
	if code != http.StatusNoContent {
		t.Fatalf("delete the agent's user on the edge: %d %s", code, body)
	}
	snap, err = owner.cluster.center(ten.id).Snapshot(ctx, ten.id)
	must(t, err)
	if snap.Agents[0].Online {
		t.Errorf("the deleted user's desk is still online at the owner when the deletion is answered: %+v", snap.Agents[0])
	}
	untilClosed(t, frames, 5*time.Second)

	// A tenant nobody runs: 503 at once, with Retry-After.
	start := time.Now()
	code, h, body := apiCall(t, ctx, edge, tok, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/wallboard", ten.id+1000), nil)
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") != "1" || time.Since(start) > 2*time.Second {
		t.Errorf("wallboard of a tenant nobody runs: %d %q %s after %v", code, h.Get("Retry-After"), body, time.Since(start))
	}

	// The owner loses the tenant: no answer from it any more (NATS says no
	// responders at once instead of a stale center answering, or the
	// request waiting for a subscriber that stays silent).
	owner.cluster.lost(ten.id)
	waitFor(t, "no responders for the tenant", func() bool {
		cctx, ccancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer ccancel()
		_, err = edge.cluster.callOwner(cctx, liveCmd{Op: opWallboard, TenantID: ten.id})
		return errors.Is(err, nats.ErrNoResponders)
	})
	if !errors.Is(err, live.ErrStopped) {
		t.Errorf("command after the owner lost the tenant: %v", err)
	}
}

// The wire errors decode to the errors the center returned.
func TestWireErrorsRoundTrip(t *testing.T) {
	for _, err := range []error{
		&model.ValidationError{Field: "state", Message: "bad", Key: "range", Params: model.Params{"min": float64(1)}},
		&live.RefusedError{Err: store.ErrNotFound, Message: "no agent 3"},
		&live.RefusedError{Err: store.ErrConflict, Message: "busy"},
		fmt.Errorf("x: %w", live.ErrStopped),
		fmt.Errorf("x: %w", store.ErrNotFound),
		fmt.Errorf("x: %w", store.ErrConflict),
		fmt.Errorf("x: %w", store.ErrInvalid),
	} {
		b, _ := json.Marshal(encodeError(err))
		var we wireError
		must(t, json.Unmarshal(b, &we))
		got := we.decode()
		if ve, ok := model.AsValidationError(err); ok {
			gv, ok := model.AsValidationError(got)
			if !ok || gv.Field != ve.Field || gv.Message != ve.Message || gv.Key != ve.Key || gv.Params["min"] != ve.Params["min"] {
				t.Errorf("%v -> %v", err, got)
			}
			continue
		}
		var re, gre *live.RefusedError
		if errors.As(err, &re) {
			if !errors.As(got, &gre) || gre.Message != re.Message || !errors.Is(gre.Err, re.Err) {
				t.Errorf("%v -> %v", err, got)
			}
			continue
		}
		for _, target := range []error{live.ErrStopped, store.ErrNotFound, store.ErrConflict, store.ErrInvalid} {
			if errors.Is(err, target) != errors.Is(got, target) {
				t.Errorf("%v -> %v (%v)", err, got, target)
			}
		}
	}
}

// restSignIn signs in over REST on s, returning the session's cookie header
// and CSRF token.
func restSignIn(t *testing.T, ctx context.Context, s *Server, login string) apiCred {
	t.Helper()
	code, h, body := apiCall(t, ctx, s, apiCred{}, http.MethodPost, "/api/v1/login", map[string]string{"login": login, "password": edgePassword})
	if code != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", login, code, body)
	}
	var resp struct {
		CSRF string `json:"csrf_token"`
	}
	must(t, json.Unmarshal(body, &resp))
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "plateau_session" {
			return apiCred{cookie: c.Name + "=" + c.Value, csrf: resp.CSRF}
		}
	}
	t.Fatalf("sign in %s: no cookie", login)
	return apiCred{}
}

// TestSessionsAndRevocationsOnEveryNode: a browser session signed in on
// one node is accepted on the other (API and desk socket, relayed to the
// owner with its cookie); signed out on one, refused on the other at
// once. A revocation published by any node closes the agent sockets the
// edge relays for that user, even when the owner is not told.
func TestSessionsAndRevocationsOnEveryNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, ten, _, nodes, _ := edgeCluster(t, ctx, "a", "b")
	oi := ownerOf(t, nodes, ten.id)
	owner, edge := nodes[oi], nodes[1-oi]

	// The supervisor: signed in on the edge, used on the owner (GET and a
	// state-changing request with its CSRF token), signed out on the
	// owner, refused on the edge.
	sup := restSignIn(t, ctx, edge, "sup")
	if code, _, body := apiCall(t, ctx, owner, sup, http.MethodGet, "/api/v1/me", nil); code != http.StatusOK {
		t.Fatalf("the edge's session on the owner: %d %s", code, body)
	}
	if code, _, body := apiCall(t, ctx, edge, sup, http.MethodGet, "/api/v1/me", nil); code != http.StatusOK {
		t.Fatalf("the session on the edge: %d %s", code, body)
	}
	if code, _, body := apiCall(t, ctx, owner, sup, http.MethodPost, "/api/v1/logout", nil); code != http.StatusNoContent {
		t.Fatalf("sign out on the owner: %d %s", code, body)
	}
	if code, _, body := apiCall(t, ctx, edge, sup, http.MethodGet, "/api/v1/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("the session on the edge after signing out on the owner: %d %s", code, body)
	}

	// The agent signs in on the edge; its desk socket, opened on the edge
	// with the cookie alone, is relayed to the owner and signed in there
	// by the session.
	ag := restSignIn(t, ctx, edge, "agent")
	desk, _, err := websocket.Dial(ctx, "ws://"+edge.Addr()+"/agent/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {ag.cookie}}})
	must(t, err)
	defer desk.CloseNow()
	frames := wsFrames(t, desk)
	must(t, desk.Write(ctx, websocket.MessageText, []byte(`{"type":"login"}`)))
	await(t, frames, "logged_in")
	waitFor(t, "the edge tracks the relayed desk", func() bool { return len(edge.cluster.relayed.of(ten.agentUser)) == 1 })

	// The user is disabled in the store behind the API's back (the owner
	// is not told), and the owner publishes the revocation: the edge
	// closes the client's socket itself.
	u, err := st.GetUser(ctx, &ten.id, ten.agentUser)
	must(t, err)
	u.Disabled = true
	must(t, st.UpdateUser(ctx, &ten.id, u))
	owner.cluster.tellRevoked(ctx, apiRevocation(ten.id, ten.agentUser))
	untilClosed(t, frames, 5*time.Second)
	if code, _, _ := apiCall(t, ctx, owner, ag, http.MethodGet, "/api/v1/me", nil); code != http.StatusUnauthorized {
		t.Errorf("the disabled user's session on the owner: %d", code)
	}
}

func apiRevocation(tid, userID int64) api.Revocation {
	return api.Revocation{TenantID: tid, UserID: userID}
}
