package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/sip"
)

// TestSIPSetupSeesAPIChange: the SIP server keeps the entry point each
// call setup reads; a change made through the API reaches it, so the next
// INVITE after a renumbering is refused on the old number and answered on
// the new one.
func TestSIPSetupSeesAPIChange(t *testing.T) {
	t.Parallel()
	srv, fx := startSeeded(t, func(c *Config) { c.SIP.Addr = "127.0.0.1:0" })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	q, err := srv.Store.CreateQueue(ctx, fx.tenant, model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 10})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := srv.Store.CreateEntryPoint(ctx, fx.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "1000", QueueID: q.ID})
	if err != nil {
		t.Fatal(err)
	}
	phone, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: srv.SIP.Addr().String(), Username: "+33612345678", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	call, err := phone.Dial(ctx, "1000")
	if err != nil {
		t.Fatalf("dial 1000: %v", err)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}

	ep.Address = "2000"
	body, _ := json.Marshal(ep)
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("http://%s/api/v1/tenants/%d/entry-points/%d", srv.Addr(), fx.tenant, ep.ID), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fx.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("renumber: %d %s", resp.StatusCode, b)
	}
	if _, err := phone.Dial(ctx, "1000"); err == nil {
		t.Fatal("the old number was answered after the API renumbered its entry point")
	}
	call, err = phone.Dial(ctx, "2000")
	if err != nil {
		t.Fatalf("dial the new number: %v", err)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
}
