package server

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestDemoCommitmentsShowTheHistory: the demo tenant has the default
// commitments, and over a few days of seeded history the report measures
// the chat ones (service level, abandons, announced waits, callbacks,
// satisfaction, opening) while the phone ones, without calls, say so.
func TestDemoCommitmentsShowTheHistory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	demo, err := SeedDemo(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.ListCommitments(ctx, demo.Tenant.ID)
	if err != nil || len(list) != len(commitment.Defaults()) {
		t.Fatalf("demo commitments %d (%v), want the %d defaults", len(list), err, len(commitment.Defaults()))
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if _, err := PlayDemoHistory(ctx, st, demo.Tenant, 2, now, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	rep, err := (&commitment.Evaluator{St: st}).Report(ctx, demo.Tenant.ID, "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	measured := map[string]commitment.Line{}
	for _, l := range rep.Lines {
		if l.Status != commitment.StatusNoData {
			measured[string(l.Commitment.Kind)+"/"+string(l.Commitment.Channel)] = l
		}
		t.Logf("%-58s %-8s %d/%d", l.Commitment.Name, l.Status, l.Numerator, l.Denominator)
	}
	for _, k := range []string{"service_level/chat", "abandon_rate/", "announced_wait/", "callback/", "satisfaction/", "open_hours/"} {
		l, ok := measured[k]
		if !ok {
			t.Errorf("%s: no data over the demo's history", k)
			continue
		}
		if l.Denominator < 5 && k != "callback/" {
			t.Errorf("%s measured on %d only", k, l.Denominator)
		}
	}
	if _, ok := measured["service_level/voice"]; ok {
		t.Error("the demo plays no call, yet the phone service level has data")
	}
	if l := measured["open_hours/"]; l.Status != commitment.StatusMet || l.Denominator != 30 {
		t.Errorf("the demo is open 7/7: %+v", l)
	}
}
