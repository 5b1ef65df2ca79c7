package report

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// world is a tenant with two chat queues (Paris time), an entry point,
// two agents on two sites.
type world struct {
	tenant         int64
	queues         [2]int64
	entry          int64
	agents         [2]int64
	sites          [2]int64
	sl, short      time.Duration
	expectOffered  int64
	expectAnswered int64
	expectTalkMS   int64
	expectCSAT     int64
}

func newWorld(t *testing.T, st *store.Store, slug string) *world {
	ctx := t.Context()
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: slug, Name: slug})
	must(t, err, "tenant")
	w := &world{tenant: ten.ID, sl: 20 * time.Second, short: kpi.DefaultShortAbandon}
	sched, err := st.CreateSchedule(ctx, ten.ID, model.Schedule{Name: "always", TimeZone: "Europe/Paris", AlwaysOpen: true})
	must(t, err, "schedule")
	for i, name := range []string{"support", "sales"} {
		q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: name, Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
			SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, ScheduleID: &sched.ID})
		must(t, err, "queue")
		w.queues[i] = q.ID
	}
	ep, err := st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryChat, Address: slug, QueueID: w.queues[0]})
	must(t, err, "entry point")
	w.entry = ep.ID
	for i, c := range []string{"FR", "MA"} {
		s, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "site" + c, Country: c, Kind: model.SiteOnsite})
		must(t, err, "site")
		w.sites[i] = s.ID
		a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: s.ID, Name: "agent " + c, ChatCapacity: 2})
		must(t, err, "agent")
		w.agents[i] = a.ID
	}
	return w
}

// randomContact stores one contact's whole life, as the live center
// would, and returns its id and whether it was answered (to be rated).
func (w *world) randomContact(t *testing.T, st *store.Store, r *rand.Rand, base time.Time) (int64, bool) {
	ctx := t.Context()
	at := base.Add(time.Duration(r.Int64N(int64(96 * time.Hour))))
	ep := w.entry
	q0 := w.queues[r.IntN(2)]
	ewt, pos := r.IntN(300), 1+r.IntN(15)
	in := model.Interaction{QueueID: q0, Channel: model.ChannelChat, ArrivedAt: at, EntryPointID: &ep,
		AnnouncedEWTSeconds: &ewt, AnnouncedPosition: &pos, ToldNoAgent: r.IntN(10) == 0}
	id, err := st.CreateInteraction(ctx, w.tenant, in)
	must(t, err, "create")
	up := func(u store.StateUpdate) {
		t.Helper()
		_, err := st.UpdateInteractionState(ctx, w.tenant, id, u)
		must(t, err, "update "+string(u.State))
	}
	step := func() { at = at.Add(time.Duration(1+r.IntN(120_000)) * time.Millisecond) }
	if r.IntN(12) == 0 {
		up(store.StateUpdate{State: model.StateEnded, EndedReason: model.EndClosed, At: at, CloseSegments: true})
		return id, false
	}
	w.expectOffered++
	queue := q0
	if r.IntN(10) == 0 { // gone at once, within the short-abandon threshold or just past it
		at = at.Add(time.Duration(r.IntN(7000)) * time.Millisecond)
		up(store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: at, CloseSegments: true})
		return id, false
	}
	// Offers not taken, moves to the other queue, a callback request.
	for n := r.IntN(3); n > 0; n-- {
		step()
		agent := w.agents[r.IntN(2)]
		up(store.StateUpdate{State: model.StateOffered, At: at, AgentID: &agent, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &agent, QueueID: &queue}})
		step()
		up(store.StateUpdate{State: model.StateQueued, At: at, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegQueued, QueueID: &queue}})
	}
	if r.IntN(4) == 0 {
		step()
		next := w.queues[0]
		if queue == next {
			next = w.queues[1]
		}
		queue = next
		up(store.StateUpdate{State: model.StateQueued, At: at, QueueID: &queue, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegQueued, QueueID: &queue}})
	}
	if r.IntN(6) == 0 {
		step()
		up(store.StateUpdate{State: model.StateCallback, At: at, CloseSegments: true, Callback: &model.Callback{WriteBack: true},
			OpenSegment: &model.Segment{Kind: model.SegCallback, QueueID: &queue}})
	}
	switch r.IntN(5) {
	case 0: // abandoned, sometimes short
		if r.IntN(2) == 0 {
			at = at.Add(time.Duration(r.IntN(6000)) * time.Millisecond)
		} else {
			step()
		}
		up(store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: at, CloseSegments: true})
		return id, false
	case 1:
		step()
		up(store.StateUpdate{State: model.StateEnded, EndedReason: model.EndRejected, At: at, CloseSegments: true})
		return id, false
	}
	agent := w.agents[r.IntN(2)]
	step()
	up(store.StateUpdate{State: model.StateOffered, At: at, AgentID: &agent, CloseSegments: true,
		OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &agent, QueueID: &queue}})
	step()
	start := at
	up(store.StateUpdate{State: model.StateConnected, At: at, AgentID: &agent, CloseSegments: true,
		OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &agent, QueueID: &queue, Billable: true}})
	at = at.Add(time.Duration(r.IntN(3600_000)) * time.Millisecond) // past midnight, past intervals
	w.expectTalkMS += ts(at).Sub(ts(start)).Milliseconds()
	w.expectAnswered++
	if r.IntN(2) == 0 {
		up(store.StateUpdate{State: model.StateWrapUp, At: at, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegWrapUp, AgentID: &agent, QueueID: &queue, Billable: true}})
		step()
	}
	up(store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: at, CloseSegments: true})
	return id, true
}

