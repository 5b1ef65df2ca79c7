package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
)

// TestSessionUser: the agent socket's session look-up honours a live
// password session only: not a bearer token, not a closed or expired one.
func TestSessionUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{SessionTTL: time.Hour})
	f := e.fixture("acme")
	agent := e.userCred(&f.tenant.ID, "amina", model.RoleAgent, &f.agent.ID)
	req := func(c cred) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/agent/ws", nil)
		c.apply(r)
		return r
	}
	u, err := e.api.SessionUser(testCtx(t), req(agent))
	if err != nil || u.Login != "amina" || u.AgentID == nil || *u.AgentID != f.agent.ID {
		t.Fatalf("SessionUser = %+v, %v", u, err)
	}
	if _, err := e.api.SessionUser(testCtx(t), req(f.adminToken)); err == nil {
		t.Error("a bearer token was taken for a browser session")
	}
	if _, err := e.api.SessionUser(testCtx(t), req(cred{cookie: "forged"})); err == nil {
		t.Error("an unknown cookie was accepted")
	}
	if _, err := e.api.SessionUser(testCtx(t), req(cred{})); err == nil {
		t.Error("no cookie was accepted")
	}
	// Signing out closes it; a session expires.
	e.must(agent, http.MethodPost, "/api/v1/logout", nil, 204, nil)
	if _, err := e.api.SessionUser(testCtx(t), req(agent)); err == nil {
		t.Error("a closed session was accepted")
	}
	again := e.login("amina", testPassword)
	e.clock.Advance(time.Hour)
	if _, err := e.api.SessionUser(testCtx(t), req(again)); err == nil {
		t.Error("an expired session was accepted")
	}
}

// TestWallboardNamesForViewers: the waiting customers' names are left out
// for a client viewer, kept for a supervisor, without touching the
// wallboard given.
func TestWallboardNamesForViewers(t *testing.T) {
	wb := live.Wallboard{Queues: []live.WallboardQueue{{Contacts: []live.WaitingContact{{ContactID: 1, Name: "Jeanne"}}}}}
	if got := forViewer(wb, &principal{Role: model.RoleClientViewer}); got.Queues[0].Contacts[0].Name != "" {
		t.Errorf("a client viewer sees %q", got.Queues[0].Contacts[0].Name)
	}
	if wb.Queues[0].Contacts[0].Name != "Jeanne" {
		t.Error("forViewer changed the wallboard it was given")
	}
	if got := forViewer(wb, &principal{Role: model.RoleSupervisor}); got.Queues[0].Contacts[0].Name != "Jeanne" {
		t.Errorf("a supervisor sees %q", got.Queues[0].Contacts[0].Name)
	}
}
