package report

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// benchContacts is the size of the benchmarks' month: 1,000,000 contacts
// (30 days × 96 intervals × 20 queues) unless PLATEAU_BENCH_CONTACTS says.
func benchContacts() int { return storetest.BenchContacts(1_000_000) }

// seedMonth imports n past contacts over November 2026 in 20 queues
// (Paris time), answered (80 %, with talk and wrap-up), abandoned or
// short-abandoned, rated now and then, and rebuilds their rollups.
func seedMonthNoDrain(b *testing.B, st *store.Store, n int) (tenant int64, queues []int64) {
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "bench", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	sched, err := st.CreateSchedule(ctx, ten.ID, model.Schedule{Name: "paris", TimeZone: "Europe/Paris", AlwaysOpen: true})
	if err != nil {
		b.Fatal(err)
	}
	site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Paris", Country: "FR", Kind: model.SiteOnsite})
	if err != nil {
		b.Fatal(err)
	}
	var agents []int64
	for i := range 50 {
		a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: fmt.Sprint("agent ", i), ChatCapacity: 3})
		if err != nil {
			b.Fatal(err)
		}
		agents = append(agents, a.ID)
	}
	for i := range 20 {
		q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: fmt.Sprint("queue ", i), Channel: model.ChannelChat, SLTargetPct: 80,
			SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, ScheduleID: &sched.ID})
		if err != nil {
			b.Fatal(err)
		}
		queues = append(queues, q.ID)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC) // 2026-11-01 00:00 in Paris
	span := int64(30 * 24 * time.Hour)
	batch := make([]store.PastContact, 0, 10_000)
	flush := func() {
		if err := st.ImportPastContacts(ctx, ten.ID, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range n {
		q := queues[i%len(queues)]
		arrive := start.Add(time.Duration(r.Int64N(span)))
		wait := time.Duration(r.ExpFloat64() * float64(30*time.Second))
		p := store.PastContact{Interaction: model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: arrive}}
		if r.IntN(5) > 0 {
			agent := agents[r.IntN(len(agents))]
			ans := arrive.Add(wait)
			talkEnd := ans.Add(time.Duration(60+r.IntN(400)) * time.Second)
			end := talkEnd.Add(time.Duration(r.IntN(40)) * time.Second)
			p.AnsweredAt, p.EndedAt, p.EndedReason, p.AgentID = &ans, &end, model.EndAnswered, &agent
			if r.IntN(4) == 0 {
				score := 1 + r.IntN(5)
				p.CSATScore = &score
			}
			p.Segments = []model.Segment{
				{Kind: model.SegQueued, QueueID: &q, StartedAt: arrive, EndedAt: &ans},
				{Kind: model.SegConnected, QueueID: &q, AgentID: &agent, StartedAt: ans, EndedAt: &talkEnd, Billable: true},
				{Kind: model.SegWrapUp, QueueID: &q, AgentID: &agent, StartedAt: talkEnd, EndedAt: &end, Billable: true},
			}
		} else {
			end := arrive.Add(wait)
			p.EndedAt, p.EndedReason = &end, model.EndAbandoned
			p.Segments = []model.Segment{{Kind: model.SegQueued, QueueID: &q, StartedAt: arrive, EndedAt: &end}}
		}
		batch = append(batch, p)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	return ten.ID, queues
}

func seedMonth(b *testing.B, st *store.Store, n int) (tenant int64, queues []int64) {
	tenant, queues = seedMonthNoDrain(b, st, n)
	ctx := context.Background()
	began := time.Now()
	up := NewUpkeep(st, slog.New(slog.DiscardHandler), time.Hour, 2000)
	if _, err := up.Drain(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d contacts rolled up by the upkeep in %v", n, time.Since(began).Round(time.Millisecond))
	return tenant, queues
}

// rawMonth computes the month's offered, answered within 20 s and
// abandoned per Paris day and queue by scanning every interaction: the
// baseline the rollups are measured against.
func rawMonth(ctx context.Context, st *store.Store, tenant int64) (map[[2]string]int64, error) {
	paris, _ := time.LoadLocation("Europe/Paris")
	out := map[[2]string]int64{}
	from := time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)
	err := st.ScanInteractions(ctx, tenant, from, from.Add(30*24*time.Hour), func(in model.Interaction) error {
		day := in.ArrivedAt.In(paris).Format(time.DateOnly)
		k := [2]string{day, strconv.FormatInt(in.QueueID, 10)}
		out[k]++
		return nil
	})
	return out, err
}

// BenchmarkMonthReport: a month's queues report grouped by day, from the
// rollups, beside the same offered counts from a raw scan of the
// interactions. go test -run '^$' -bench MonthReport -benchtime 20x ./internal/report
func BenchmarkMonthReport(b *testing.B) {
	n := benchContacts()
	backends := []string{"sqlite", "postgres"}
	if v := os.Getenv("PLATEAU_BENCH_BACKEND"); v != "" {
		backends = []string{v}
	}
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			var st *store.Store
			if backend == "sqlite" {
				st = storetest.SQLite(b)
			} else {
				st = storetest.Postgres(b)
			}
			tenant, _ := seedMonth(b, st, n)
			ctx := context.Background()
			req := Request{TenantID: tenant, From: "2026-11-01", To: "2026-11-30", Group: GroupDay}
			rep, err := Queues(ctx, st, req)
			if err != nil {
				b.Fatal(err)
			}
			raw, err := rawMonth(ctx, st, tenant)
			if err != nil {
				b.Fatal(err)
			}
			var rawTotal int64
			for _, v := range raw {
				rawTotal += v
			}
			if rep.Total.Offered != int64(n) || rawTotal != int64(n) || len(rep.Rows) != len(raw) {
				b.Fatalf("report offered %d in %d rows, raw scan %d in %d, want %d", rep.Total.Offered, len(rep.Rows), rawTotal, len(raw), n)
			}
			for _, row := range rep.Rows {
				if raw[[2]string{row.Period, strconv.FormatInt(row.QueueID, 10)}] != row.Offered {
					b.Fatalf("%s queue %d: rollups %d, raw %d", row.Period, row.QueueID, row.Offered, raw[[2]string{row.Period, strconv.FormatInt(row.QueueID, 10)}])
				}
			}
			b.Run("rollups", func(b *testing.B) {
				for b.Loop() {
					if _, err := Queues(ctx, st, req); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("raw-scan", func(b *testing.B) {
				for b.Loop() {
					if _, err := rawMonth(ctx, st, tenant); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