func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// rollups reads every rollup row of the tenant.
func rollups(t *testing.T, st *store.Store, tenant int64) [5]any {
	ctx := t.Context()
	f := store.RollupFilter{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
	q, err := st.QueueRollups(ctx, tenant, f)
	must(t, err, "queue rollups")
	e, err := st.EWTRollups(ctx, tenant, f)
	must(t, err, "ewt rollups")
	a, err := st.AgentRollups(ctx, tenant, f)
	must(t, err, "agent rollups")
	s, err := st.AgentStateRollups(ctx, tenant, f)
	must(t, err, "agent state rollups")
	d, err := st.QueueRollupsByDay(ctx, tenant, f, "2000-01-01", "2100-01-01")
	must(t, err, "daily queue rollups")
	return [5]any{q, e, a, s, d}
}

// TestUpkeepMatchesRebuild feeds random histories (moves, offers not
// taken, callbacks, abandons short and long, conversations across
// intervals and midnight, around the October DST change in Paris,
// surveys after the end, agents' states) to the store, applying the
// upkeep at random moments; the rollups it keeps must equal those a
// rebuild makes from the raw records, and their totals what the histories
// were made of.
func TestUpkeepMatchesRebuild(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		for seed := uint64(1); seed <= 3; seed++ {
			r := rand.New(rand.NewPCG(seed, 7))
			w := newWorld(t, st, fmt.Sprintf("acme%d", seed))
			up := NewUpkeep(st, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, 1+r.IntN(40))
			ctx := t.Context()
			base := time.Date(2026, 10, 23, 22, 0, 0, 0, time.UTC) // DST ends in Paris on 2026-10-25
			var rated []int64
			stateAt := base
			for i := 0; i < 150; i++ {
				id, answered := w.randomContact(t, st, r, base)
				if answered {
					rated = append(rated, id)
				}
				// Agents' states, in time order per agent.
				var changes []store.AgentStateChange
				for n := r.IntN(3); n > 0; n-- {
					stateAt = stateAt.Add(time.Duration(r.IntN(40*60_000)) * time.Millisecond)
					st := []string{"ready", "not_ready", "offered", "busy", "wrap_up", "logged_out"}[r.IntN(6)]
					reason := ""
					if st == "not_ready" {
						reason = []string{"break", "training"}[r.IntN(2)]
					}
					changes = append(changes, store.AgentStateChange{TenantID: w.tenant, AgentID: w.agents[r.IntN(2)], State: st, Reason: reason, At: stateAt})
				}
				must(t, st.AppendAgentStates(ctx, changes), "agent states")
				if r.IntN(10) == 0 {
					_, err := up.Drain(ctx)
					must(t, err, "drain")
				}
				if len(rated) > 0 && r.IntN(4) == 0 {
					k := r.IntN(len(rated))
					score := 1 + r.IntN(5)
					must(t, st.SetSurvey(ctx, w.tenant, rated[k], score, ""), "survey")
					w.expectCSAT += int64(score)
					rated = append(rated[:k], rated[k+1:]...)
				}
			}
			must(t, st.CloseAgentStates(ctx, stateAt.Add(time.Hour)), "close states")
			_, err := up.Drain(ctx)
			must(t, err, "drain")
			kept := rollups(t, st, w.tenant)

			var total kpi.Counts
			for _, q := range kept[0].([]store.QueueRollup) {
				total.Add(q.Counts)
			}
			if total.Offered != w.expectOffered || total.Answered != w.expectAnswered || total.TalkMS != w.expectTalkMS || total.CSATSum != w.expectCSAT {
				t.Errorf("totals: offered %d answered %d talk %d ms csat %d; the histories had %d, %d, %d ms, %d",
					total.Offered, total.Answered, total.TalkMS, total.CSATSum, w.expectOffered, w.expectAnswered, w.expectTalkMS, w.expectCSAT)
			}
			if total.FlowedOut == 0 || total.RONA == 0 || total.ShortAbandoned == 0 || total.CallbacksRequested == 0 ||
				total.EWTKept[1] == 0 || total.EWTKept[1] == total.EWTTold || total.CallbacksWithin[5] == 0 ||
				total.AnsweredWithin[9] == 0 || total.AnsweredWithin[9] == total.Answered {
				t.Errorf("the histories should have moves, offers not taken, short abandons and callbacks: %+v", total)
			}

			stats, err := Rebuild(ctx, st, w.tenant, base.Add(-24*time.Hour), base.Add(10*24*time.Hour))
			must(t, err, "rebuild")
			if stats.Contacts != 150 {
				t.Errorf("rebuild read %d contacts, want 150", stats.Contacts)
			}
			rebuilt := rollups(t, st, w.tenant)
			for i, name := range []string{"queue", "ewt", "agent", "agent state", "daily queue"} {
				if !reflect.DeepEqual(kept[i], rebuilt[i]) {
					t.Errorf("%s rollups differ between upkeep and rebuild:\nupkeep  %+v\nrebuild %+v", name, kept[i], rebuilt[i])
				}
			}
			if n, err := up.Drain(ctx); err != nil || n != 0 {
				t.Errorf("after a rebuild the upkeep found %d to do (%v), want nothing", n, err)
			}
		}
	})
}
