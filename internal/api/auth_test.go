package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// samplePath fills a route's path parameters with tenant f's rows.
func samplePath(rt route, f fixture) string {
	p := strings.ReplaceAll(rt.path, "{tid}", fmt.Sprint(f.tenant.ID))
	p = strings.ReplaceAll(p, "{id}", fmt.Sprint(sampleID(rt, f)))
	if strings.Contains(rt.path, "/reports/") && !strings.HasSuffix(rt.path, "/abandoned") {
		p += "?from=2026-01-01&to=2026-01-31" // reports need a period
	}
	return p
}

// sampleID is the id of tenant f's row a route's {id} names.
func sampleID(rt route, f fixture) int64 {
	rest := strings.TrimPrefix(rt.path, "/api/v1/")
	rest = strings.TrimPrefix(rest, "tenants/{tid}/")
	switch strings.SplitN(rest, "/", 2)[0] {
	case "sites":
		return f.site.ID
	case "skills":
		return f.skill.ID
	case "schedules":
		return f.schedule.ID
	case "queues":
		return f.queue.ID
	case "agents":
		return f.agent.ID
	case "entry-points":
		return f.entry.ID
	case "users":
		return f.admin.ID
	case "interactions":
		return f.interaction
	case "tokens":
		return f.token.ID
	case "canned-responses":
		return f.canned.ID
	case "dispositions":
		return f.disposition.ID
	case "not-ready-reasons":
		return f.notReady.ID
	case "employees":
		return f.employee.ID
	case "billing":
		return billingSampleID(rt, f)
	case "commitments":
		return f.commitment.ID
	}
	return 0
}

// TestEveryRouteNeedsACredential walks the route table without credential.
func TestEveryRouteNeedsACredential(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	bad := []cred{{name: "none"}, {name: "bad token", bearer: "plt_nope"}, {name: "bad cookie", cookie: "forged"}}
	for _, rt := range e.api.routes {
		if rt.access == accessPublic {
			continue
		}
		for _, c := range bad {
			w := e.do(c, rt.method, samplePath(rt, f), sampleBody(t, rt, f))
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s as %s: %d, want 401", rt.pattern(), c.name, w.Code)
				continue
			}
			apiError(t, w)
		}
	}
	wantError(t, e.do(cred{name: "basic"}, http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, CodeUnauthenticated, "")
	r := e.do(cred{}, http.MethodGet, "/api/v1/me", nil)
	if r.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
}

