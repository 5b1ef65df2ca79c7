package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/loadtest"
)

// TestChatLoadtest runs `plateau loadtest chat`'s engine against a real
// demo server: customers at a steady rate, bots created over the REST API
// answering them, memory read from /metrics, and the echo baseline.
func TestChatLoadtest(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	srv := startDemo(t, "--data", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := loadtest.RunChat(ctx, loadtest.ChatConfig{
		BaseURL: srv.base, Entry: "demo", Customers: 300, Rate: 150, Agents: 4, AdminToken: srv.token,
		Handle: 200 * time.Millisecond, Hold: 2 * time.Second, EchoBaseline: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Errors != 0 || res.Queued != 300 {
		t.Fatalf("queued %d of 300, %d errors (first: %s)", res.Queued, res.Errors, res.FirstError)
	}
	if res.Connected == 0 || res.ToConnected.N != res.Connected {
		t.Fatalf("no customer answered by the bots: %+v", res.ToConnected)
	}
	if res.ToPosition.N != 300 || res.ToPosition.P50 <= 0 || res.RSSPeak <= 0 || res.Echo.N != 300 {
		t.Fatalf("measurements missing: %+v", res)
	}
}
