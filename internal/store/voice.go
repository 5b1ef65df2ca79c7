package store

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
)

// SIPAccount is the digest identity an agent's phone registers with. The
// password itself is never stored: only HA1 = H(username:realm:password),
// with MD5 (RFC 2617) and SHA-256 (RFC 8760), which is what a digest check
// needs.
type SIPAccount struct {
	TenantID  int64
	AgentID   int64
	Username  string
	Realm     string
	HA1MD5    string // lower-case hex
	HA1SHA256 string // lower-case hex
}

// Limits on SIP credentials.
const (
	MinSIPPasswordLen = 8
	MaxSIPPasswordLen = 128
)

var sipUsernameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Languages of the spoken prompts a tenant may choose.
const (
	LanguageFrench  = "fr"
	LanguageEnglish = "en"
)

// DigestHA1 returns HA1 = hex(H(username ":" realm ":" password)) for H =
// MD5 and SHA-256.
func DigestHA1(username, realm, password string) (md5Hex, sha256Hex string) {
	s := username + ":" + realm + ":" + password
	m := md5.Sum([]byte(s))
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(m[:]), hex.EncodeToString(h[:])
}

// SetSIPAccount gives one of the tenant's agents SIP credentials (replacing
// any it had). Usernames are unique across tenants (a REGISTER names no
// tenant): a taken one is ErrConflict.
func (s *Store) SetSIPAccount(ctx context.Context, tenantID, agentID int64, username, realm, password string) error {
	if !sipUsernameRE.MatchString(username) {
		return fmt.Errorf("set SIP account of agent %d: %w: username must be 1-64 letters, digits, '.', '_' or '-'", agentID, ErrInvalid)
	}
	if len(password) < MinSIPPasswordLen || len(password) > MaxSIPPasswordLen {
		return fmt.Errorf("set SIP account of agent %d: %w: password must be %d-%d characters", agentID, ErrInvalid, MinSIPPasswordLen, MaxSIPPasswordLen)
	}
	if realm == "" {
		return fmt.Errorf("set SIP account of agent %d: %w: empty realm", agentID, ErrInvalid)
	}
	m, h := DigestHA1(username, realm, password)
	err := s.inTx(ctx, func(c conn) error {
		var n int
		if err := c.queryRow(ctx, "SELECT COUNT(*) FROM agents WHERE tenant_id = ? AND id = ?", tenantID, agentID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		_, err := c.exec(ctx, `INSERT INTO sip_accounts (agent_id, tenant_id, username, realm, ha1_md5, ha1_sha256) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (agent_id) DO UPDATE SET username = excluded.username, realm = excluded.realm,
			ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256`, agentID, tenantID, username, realm, m, h)
		return err
	})
	if err != nil {
		return fail(err, "set SIP account of agent %d", agentID)
	}
	return nil
}

// DeleteSIPAccount removes an agent's SIP credentials (its phone can no
// longer register).
func (s *Store) DeleteSIPAccount(ctx context.Context, tenantID, agentID int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM sip_accounts WHERE tenant_id = ? AND agent_id = ?", tenantID, agentID); err != nil {
		return fail(err, "delete SIP account of agent %d", agentID)
	}
	return nil
}

// FindSIPAccount returns the account of a SIP username, whatever its tenant.
func (s *Store) FindSIPAccount(ctx context.Context, username string) (SIPAccount, error) {
	var a SIPAccount
	err := s.conn().queryRow(ctx, "SELECT tenant_id, agent_id, username, realm, ha1_md5, ha1_sha256 FROM sip_accounts WHERE username = ?", username).
		Scan(&a.TenantID, &a.AgentID, &a.Username, &a.Realm, &a.HA1MD5, &a.HA1SHA256)
	if err != nil {
		return SIPAccount{}, fail(err, "find SIP account %q", username)
	}
	return a, nil
}

// TenantLanguage returns the language of the tenant's spoken prompts
// ("fr" unless set).
func (s *Store) TenantLanguage(ctx context.Context, tenantID int64) (string, error) {
	var lang string
	if err := s.conn().queryRow(ctx, "SELECT language FROM tenants WHERE id = ?", tenantID).Scan(&lang); err != nil {
		return "", fail(err, "language of tenant %d", tenantID)
	}
	return lang, nil
}

// SetTenantLanguage sets the language of the tenant's spoken prompts.
func (s *Store) SetTenantLanguage(ctx context.Context, tenantID int64, lang string) error {
	if lang != LanguageFrench && lang != LanguageEnglish {
		return fmt.Errorf("set language of tenant %d: %w: %q is not fr or en", tenantID, ErrInvalid, lang)
	}
	if err := s.conn().execOne(ctx, "UPDATE tenants SET language = ? WHERE id = ?", lang, tenantID); err != nil {
		return fail(err, "set language of tenant %d", tenantID)
	}
	return nil
}
