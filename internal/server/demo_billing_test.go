package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/billing"
	"github.com/plateau-cc/plateau/internal/store"
)

// The demo's contract bills per handled minute with a minimum and a
// Syntec revision within the last month over, which is invoiced.
func TestDemoBilling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := SeedDemo(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	from := time.Date(2026, 11, 18, 23, 0, 0, 0, time.UTC)
	if err := seedDemoBilling(ctx, st, d.Tenant, from, now); err != nil {
		t.Fatal(err)
	}
	b := billing.New(st, func() time.Time { return now })
	list, err := b.Invoices(ctx, d.Tenant.ID)
	if err != nil || len(list) != 1 || list[0].Period != "2026-11" || list[0].Number != "PLT-000001" {
		t.Fatalf("invoices %+v (%v)", list, err)
	}
	inv, err := b.Invoice(ctx, d.Tenant.ID, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Revisions) != 1 || inv.Revisions[0].At.In(time.UTC).Day() != 24 || inv.TotalHTCents < 150000 {
		t.Errorf("revisions %+v, total %d", inv.Revisions, inv.TotalHTCents)
	}
	// Tied to the default set's chats answered within 60 s.
	var sl *billing.Line
	for i := range inv.Lines {
		if inv.Lines[i].Kind == billing.LineServiceLevel {
			sl = &inv.Lines[i]
		}
	}
	if sl == nil || sl.ServiceLevel.Kind != "service_level" || sl.ServiceLevel.TargetPct != "80.00" || sl.ServiceLevel.CapBP != 500 {
		t.Errorf("the demo invoice's service-level line: %+v", sl)
	}
	f, err := billing.FairTerms(ctx, st, d.Tenant.ID, now)
	if err != nil || !f.Fair {
		t.Errorf("the demo's contract is not fair: %+v (%v)", f, err)
	}
}
