package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestReportCommand: plateau report prints a day's queue figures from a
// database (table and CSV) and rebuild recomputes the rollups to the same.
func TestReportCommand(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "p.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "support", Channel: model.ChannelChat, SLTargetPct: 80, SLThresholdSeconds: 20,
		Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 10})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	for i, why := range []model.EndedReason{model.EndAbandoned, model.EndAbandoned, model.EndRejected} {
		id, err := st.CreateInteraction(ctx, ten.ID, model.Interaction{QueueID: q.ID, Channel: model.ChannelChat, ArrivedAt: day.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateInteractionState(ctx, ten.ID, id, store.StateUpdate{State: model.StateEnded, EndedReason: why,
			At: day.Add(time.Duration(i)*time.Hour + 30*time.Second), CloseSegments: true}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	run := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := Run(context.Background(), args, &out, &errOut); code != 0 {
			t.Fatalf("plateau %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String()
	}
	table := run("report", "queues", "--db", path, "--tenant", "1", "--from", "2026-05-04", "--to", "2026-05-04")
	if !strings.Contains(table, "2026-05-04") || !strings.Contains(table, "support") || !strings.Contains(table, "0.0%") {
		t.Errorf("table:\n%s", table)
	}
	check := func(out string) {
		t.Helper()
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) != 3 { // header, the day, the total
			t.Fatalf("csv %v %v", recs, err)
		}
		col := map[string]string{}
		for i, h := range recs[0] {
			col[h] = recs[1][i]
		}
		if col["offered"] != "3" || col["abandoned"] != "2" || col["answered"] != "0" || col["max_wait_seconds"] != "30" {
			t.Errorf("row %v", col)
		}
	}
	check(run("report", "queues", "--db", path, "--tenant", "1", "--from", "2026-05-04", "--to", "2026-05-04", "--csv"))
	if out := run("report", "rebuild", "--db", path); !strings.Contains(out, "tenant 1: 3 contacts") {
		t.Errorf("rebuild: %s", out)
	}
	check(run("report", "queues", "--db", path, "--tenant", "1", "--from", "2026-05-04", "--to", "2026-05-04", "--csv"))

	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"report", "queues", "--db", path, "--tenant", "1", "--from", "2026-05-05", "--to", "2026-05-04"}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "from") {
		t.Errorf("from after to: exit %d, %s", code, errOut.String())
	}
}
