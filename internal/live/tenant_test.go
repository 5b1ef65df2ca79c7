package live

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// believes is a node's Fence: the epoch it thinks it holds per tenant.
type believes struct {
	mu sync.Mutex
	m  map[int64]int64
}

func (b *believes) Epoch(tenantID int64) (int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.m[tenantID]
	return e, ok
}

// TestOneTenantCenterFenced: a cluster node's center of one tenant loads
// and restores only that tenant, writes under its epoch, and once another
// node has claimed a newer epoch nothing it decides reaches the records.
func TestOneTenantCenterFenced(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 0)
	ctx := testCtx(t)
	// Another tenant with a waiting chat: not this center's business.
	beta, err := st.CreateTenant(ctx, model.Tenant{Slug: "beta", Name: "Beta"})
	must(t, err, "tenant beta")
	bq, err := st.CreateQueue(ctx, beta.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err, "beta queue")
	betaChat, err := st.CreateInteraction(ctx, beta.ID, model.Interaction{QueueID: bq.ID, Channel: model.ChannelChat, ArrivedAt: time.Now()})
	must(t, err, "beta chat")
	// A chat of acme's left open by the previous owner.
	old, err := st.CreateInteraction(ctx, fx.tenant, model.Interaction{QueueID: fx.queue, Channel: model.ChannelChat, ArrivedAt: time.Now()})
	must(t, err, "acme chat")
	_, err = st.UpdateInteractionState(ctx, fx.tenant, old, store.StateUpdate{State: model.StateOffered, At: time.Now(), AgentID: &fx.agent,
		CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &fx.agent}})
	must(t, err, "offered by the previous owner")

	fence := &believes{m: map[int64]int64{fx.tenant: 3}}
	must(t, st.ClaimTenant(ctx, fx.tenant, 3, "a"), "claim")
	l := startCenter(t, st, Options{Tenant: fx.tenant, Fence: fence})
	if l.c.Tenant() != fx.tenant {
		t.Fatalf("center of tenant %d", l.c.Tenant())
	}
	// acme's offered chat was restored as waiting (under the epoch);
	// beta's is untouched and unknown to this center.
	if in, _ := st.GetInteraction(ctx, fx.tenant, old); in.State != model.StateQueued {
		t.Fatalf("acme's open chat after the takeover: %s", in.State)
	}
	snap, err := l.c.Snapshot(ctx, beta.ID)
	must(t, err, "beta snapshot")
	if len(snap.Queues) != 0 {
		t.Fatalf("the center of acme runs beta's queues: %+v", snap.Queues)
	}
	if in, _ := st.GetInteraction(ctx, beta.ID, betaChat); in.State != model.StateQueued {
		t.Fatalf("beta's chat changed: %s", in.State)
	}
	// beta's chat entry point is not served here.
	_, err = st.CreateEntryPoint(ctx, beta.ID, model.EntryPoint{Kind: model.EntryChat, Address: "beta-web", QueueID: bq.ID})
	must(t, err, "beta entry point")
	resp, err := http.Get(l.srv.URL + "/chat/beta-web/ws")
	must(t, err, "dial beta's chat")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("beta's chat on acme's center: %s", resp.Status)
	}

	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	offer := ag.expect("offer")
	if offer.num("contact_id") != old {
		t.Fatalf("offer %v, want the restored chat %d first", offer, old)
	}
	eventually(t, "the offer stored", func() bool {
		in, _ := st.GetInteraction(ctx, fx.tenant, old)
		return in.State == model.StateOffered
	})

	// Node b takes acme over; this node is paused and still believes it
	// holds epoch 3: the agent's accept is decided here but never stored.
	claimAt := time.Now()
	must(t, st.ClaimTenant(ctx, fx.tenant, 4, "b"), "b claims")
	ag.send(frame{"type": "accept", "contact_id": old})
	ag.expect("connected")
	// The agent's state changes (offered -> busy, then disconnected at
	// the stop) are batched: none is stored under the stale epoch either.
	l.stop() // flushes the batches
	spans, err := st.UnrolledAgentStates(ctx, 100)
	must(t, err, "agent states")
	for _, sp := range spans {
		if sp.End != nil && sp.End.After(claimAt) {
			t.Fatalf("a fenced node closed an agent state after the claim: %+v", sp)
		}
	}
	segs, err := st.ListSegments(ctx, fx.tenant, old)
	must(t, err, "segments")
	in, err := st.GetInteraction(ctx, fx.tenant, old)
	must(t, err, "get")
	if in.State != model.StateOffered || in.AnsweredAt != nil {
		t.Fatalf("a fenced node's connect reached the record: %+v", in)
	}
	for _, s := range segs {
		if s.Kind == model.SegConnected {
			t.Fatalf("a fenced node stored a connected segment: %+v", segs)
		}
	}
}

// TestOneTenantCenterStopsOnLostLease: once the node's fence says the lease
// is gone, the center decides nothing more: the next command finds it
// stopped, and its sockets are closed.
func TestOneTenantCenterStopsOnLostLease(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	ctx := testCtx(t)
	fence := &believes{m: map[int64]int64{fx.tenant: 1}}
	must(t, st.ClaimTenant(ctx, fx.tenant, 1, "a"), "claim")
	l := startCenter(t, st, Options{Tenant: fx.tenant, Fence: fence})
	ag := loginAgent(t, l)
	cust, q := startChat(t, l, "Ada", "")
	fence.mu.Lock()
	delete(fence.m, fx.tenant)
	fence.mu.Unlock()
	// The agent goes ready: the lease is gone, nothing is offered.
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expectClosed()
	cust.expectClosed()
	in, err := st.GetInteraction(ctx, fx.tenant, q.num("contact_id"))
	must(t, err, "get")
	if in.State != model.StateQueued {
		t.Fatalf("contact %s after the lease was lost", in.State)
	}
}