// TestRoles checks what each role may do in its own tenant.
func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	tid := &f.tenant.ID
	platformUser := e.userCred(nil, "root", model.RoleAdmin, nil)
	creds := map[string]cred{
		"platform token": e.platformToken(),
		"platform user":  platformUser,
		"tenant token":   f.adminToken,
		"admin":          e.userCred(tid, "boss", model.RoleAdmin, nil),
		"supervisor":     e.userCred(tid, "sup", model.RoleSupervisor, nil),
		"agent":          e.userCred(tid, "amina", model.RoleAgent, &f.agent.ID),
		"client_viewer":  e.userCred(tid, "brand", model.RoleClientViewer, nil),
	}
	base := fmt.Sprintf("/api/v1/tenants/%d", f.tenant.ID)
	site := map[string]any{"name": "Lyon", "country": "FR", "kind": "onsite"}
	type check struct {
		method, path string
		body         any
		allowed      []string // the others get 403
	}
	admins := []string{"platform token", "platform user", "tenant token", "admin"}
	platform := []string{"platform token", "platform user"}
	everyone := []string{"platform token", "platform user", "tenant token", "admin", "supervisor", "agent", "client_viewer"}
	checks := []check{
		{http.MethodGet, "/api/v1/me", nil, everyone},
		{http.MethodGet, "/api/v1/tenants", nil, platform},
		{http.MethodGet, base, nil, platform},
		{http.MethodGet, base + "/sites", nil, append(admins, "supervisor")},
		{http.MethodGet, fmt.Sprintf("%s/queues/%d", base, f.queue.ID), nil, append(admins, "supervisor")},
		{http.MethodPut, fmt.Sprintf("%s/skills/%d", base, f.skill.ID), map[string]any{"name": "billing"}, admins},
		{http.MethodGet, base + "/users", nil, admins},
		{http.MethodGet, "/api/v1/tokens", nil, admins},
		{http.MethodGet, fmt.Sprintf("%s/interactions/%d", base, f.interaction), nil, append(admins, "supervisor", "client_viewer")},
		{http.MethodGet, fmt.Sprintf("%s/interactions/%d/messages", base, f.interaction), nil, append(admins, "supervisor", "client_viewer")},
	}
	for _, ck := range checks {
		allowed := map[string]bool{}
		for _, n := range ck.allowed {
			allowed[n] = true
		}
		for name, c := range creds {
			w := e.do(c, ck.method, ck.path, ck.body)
			switch {
			case allowed[name] && w.Code != http.StatusOK:
				t.Errorf("%s %s as %s: %d, want 200: %s", ck.method, ck.path, name, w.Code, w.Body)
			case !allowed[name]:
				if w.Code != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d, want 403", ck.method, ck.path, name, w.Code)
					continue
				}
				wantError(t, w, http.StatusForbidden, CodeForbidden, "")
			}
		}
	}
	// Writes by non-admins are refused before any change.
	for _, name := range []string{"supervisor", "agent", "client_viewer"} {
		wantError(t, e.do(creds[name], http.MethodPost, base+"/sites", site), http.StatusForbidden, CodeForbidden, "")
	}
	if ch := e.takeChanges(); len(ch) != len(admins) {
		t.Errorf("changes %v, want one per admin's PUT", ch)
	}
	var me Me
	e.must(creds["agent"], http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	if me.User == nil || me.User.Role != model.RoleAgent || me.TenantID == nil || *me.TenantID != f.tenant.ID || me.PlatformAdmin || me.CSRFToken == "" {
		t.Errorf("agent /me = %+v", me)
	}
	me = Me{}
	e.must(creds["tenant token"], http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	if me.Token == nil || me.User != nil || me.Role != model.RoleAdmin || me.CSRFToken != "" {
		t.Errorf("token /me = %+v", me)
	}
	me = Me{}
	e.must(platformUser, http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	if !me.PlatformAdmin || me.TenantID != nil {
		t.Errorf("platform /me = %+v", me)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	admin := e.userCred(&f.tenant.ID, "boss", model.RoleAdmin, nil)
	skills := fmt.Sprintf("/api/v1/tenants/%d/skills", f.tenant.ID)
	noHeader := admin
	noHeader.csrf = ""
	wrong := admin
	wrong.csrf = "not-the-token"
	tests := []struct {
		name   string
		c      cred
		method string
		body   any
		status int
	}{
		{"cookie without header", noHeader, http.MethodPost, map[string]any{"name": "a"}, 403},
		{"cookie with a wrong header", wrong, http.MethodPost, map[string]any{"name": "b"}, 403},
		{"cookie with the header", admin, http.MethodPost, map[string]any{"name": "c"}, 201},
		{"cookie read without header", noHeader, http.MethodGet, nil, 200},
		{"token without header", f.adminToken, http.MethodPost, map[string]any{"name": "d"}, 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(tc.c, tc.method, skills, tc.body)
			if tc.status == 403 {
				wantError(t, w, 403, CodeCSRFFailed, "")
				return
			}
			if w.Code != tc.status {
				t.Errorf("%d, want %d: %s", w.Code, tc.status, w.Body)
			}
		})
	}
	wantError(t, e.do(noHeader, http.MethodPost, "/api/v1/logout", nil), 403, CodeCSRFFailed, "")
	wantError(t, e.do(noHeader, http.MethodDelete, fmt.Sprintf("%s/%d", skills, f.skill.ID), nil), 403, CodeCSRFFailed, "")
	if ch := e.takeChanges(); len(ch) != 2 {
		t.Errorf("changes %v, want the two accepted creates", ch)
	}
}

func TestLoginLogoutAndSessions(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			t.Parallel()
			testLoginLogoutAndSessions(t, shared)
		})
	}
}

