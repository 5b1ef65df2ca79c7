package commitment

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// benchContacts is the benchmark month's size: 50,000 contacts unless
// PLATEAU_BENCH_CONTACTS says.
func benchContacts() int { return storetest.BenchContacts(50_000) }

// seedBench imports n contacts over November 2026 in 10 chat queues
// (Paris), answered 80 % of the time after a wait they were told, some
// after a callback, the others abandoned; rated now and then; rolled up.
func seedBench(b *testing.B, st *store.Store, n int) int64 {
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "bench", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	sched, err := st.CreateSchedule(ctx, ten.ID, model.Schedule{Name: "paris", TimeZone: "Europe/Paris", AlwaysOpen: true})
	if err != nil {
		b.Fatal(err)
	}
	var queues []int64
	for i := range 10 {
		q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: fmt.Sprint("queue ", i), Channel: model.ChannelChat, SLTargetPct: 80,
			SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, ScheduleID: &sched.ID})
		if err != nil {
			b.Fatal(err)
		}
		queues = append(queues, q.ID)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)
	batch := make([]store.PastContact, 0, 5000)
	for i := range n {
		q := queues[i%len(queues)]
		arrive := start.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
		wait := time.Duration(r.ExpFloat64() * float64(30*time.Second))
		told := int(r.ExpFloat64() * 30)
		p := store.PastContact{Interaction: model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: arrive, AnnouncedEWTSeconds: &told}}
		var segs []model.Segment
		if r.IntN(20) == 0 { // a callback asked after 10 s, made after the wait and an hour or so
			asked := arrive.Add(10 * time.Second)
			wait += time.Duration(r.Int64N(int64(3 * time.Hour)))
			p.Callback = &model.Callback{WriteBack: true}
			segs = append(segs, model.Segment{Kind: model.SegCallback, QueueID: &q, StartedAt: asked, EndedAt: ptr(arrive.Add(wait))})
		}
		if r.IntN(5) > 0 {
			ans := arrive.Add(wait)
			end := ans.Add(time.Duration(60+r.IntN(400)) * time.Second)
			p.AnsweredAt, p.EndedAt, p.EndedReason = &ans, &end, model.EndAnswered
			segs = append(segs, model.Segment{Kind: model.SegConnected, QueueID: &q, StartedAt: ans, EndedAt: &end, Billable: true})
			if r.IntN(4) == 0 {
				p.CSATScore = ptr(1 + r.IntN(5))
			}
		} else {
			end := arrive.Add(wait)
			p.EndedAt, p.EndedReason = &end, model.EndAbandoned
			if len(segs) > 0 {
				segs[0].EndedAt = &end
			}
		}
		p.Segments = segs
		batch = append(batch, p)
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.ImportPastContacts(ctx, ten.ID, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := report.NewUpkeep(st, slog.New(slog.DiscardHandler), time.Hour, 2000).Drain(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := st.ReplaceCommitments(ctx, ten.ID, Defaults()); err != nil {
		b.Fatal(err)
	}
	return ten.ID
}

// BenchmarkCommitments: over a month of contacts, a commitment read from
// the rollups (the service level) and one counted from the month's
// contacts (an announced-wait margin the rollups do not keep), the whole
// report of the defaults (all from the rollups but the recordings; the
// month and six empty ones before), beside the month's queues report as
// the baseline. flock /work/wt/loadtest.lock go test -run '^$' -bench Commitments -benchtime 10x ./internal/commitment
func BenchmarkCommitments(b *testing.B) {
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
			began := time.Now()
			tenant := seedBench(b, st, n)
			b.Logf("%d contacts seeded and rolled up in %v", n, time.Since(began).Round(time.Millisecond))
			ctx := context.Background()
			ev := &Evaluator{St: st}
			sl := model.Commitment{Name: "sl", Kind: model.CommitServiceLevel, TargetPct: 80}
			// +45 s: a margin the rollups do not keep, counted from the contacts.
			wait := model.Commitment{Name: "wait", Kind: model.CommitAnnouncedWait, TargetPct: 90, Seconds: 45}
			r, err := ev.Evaluate(ctx, tenant, sl, "2026-11")
			if err != nil || r.Basis != "rollups" || r.Denominator == 0 {
				b.Fatalf("service level %+v %v", r, err)
			}
			if r, err := ev.Evaluate(ctx, tenant, wait, "2026-11"); err != nil || r.Basis != "contacts" || r.Denominator == 0 {
				b.Fatalf("announced wait %+v %v", r, err)
			}
			b.Run("queues-report-baseline", func(b *testing.B) {
				for b.Loop() {
					if _, err := report.Queues(ctx, st, report.Request{TenantID: tenant, From: "2026-11-01", To: "2026-11-30", Group: report.GroupMonth}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("service-level-rollups", func(b *testing.B) {
				for b.Loop() {
					if _, err := ev.Evaluate(ctx, tenant, sl, "2026-11"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("announced-wait-scan", func(b *testing.B) {
				for b.Loop() {
					if _, err := ev.Evaluate(ctx, tenant, wait, "2026-11"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("report-defaults", func(b *testing.B) {
				for b.Loop() {
					if _, err := ev.Report(ctx, tenant, "2026-11"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
