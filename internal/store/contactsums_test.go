package store

import (
	"io/fs"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestContactSumsFollowSegments plays random lives of contacts through
// the store (state changes closing and opening segments, segments stored
// closed, closed one by one, billable flags changed, imports) and checks
// that the handled time each keeps on its row, as the search and the
// export read it, equals a count from its segments; then that migration
// 00018, applied again, fills the same sums from the segments.
func TestContactSumsFollowSegments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid, q, agent := f.tenant.ID, f.chat.ID, f.agent.ID
		r := rand.New(rand.NewPCG(7, 8))
		at := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
		// A time with microseconds, as the store keeps them.
		step := func() time.Time {
			at = at.Add(time.Duration(1+r.IntN(90_000_000)) * time.Microsecond)
			return at
		}
		for range 40 {
			id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: step()})
			noErr(t, err, "create")
			up := func(state model.InteractionState, open *model.Segment) {
				u := StateUpdate{State: state, At: step(), CloseSegments: true, OpenSegment: open}
				if state == model.StateEnded {
					u.EndedReason = model.EndAnswered
				}
				if state == model.StateConnected {
					u.AgentID = &agent
				}
				_, err := s.UpdateInteractionState(ctx, tid, id, u)
				noErr(t, err, "update to "+string(state))
			}
			if r.IntN(5) == 0 {
				up(model.StateEnded, nil) // abandoned: no handled time
				continue
			}
			up(model.StateConnected, &model.Segment{Kind: model.SegConnected, AgentID: &agent, QueueID: &q, Billable: r.IntN(3) > 0})
			if r.IntN(2) == 0 { // a hold stored closed
				start := step()
				end := step()
				_, err := s.OpenSegment(ctx, tid, model.Segment{InteractionID: id, Kind: model.SegHold, AgentID: &agent, StartedAt: start, EndedAt: &end, Billable: true})
				noErr(t, err, "hold")
			}
			if r.IntN(3) == 0 { // a call placed from the chat: talk
				seg, err := s.OpenSegment(ctx, tid, model.Segment{InteractionID: id, Kind: model.SegOutbound, AgentID: &agent, StartedAt: step(), Billable: true})
				noErr(t, err, "open outbound")
				noErr(t, s.CloseSegment(ctx, tid, seg.ID, step()), "close outbound")
			}
			if r.IntN(4) == 0 { // a segment opened, then closed by itself
				seg, err := s.OpenSegment(ctx, tid, model.Segment{InteractionID: id, Kind: model.SegHold, AgentID: &agent, StartedAt: step(), Billable: r.IntN(2) == 0})
				noErr(t, err, "open hold")
				noErr(t, s.CloseSegment(ctx, tid, seg.ID, step()), "close hold")
			}
			if r.IntN(6) == 0 {
				continue // still talking: the open segment counts for nothing yet
			}
			up(model.StateWrapUp, &model.Segment{Kind: model.SegWrapUp, AgentID: &agent, Billable: r.IntN(2) == 0})
			if r.IntN(3) > 0 {
				up(model.StateEnded, nil)
			}
			segs, err := s.ListSegments(ctx, tid, id)
			noErr(t, err, "segments")
			for _, sg := range segs {
				if sg.EndedAt != nil && sg.Kind.Handled() && r.IntN(3) == 0 {
					noErr(t, s.SetSegmentBillable(ctx, tid, sg.ID, !sg.Billable), "flip billable")
					if r.IntN(2) == 0 {
						noErr(t, s.SetSegmentBillable(ctx, tid, sg.ID, !sg.Billable), "flip back")
					}
				}
			}
		}
		var past []PastContact
		for range 10 {
			arrive := step()
			ans, talk := step(), step()
			end := step()
			past = append(past, PastContact{
				Interaction: model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: arrive, AnsweredAt: &ans, EndedAt: &end,
					EndedReason: model.EndAnswered, AgentID: &agent},
				Segments: []model.Segment{
					{Kind: model.SegQueued, QueueID: &q, StartedAt: arrive, EndedAt: &ans},
					{Kind: model.SegConnected, QueueID: &q, AgentID: &agent, StartedAt: ans, EndedAt: &talk, Billable: true},
					{Kind: model.SegWrapUp, QueueID: &q, AgentID: &agent, StartedAt: talk, EndedAt: &end},
				},
			})
		}
		noErr(t, s.ImportPastContacts(ctx, tid, past), "import")

		check := func(when string) {
			t.Helper()
			fromSearch := map[int64]segSums{}
			noErr(t, s.SearchInteractions(ctx, tid, InteractionFilter{}, 0, func(c ContactSummary) error {
				fromSearch[c.ID] = segSums{round(c.TalkSeconds), round(c.HoldSeconds), round(c.WrapUpSeconds), round(c.BillableSeconds)}
				return nil
			}), "search")
			n := 0
			noErr(t, s.ExportContacts(ctx, tid, InteractionFilter{}, func(r *ContactRow) error {
				n++
				segs, err := s.ListSegments(ctx, tid, r.ID)
				if err != nil {
					return err
				}
				var want segSums
				for _, sg := range segs {
					if sg.EndedAt != nil {
						want.add(sg.Kind, sg.Billable, sg.EndedAt.Sub(sg.StartedAt))
					}
				}
				got := segSums{r.TalkUS, r.HoldUS, r.WrapUpUS, r.BillableUS}
				if got != want || fromSearch[r.ID] != want {
					t.Errorf("%s: contact %d keeps %+v (search %+v), its segments say %+v", when, r.ID, got, fromSearch[r.ID], want)
				}
				return nil
			}), "export")
			if n != 50 || len(fromSearch) != 50 {
				t.Fatalf("%s: %d exported, %d searched, want 50", when, n, len(fromSearch))
			}
		}
		check("kept by the store")

		// Migration 00018 down and up again: it fills the sums from the segments.
		dir, err := fs.Sub(migrationFiles, "migrations/"+string(s.dialect))
		noErr(t, err, "migrations")
		p, err := migrator(ctx, s.db, s.dialect, dir)
		noErr(t, err, "migrator")
		_, err = p.ApplyVersion(ctx, 18, false)
		noErr(t, err, "00018 down")
		_, err = p.ApplyVersion(ctx, 18, true)
		noErr(t, err, "00018 up")
		check("filled by the migration")
	})
}

// round is seconds in whole microseconds.
func round(sec float64) int64 {
	if sec < 0 {
		return int64(sec*1e6 - 0.5)
	}
	return int64(sec*1e6 + 0.5)
}
