package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "plateau_session"

// CSRFHeader carries the session's CSRF token on state-changing requests
// authenticated by cookie.
const CSRFHeader = "X-CSRF-Token"

// principal is who is calling.
type principal struct {
	// TenantID is nil for platform admins.
	TenantID *int64
	Role     model.Role
	// User is set for a session, Token for a bearer token.
	User    *model.User
	Token   *model.APIToken
	session *session
}

func (p *principal) platformAdmin() bool { return p.TenantID == nil && p.Role == model.RoleAdmin }

// inTenant reports whether the principal may see tenant tid at all.
func (p *principal) inTenant(tid int64) bool {
	return p.platformAdmin() || (p.TenantID != nil && *p.TenantID == tid)
}

func (p *principal) describe() string {
	if p.User != nil {
		return fmt.Sprintf("user %d (%s)", p.User.ID, p.User.Login)
	}
	if p.Token != nil {
		return fmt.Sprintf("token %d (%s)", p.Token.ID, p.Token.Name)
	}
	return "anonymous"
}

// access is who may call a route.
type access int

const (
	// accessPublic: no credential needed.
	accessPublic access = iota
	// accessAny: any valid credential.
	accessAny
	// accessPlatform: platform admins.
	accessPlatform
	// accessAdmin: platform admins and admins of a tenant; routes without
	// {tid} scope the request to the caller's tenant themselves.
	accessAdmin
	// accessTenantAdmin: platform admins and admins of {tid}.
	accessTenantAdmin
	// accessTenantConfig: also supervisors of {tid} (read-only routes,
	// planning and supervisor actions).
	accessTenantConfig
	// accessTenantInteractions: also client viewers of {tid} (read-only routes).
	accessTenantInteractions
	// accessTenantBilling: platform admins, admins and client viewers of
	// {tid}, not supervisors (a brand's invoices, read only).
	accessTenantBilling
)

// roles lists who may call, for the OpenAPI document.
func (ac access) roles() []string {
	switch ac {
	case accessPublic:
		return []string{"anonymous"}
	case accessAny:
		return []string{"platform_admin", "admin", "supervisor", "agent", "client_viewer"}
	case accessPlatform:
		return []string{"platform_admin"}
	case accessAdmin, accessTenantAdmin:
		return []string{"platform_admin", "admin"}
	case accessTenantConfig:
		return []string{"platform_admin", "admin", "supervisor"}
	case accessTenantInteractions:
		return []string{"platform_admin", "admin", "supervisor", "client_viewer"}
	case accessTenantBilling:
		return []string{"platform_admin", "admin", "client_viewer"}
	}
	return nil
}

// tenantScoped reports whether the route's {tid} must be the caller's tenant.
func (ac access) tenantScoped() bool {
	return ac == accessTenantAdmin || ac == accessTenantConfig || ac == accessTenantInteractions || ac == accessTenantBilling
}

// authorize checks p against ac for tenant tid (0 when the path has none).
// Another tenant's data is reported as not found.
func (ac access) authorize(p *principal, tid int64) error {
	if ac == accessPublic || ac == accessAny {
		return nil
	}
	if p.platformAdmin() {
		return nil
	}
	if ac.tenantScoped() && !p.inTenant(tid) {
		return apiErr(CodeNotFound, "no such tenant")
	}
	allowed := false
	switch ac {
	case accessAdmin, accessTenantAdmin:
		allowed = p.Role == model.RoleAdmin
	case accessTenantConfig:
		allowed = p.Role == model.RoleAdmin || p.Role == model.RoleSupervisor
	case accessTenantInteractions:
		allowed = p.Role == model.RoleAdmin || p.Role == model.RoleSupervisor || p.Role == model.RoleClientViewer
	case accessTenantBilling:
		allowed = p.Role == model.RoleAdmin || p.Role == model.RoleClientViewer
	}
	if !allowed {
		return apiErr(CodeForbidden, "role %q may not do this", p.Role)
	}
	return nil
}

