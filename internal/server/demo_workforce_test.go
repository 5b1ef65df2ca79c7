package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/workforce"
)

// The demo's register gives the label's indicators, the barometer and
// the palmarès real figures, and is seeded once.
func TestDemoWorkforce(t *testing.T) {
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
	emps, err := st.ListEmployees(ctx, d.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(emps) != 40 {
		t.Fatalf("%d employees, want 40", len(emps))
	}
	linked := 0
	for _, e := range emps {
		if e.AgentID != nil {
			linked++
		}
	}
	if linked != 6 {
		t.Errorf("%d employees linked to agents, want the 6 agents", linked)
	}
	if _, err := SeedDemo(ctx, st); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.ListEmployees(ctx, d.Tenant.ID); len(again) != 40 {
		t.Errorf("a second seed made %d employees", len(again))
	}
	now := time.Now()
	svc := &workforce.Service{St: st}
	p, err := workforce.ParsePeriod(now.AddDate(-1, 0, 0).Format(time.DateOnly), now.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	ind, err := svc.Indicators(ctx, 0, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(ind.ByCountry) != 2 || ind.Hires == 0 || ind.Exits == 0 || ind.FranceHireShare == nil || ind.Turnover == nil ||
		ind.TrainingPerFTE == nil || ind.Disability == 0 || ind.HomeshoringShare == nil || ind.PlannedHours.FranceShare == nil {
		t.Errorf("the demo's indicators are not all there: %+v", ind)
	}
	t.Logf("demo: %d jobs (%v), hires %d (France %.0f %%), exits %d, turnover %.2f, training %.1f h/FTE, planned France %.1f %%",
		ind.Jobs.Headcount, ind.ByCountry, ind.Hires, 100**ind.FranceHireShare, ind.Exits, *ind.Turnover, *ind.TrainingPerFTE, 100**ind.PlannedHours.FranceShare)
	pal, err := svc.Palmares(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(pal.Sites) != 3 || pal.Sites[0].Score == nil || pal.Sites[2].Score == nil {
		t.Errorf("palmares sites %+v", pal.Sites)
	}
}
