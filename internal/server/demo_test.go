package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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

// The demo's bots set to 10-minute handle times never end a call within
// seconds of answering it.
func TestBotHandleTimesHaveNoShortTail(t *testing.T) {
	const mean = 10 * time.Minute
	next := BotHandleTimes(mean)
	var sum time.Duration
	short := 0
	const n = 20000
	for range n {
		d := next()
		sum += d
		if d < mean/2 {
			short++
		}
	}
	if short > 0 {
		t.Errorf("%d of %d handle times under %v (mean %v)", short, n, mean/2, mean)
	}
	if avg := sum / n; avg < mean*98/100 || avg > mean*102/100 {
		t.Errorf("mean handle time %v, want %v", avg, mean)
	}
}
