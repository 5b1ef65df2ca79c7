package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// The one-statement writes store what the general path stores: the same
// sequence of updates applied to two contacts, one at once and one
// statement by statement, leaves the same row, sums and segments; and
// where the general path refuses (ended, unknown agent), the statement
// writes nothing.
func TestAtOnceWritesMatchGeneralPath(t *testing.T) {
	s := openPostgresForTest(t)
	ctx := testCtx(t)
	f := newFixture(t, s, "acme")
	ep, err := s.CreateEntryPoint(ctx, f.tenant.ID, model.EntryPoint{Kind: model.EntryPhone, Address: "+33100000001", QueueID: f.queue.ID})
	noErr(t, err, "entry point")
	c := s.conn()
	arrive := model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, Tier: "premium", ArrivedAt: t0,
		Customer: model.Customer{Name: "Zoé", Phone: "+33612345678"}, EntryPointID: &ep.ID, MenuChoice: "option:2"}
	cb, err := callbackJSON(arrive.Callback)
	noErr(t, err, "callback")
	atOnce, ok, err := createInteractionAtOnce(ctx, c, f.tenant.ID, arrive, ts(arrive.ArrivedAt), cb, nil)
	if err != nil || !ok {
		t.Fatalf("create at once: %v %v", ok, err)
	}
	each, err := s.createInteractionEach(ctx, f.tenant.ID, arrive, ts(arrive.ArrivedAt), cb)
	noErr(t, err, "create")

	agent, qid := f.agent.ID, f.queue.ID
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	steps := []StateUpdate{
		{State: model.StateOffered, At: at(10), AgentID: &agent, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &agent, QueueID: &qid}},
		{State: model.StateConnected, At: at(14), AgentID: &agent, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &agent, QueueID: &qid, Billable: true}},
		{State: model.StateConnected, At: at(70), CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegHold, AgentID: &agent, QueueID: &qid, Billable: true}},
		{State: model.StateConnected, At: at(100), CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &agent, QueueID: &qid, Billable: true}},
		{State: model.StateWrapUp, At: at(160), CloseSegments: true, Callback: &model.Callback{Number: "+33698765432"}, MenuChoice: "option:3",
			OpenSegment: &model.Segment{Kind: model.SegWrapUp, AgentID: &agent, QueueID: &qid}},
		{State: model.StateEnded, EndedReason: model.EndAnswered, At: at(190), CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegTransferred, QueueID: &qid, EndedAt: ptr(at(190))}},
	}
	for i, u := range steps {
		cb, err := callbackJSON(u.Callback)
		noErr(t, err, "callback")
		done, err := stateWriteAtOnce(ctx, c, f.tenant.ID, atOnce, u, cb)
		if err != nil || !done {
			t.Fatalf("step %d at once: %v %v", i, done, err)
		}
		noErr(t, stateWriteEach(ctx, c, f.tenant.ID, each, u, cb), "step each")
	}
	a, b := storedContact(t, s, f.tenant.ID, atOnce), storedContact(t, s, f.tenant.ID, each)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("at once and statement by statement differ:\n%+v\n%+v", a, b)
	}
	if a.in.State != model.StateEnded || a.talk != 116_000_000 || a.hold != 30_000_000 || a.wrapUp != 30_000_000 || a.billable != 146_000_000 || len(a.segs) != 7 {
		t.Fatalf("stored %+v", a)
	}

	// Refusals write nothing, and the general path says why.
	again := StateUpdate{State: model.StateQueued, At: at(200)}
	if done, err := stateWriteAtOnce(ctx, c, f.tenant.ID, atOnce, again, nil); done || err != nil {
		t.Fatalf("update of an ended contact at once: %v %v", done, err)
	}
	if err := stateWriteEach(ctx, c, f.tenant.ID, atOnce, again, nil); !errors.Is(err, ErrConflict) {
		t.Fatalf("update of an ended contact: %v, want a conflict", err)
	}
	fresh, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0})
	noErr(t, err, "create")
	stranger := int64(1 << 40)
	offer := StateUpdate{State: model.StateOffered, At: at(5), AgentID: &stranger, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &stranger, QueueID: &qid}}
	if done, err := stateWriteAtOnce(ctx, c, f.tenant.ID, fresh, offer, nil); done || err != nil {
		t.Fatalf("offer to an unknown agent at once: %v %v", done, err)
	}
	if _, err := s.UpdateInteractionState(ctx, f.tenant.ID, fresh, offer); !errors.Is(err, ErrInvalid) {
		t.Fatalf("offer to an unknown agent: %v, want invalid", err)
	}
	if got := storedContact(t, s, f.tenant.ID, fresh); got.in.State != model.StateQueued || len(got.segs) != 1 || got.segs[0].EndedAt != nil {
		t.Fatalf("refused offer stored something: %+v", got)
	}

	// A check that fails stores nothing at once; the general path says why.
	for _, bad := range []model.Interaction{
		{QueueID: f.queue.ID, Channel: model.ChannelChat, ArrivedAt: t0},
		{QueueID: f.queue.ID, Channel: model.ChannelVoice, Tier: "gold", ArrivedAt: t0},
		{QueueID: f.queue.ID, Channel: model.ChannelVoice, EntryPointID: &stranger, ArrivedAt: t0},
		{QueueID: stranger, Channel: model.ChannelVoice, ArrivedAt: t0},
	} {
		if _, ok, err := createInteractionAtOnce(ctx, c, f.tenant.ID, bad, ts(t0), nil, nil); ok || err != nil {
			t.Fatalf("create %+v at once: %v %v, want nothing stored", bad, ok, err)
		}
		if _, err := s.CreateInteraction(ctx, f.tenant.ID, bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("create %+v: %v, want invalid", bad, err)
		}
	}
	// A stale epoch stores nothing.
	noErr(t, s.ClaimTenant(ctx, f.tenant.ID, 3, "n1"), "claim")
	stale := int64(2)
	if _, ok, err := createInteractionAtOnce(ctx, c, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0}, ts(t0), nil, &stale); ok || err != nil {
		t.Fatalf("create with a stale epoch: %v %v, want nothing stored", ok, err)
	}
	current := int64(3)
	if _, ok, err := createInteractionAtOnce(ctx, c, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0}, ts(t0), nil, &current); !ok || err != nil {
		t.Fatalf("create with the current epoch: %v %v", ok, err)
	}
}

