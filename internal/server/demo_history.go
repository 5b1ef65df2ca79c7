package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

// DemoHistoryDays is how many days of past the demo plays by default.
const DemoHistoryDays = 14

// demoZone is the demo center's time zone.
const demoZone = "Europe/Paris"

// PlayDemoHistory gives the demo tenant a past, once: days of chats up to
// the last quarter hour before now, played through a live center under a
// virtual clock (live.PlayHistory), so that the reports show real figures
// on first run. A tenant that already has contacts is left alone. It
// returns what was played (zero when nothing was).
func PlayDemoHistory(ctx context.Context, st *store.Store, tenant model.Tenant, days int, now time.Time, log *slog.Logger) (live.HistoryResult, error) {
	if days <= 0 {
		return live.HistoryResult{}, nil
	}
	any := false
	if err := st.SearchInteractions(ctx, tenant.ID, store.InteractionFilter{}, 1, func(store.ContactSummary) error {
		any = true
		return nil
	}); err != nil {
		return live.HistoryResult{}, fmt.Errorf("demo history: %w", err)
	}
	if any {
		return live.HistoryResult{}, nil
	}
	loc, err := time.LoadLocation(demoZone)
	if err != nil {
		return live.HistoryResult{}, fmt.Errorf("demo history: %w", err)
	}
	to := now.Truncate(15 * time.Minute).Add(-15 * time.Minute)
	l := now.In(loc)
	from := time.Date(l.Year(), l.Month(), l.Day()-days, 0, 0, 0, 0, loc)
	plan := live.HistoryPlan{TenantID: tenant.ID, From: from, To: to, Seed: 2026,
		PerHour: func(q model.Queue, at time.Time) float64 {
			l := at.In(loc)
			h := float64(l.Hour()) + float64(l.Minute())/60
			// A working day's two peaks, late morning and early afternoon.
			var shape float64
			switch {
			case h < 8 || h >= 20:
				shape = 0.05
			case h < 10:
				shape = 0.6
			case h < 12:
				shape = 1
			case h < 14:
				shape = 0.7
			case h < 17:
				shape = 0.9
			default:
				shape = 0.5
			}
			switch l.Weekday() {
			case time.Saturday:
				shape *= 0.5
			case time.Sunday:
				shape *= 0.2
			}
			peak := 14.0
			if strings.Contains(strings.ToLower(q.Name), "sales") || strings.Contains(strings.ToLower(q.Name), "vente") {
				peak = 6
			}
			return peak * shape
		},
		OnShift: func(a model.Agent, at time.Time) bool {
			l := at.In(loc)
			h := l.Hour()
			n := a.ID % 6
			switch l.Weekday() {
			case time.Sunday:
				return n == 0 && h >= 10 && h < 18
			case time.Saturday:
				return n < 2 && h >= 9 && h < 18
			}
			if n < 3 {
				return h >= 8 && h < 16 // the morning team
			}
			return h >= 12 && h < 20 // the afternoon team
		},
		Handle: 5 * time.Minute, WrapUp: 25 * time.Second, Patience: 4 * time.Minute,
		Survey: 0.35, Callback: 0.06, Move: 0.04, Missed: 0.05, Break: 0.12, Customers: 900}
	res, err := live.PlayHistory(ctx, st, plan, log)
	if err != nil {
		return res, fmt.Errorf("demo history: %w", err)
	}
	// The reports read the rollups: bring them up to date before serving.
	if _, err := report.NewUpkeep(st, log, time.Hour, 1000).Drain(ctx); err != nil {
		return res, fmt.Errorf("demo history: %w", err)
	}
	if err := seedDemoBilling(ctx, st, tenant, from, now); err != nil {
		return res, err
	}
	return res, nil
}
