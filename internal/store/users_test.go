package store

import (
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestUsersAndPasswords(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID

		admin, err := s.CreateUser(ctx, nil, model.User{Login: "root", DisplayName: "Platform", Role: model.RoleAdmin})
		noErr(t, err, "platform admin")
		if admin.TenantID != nil {
			t.Fatalf("platform admin has tenant %v", *admin.TenantID)
		}
		_, err = s.CreateUser(ctx, nil, model.User{Login: "sup", DisplayName: "Sup", Role: model.RoleSupervisor})
		wantErr(t, err, ErrInvalid, "tenantless supervisor")
		agentUser, err := s.CreateUser(ctx, &tid, model.User{Login: "Amina.B", DisplayName: "Amina", Role: model.RoleAgent, AgentID: &f.agent.ID})
		noErr(t, err, "agent user")
		if agentUser.Login != "amina.b" {
			t.Errorf("login not lower-cased: %q", agentUser.Login)
		}

		_, err = s.CheckPassword(ctx, "amina.b", "whatever123")
		wantErr(t, err, ErrInvalidCredentials, "no password yet")
		noErr(t, s.SetPassword(ctx, &tid, agentUser.ID, "correct horse battery"), "set password")
		noErr(t, s.SetPassword(ctx, nil, admin.ID, "platform secret"), "set admin password")

		got, err := s.CheckPassword(ctx, "AMINA.B", "correct horse battery")
		noErr(t, err, "right password")
		if got.ID != agentUser.ID || got.AgentID == nil || *got.AgentID != f.agent.ID {
			t.Errorf("signed in as %+v", got)
		}
		if !strings.HasPrefix(got.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("hash %q is not argon2id PHC", got.PasswordHash)
		}
		_, err = s.CheckPassword(ctx, "amina.b", "correct horse batterY")
		wantErr(t, err, ErrInvalidCredentials, "wrong password")
		_, err = s.CheckPassword(ctx, "nobody", "correct horse battery")
		wantErr(t, err, ErrInvalidCredentials, "unknown login")
		if _, err := s.CheckPassword(ctx, "root", "platform secret"); err != nil {
			t.Errorf("admin sign-in: %v", err)
		}

		// List, update, delete in both scopes.
		users, err := s.ListUsers(ctx, &tid)
		noErr(t, err, "list tenant users")
		platform, err := s.ListUsers(ctx, nil)
		noErr(t, err, "list platform users")
		if len(users) != 1 || len(platform) != 1 || platform[0].ID != admin.ID {
			t.Fatalf("users %+v platform %+v", users, platform)
		}
		_, err = s.GetUser(ctx, nil, agentUser.ID)
		wantErr(t, err, ErrNotFound, "tenant user in platform scope")
		agentUser.DisplayName = "Amina B."
		agentUser.Role = model.RoleSupervisor
		agentUser.AgentID = nil
		noErr(t, s.UpdateUser(ctx, &tid, agentUser), "update user")
		got, err = s.GetUser(ctx, &tid, agentUser.ID)
		noErr(t, err, "get user")
		if got.Role != model.RoleSupervisor || got.AgentID != nil || got.DisplayName != "Amina B." {
			t.Errorf("after update %+v", got)
		}
		if _, err := s.CheckPassword(ctx, "amina.b", "correct horse battery"); err != nil {
			t.Errorf("password lost by update: %v", err)
		}
		noErr(t, s.DeleteUser(ctx, &tid, agentUser.ID), "delete user")
		_, err = s.CheckPassword(ctx, "amina.b", "correct horse battery")
		wantErr(t, err, ErrInvalidCredentials, "deleted user")
	})
}

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	good, err := hashPassword("secret pass")
	noErr(t, err, "hash")
	tests := []struct {
		name, hash string
		ok         bool
		wantErr    bool
	}{
		{"good", good, true, false},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", false, true},
		{"bad version", strings.Replace(good, "v=19", "v=16", 1), false, true},
		{"huge memory", strings.Replace(good, "m=19456", "m=99999999", 1), false, true},
		{"bad salt", strings.Replace(good, "$m=19456,t=2,p=1$", "$m=19456,t=2,p=1$!!!", 1), false, true},
		{"empty", "", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := verifyPassword(tc.hash, "secret pass")
			if ok != tc.ok || (err != nil) != tc.wantErr {
				t.Fatalf("verify: ok=%v err=%v, want ok=%v err=%v", ok, err, tc.ok, tc.wantErr)
			}
		})
	}
	other, err := hashPassword("secret pass")
	noErr(t, err, "hash again")
	if other == good {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return clock }

		tok, plain, err := s.CreateToken(ctx, &tid, "reporting")
		noErr(t, err, "create token")
		if !strings.HasPrefix(plain, TokenPrefix) || len(plain) != len(TokenPrefix)+43 {
			t.Fatalf("plaintext %q", plain)
		}
		if tok.Hash != HashToken(plain) || strings.Contains(tok.Hash, plain) || tok.LastUsedAt != nil {
			t.Fatalf("token %+v", tok)
		}
		platformTok, platformPlain, err := s.CreateToken(ctx, nil, "ops")
		noErr(t, err, "platform token")

		clock = clock.Add(time.Hour)
		got, err := s.LookupToken(ctx, plain)
		noErr(t, err, "lookup")
		if got.ID != tok.ID || got.TenantID == nil || *got.TenantID != tid || got.LastUsedAt == nil || !got.LastUsedAt.Equal(clock) {
			t.Fatalf("lookup: %+v", got)
		}
		got, err = s.LookupToken(ctx, platformPlain)
		noErr(t, err, "lookup platform")
		if got.ID != platformTok.ID || got.TenantID != nil {
			t.Fatalf("lookup platform: %+v", got)
		}
		_, err = s.LookupToken(ctx, plain+"x")
		wantErr(t, err, ErrNotFound, "wrong token")
		_, err = s.LookupToken(ctx, tok.Hash)
		wantErr(t, err, ErrNotFound, "hash used as token")

		list, err := s.ListTokens(ctx, &tid)
		noErr(t, err, "list")
		if len(list) != 1 || list[0].LastUsedAt == nil {
			t.Fatalf("list: %+v", list)
		}
		noErr(t, s.DeleteToken(ctx, &tid, tok.ID), "revoke")
		_, err = s.LookupToken(ctx, plain)
		wantErr(t, err, ErrNotFound, "revoked token")
		wantErr(t, s.DeleteToken(ctx, nil, tok.ID), ErrNotFound, "revoke twice")
	})
}
