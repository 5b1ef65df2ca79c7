package store

import (
	"crypto/md5"
	"encoding/hex"
	"testing"
)

func TestSIPAccounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "sipa")
		b := newFixture(t, s, "sipb")
		_, err := s.FindSIPAccount(ctx, "amina")
		wantErr(t, err, ErrNotFound, "unknown username")
		noErr(t, s.SetSIPAccount(ctx, a.tenant.ID, a.agent.ID, "amina", "plateau", "s3cret-pass"), "set")
		acc, err := s.FindSIPAccount(ctx, "amina")
		noErr(t, err, "find")
		sum := md5.Sum([]byte("amina:plateau:s3cret-pass"))
		if acc.TenantID != a.tenant.ID || acc.AgentID != a.agent.ID || acc.Realm != "plateau" || acc.HA1MD5 != hex.EncodeToString(sum[:]) || len(acc.HA1SHA256) != 64 {
			t.Fatalf("account = %+v", acc)
		}
		// Replacing keeps one account per agent.
		noErr(t, s.SetSIPAccount(ctx, a.tenant.ID, a.agent.ID, "amina2", "plateau", "another-pass"), "replace")
		_, err = s.FindSIPAccount(ctx, "amina")
		wantErr(t, err, ErrNotFound, "old username")
		// Usernames are unique across tenants; agents are scoped by tenant.
		wantErr(t, s.SetSIPAccount(ctx, b.tenant.ID, b.agent.ID, "amina2", "plateau", "s3cret-pass"), ErrConflict, "taken username")
		wantErr(t, s.SetSIPAccount(ctx, b.tenant.ID, a.agent.ID, "other", "plateau", "s3cret-pass"), ErrNotFound, "other tenant's agent")
		wantErr(t, s.SetSIPAccount(ctx, a.tenant.ID, a.agent.ID, "bad name", "plateau", "s3cret-pass"), ErrInvalid, "bad username")
		wantErr(t, s.SetSIPAccount(ctx, a.tenant.ID, a.agent.ID, "ok", "plateau", "short"), ErrInvalid, "short password")
		wantErr(t, s.DeleteSIPAccount(ctx, b.tenant.ID, a.agent.ID), ErrNotFound, "delete from other tenant")
		// Deleting the agent deletes its account.
		noErr(t, s.DeleteAgent(ctx, a.tenant.ID, a.agent.ID), "delete agent")
		_, err = s.FindSIPAccount(ctx, "amina2")
		wantErr(t, err, ErrNotFound, "account of deleted agent")
	})
}

func TestTenantLanguage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "lang")
		lang, err := s.TenantLanguage(ctx, f.tenant.ID)
		noErr(t, err, "default")
		if lang != LanguageFrench {
			t.Fatalf("default language %q", lang)
		}
		noErr(t, s.SetTenantLanguage(ctx, f.tenant.ID, LanguageEnglish), "set en")
		if lang, _ = s.TenantLanguage(ctx, f.tenant.ID); lang != LanguageEnglish {
			t.Fatalf("language %q", lang)
		}
		wantErr(t, s.SetTenantLanguage(ctx, f.tenant.ID, "de"), ErrInvalid, "unknown language")
		wantErr(t, s.SetTenantLanguage(ctx, f.tenant.ID+1000, "en"), ErrNotFound, "unknown tenant")
	})
}
