package api

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// sessionKeeper keeps the password sessions: in this process's memory on
// one node (sessionStore), in the store with several (sharedSessions).
type sessionKeeper interface {
	create(ctx context.Context, u model.User) (*session, error)
	// get returns the live session of id, nil when there is none.
	get(ctx context.Context, id string) (*session, error)
	delete(ctx context.Context, id string) error
	// deleteUser closes a user's sessions but keep ("" keeps none).
	deleteUser(ctx context.Context, userID int64, keep string) error
}

// Revocation says that someone's access was removed on one node, for the
// other nodes of a cluster (Options.OnRevoke, API.Revoked): a session
// signed out, a user deleted, disabled or changed (its other sessions
// closed but Keep), an API token revoked. Sessions are named by the hash
// of their id (store.HashToken), never by the id itself.
type Revocation struct {
	Session  string `json:"session,omitempty"`
	TenantID int64  `json:"tenant_id,omitempty"`
	UserID   int64  `json:"user_id,omitempty"`
	Keep     string `json:"keep,omitempty"`
	Deleted  bool   `json:"deleted,omitempty"`
	TokenID  int64  `json:"token_id,omitempty"`
}

// Revoked applies a revocation made on another node: the open event
// streams check their credential at once (the shared sessions themselves
// are read from the store on every request: a sign-out is refused
// everywhere as soon as it is answered).
func (a *API) Revoked(Revocation) {
	a.revoked.fire()
}

// tellRevoked passes a revocation made here to the other nodes.
func (a *API) tellRevoked(ctx context.Context, r Revocation) {
	if a.onRevoke != nil {
		a.onRevoke(ctx, r)
	}
}

// hashOf is the hash a session id is stored and named by ("" for "").
func hashOf(id string) string {
	if id == "" {
		return ""
	}
	return store.HashToken(id)
}

// sharedSessions keeps sessions in the store (table api_sessions), so that
// every node accepts them. Nothing is cached: each request reads its
// session with its user in one query (APISessionUser), which replaces the
// user's read that one node makes, so a request costs the same query count
// and a sign-out or a password change is refused on every node as soon as
// it is answered.
type sharedSessions struct {
	st  *store.Store
	now func() time.Time
	ttl time.Duration

	mu        sync.Mutex
	lastSweep time.Time
}

func newSharedSessions(st *store.Store, now func() time.Time, ttl time.Duration) *sharedSessions {
	return &sharedSessions{st: st, now: now, ttl: ttl}
}

func (s *sharedSessions) create(ctx context.Context, u model.User) (*session, error) {
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
	if err := s.st.CreateAPISession(ctx, store.APISession{Hash: hashOf(id), UserID: u.ID, TenantID: u.TenantID, CSRF: csrf,
		CreatedAt: now, ExpiresAt: sess.expires}); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	s.mu.Lock()
	sweep := now.Sub(s.lastSweep) >= time.Minute
	if sweep {
		s.lastSweep = now
	}
	s.mu.Unlock()
	if sweep {
		if _, err := s.st.DeleteExpiredAPISessions(ctx, now); err != nil {
			return nil, fmt.Errorf("create session: %w", err)
		}
	}
	return sess, nil
}

func (s *sharedSessions) get(ctx context.Context, id string) (*session, error) {
	row, u, err := s.st.APISessionUser(ctx, hashOf(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !s.now().Before(row.ExpiresAt) {
		return nil, nil
	}
	return &session{id: id, userID: row.UserID, tenantID: row.TenantID, csrf: row.CSRF, expires: row.ExpiresAt, user: &u}, nil
}

func (s *sharedSessions) delete(ctx context.Context, id string) error {
	return s.st.DeleteAPISession(ctx, hashOf(id))
}

func (s *sharedSessions) deleteUser(ctx context.Context, userID int64, keep string) error {
	return s.st.DeleteUserAPISessions(ctx, userID, hashOf(keep))
}