// authenticate finds the caller from a bearer token or the session cookie.
// A request with neither, or with an invalid one, is unauthenticated.
func (a *API) authenticate(ctx context.Context, r *http.Request) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, apiErr(CodeUnauthenticated, "the Authorization header must be \"Bearer <token>\"")
		}
		t, err := a.st.LookupToken(ctx, strings.TrimSpace(tok))
		if errors.Is(err, store.ErrNotFound) {
			return nil, apiErr(CodeUnauthenticated, "unknown or revoked API token")
		}
		if err != nil {
			return nil, fmt.Errorf("authenticate token: %w", err)
		}
		// A token acts as an admin: of the platform without tenant, of its
		// tenant with one.
		return &principal{TenantID: t.TenantID, Role: model.RoleAdmin, Token: &t}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, apiErr(CodeUnauthenticated, "sign in (POST /api/v1/login) or send an Authorization: Bearer token")
	}
	s, err := a.sessions.get(ctx, c.Value)
	if err != nil {
		return nil, fmt.Errorf("authenticate session: %w", err)
	}
	if s == nil {
		return nil, apiErr(CodeUnauthenticated, "the session has expired or was closed: sign in again")
	}
	// Reload the user, so that a deleted user or a changed role takes
	// effect at once (shared sessions read it with the session).
	var u model.User
	if s.user != nil {
		u = *s.user
	} else {
		u, err = a.st.GetUser(ctx, s.tenantID, s.userID)
	}
	if errors.Is(err, store.ErrNotFound) {
		if err := a.sessions.delete(ctx, c.Value); err != nil {
			return nil, fmt.Errorf("authenticate session: %w", err)
		}
		return nil, apiErr(CodeUnauthenticated, "the session's user no longer exists")
	}
	if err == nil && u.Disabled {
		if err := a.sessions.delete(ctx, c.Value); err != nil {
			return nil, fmt.Errorf("authenticate session: %w", err)
		}
		return nil, apiErr(CodeUnauthenticated, "the session's user is disabled")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate session: %w", err)
	}
	return &principal{TenantID: u.TenantID, Role: u.Role, User: &u, session: s}, nil
}

// checkCSRF requires the session's CSRF token on state-changing requests
// authenticated by cookie; token-authenticated requests cannot be forged by
// a browser and need none.
func checkCSRF(r *http.Request, p *principal) error {
	if p == nil || p.session == nil {
		return nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		return apiErr(CodeCSRFFailed, "missing %s header (the csrf_token returned by login or /me)", CSRFHeader)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(p.session.csrf)) != 1 {
		return apiErr(CodeCSRFFailed, "the %s header does not match the session", CSRFHeader)
	}
	return nil
}

// session is a signed-in user.
type session struct {
	id       string
	userID   int64
	tenantID *int64
	csrf     string
	expires  time.Time
	// user is the session's user read with it (shared sessions), nil when
	// it is to be read.
	user *model.User
}

// sessionStore keeps sessions in memory (one node): they do not survive a
// restart. Several nodes share theirs in the store (sharedSessions).
type sessionStore struct {
	mu        sync.Mutex
	byID      map[string]*session
	now       func() time.Time
	ttl       time.Duration
	lastSweep time.Time
}

func newSessionStore(now func() time.Time, ttl time.Duration) *sessionStore {
	return &sessionStore{byID: make(map[string]*session), now: now, ttl: ttl}
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// create opens a session for u.
func (s *sessionStore) create(_ context.Context, u model.User) (*session, error) {
	id, err := randomToken(32)
	if err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	csrf, err := randomToken(32)
	if err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	now := s.now()
	sess := &session{id: id, userID: u.ID, tenantID: u.TenantID, csrf: csrf, expires: now.Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) >= time.Minute {
		for k, v := range s.byID {
			if !now.Before(v.expires) {
				delete(s.byID, k)
			}
		}
		s.lastSweep = now
	}
	s.byID[id] = sess
	return sess, nil
}

// get returns a live session, nil when none.
func (s *sessionStore) get(_ context.Context, id string) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return nil, nil
	}
	if !s.now().Before(sess.expires) {
		delete(s.byID, id)
		return nil, nil
	}
	return sess, nil
}

func (s *sessionStore) delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
	return nil
}

// deleteUser closes every session of a user except keep (may be "").
func (s *sessionStore) deleteUser(_ context.Context, userID int64, keep string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.byID {
		if v.userID == userID && k != keep {
			delete(s.byID, k)
		}
	}
	return nil
}

func (s *sessionStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// sessionCookie returns the cookie carrying id (maxAge < 0 deletes it).
func (a *API) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   a.secure,
		SameSite: http.SameSiteStrictMode,
	}
}
