package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// goLive loads the fixture's queue and agent into the live center, as the
// server does after the API created them.
func (e *env) goLive(f fixture) {
	e.t.Helper()
	ctx := testCtx(e.t)
	for _, ch := range []live.Change{
		{Kind: live.ChangeQueue, TenantID: f.tenant.ID, ID: f.queue.ID},
		{Kind: live.ChangeAgent, TenantID: f.tenant.ID, ID: f.agent.ID},
	} {
		if err := e.center.Reload(ctx, ch); err != nil {
			e.t.Fatalf("reload %v: %v", ch, err)
		}
	}
}

// startChat opens a customer chat on the fixture's entry point and returns
// the contact's id once it is queued.
func (e *env) startChat(f fixture) int64 {
	e.t.Helper()
	srv := httptest.NewServer(e.center.ChatHandler())
	e.t.Cleanup(srv.Close)
	ctx := testCtx(e.t)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/chat/"+f.entry.Address+"/ws", nil)
	if err != nil {
		e.t.Fatalf("dial chat: %v", err)
	}
	e.t.Cleanup(func() { conn.CloseNow() })
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"start","name":"Ada"}`)); err != nil {
		e.t.Fatalf("start chat: %v", err)
	}
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			e.t.Fatalf("read chat: %v", err)
		}
		var fr struct {
			Type      string `json:"type"`
			ContactID int64  `json:"contact_id"`
		}
		if err := json.Unmarshal(b, &fr); err != nil {
			e.t.Fatalf("chat frame %s: %v", b, err)
		}
		if fr.Type == "queued" {
			return fr.ContactID
		}
	}
}

func TestSupervisorSetsAgentState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	b := e.fixture("globex")
	e.goLive(a)
	tid := &a.tenant.ID
	sup := e.userCred(tid, "a-sup", model.RoleSupervisor, nil)
	viewer := e.userCred(tid, "a-viewer", model.RoleClientViewer, nil)
	agent := e.userCred(tid, "a-agent", model.RoleAgent, &a.agent.ID)
	path := fmt.Sprintf("/api/v1/tenants/%d/agents/%d/state", a.tenant.ID, a.agent.ID)

	e.must(sup, http.MethodPost, path, AgentStateRequest{State: "logged_out"}, http.StatusNoContent, nil)
	e.must(a.adminToken, http.MethodPost, path, AgentStateRequest{State: "logged_out"}, http.StatusNoContent, nil)
	w := e.do(sup, http.MethodPost, path, AgentStateRequest{State: "ready"})
	wantError(t, w, http.StatusConflict, CodeConflict, "")
	if msg := apiError(t, w).Message; !strings.Contains(msg, "desktop") {
		t.Errorf("conflict message %q does not say why", msg)
	}
	wantError(t, e.do(sup, http.MethodPost, path, AgentStateRequest{State: "busy"}), http.StatusUnprocessableEntity, CodeValidationFailed, "state")
	wantError(t, e.do(sup, http.MethodPost, path, rawBody(`{"state":"ready","extra":1}`)), http.StatusBadRequest, CodeUnknownField, "extra")
	wantError(t, e.do(viewer, http.MethodPost, path, AgentStateRequest{State: "logged_out"}), http.StatusForbidden, CodeForbidden, "")
	wantError(t, e.do(agent, http.MethodPost, path, AgentStateRequest{State: "logged_out"}), http.StatusForbidden, CodeForbidden, "")
	noCSRF := sup
	noCSRF.csrf = ""
	wantError(t, e.do(noCSRF, http.MethodPost, path, AgentStateRequest{State: "logged_out"}), http.StatusForbidden, CodeCSRFFailed, "")
	// Another tenant's agent, through one's own tenant path, does not exist.
	other := fmt.Sprintf("/api/v1/tenants/%d/agents/%d/state", a.tenant.ID, b.agent.ID)
	wantError(t, e.do(sup, http.MethodPost, other, AgentStateRequest{State: "logged_out"}), http.StatusNotFound, CodeNotFound, "")
}

func TestSupervisorMovesContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	b := e.fixture("globex")
	e.goLive(a)
	ctx := testCtx(t)
	sales := validQueue(a.skill.ID)
	sales.Name = "sales"
	q2, err := e.st.CreateQueue(ctx, a.tenant.ID, sales)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.center.Reload(ctx, live.Change{Kind: live.ChangeQueue, TenantID: a.tenant.ID, ID: q2.ID}); err != nil {
		t.Fatal(err)
	}
	sup := e.userCred(&a.tenant.ID, "a-sup", model.RoleSupervisor, nil)
	viewer := e.userCred(&a.tenant.ID, "a-viewer", model.RoleClientViewer, nil)
	id := e.startChat(a)
	path := fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/move", a.tenant.ID, id)

	wantError(t, e.do(viewer, http.MethodPost, path, MoveRequest{QueueID: q2.ID}), http.StatusForbidden, CodeForbidden, "")
	wantError(t, e.do(sup, http.MethodPost, path, MoveRequest{QueueID: b.queue.ID}), http.StatusUnprocessableEntity, CodeValidationFailed, "queue_id")
	e.must(sup, http.MethodPost, path, MoveRequest{QueueID: q2.ID}, http.StatusNoContent, nil)
	var in model.Interaction
	e.must(sup, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d", a.tenant.ID, id), nil, http.StatusOK, &in)
	if in.QueueID != q2.ID {
		t.Fatalf("interaction in queue %d after the move, want %d", in.QueueID, q2.ID)
	}
	wantError(t, e.do(sup, http.MethodPost, path, MoveRequest{QueueID: q2.ID}), http.StatusUnprocessableEntity, CodeValidationFailed, "queue_id")

	// An ended contact is not waiting; an unknown one does not exist.
	if _, err := e.st.UpdateInteractionState(ctx, a.tenant.ID, a.interaction, store.StateUpdate{State: model.StateEnded,
		EndedReason: model.EndAbandoned, At: e.clock.Now(), CloseSegments: true}); err != nil {
		t.Fatal(err)
	}
	ended := fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/move", a.tenant.ID, a.interaction)
	wantError(t, e.do(sup, http.MethodPost, ended, MoveRequest{QueueID: q2.ID}), http.StatusConflict, CodeConflict, "")
	otherTenant := fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/move", a.tenant.ID, b.interaction)
	wantError(t, e.do(sup, http.MethodPost, otherTenant, MoveRequest{QueueID: q2.ID}), http.StatusNotFound, CodeNotFound, "")
}

func TestSupervisionWithoutLiveCenter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	a := e.fixture("acme")
	bare := New(e.st, Options{Logger: slog.New(slog.DiscardHandler)})
	e.api = bare
	path := fmt.Sprintf("/api/v1/tenants/%d/agents/%d/state", a.tenant.ID, a.agent.ID)
	wantError(t, e.do(a.adminToken, http.MethodPost, path, AgentStateRequest{State: "logged_out"}), http.StatusServiceUnavailable, CodeUnavailable, "")
}