type contactRow struct {
	in                           model.Interaction
	talk, hold, wrapUp, billable int64
	reportPending                int
	segs                         []model.Segment
}

func storedContact(t *testing.T, s *Store, tenantID, id int64) contactRow {
	t.Helper()
	ctx := context.Background()
	in, err := s.GetInteraction(ctx, tenantID, id)
	noErr(t, err, "get")
	r := contactRow{in: in}
	noErr(t, s.db.QueryRowContext(ctx, "SELECT talk_us, hold_us, wrap_up_us, billable_us, report_pending FROM interactions WHERE id = $1", id).
		Scan(&r.talk, &r.hold, &r.wrapUp, &r.billable, &r.reportPending), "sums")
	rows, err := s.db.QueryContext(ctx, "SELECT "+segmentCols+" FROM segments WHERE interaction_id = $1 ORDER BY id", id)
	noErr(t, err, "segments")
	defer rows.Close()
	for rows.Next() {
		seg, err := scanSegment(rows)
		noErr(t, err, "scan segment")
		r.segs = append(r.segs, seg)
	}
	noErr(t, rows.Err(), "segments")
	// What differs by construction: the ids.
	r.in.ID = 0
	for i := range r.segs {
		r.segs[i].ID, r.segs[i].InteractionID = 0, 0
	}
	return r
}
