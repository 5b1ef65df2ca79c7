package billing

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// Property: for any random history, the minutes billed are the sum of the
// billable segments (talk, hold, wrap-up flagged billable) and never hold
// a second of waiting, ringing, menu or virtual hold; the invoice's lines,
// its drill-down and its waiting figure agree with an independent count.
func TestBilledMinutesAreBillableSegments(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		for round := range 4 {
			seed := uint64(round*7919 + 17)
			rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
			w := newWorld(t, st, fmt.Sprintf("prop%d", round))
			// UTC, the zone of queues without a schedule: the reports'
			// months are the invoice's.
			w.contract(Terms{ValidFrom: "2026-01-01", TimeZone: "UTC", VATRateBP: 2000, Client: client(),
				Units: []UnitPrice{{Unit: UnitMinute, Price: Price(1 + rng.IntN(20000))}}})
			var (
				list                 []store.PastContact
				wantBilled, wantWait int64
				monthStart           = utc("2026-01-31 23:00:00")
				waitingKinds         = []model.SegmentKind{model.SegQueued, model.SegOffered, model.SegCallback}
				handledKinds         = []model.SegmentKind{model.SegConnected, model.SegHold, model.SegWrapUp}
			)
			n := 20 + rng.IntN(40)
			for range n {
				q := w.voice
				ch := voice
				if rng.IntN(2) == 0 {
					q, ch = w.chat, chat
				}
				at := monthStart.Add(time.Duration(rng.Int64N(int64(27 * 24 * time.Hour)))).Truncate(time.Millisecond)
				in := model.Interaction{QueueID: q, Channel: ch, ArrivedAt: at, EndedReason: model.EndAbandoned}
				cur := at
				var segs []model.Segment
				add := func(k model.SegmentKind, billable bool) {
					d := time.Duration(1+rng.Int64N(600_000)) * time.Millisecond
					e := cur.Add(d)
					sg := model.Segment{Kind: k, StartedAt: cur, EndedAt: &e, Billable: billable, QueueID: &q}
					if k.Handled() {
						sg.AgentID = &w.agent
					}
					segs = append(segs, sg)
					cur = e
				}
				// Waiting first: queued, maybe ringing unanswered and queued again, maybe a callback.
				for range 1 + rng.IntN(3) {
					add(waitingKinds[rng.IntN(len(waitingKinds))], false)
				}
				answeredLife := rng.IntN(4) != 0
				var billed int64
				if answeredLife {
					a := cur
					in.AnsweredAt, in.EndedReason, in.AgentID = &a, model.EndAnswered, &w.agent
					add(model.SegConnected, rng.IntN(5) != 0)
					for range rng.IntN(4) {
						add(handledKinds[rng.IntN(3)], rng.IntN(3) != 0)
					}
					if rng.IntN(4) == 0 { // transferred: waits again, then talks again
						add(model.SegQueued, false)
						add(model.SegConnected, true)
					}
					for _, sg := range segs {
						if sg.Billable {
							billed += sg.EndedAt.Sub(sg.StartedAt).Milliseconds()
						}
					}
					wantWait += in.AnsweredAt.Sub(at).Milliseconds()
				} else {
					wantWait += cur.Sub(at).Milliseconds()
				}
				in.EndedAt = &cur
				list = append(list, store.PastContact{Interaction: in, Segments: segs})
				wantBilled += billed
			}
			if err := st.ImportPastContacts(testCtx(t), w.tenant, list); err != nil {
				t.Fatalf("seed %d: import: %v", seed, err)
			}
			inv := w.issue("2026-02")
			var lines int64
			for _, l := range inv.Lines {
				if l.Unit == UnitMinute {
					lines += l.Quantity
				}
			}
			if inv.BilledMS != wantBilled || lines != wantBilled {
				t.Errorf("seed %d: billed %d ms, lines %d ms; the billable segments sum to %d", seed, inv.BilledMS, lines, wantBilled)
			}
			if inv.WaitingNotBilledMS != wantWait {
				t.Errorf("seed %d: waiting not billed %d ms, want %d", seed, inv.WaitingNotBilledMS, wantWait)
			}
			// The reports count the same billable time.
			if _, err := report.NewUpkeep(st, slog.New(slog.DiscardHandler), time.Hour, 1000).Drain(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			rep, err := report.Queues(testCtx(t), st, report.Request{TenantID: w.tenant, From: "2026-02-01", To: "2026-02-28", Group: report.Group("month")})
			w.must("report", err)
			if rep.Counts.BillableMS != inv.BilledMS {
				t.Errorf("seed %d: the month's report counts %d billable ms, the invoice %d", seed, rep.Counts.BillableMS, inv.BilledMS)
			}
			d, err := w.b.Details(testCtx(t), w.tenant, inv.ID, 0)
			w.must("details", err)
			if len(d.Contacts) != n {
				t.Fatalf("seed %d: %d contacts accounted for, want %d", seed, len(d.Contacts), n)
			}
			for _, c := range d.Contacts {
				// No waiting second: what is billed fits in the life after the wait.
				var life int64
				for _, p := range list {
					if p.ArrivedAt.Equal(c.ArrivedAt) {
						life = p.EndedAt.Sub(p.ArrivedAt).Milliseconds()
					}
				}
				if c.BillableMS+c.WaitMS > life {
					t.Errorf("seed %d: contact %d billed %d ms + waited %d ms > its life %d ms", seed, c.InteractionID, c.BillableMS, c.WaitMS, life)
				}
			}
		}
	})
}
