package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestForecastFromHistory forecasts from the interactions stored by the
// server: 15 days of a daily pattern at an hourly interval.
func TestForecastFromHistory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plateau.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.CreateQueue(ctx, tenant.ID, model.Queue{Name: "support", Channel: model.ChannelChat, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	n := 0
	for h := 0; h < 15*24; h++ {
		mean := 0.3 + 4*math.Exp(-math.Pow(float64(h%24)-14, 2)/8)
		for k := 0; k < int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64()/2)); k++ {
			at := start.Add(time.Duration(h)*time.Hour + time.Duration(k)*time.Minute)
			if _, err := st.CreateInteraction(ctx, tenant.ID, model.Interaction{QueueID: q.ID, Channel: model.ChannelChat, ArrivedAt: at}); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	st.Close()
	code, out, errs := runCLI(t, "forecast", "--db", path, "--tenant", fmt.Sprint(tenant.ID), "--queue", fmt.Sprint(q.ID),
		"--from", "2026-03-02", "--to", "2026-03-17", "--interval", "1h", "--backtest-days", "1", "--horizon-days", "1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Backtest struct {
			HW float64 `json:"holt_winters_wape"`
			SN float64 `json:"seasonal_naive_wape"`
		} `json:"backtest"`
		Forecast []struct {
			Calls float64 `json:"calls"`
		} `json:"forecast"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, p := range res.Forecast {
		total += p.Calls
	}
	perDay := float64(n) / 15
	if len(res.Forecast) != 24 || math.Abs(total-perDay) > 0.35*perDay {
		t.Fatalf("forecast of %d hours totals %.1f, history averages %.1f a day", len(res.Forecast), total, perDay)
	}
	if res.Backtest.HW <= 0 || res.Backtest.SN <= 0 {
		t.Fatalf("backtest %+v", res.Backtest)
	}
	if code, _, errs := runCLI(t, "forecast", "--db", path, "--from", "2026-03-02", "--to", "2026-03-17"); code != 1 {
		t.Fatalf("no tenant: exit %d %s", code, errs)
	}
}
