package loadtest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/server"
	"github.com/plateau-cc/plateau/internal/store"
)

func TestTargets(t *testing.T) {
	got, err := Targets("http://127.0.0.1:8080/, http://127.0.0.1:8081,https://b.example:443")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://127.0.0.1:8080", "http://127.0.0.1:8081", "https://b.example:443"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("targets %q, want %q", got, want)
	}
	for _, bad := range []string{"", "http://a:1,", "127.0.0.1:8080", "ws://a:1", "http://a:1/chat", "http://a:1,,http://b:2"} {
		if _, err := Targets(bad); err == nil || !strings.Contains(err.Error(), "--url") {
			t.Errorf("--url %q: err %v, want a clear refusal", bad, err)
		}
	}
}

// TestRunChatSpreadsOverTargets: with three servers in --url, customer i
// goes to server i mod 3; each server's share is reported, and the memory
// is the three servers' sum. The servers
// are real Plateau servers in this process, each on its own SQLite with
// the demo tenant (not a cluster: what is shown is the spreading).
func TestRunChatSpreadsOverTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var urls []string
	var entry string
	for range 3 {
		cfg := server.Defaults()
		cfg.HTTP, cfg.Data = "127.0.0.1:0", t.TempDir()
		cfg.ReportUpkeep = "off"
		var demo server.Demo
		srv, err := server.Open(ctx, cfg, slog.New(slog.DiscardHandler), func(ctx context.Context, st *store.Store) error {
			var err error
			demo, err = server.SeedDemo(ctx, st)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Run(runCtx) }()
		t.Cleanup(func() { stop(); <-done })
		urls = append(urls, "http://"+srv.Addr())
		entry = demo.EntryPoint // the same on each
	}
	res, err := RunChat(ctx, ChatConfig{BaseURL: strings.Join(urls, ","), Entry: entry, Customers: 31, Rate: 200,
		Hold: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Queued != 31 {
		t.Fatalf("queued %d, errors %d (%s)", res.Queued, res.Errors, res.FirstError)
	}
	if len(res.Targets) != 3 {
		t.Fatalf("targets %+v", res.Targets)
	}
	for i, tr := range res.Targets {
		want := 10 + boolInt(i == 0)
		if tr.URL != urls[i] || tr.Customers != want || tr.Queued != want || tr.ToPosition.N != want {
			t.Errorf("target %d: %+v, want %s with %d customers queued", i, tr, urls[i], want)
		}
	}
	if res.RSSBefore <= 0 || res.RSSPeak <= 0 {
		t.Errorf("memory %d -> %d", res.RSSBefore, res.RSSPeak)
	}
}
