package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// Sessions kept in the store: read back as written, deleted one by one,
// per user but one, when expired, and with their user.
func TestAPISessions(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: "sup", DisplayName: "Sup", Role: model.RoleSupervisor})
		if err != nil {
			t.Fatal(err)
		}
		admin, err := st.CreateUser(ctx, nil, model.User{Login: "root", DisplayName: "Root", Role: model.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 4, 9, 0, 0, 123456000, time.UTC)
		mk := func(hash string, user int64, tenant *int64, ttl time.Duration) store.APISession {
			a := store.APISession{Hash: hash, UserID: user, TenantID: tenant, CSRF: "csrf-" + hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
			if err := st.CreateAPISession(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		a1 := mk("h1", u.ID, &ten.ID, time.Hour)
		mk("h2", u.ID, &ten.ID, time.Hour)
		mk("h3", u.ID, &ten.ID, time.Minute)
		root := mk("h4", admin.ID, nil, time.Hour)
		got, gu, err := st.APISessionUser(ctx, "h1")
		if err != nil || got.UserID != a1.UserID || got.TenantID == nil || *got.TenantID != ten.ID || got.CSRF != a1.CSRF ||
			!got.CreatedAt.Equal(a1.CreatedAt) || !got.ExpiresAt.Equal(a1.ExpiresAt) {
			t.Fatalf("read back %+v %v, wrote %+v", got, err, a1)
		}
		if want, _ := st.GetUser(ctx, &ten.ID, u.ID); gu.ID != u.ID || gu.Login != "sup" || gu.TenantID == nil || *gu.TenantID != ten.ID ||
			gu.Role != model.RoleSupervisor || gu.PasswordHash != want.PasswordHash || !gu.CreatedAt.Equal(want.CreatedAt) || gu.Disabled {
			t.Fatalf("the session's user %+v, want %+v", gu, want)
		}
		if got, gu, err := st.APISessionUser(ctx, "h4"); err != nil || got.TenantID != nil || got.UserID != root.UserID || gu.TenantID != nil || gu.Login != "root" {
			t.Fatalf("platform session %+v %+v %v", got, gu, err)
		}
		if err := st.CreateAPISession(ctx, a1); !errors.Is(err, store.ErrConflict) {
			t.Errorf("same hash twice: %v", err)
		}
		if n, err := st.DeleteExpiredAPISessions(ctx, now.Add(2*time.Minute)); err != nil || n != 1 {
			t.Errorf("expired: %d %v", n, err)
		}
		if err := st.DeleteUserAPISessions(ctx, u.ID, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.APISessionUser(ctx, "h2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("h2 after its user's others were deleted: %v", err)
		}
		if _, _, err := st.APISessionUser(ctx, "h1"); err != nil {
			t.Errorf("the kept one: %v", err)
		}
		if err := st.DeleteAPISession(ctx, "h4"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.APISessionUser(ctx, "h4"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("h4 after delete: %v", err)
		}
		if err := st.DeleteUser(ctx, &ten.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.APISessionUser(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("h1 after its user was deleted: %v", err)
		}
	})
}
