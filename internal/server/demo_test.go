package server

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/plateau-cc/plateau/internal/store"
)

func TestSeedDemoTwice(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first, err := SeedDemo(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Users) != 8 || first.AdminToken == "" {
		t.Fatalf("demo: %d users, token %q", len(first.Users), first.AdminToken)
	}
	again, err := SeedDemo(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if again.Tenant.ID != first.Tenant.ID || len(again.Users) != 8 {
		t.Fatalf("second seed made another tenant or lost users: %+v", again)
	}
	for _, u := range again.Users {
		if _, err := st.CheckPassword(ctx, u.Login, u.Password); err != nil {
			t.Errorf("%s cannot log in with the printed password: %v", u.Login, err)
		}
	}
	if _, err := st.CheckPassword(ctx, first.Users[0].Login, first.Users[0].Password); err == nil {
		t.Error("the old password still works after a new seed")
	}
	if _, err := st.LookupToken(ctx, again.AdminToken); err != nil {
		t.Errorf("admin token: %v", err)
	}
}
