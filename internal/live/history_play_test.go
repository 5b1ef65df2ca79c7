package live

import (
	"log/slog"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestPlayedHistoryReports is the reports' property test through the live
// center: random days (arrivals, abandons, callbacks, moves between queues,
// missed offers, breaks, wrap-ups, surveys) are played through the engine
// and the owner under a virtual clock; the report of the period must equal
// an independent count from the raw interactions and segments, and no
// waiting second is ever billable.
func TestPlayedHistoryReports(t *testing.T) {
	t.Parallel()
	for _, sd := range []uint64{1, 2, 3} {
		st := openSQLite(t, tempDB(t))
		fx := seed(t, st, 2, 30)
		ctx := testCtx(t)
		sales, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "sales", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
			SLThresholdSeconds: 30, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15, WrapUpSeconds: 20})
		must(t, err, "queue")
		_, err = st.CreateEntryPoint(ctx, fx.tenant, model.EntryPoint{Kind: model.EntryChat, Address: "sales", QueueID: sales.ID})
		must(t, err, "entry")
		sites, err := st.ListSites(ctx, fx.tenant)
		must(t, err, "sites")
		_, err = st.CreateAgent(ctx, fx.tenant, model.Agent{SiteID: sites[0].ID, Name: "Hugo P.", ChatCapacity: 2})
		must(t, err, "agent")

		day := time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC) // a night and a day, across the DST change in Paris
		plan := HistoryPlan{TenantID: fx.tenant, From: day, To: day.Add(20 * time.Hour), Seed: sd,
			PerHour: func(q model.Queue, at time.Time) float64 {
				if at.Hour() < 6 {
					return 2
				}
				return 14
			},
			OnShift: func(a model.Agent, at time.Time) bool { return at.Hour() >= 5 && (a.ID%2 == 0 || at.Hour() < 14) },
			Handle:  4 * time.Minute, WrapUp: 20 * time.Second, Patience: 3 * time.Minute,
			Survey: 0.4, Callback: 0.1, Move: 0.1, Missed: 0.15, Break: 0.3, Customers: 60}
		res, err := PlayHistory(ctx, st, plan, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
		must(t, err, "play")
		if res.Contacts < 100 || res.Answered == 0 || res.Abandoned == 0 || res.Surveys == 0 {
			t.Fatalf("seed %d: a thin history %+v", sd, res)
		}
		open, err := st.ListOpenInteractions(ctx)
		must(t, err, "open")
		if len(open) != 0 {
			for _, in := range open {
				segs, _ := st.ListSegments(ctx, in.TenantID, in.ID)
				t.Logf("open %+v", in)
				for _, s := range segs {
					t.Logf("  %s %v %v agent %v", s.Kind, s.StartedAt, s.EndedAt, s.AgentID)
				}
			}
			t.Fatalf("seed %d: %d contacts left open", sd, len(open))
		}
		_, err = report.NewUpkeep(st, slog.New(slog.DiscardHandler), time.Hour, 100).Drain(ctx)
		must(t, err, "drain")

		// Independently, from the raw records.
		var want kpi.Counts
		var rona, billableNotHandled int64
		err = st.SearchInteractions(ctx, fx.tenant, store.InteractionFilter{From: time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC)}, 0, func(cs store.ContactSummary) error {
			in := cs.Interaction
			segs, err := st.ListSegments(ctx, fx.tenant, in.ID)
			if err != nil {
				return err
			}
			for i, sg := range segs {
				if sg.Billable && sg.Kind != model.SegConnected && sg.Kind != model.SegWrapUp && sg.Kind != model.SegHold {
					billableNotHandled++
				}
				if sg.Kind == model.SegOffered && (i+1 == len(segs) || segs[i+1].Kind != model.SegConnected) {
					rona++
				}
			}
			if in.EndedReason == model.EndClosed {
				return nil
			}
			want.Offered++
			q, err := st.GetQueue(ctx, fx.tenant, in.QueueID)
			if err != nil {
				return err
			}
			switch {
			case in.AnsweredAt != nil:
				want.Answered++
				w := in.AnsweredAt.Sub(in.ArrivedAt)
				if w <= time.Duration(q.SLThresholdSeconds)*time.Second {
					want.AnsweredInSL++
				}
				want.TalkMS += int64(cs.TalkSeconds*1000 + 0.5)
				want.WrapUpMS += int64(cs.WrapUpSeconds*1000 + 0.5)
			case in.EndedReason == model.EndAbandoned:
				want.Abandoned++
				if in.EndedAt.Sub(in.ArrivedAt) < time.Duration(q.ShortAbandon())*time.Second {
					want.ShortAbandoned++
				}
			}
			if in.CSATScore != nil {
				want.CSATResponses++
				want.CSATSum += int64(*in.CSATScore)
			}
			return nil
		})
		must(t, err, "raw scan")
		if billableNotHandled != 0 {
			t.Errorf("seed %d: %d waiting segments billable", sd, billableNotHandled)
		}
		got, err := report.Queues(ctx, st, report.Request{TenantID: fx.tenant, From: "2026-10-24", To: "2026-10-26"})
		must(t, err, "report")
		c := got.Counts
		if c.Offered != want.Offered || c.Answered != want.Answered || c.Abandoned != want.Abandoned || c.ShortAbandoned != want.ShortAbandoned ||
			c.AnsweredInSL != want.AnsweredInSL || c.CSATResponses != want.CSATResponses || c.CSATSum != want.CSATSum || c.RONA != rona {
			t.Errorf("seed %d: report %+v\nraw offered %d answered %d abandoned %d short %d in SL %d csat %d/%d rona %d",
				sd, c, want.Offered, want.Answered, want.Abandoned, want.ShortAbandoned, want.AnsweredInSL, want.CSATResponses, want.CSATSum, rona)
		}
		if d := c.TalkMS - want.TalkMS; d < -int64(want.Answered) || d > int64(want.Answered) { // rounding: a millisecond a contact
			t.Errorf("seed %d: talk %d ms, raw %d ms", sd, c.TalkMS, want.TalkMS)
		}
		if d := c.WrapUpMS - want.WrapUpMS; d < -int64(want.Answered) || d > int64(want.Answered) {
			t.Errorf("seed %d: wrap-up %d ms, raw %d ms", sd, c.WrapUpMS, want.WrapUpMS)
		}
		if c.FlowedOut == 0 || c.CallbacksRequested == 0 || c.RONA == 0 {
			t.Errorf("seed %d: the history should have moves, callbacks and missed offers: %+v", sd, c)
		}
		agents, err := report.Agents(ctx, st, report.Request{TenantID: fx.tenant, From: "2026-10-24", To: "2026-10-26"})
		must(t, err, "agents report")
		var handled int64
		var login float64
		for _, r := range agents.Rows {
			handled += r.Handled
			login += r.LoginSeconds
		}
		if handled < want.Answered || login < 3600 {
			t.Errorf("seed %d: agents handled %d (answered %d), logged in %.0f s", sd, handled, want.Answered, login)
		}
		t.Logf("seed %d: %+v; SL %.2f, ASA %.0f s", sd, res, *c.ServiceLevel(), *c.ASASeconds())
	}
}
