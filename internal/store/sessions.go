package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// APISession is a password session of the API kept in the store (several
// nodes: every node accepts it). Hash is the SHA-256 of the session id
// (HashToken); the id itself is only in the browser's cookie.
type APISession struct {
	Hash      string
	UserID    int64
	TenantID  *int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateAPISession stores a new session.
func (s *Store) CreateAPISession(ctx context.Context, a APISession) error {
	_, err := s.conn().exec(ctx, "INSERT INTO api_sessions (hash, user_id, tenant_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		a.Hash, a.UserID, nullInt64(a.TenantID), a.CSRF, ts(a.CreatedAt), ts(a.ExpiresAt))
	if err != nil {
		return fail(err, "create session of user %d", a.UserID)
	}
	return nil
}

// APISessionUser returns the session whose id hashes to hash, expired or
// not (the caller checks ExpiresAt), with its user as it is now, in one
// query; ErrNotFound when there is none.
func (s *Store) APISessionUser(ctx context.Context, hash string) (APISession, model.User, error) {
	var (
		a              APISession
		u              model.User
		tenant         sql.NullInt64
		uTenant, agent sql.NullInt64
	)
	err := s.conn().queryRow(ctx, "SELECT s.hash, s.user_id, s.tenant_id, s.csrf, s.created_at, s.expires_at, "+
		"u.id, u.tenant_id, u.login, u.display_name, u.role, u.agent_id, u.password_hash, u.created_at, u.disabled "+
		"FROM api_sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?", hash).
		Scan(&a.Hash, &a.UserID, &tenant, &a.CSRF, &a.CreatedAt, &a.ExpiresAt,
			&u.ID, &uTenant, &u.Login, &u.DisplayName, &u.Role, &agent, &u.PasswordHash, &u.CreatedAt, &u.Disabled)
	if err != nil {
		return APISession{}, model.User{}, fail(err, "read session")
	}
	a.TenantID = int64Ptr(tenant)
	a.CreatedAt, a.ExpiresAt = a.CreatedAt.UTC(), a.ExpiresAt.UTC()
	u.TenantID, u.AgentID = int64Ptr(uTenant), int64Ptr(agent)
	u.CreatedAt = u.CreatedAt.UTC()
	return a, u, nil
}

// DeleteAPISession removes a session (signed out); none is not an error.
func (s *Store) DeleteAPISession(ctx context.Context, hash string) error {
	if _, err := s.conn().exec(ctx, "DELETE FROM api_sessions WHERE hash = ?", hash); err != nil {
		return fail(err, "delete session")
	}
	return nil
}

// DeleteUserAPISessions removes a user's sessions but the one whose hash is
// keep ("" keeps none).
func (s *Store) DeleteUserAPISessions(ctx context.Context, userID int64, keep string) error {
	if _, err := s.conn().exec(ctx, "DELETE FROM api_sessions WHERE user_id = ? AND hash <> ?", userID, keep); err != nil {
		return fail(err, "delete the sessions of user %d", userID)
	}
	return nil
}

// DeleteExpiredAPISessions removes the sessions expired at now.
func (s *Store) DeleteExpiredAPISessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.conn().exec(ctx, "DELETE FROM api_sessions WHERE expires_at <= ?", ts(now))
	if err != nil {
		return 0, fail(err, "delete expired sessions")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fail(err, "delete expired sessions")
	}
	return n, nil
}
