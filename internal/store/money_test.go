package store

import (
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestSiteCostCentsMigration rolls the schema back to before migration
// 00016, stores float costs the old way, and migrates again: each cost
// becomes the nearest cent of the decimal it was typed as, halves away from
// zero, alike on both backends; the float column is gone.
func TestSiteCostCentsMigration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		ten, err := s.CreateTenant(ctx, model.Tenant{Slug: "money", Name: "Money"})
		noErr(t, err, "create tenant")
		p, err := s.migrations(ctx)
		noErr(t, err, "migrations")
		if _, err := p.DownTo(ctx, 15); err != nil {
			t.Fatalf("roll back to 15: %v", err)
		}
		costs := []struct {
			old  float64
			want model.Money
		}{
			{0, 0},
			{30, 30_00},
			{18.5, 18_50},
			{0.29, 29},         // 28.999999999999996 cents as a float
			{2.675, 2_68},      // stored as 2.67499999999999982...: read as 2.675
			{12.345, 12_35},    // a half cent: away from zero
			{0.005, 1},         // likewise
			{0.0049, 0},        // below half a cent
			{99.994999, 99_99}, // below half a cent
			{1e-9, 0},
			{123456.785, 123456_79},
		}
		for i, c := range costs {
			_, err := s.conn().uncached().exec(ctx, "INSERT INTO sites (tenant_id, name, country, kind, cost_per_hour) VALUES (?, ?, 'FR', 'onsite', ?)",
				ten.ID, "site"+string(rune('a'+i)), c.old)
			noErr(t, err, "insert old site")
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("migrate up again: %v", err)
		}
		sites, err := s.ListSites(ctx, ten.ID)
		noErr(t, err, "list sites")
		if len(sites) != len(costs) {
			t.Fatalf("%d sites, want %d", len(sites), len(costs))
		}
		for i, c := range costs {
			got, err := s.GetSite(ctx, ten.ID, sites[i].ID)
			noErr(t, err, "get site")
			if got.Name != "site"+string(rune('a'+i)) || got.CostPerHour != c.want {
				t.Errorf("%s: old cost %v became %v (%d cents), want %v", got.Name, c.old, got.CostPerHour, got.CostPerHour.Cents(), c.want)
			}
		}
		if _, err := s.db.ExecContext(ctx, "SELECT cost_per_hour FROM sites"); err == nil {
			t.Error("the float column cost_per_hour is still there")
		}
		// And the new column round-trips every cent.
		site, err := s.CreateSite(ctx, ten.ID, model.Site{Name: "exact", Country: "FR", Kind: model.SiteOnsite, CostPerHour: model.MaxMoney})
		noErr(t, err, "create site")
		got, err := s.GetSite(ctx, ten.ID, site.ID)
		noErr(t, err, "get site")
		if got.CostPerHour != model.MaxMoney {
			t.Errorf("stored %v, read %v", model.MaxMoney, got.CostPerHour)
		}
	})
}
