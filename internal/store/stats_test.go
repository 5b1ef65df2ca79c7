package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestTodayStats(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		other := newFixture(t, s, "globex")
		tid := f.tenant.ID
		from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		now := from.Add(time.Hour)

		// contact stores a contact of queue q (channel ch) arriving at
		// from+at; answered after wait, or abandoned after wait, or open.
		type outcome int
		const (
			answered outcome = iota
			abandoned
			waiting
		)
		contact := func(tenant, q int64, ch model.Channel, at, wait time.Duration, o outcome) {
			t.Helper()
			arrived := from.Add(at)
			id, err := s.CreateInteraction(ctx, tenant, model.Interaction{QueueID: q, Channel: ch, ArrivedAt: arrived})
			noErr(t, err, "create")
			switch o {
			case answered:
				_, err = s.UpdateInteractionState(ctx, tenant, id, StateUpdate{State: model.StateConnected, At: arrived.Add(wait), CloseSegments: true})
				noErr(t, err, "answer")
				_, err = s.UpdateInteractionState(ctx, tenant, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: arrived.Add(wait + time.Minute), CloseSegments: true})
				noErr(t, err, "end")
			case abandoned:
				_, err = s.UpdateInteractionState(ctx, tenant, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: arrived.Add(wait), CloseSegments: true})
				noErr(t, err, "abandon")
			}
		}
		voice, chat := model.ChannelVoice, model.ChannelChat
		contact(tid, f.queue.ID, voice, time.Minute, 10*time.Second, answered)                    // in SL
		contact(tid, f.queue.ID, voice, 2*time.Minute, 30*time.Second+time.Millisecond, answered) // late
		contact(tid, f.queue.ID, voice, 15*time.Minute, 20*time.Second, answered)                 // on the boundary, exactly the threshold: in SL
		contact(tid, f.queue.ID, voice, 16*time.Minute, 4900*time.Millisecond, abandoned)         // short abandon
		contact(tid, f.queue.ID, voice, 17*time.Minute, 5*time.Second, abandoned)                 // not short
		contact(tid, f.queue.ID, voice, 30*time.Minute, 0, waiting)                               // waited 30 min: a failure already
		contact(tid, f.queue.ID, voice, 59*time.Minute+50*time.Second, 0, waiting)                // may still make it
		contact(tid, f.queue.ID, voice, -time.Minute, 5*time.Second, answered)                    // yesterday
		contact(tid, f.queue.ID, voice, time.Hour+time.Second, 0, waiting)                        // after now
		contact(tid, f.chat.ID, chat, 5*time.Minute, 5*time.Second, answered)
		contact(other.tenant.ID, other.queue.ID, voice, time.Minute, time.Second, answered) // another tenant

		got, err := s.TodayStats(ctx, tid, from, now)
		noErr(t, err, "stats")
		q := func(n int) time.Time { return from.Add(time.Duration(n) * StatsInterval) }
		want := []IntervalCounts{
			{QueueID: f.queue.ID, Start: q(0), Counts: Counts{Offered: 2, Answered: 2, AnsweredInSL: 1, WaitSeconds: 40.001}},
			{QueueID: f.queue.ID, Start: q(1), Counts: Counts{Offered: 3, Answered: 1, Abandoned: 2, ShortAbandoned: 1, AnsweredInSL: 1, WaitSeconds: 20}},
			{QueueID: f.queue.ID, Start: q(2), Counts: Counts{Offered: 1}},
			{QueueID: f.queue.ID, Start: q(3), Counts: Counts{Offered: 1, Pending: 1}},
			{QueueID: f.chat.ID, Start: q(0), Counts: Counts{Offered: 1, Answered: 1, AnsweredInSL: 1, WaitSeconds: 5}},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.QueueID != w.QueueID || !g.Start.Equal(w.Start) || g.Offered != w.Offered || g.Answered != w.Answered ||
				g.Abandoned != w.Abandoned || g.ShortAbandoned != w.ShortAbandoned || g.AnsweredInSL != w.AnsweredInSL ||
				g.Pending != w.Pending || g.WaitSeconds < w.WaitSeconds-1e-6 || g.WaitSeconds > w.WaitSeconds+1e-6 {
				t.Errorf("row %d: got %+v, want %+v", i, g, w)
			}
		}

		// A tenant with nothing today has no rows; now before from is refused.
		empty, err := s.TodayStats(ctx, other.tenant.ID, from.Add(2*time.Hour), from.Add(3*time.Hour))
		noErr(t, err, "empty stats")
		if len(empty) != 0 {
			t.Errorf("stats of an empty day: %+v", empty)
		}
		if _, err := s.TodayStats(ctx, tid, now, from); err == nil {
			t.Error("now before from accepted")
		}
	})
}

// fillDay stores n contacts of the fixture's chat queue spread over [from,
// now): three in four answered (after 0-59 s), one in ten abandoned, the
// rest still waiting. One transaction, straight SQL: only the reads are
// measured.
func fillDay(tb testing.TB, s *Store, f fixture, from, now time.Time, n int) {
	tb.Helper()
	ctx := testCtx(tb)
	span := now.Sub(from)
	err := s.inTx(ctx, func(c conn) error {
		for i := range n {
			arrived := from.Add(span * time.Duration(i) / time.Duration(n))
			wait := time.Duration(i%60) * time.Second
			state, reason := model.StateEnded, model.EndAnswered
			var answered, ended any
			switch {
			case i%4 != 0:
				answered, ended = ts(arrived.Add(wait)), ts(arrived.Add(wait+3*time.Minute))
			case i%10 == 0:
				reason, ended = model.EndAbandoned, ts(arrived.Add(wait))
			default:
				state, reason = model.StateQueued, ""
			}
			if _, err := c.exec(ctx, `INSERT INTO interactions (tenant_id, queue_id, channel, state, ended_reason, arrived_at, answered_at, ended_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.tenant.ID, f.chat.ID, model.ChannelChat, state, string(reason), ts(arrived), answered, ended); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("fill the day: %v", err)
	}
}

// BenchmarkTodayStats measures the wallboard's figures query (read every
// second by each open wallboard) over a day of 1,000 and 20,000 contacts,
// beside GetTenant, a read by primary key, as the baseline of the same run.
func BenchmarkTodayStats(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(testing.TB) *Store
	}{{"sqlite", openSQLiteForTest}, {"postgres", openPostgresForTest}} {
		b.Run(backend.name, func(b *testing.B) {
			from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			now := from.Add(18 * time.Hour)
			for _, n := range []int{1000, 20000} {
				s := backend.open(b)
				f := newFixture(b, s, "bench")
				fillDay(b, s, f, from, now, n)
				ctx := testCtx(b)
				b.Run(fmt.Sprintf("baseline=GetTenant/contacts=%d", n), func(b *testing.B) {
					for b.Loop() {
						if _, err := s.GetTenant(ctx, f.tenant.ID); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
					for b.Loop() {
						rows, err := s.TodayStats(ctx, f.tenant.ID, from, now)
						if err != nil || len(rows) != 72 {
							b.Fatalf("%d rows, %v", len(rows), err)
						}
					}
				})
			}
		})
	}
}
