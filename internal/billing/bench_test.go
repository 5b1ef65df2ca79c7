package billing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// benchSize is the benchmark month's contacts: 20,000 unless
// PLATEAU_BENCH_CONTACTS says.
func benchSize() int { return storetest.BenchContacts(20_000) }

// seedBench gives w's tenant a contract per handled minute and imports n
// answered chats over February 2026.
func seedBench(b *testing.B, w *world, n int) {
	w.contract(Terms{ValidFrom: "2026-01-01", VATRateBP: 2000, Client: client(), MonthlyMinimumCents: 1000,
		Units: []UnitPrice{{Unit: UnitMinute, Price: 4250}, {Unit: UnitContact, Price: 1000}}})
	r := rand.New(rand.NewPCG(3, 4))
	start := utc("2026-01-31 23:00:00")
	for done := 0; done < n; {
		var list []store.PastContact
		for range min(2000, n-done) {
			at := start.Add(time.Duration(r.Int64N(int64(27 * 24 * time.Hour))))
			ans := at.Add(time.Duration(r.IntN(120)) * time.Second)
			end := ans.Add(time.Duration(60+r.IntN(600)) * time.Second)
			q := w.chat
			list = append(list, store.PastContact{
				Interaction: model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: at, AnsweredAt: &ans, EndedAt: &end,
					EndedReason: model.EndAnswered, AgentID: &w.agent},
				Segments: []model.Segment{
					{Kind: model.SegQueued, StartedAt: at, EndedAt: &ans, QueueID: &q},
					{Kind: model.SegConnected, StartedAt: ans, EndedAt: &end, Billable: true, AgentID: &w.agent, QueueID: &q},
				}})
		}
		if err := w.st.ImportPastContacts(context.Background(), w.tenant, list); err != nil {
			b.Fatal(err)
		}
		done += len(list)
	}
}

// BenchmarkMonthInvoice: a month's draft and its issue, beside the
// contacts search reading the same month (the baseline: what reading the
// records costs). PLATEAU_BENCH_BACKEND=sqlite|postgres picks one backend.
func BenchmarkMonthInvoice(b *testing.B) {
	n := benchSize()
	for _, backend := range []string{"sqlite", "postgres"} {
		if want := os.Getenv("PLATEAU_BENCH_BACKEND"); want != "" && want != backend {
			continue
		}
		b.Run(backend, func(b *testing.B) {
			open := storetest.SQLite
			if backend == "postgres" {
				open = storetest.Postgres
			}
			st := open(b)
			w := newWorld(b, st, "bench")
			seedBench(b, w, n)
			ctx := context.Background()
			from, to := utc("2026-01-31 23:00:00"), utc("2026-02-28 23:00:00")
			b.Run(fmt.Sprintf("search-baseline-%d", n), func(b *testing.B) {
				for b.Loop() {
					count := 0
					if err := st.SearchInteractions(ctx, w.tenant, store.InteractionFilter{From: from, To: to}, 0, func(store.ContactSummary) error {
						count++
						return nil
					}); err != nil || count != n {
						b.Fatalf("%d contacts (%v)", count, err)
					}
				}
			})
			b.Run(fmt.Sprintf("preview-%d", n), func(b *testing.B) {
				for b.Loop() {
					inv, err := w.b.Preview(ctx, w.tenant, "2026-02")
					if err != nil || inv.Contacts != int64(n) {
						b.Fatalf("%d contacts (%v)", inv.Contacts, err)
					}
				}
			})
			b.Run(fmt.Sprintf("issue-%d", n), func(b *testing.B) {
				month := 0
				for b.Loop() {
					// A month issued once: the next iteration needs a fresh tenant.
					month++
					if month > 1 {
						b.StopTimer()
						w = newWorld(b, st, fmt.Sprint("bench", month))
						seedBench(b, w, n)
						b.StartTimer()
					}
					inv, err := w.b.Issue(ctx, w.tenant, "2026-02", "bench")
					if err != nil || inv.Contacts != int64(n) {
						b.Fatalf("%d contacts (%v)", inv.Contacts, err)
					}
				}
			})
		})
	}
}