// testLoginLogoutAndSessions: sessions in memory (one node) or in the
// store (shared by the nodes of a cluster) behave alike.
func testLoginLogoutAndSessions(t *testing.T, shared bool) {
	e := newEnv(t, Options{SecureCookies: true, SessionTTL: time.Hour, SharedSessions: shared})
	f := e.fixture("acme")
	tid := &f.tenant.ID
	u, err := e.st.CreateUser(testCtx(t), tid, model.User{Login: "Sup@Acme.test", DisplayName: "Sup", Role: model.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetPassword(testCtx(t), tid, u.ID, testPassword); err != nil {
		t.Fatal(err)
	}

	wantError(t, e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "sup@acme.test", Password: "wrong password"}), 401, CodeInvalidCredential, "")
	wantError(t, e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "nobody", Password: "wrong password"}), 401, CodeInvalidCredential, "")
	wantError(t, e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "sup@acme.test"}), 422, CodeValidationFailed, "password")

	w := e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: "SUP@acme.test", Password: testPassword})
	if w.Code != 200 {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	var ck *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || len(ck.Value) < 43 || ck.MaxAge != 3600 {
		t.Fatalf("session cookie %+v", ck)
	}
	if strings.Contains(w.Body.String(), "password") || strings.Contains(w.Body.String(), "argon2") {
		t.Errorf("login response leaks the password hash: %s", w.Body)
	}
	sup := e.login("sup@acme.test", testPassword)
	var me Me
	e.must(sup, http.MethodGet, "/api/v1/me", nil, 200, &me)
	if me.User == nil || me.User.ID != u.ID || me.CSRFToken != sup.csrf {
		t.Errorf("/me = %+v", me)
	}

	// A role change takes effect at once: the session reloads its user.
	u.Role = model.RoleClientViewer
	if err := e.st.UpdateUser(testCtx(t), tid, u); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.do(sup, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/sites", f.tenant.ID), nil), 403, CodeForbidden, "")

	// Logout closes only this session.
	other := e.login("sup@acme.test", testPassword)
	lw := e.do(sup, http.MethodPost, "/api/v1/logout", nil)
	if lw.Code != 204 || !strings.Contains(lw.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %q", lw.Code, lw.Header().Get("Set-Cookie"))
	}
	wantError(t, e.do(sup, http.MethodGet, "/api/v1/me", nil), 401, CodeUnauthenticated, "")
	e.must(other, http.MethodGet, "/api/v1/me", nil, 200, nil)

	// A password change closes the user's other sessions.
	e.must(f.adminToken, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users/%d/password", f.tenant.ID, u.ID), PasswordRequest{Password: "another long one"}, 204, nil)
	wantError(t, e.do(other, http.MethodGet, "/api/v1/me", nil), 401, CodeUnauthenticated, "")
	third := e.login("sup@acme.test", "another long one")

	// Sessions expire.
	e.clock.Advance(time.Hour)
	wantError(t, e.do(third, http.MethodGet, "/api/v1/me", nil), 401, CodeUnauthenticated, "")

	// Deleting the user closes its sessions.
	fourth := e.login("sup@acme.test", "another long one")
	e.must(f.adminToken, http.MethodDelete, fmt.Sprintf("/api/v1/tenants/%d/users/%d", f.tenant.ID, u.ID), nil, 204, nil)
	wantError(t, e.do(fourth, http.MethodGet, "/api/v1/me", nil), 401, CodeUnauthenticated, "")
	if m, ok := e.api.sessions.(*sessionStore); ok && m.len() != 0 {
		t.Errorf("%d sessions left", m.len())
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 3})
	f := e.fixture("acme")
	e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil) // one attempt used by this login
	attempt := func(login, password string) *httpResult {
		w := e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: login, Password: password})
		return &httpResult{code: w.Code, retry: w.Header().Get("Retry-After"), w: w}
	}
	for i := range 2 {
		if r := attempt("sup", "wrong password"); r.code != 401 {
			t.Fatalf("attempt %d: %d", i+2, r.code)
		}
	}
	r := attempt("SUP", testPassword) // same login, other case: same bucket
	if r.code != 429 || r.retry == "" {
		t.Fatalf("4th attempt: %d Retry-After %q, want 429", r.code, r.retry)
	}
	wantError(t, r.w, 429, CodeRateLimited, "")
	if r := attempt("other", "wrong password"); r.code != 401 {
		t.Errorf("another login is limited too: %d", r.code)
	}
	e.clock.Advance(20 * time.Second) // one token back (3 per minute)
	if r := attempt("sup", testPassword); r.code != 200 {
		t.Errorf("after the refill: %d", r.code)
	}
	if r := attempt("sup", testPassword); r.code != 429 {
		t.Errorf("the refill gave more than one token: %d", r.code)
	}
}

