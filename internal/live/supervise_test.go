package live

import (
	"errors"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// wantRefused requires a *RefusedError of kind (store.ErrNotFound or store.ErrConflict).
func wantRefused(t *testing.T, err error, kind error, what string) {
	t.Helper()
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(err, kind) {
		t.Fatalf("%s: %v, want a refusal (%v)", what, err, kind)
	}
	if re.Message == "" {
		t.Errorf("%s: refusal without message", what)
	}
}

func wantInvalid(t *testing.T, err error, field, what string) {
	t.Helper()
	ve, ok := model.AsValidationError(err)
	if !ok || ve.Field != field {
		t.Fatalf("%s: %v, want a validation error on %s", what, err, field)
	}
}

func TestSupervisorSetsAgentState(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	other := seedTenant(t, st, "globex")
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)

	// Without a desktop, an agent can only be logged out.
	wantRefused(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent, "ready", ""), store.ErrConflict, "ready without desktop")
	must(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent, "logged_out", ""), "log out an offline agent")

	ag := loginAgent(t, l)
	// Signing in logs the agent in, not ready.
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "not_ready" })
	before := time.Now().Add(-time.Second)
	must(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent, "ready", ""), "ready")
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "ready" })
	must(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent, "not_ready", "meeting"), "not ready")
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "not_ready" && f.str("reason") == "meeting" })

	snap, err := l.c.Snapshot(ctx, fx.tenant)
	must(t, err, "snapshot")
	if len(snap.Agents) != 1 || snap.Agents[0].State != "not_ready" || snap.Agents[0].Reason != "meeting" ||
		snap.Agents[0].Since == nil || snap.Agents[0].Since.Before(before) {
		t.Fatalf("snapshot agents %+v, want not_ready (meeting) since the change", snap.Agents)
	}

	wantInvalid(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent, "busy", ""), "state", "unknown state")
	long := make([]rune, model.MaxNameLen+1)
	for i := range long {
		long[i] = 'x'
	}
	wantInvalid(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent, "not_ready", string(long)), "reason", "long reason")
	// Another tenant's agent, and an unknown one, do not exist.
	wantRefused(t, l.c.SetAgentState(ctx, other.tenant, fx.agent, "logged_out", ""), store.ErrNotFound, "other tenant")
	wantRefused(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent+1000, "logged_out", ""), store.ErrNotFound, "unknown agent")

	// A deleted agent is gone for supervisors too.
	must(t, l.c.Reload(ctx, Change{Kind: ChangeAgent, TenantID: fx.tenant, ID: fx.agent, Deleted: true}), "delete agent")
	wantRefused(t, l.c.SetAgentState(ctx, fx.tenant, fx.agent, "logged_out", ""), store.ErrNotFound, "deleted agent")
}

// seedTenant adds a tenant with one chat queue and no agent.
func seedTenant(t *testing.T, st *store.Store, slug string) fixture {
	t.Helper()
	ctx := testCtx(t)
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: slug, Name: slug})
	must(t, err, "tenant")
	q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err, "queue")
	return fixture{tenant: ten.ID, queue: q.ID}
}

func TestSupervisorMovesContact(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	other := seedTenant(t, st, "globex")
	ctx := testCtx(t)
	q2, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "sales", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err, "second queue")
	voice, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err, "voice queue")
	l := startCenter(t, st, Options{})

	ada, qa := startChat(t, l, "Ada", "")
	_, qb := startChat(t, l, "Bob", "")
	ida, idb := qa.num("contact_id"), qb.num("contact_id")

	// Bob goes first to the other queue, then Ada: Ada arrived first, so
	// she is first there too.
	must(t, l.c.MoveContact(ctx, fx.tenant, idb, q2.ID), "move Bob")
	must(t, l.c.MoveContact(ctx, fx.tenant, ida, q2.ID), "move Ada")
	if pa, pb := position(t, l.c, ida), position(t, l.c, idb); pa != 1 || pb != 2 {
		t.Fatalf("positions after the moves: Ada %d, Bob %d; want 1 and 2 (arrival kept)", pa, pb)
	}
	in, err := st.GetInteraction(ctx, fx.tenant, ida)
	must(t, err, "get Ada")
	if in.QueueID != q2.ID || in.State != model.StateQueued {
		t.Fatalf("stored Ada %+v, want queued in %d", in, q2.ID)
	}
	segs, err := st.ListSegments(ctx, fx.tenant, ida)
	must(t, err, "segments")
	kinds := []model.SegmentKind{}
	for _, s := range segs {
		kinds = append(kinds, s.Kind)
	}
	if len(kinds) != 3 || kinds[0] != model.SegQueued || kinds[1] != model.SegTransferred || kinds[2] != model.SegQueued ||
		segs[1].QueueID == nil || *segs[1].QueueID != fx.queue || segs[2].QueueID == nil || *segs[2].QueueID != q2.ID {
		t.Fatalf("segments %+v, want queued, transferred (from the first queue), queued (in the second)", segs)
	}

	// Refusals.
	wantInvalid(t, l.c.MoveContact(ctx, fx.tenant, ida, q2.ID), "queue_id", "same queue")
	wantInvalid(t, l.c.MoveContact(ctx, fx.tenant, ida, other.queue), "queue_id", "another tenant's queue")
	wantInvalid(t, l.c.MoveContact(ctx, fx.tenant, ida, voice.ID), "queue_id", "a voice queue")
	wantInvalid(t, l.c.MoveContact(ctx, fx.tenant, ida, 0), "queue_id", "no queue")
	wantRefused(t, l.c.MoveContact(ctx, other.tenant, ida, other.queue), store.ErrNotFound, "another tenant's contact")
	wantRefused(t, l.c.MoveContact(ctx, fx.tenant, ida+1000, fx.queue), store.ErrNotFound, "unknown contact")
	wantRefused(t, l.c.MoveContact(ctx, fx.tenant, fx.history, fx.queue), store.ErrConflict, "an ended contact")

	// A contact being offered is moved: the offer is withdrawn, then made
	// again from the new queue (the agent serves both).
	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expect("offer", func(f frame) bool { return f.num("contact_id") == ida })
	must(t, l.c.MoveContact(ctx, fx.tenant, ida, fx.queue), "move Ada while offered")
	ag.expect("offer_withdrawn", func(f frame) bool { return f.num("contact_id") == ida && f.str("reason") == "transferred" })
	offer := ag.expect("offer", func(f frame) bool { return f.num("contact_id") == ida })
	if offer.num("queue") != fx.queue {
		t.Fatalf("new offer %v, want it from queue %d", offer, fx.queue)
	}
	// Once answered, the contact is no longer waiting.
	ag.send(frame{"type": "accept", "contact_id": ida})
	ada.expect("connected")
	wantRefused(t, l.c.MoveContact(ctx, fx.tenant, ida, q2.ID), store.ErrConflict, "a connected contact")
	in, err = st.GetInteraction(ctx, fx.tenant, ida)
	must(t, err, "get Ada")
	if in.QueueID != fx.queue || in.State != model.StateConnected {
		t.Fatalf("stored Ada %+v, want connected in %d", in, fx.queue)
	}
}
