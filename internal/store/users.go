package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
)

// Users are scoped by a *int64 tenant: nil addresses the platform
// administrators (users without tenant), a tenant id that tenant's users.
// Logins are unique across the deployment and case-insensitive (stored in
// lower case).

const userCols = "id, tenant_id, login, display_name, role, agent_id, password_hash, created_at, disabled, pseudonym"

func scanUser(r scanner) (model.User, error) {
	var (
		u               model.User
		tenant, agentID sql.NullInt64
	)
	err := r.Scan(&u.ID, &tenant, &u.Login, &u.DisplayName, &u.Role, &agentID, &u.PasswordHash, &u.CreatedAt, &u.Disabled, &u.Pseudonym)
	u.TenantID = int64Ptr(tenant)
	u.AgentID = int64Ptr(agentID)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// tenantScope is the WHERE condition selecting a tenant's rows, or the
// platform's rows (tenant_id IS NULL) for a nil tenant.
func tenantScope(tenantID *int64) (string, []any) {
	if tenantID == nil {
		return "tenant_id IS NULL", nil
	}
	return "tenant_id = ?", []any{*tenantID}
}

// CreateUser stores a new user of the tenant (nil: a platform admin). The
// password is set apart with SetPassword; until then the user cannot sign
// in. A duplicate login is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, tenantID *int64, u model.User) (model.User, error) {
	u.TenantID = tenantID
	if err := u.Validate(); err != nil {
		return model.User{}, invalidInput(err, "create user")
	}
	u.Login = strings.ToLower(u.Login)
	u.CreatedAt = ts(s.now())
	u.PasswordHash = ""
	id, err := s.conn().insert(ctx, "INSERT INTO users (tenant_id, login, display_name, role, agent_id, password_hash, created_at, disabled, pseudonym) VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
		nullInt64(tenantID), u.Login, u.DisplayName, u.Role, nullInt64(u.AgentID), u.CreatedAt, u.Disabled, u.Pseudonym)
	if err != nil {
		return model.User{}, fail(err, "create user %q", u.Login)
	}
	u.ID = id
	return u, nil
}

// GetUser returns one of the tenant's users.
func (s *Store) GetUser(ctx context.Context, tenantID *int64, id int64) (model.User, error) {
	cond, args := tenantScope(tenantID)
	u, err := scanUser(s.conn().queryRow(ctx, "SELECT "+userCols+" FROM users WHERE "+cond+" AND id = ?", append(args, id)...))
	if err != nil {
		return model.User{}, fail(err, "get user %d", id)
	}
	return u, nil
}

// ListUsers returns the tenant's users, by id.
func (s *Store) ListUsers(ctx context.Context, tenantID *int64) ([]model.User, error) {
	cond, args := tenantScope(tenantID)
	rows, err := s.conn().query(ctx, "SELECT "+userCols+" FROM users WHERE "+cond+" ORDER BY id", args...)
	if err != nil {
		return nil, fail(err, "list users")
	}
	out, err := collect(rows, scanUser)
	if err != nil {
		return nil, fail(err, "list users")
	}
	return out, nil
}

// UpdateUser changes one of the tenant's users' login, display name,
// pseudonym, role, agent and disabled flag (u.ID names it); the tenant is not changed, and
// the password only by disabling, which clears it.
func (s *Store) UpdateUser(ctx context.Context, tenantID *int64, u model.User) error {
	u.TenantID = tenantID
	if err := u.Validate(); err != nil {
		return invalidInput(err, "update user %d", u.ID)
	}
	cond, args := tenantScope(tenantID)
	clear := ""
	if u.Disabled {
		clear = ", password_hash = ''"
	}
	err := s.conn().execOne(ctx, "UPDATE users SET login = ?, display_name = ?, pseudonym = ?, role = ?, agent_id = ?, disabled = ?"+clear+" WHERE "+cond+" AND id = ?",
		append([]any{strings.ToLower(u.Login), u.DisplayName, u.Pseudonym, u.Role, nullInt64(u.AgentID), u.Disabled}, append(args, u.ID)...)...)
	if err != nil {
		return fail(err, "update user %d", u.ID)
	}
	return nil
}

// SetPseudonym sets the pseudonym of one of the tenant's users (""
// clears it: customers see the first name); model.CheckPseudonym checks it.
func (s *Store) SetPseudonym(ctx context.Context, tenantID *int64, userID int64, pseudonym string) error {
	if err := model.CheckPseudonym(pseudonym); err != nil {
		return invalidInput(err, "set pseudonym of user %d", userID)
	}
	cond, args := tenantScope(tenantID)
	if err := s.conn().execOne(ctx, "UPDATE users SET pseudonym = ? WHERE "+cond+" AND id = ?", append([]any{pseudonym}, append(args, userID)...)...); err != nil {
		return fail(err, "set pseudonym of user %d", userID)
	}
	return nil
}

// DeleteUser removes one of the tenant's users.
func (s *Store) DeleteUser(ctx context.Context, tenantID *int64, id int64) error {
	cond, args := tenantScope(tenantID)
	if err := s.conn().execOne(ctx, "DELETE FROM users WHERE "+cond+" AND id = ?", append(args, id)...); err != nil {
		return failDelete(err, "delete user %d", id)
	}
	return nil
}

// SetPassword hashes password with argon2id and stores it for one of the
// tenant's users.
func (s *Store) SetPassword(ctx context.Context, tenantID *int64, userID int64, password string) error {
	if err := model.ValidatePassword(password); err != nil {
		return invalidInput(err, "set password of user %d", userID)
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	cond, args := tenantScope(tenantID)
	if err := s.conn().execOne(ctx, "UPDATE users SET password_hash = ? WHERE "+cond+" AND id = ?", append([]any{hash}, append(args, userID)...)...); err != nil {
		return fail(err, "set password of user %d", userID)
	}
	return nil
}

// CheckPassword returns the user signing in with login and password. An
// unknown login, a user without password, a disabled user and a wrong
// password all give ErrInvalidCredentials, in about the same time.
func (s *Store) CheckPassword(ctx context.Context, login, password string) (model.User, error) {
	u, err := scanUser(s.conn().queryRow(ctx, "SELECT "+userCols+" FROM users WHERE login = ?", strings.ToLower(login)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (u.PasswordHash == "" || u.Disabled)) {
		burnPasswordCheck(password)
		return model.User{}, fmt.Errorf("check password of %q: %w", login, ErrInvalidCredentials)
	}
	if err != nil {
		return model.User{}, fail(err, "check password of %q", login)
	}
	ok, err := verifyPassword(u.PasswordHash, password)
	if err != nil {
		return model.User{}, fmt.Errorf("check password of %q: %w", login, err)
	}
	if !ok {
		return model.User{}, fmt.Errorf("check password of %q: %w", login, ErrInvalidCredentials)
	}
	return u, nil
}
