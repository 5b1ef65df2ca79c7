package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// peer is another node's API over the same store, clock and live center.
func (e *env) peer(opts Options) *env {
	p := &env{t: e.t, st: e.st, clock: e.clock, center: e.center}
	opts.Logger, opts.Now, opts.Live = slog.New(slog.DiscardHandler), e.clock.Now, e.center
	p.api = New(e.st, opts)
	return p
}

// Shared sessions (several nodes): a session signed in on one node is
// accepted on another, CSRF included; a sign-out or a password change on
// one is refused on the others at once, even on a node that is not told
// (nothing is cached).
func TestSharedSessionsAcrossNodes(t *testing.T) {
	t.Parallel()
	var a, b *env
	a = newEnv(t, Options{SharedSessions: true, OnRevoke: func(_ context.Context, r Revocation) { b.api.Revoked(r) }})
	b = a.peer(Options{SharedSessions: true, OnRevoke: func(_ context.Context, r Revocation) { a.api.Revoked(r) }})
	untold := a.peer(Options{SharedSessions: true})
	f := a.fixture("acme")
	u := a.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	var me Me
	b.must(u, http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	if me.User == nil || me.User.Login != "sup" || me.CSRFToken != u.csrf {
		t.Fatalf("/me on b: %+v", me)
	}
	a.must(u, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil)
	untold.must(u, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil)

	// Signed out on b (a state-changing request: the CSRF token is the
	// session's on every node): refused on a at once.
	b.must(u, http.MethodPost, "/api/v1/logout", nil, http.StatusNoContent, nil)
	wantError(t, a.do(u, http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, CodeUnauthenticated, "")
	wantError(t, untold.do(u, http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, CodeUnauthenticated, "")

	// A password set on a closes the user's sessions on b (both cached).
	v := b.login("sup", testPassword)
	a.must(v, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil)
	b.must(v, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil)
	a.must(f.adminToken, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users/%d/password", f.tenant.ID, me.User.ID),
		PasswordRequest{Password: "another long password"}, http.StatusNoContent, nil)
	wantError(t, b.do(v, http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, CodeUnauthenticated, "")
	wantError(t, untold.do(v, http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, CodeUnauthenticated, "")
}

// Revocations made by the API are told to OnRevoke: a sign-out (by the
// session's hash, never its id), a user's removal or change, a token.
func TestRevocationsTold(t *testing.T) {
	t.Parallel()
	var told []Revocation
	e := newEnv(t, Options{SharedSessions: true, OnRevoke: func(_ context.Context, r Revocation) { told = append(told, r) }})
	f := e.fixture("acme")
	u := e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	told = nil
	e.must(u, http.MethodPost, "/api/v1/logout", nil, http.StatusNoContent, nil)
	if len(told) != 1 || told[0].Session == "" || told[0].Session == u.cookie || told[0].Session != hashOf(u.cookie) {
		t.Errorf("sign-out told %+v", told)
	}
	var me Me
	v := e.login("sup", testPassword)
	e.must(v, http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	told = nil
	e.must(f.adminToken, http.MethodDelete, fmt.Sprintf("/api/v1/tenants/%d/users/%d", f.tenant.ID, me.User.ID), nil, http.StatusNoContent, nil)
	if len(told) != 1 || told[0].UserID != me.User.ID || told[0].TenantID != f.tenant.ID || !told[0].Deleted {
		t.Errorf("deletion told %+v", told)
	}
}