type httpResult struct {
	code  int
	retry string
	w     *httptest.ResponseRecorder
}

func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	a := e.fixture("acme")
	b := e.fixture("globex")
	platform := e.platformToken()

	var created CreatedToken
	e.must(a.adminToken, http.MethodPost, "/api/v1/tokens", TokenRequest{Name: "crm"}, 201, &created)
	if !strings.HasPrefix(created.Token, "plt_") || created.TenantID == nil || *created.TenantID != a.tenant.ID {
		t.Fatalf("created %+v", created)
	}
	crm := cred{name: "crm", bearer: created.Token}
	e.must(crm, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/sites", a.tenant.ID), nil, 200, nil)

	var list []map[string]any
	e.must(a.adminToken, http.MethodGet, "/api/v1/tokens", nil, 200, &list)
	if len(list) != 2 {
		t.Errorf("tenant tokens %v", list)
	}
	for _, tok := range list {
		if _, ok := tok["token"]; ok {
			t.Errorf("list shows a plaintext: %v", tok)
		}
		if _, ok := tok["hash"]; ok {
			t.Errorf("list shows a hash: %v", tok)
		}
	}
	// A tenant admin cannot make or see another tenant's tokens.
	wantError(t, e.do(a.adminToken, http.MethodPost, "/api/v1/tokens", TokenRequest{Name: "x", TenantID: &b.tenant.ID}), 404, CodeNotFound, "")
	wantError(t, e.do(a.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tokens?tenant_id=%d", b.tenant.ID), nil), 404, CodeNotFound, "")
	wantError(t, e.do(a.adminToken, http.MethodPost, "/api/v1/tokens", TokenRequest{Name: ""}), 422, CodeValidationFailed, "name")

	// The platform sees platform tokens by default, a tenant's on request.
	e.must(platform, http.MethodGet, "/api/v1/tokens", nil, 200, &list)
	if len(list) != 1 || list[0]["tenant_id"] != nil {
		t.Errorf("platform tokens %v", list)
	}
	e.must(platform, http.MethodGet, fmt.Sprintf("/api/v1/tokens?tenant_id=%d", b.tenant.ID), nil, 200, &list)
	if len(list) != 1 {
		t.Errorf("globex tokens %v", list)
	}
	var plat CreatedToken
	e.must(platform, http.MethodPost, "/api/v1/tokens", TokenRequest{Name: "ops"}, 201, &plat)
	if plat.TenantID != nil {
		t.Errorf("platform token with tenant %v", *plat.TenantID)
	}

	// Revocation takes effect at once.
	e.must(a.adminToken, http.MethodDelete, fmt.Sprintf("/api/v1/tokens/%d", created.ID), nil, 204, nil)
	wantError(t, e.do(crm, http.MethodGet, "/api/v1/me", nil), 401, CodeUnauthenticated, "")
	e.must(platform, http.MethodDelete, fmt.Sprintf("/api/v1/tokens/%d?tenant_id=%d", b.token.ID, b.tenant.ID), nil, 204, nil)
	wantError(t, e.do(b.adminToken, http.MethodGet, "/api/v1/me", nil), 401, CodeUnauthenticated, "")
}
