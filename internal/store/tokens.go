package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TokenPrefix starts every API token's plaintext, so that leaked tokens are
// easy to recognise (secret scanners) and to tell from other credentials.
const TokenPrefix = "plt_"

// lastUsedGranularity limits how often LookupToken writes last_used_at.
const lastUsedGranularity = time.Minute

const tokenCols = "id, tenant_id, name, hash, created_at, last_used_at"

func scanToken(r scanner) (model.APIToken, error) {
	var (
		t        model.APIToken
		tenant   sql.NullInt64
		lastUsed sql.NullTime
	)
	err := r.Scan(&t.ID, &tenant, &t.Name, &t.Hash, &t.CreatedAt, &lastUsed)
	t.TenantID = int64Ptr(tenant)
	t.LastUsedAt = timePtr(lastUsed)
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// CreateToken makes an API token for the tenant (nil: a platform token) and
// returns it with its plaintext, which is not stored and cannot be shown again.
func (s *Store) CreateToken(ctx context.Context, tenantID *int64, name string) (model.APIToken, string, error) {
	t := model.APIToken{TenantID: tenantID, Name: name, CreatedAt: ts(s.now())}
	if err := t.Validate(); err != nil {
		return model.APIToken{}, "", invalidInput(err, "create token")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return model.APIToken{}, "", fmt.Errorf("create token %q: read random bytes: %w", name, err)
	}
	plaintext := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	t.Hash = HashToken(plaintext)
	id, err := s.conn().insert(ctx, "INSERT INTO api_tokens (tenant_id, name, hash, created_at) VALUES (?, ?, ?, ?)",
		nullInt64(tenantID), t.Name, t.Hash, t.CreatedAt)
	if err != nil {
		return model.APIToken{}, "", fail(err, "create token %q", name)
	}
	t.ID = id
	return t, plaintext, nil
}

// LookupToken returns the token whose plaintext is given, recording its use
// (at most once a minute); an unknown token is ErrNotFound. The plaintext
// names its tenant, so no tenant is passed.
func (s *Store) LookupToken(ctx context.Context, plaintext string) (model.APIToken, error) {
	if !strings.HasPrefix(plaintext, TokenPrefix) {
		return model.APIToken{}, fmt.Errorf("look up token: %w", ErrNotFound)
	}
	c := s.conn()
	t, err := scanToken(c.queryRow(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE hash = ?", HashToken(plaintext)))
	if err != nil {
		return model.APIToken{}, fail(err, "look up token")
	}
	now := ts(s.now())
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastUsedGranularity {
		if _, err := c.exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, t.ID); err != nil {
			return model.APIToken{}, fail(err, "record use of token %d", t.ID)
		}
		t.LastUsedAt = &now
	}
	return t, nil
}

// ListTokens returns the tenant's tokens (nil: platform tokens), by id.
func (s *Store) ListTokens(ctx context.Context, tenantID *int64) ([]model.APIToken, error) {
	cond, args := tenantScope(tenantID)
	rows, err := s.conn().query(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE "+cond+" ORDER BY id", args...)
	if err != nil {
		return nil, fail(err, "list tokens")
	}
	out, err := collect(rows, scanToken)
	if err != nil {
		return nil, fail(err, "list tokens")
	}
	return out, nil
}

// DeleteToken revokes one of the tenant's tokens.
func (s *Store) DeleteToken(ctx context.Context, tenantID *int64, id int64) error {
	cond, args := tenantScope(tenantID)
	if err := s.conn().execOne(ctx, "DELETE FROM api_tokens WHERE "+cond+" AND id = ?", append(args, id)...); err != nil {
		return failDelete(err, "delete token %d", id)
	}
	return nil
}
